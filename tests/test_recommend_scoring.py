"""The recommender's weights and wording, pinned exactly (pure function, no database).

Each test offers a small catalogue and checks the score, the reasons in order and
the one-line reason a learner reads on the dashboard."""

from datetime import date, timedelta

from lms.pathways.recommend import LearnerFacts, Recommendation, recommend
from tests.recommend_fixtures import CROSS
from tests.recommend_fixtures import candidate as lesson

HEALTH, MANUFACTURING, ELSEWHERE = 1, 2, 99
SENIOR, MANAGER = 10, 11
DATA, STRATEGY = 20, 21
SKILLS = {DATA: "Data readiness", STRATEGY: "Strategy and ROI"}
TODAY = date(2026, 11, 25)


def facts(**overrides):
    base = dict(
        sector_id=HEALTH,
        sector_name="Health tech",
        seniority_id=SENIOR,
        seniority_name="Senior leader",
        ratings={},
        skill_names=SKILLS,
        today=TODAY,
    )
    return LearnerFacts(**(base | overrides))


def only(learner, candidate):
    return recommend(learner, [candidate])


def test_every_reason_adds_its_weight_and_is_listed_most_important_first():
    candidate = lesson(
        7, 1, sectors={HEALTH}, levels={SENIOR}, skills={DATA}, published=TODAY - timedelta(30)
    )
    learner = facts(ratings={DATA: 2}, started_courses=frozenset({1}), pathway_positions={7: 3})
    picked = only(learner, candidate)
    # started 4 + sector 3 + gap 3 + pathway 2 + 1/(1+3) + seniority 2 + fresh 1
    assert picked == Recommendation(
        7,
        15.25,
        (
            "you started “Course 1”",
            "you lead in health tech",
            "you rated data readiness 2/5",
            "it is next on your pathway",
            "it is written for senior leader roles",
            "it is new",
        ),
    )
    assert picked.reason == "Because you started “Course 1” and you lead in health tech."


def test_a_lesson_matching_nothing_scores_zero_and_is_a_good_place_to_start():
    picked = only(facts(), lesson(7, 1, sectors={MANUFACTURING}, levels={MANAGER}))
    assert (picked.score, picked.reasons) == (0.0, ())
    assert picked.reason == "Because it is a good place to start."


def test_each_weight_on_its_own():
    started = only(facts(started_courses=frozenset({1})), lesson(7, 1))
    assert (started.score, started.reasons) == (4.0, ("you started “Course 1”",))
    sector = only(facts(), lesson(7, 1, sectors={HEALTH}))
    assert (sector.score, sector.reasons) == (3.0, ("you lead in health tech",))
    level = only(facts(), lesson(7, 1, levels={SENIOR}))
    assert (level.score, level.reasons) == (2.0, ("it is written for senior leader roles",))
    assert level.reason == "Because it is written for senior leader roles."


def test_a_cross_sector_course_counts_a_little_without_a_reason_and_adds_to_the_rest():
    picked = only(facts(started_courses=frozenset({1})), lesson(7, 1, sectors={CROSS}))
    assert (picked.score, picked.reasons) == (5.0, ("you started “Course 1”",))
    own_sector_too = only(facts(), lesson(7, 1, sectors={CROSS, HEALTH}))
    assert own_sector_too.score == 3.0  # the sector weight, not both


def test_the_sector_weight_adds_to_the_started_course_weight():
    picked = only(facts(started_courses=frozenset({1})), lesson(7, 1, sectors={HEALTH}))
    assert picked.score == 7.0


def test_the_skill_gap_is_five_minus_the_rating_and_named_from_two_points():
    def gap_score(rating):
        picked = only(facts(ratings={DATA: rating}), lesson(7, 1, skills={DATA}))
        return picked.score, picked.reasons

    assert gap_score(1) == (4.0, ("you rated data readiness 1/5",))
    assert gap_score(3) == (2.0, ("you rated data readiness 3/5",))
    assert gap_score(4) == (1.0, ())  # counts, but too small to mention
    assert gap_score(5) == (0.0, ())


def test_the_gap_adds_to_the_other_weights():
    picked = only(facts(ratings={DATA: 4}), lesson(7, 1, sectors={HEALTH}, skills={DATA}))
    assert picked.score == 4.0


def test_the_widest_gap_of_the_course_skills_counts():
    candidate = lesson(7, 1, skills={DATA, STRATEGY})
    data_weak = only(facts(ratings={DATA: 1, STRATEGY: 4}), candidate)
    assert (data_weak.score, data_weak.reasons) == (4.0, ("you rated data readiness 1/5",))
    strategy_weak = only(facts(ratings={DATA: 4, STRATEGY: 1}), candidate)
    assert strategy_weak.reasons == ("you rated strategy and ROI 1/5",)


def test_equal_gaps_name_the_first_skill():
    picked = only(facts(ratings={DATA: 2, STRATEGY: 2}), lesson(7, 1, skills={DATA, STRATEGY}))
    assert (picked.score, picked.reasons) == (3.0, ("you rated data readiness 2/5",))


def test_unrated_skills_do_not_count_and_an_unnamed_skill_is_this_skill():
    assert only(facts(ratings={STRATEGY: 1}), lesson(7, 1, skills={DATA})).score == 0.0
    unnamed = only(facts(ratings={DATA: 2}, skill_names={}), lesson(7, 1, skills={DATA}))
    assert unnamed.reasons == ("you rated this skill 2/5",)


def test_the_pathway_weight_is_higher_the_earlier_the_lesson_comes():
    def pathway_score(position):
        return only(facts(pathway_positions={7: position}), lesson(7, 1)).score

    assert pathway_score(0) == 3.0
    assert pathway_score(1) == 2.5
    assert pathway_score(3) == 2.25
    on_pathway = only(facts(pathway_positions={7: 1}), lesson(7, 1, sectors={HEALTH}))
    assert on_pathway.score == 5.5
    assert on_pathway.reasons == ("you lead in health tech", "it is next on your pathway")


def test_a_lesson_is_new_for_thirty_days():
    def new(published):
        picked = only(facts(), lesson(7, 1, published=published))
        return picked.score, picked.reasons

    assert new(TODAY - timedelta(days=30)) == (1.0, ("it is new",))
    assert new(TODAY - timedelta(days=31)) == (0.0, ())
    assert new(None) == (0.0, ())
    assert new(TODAY) == (1.0, ("it is new",))
    assert new(TODAY + timedelta(days=1)) == (0.0, ())  # dated in the future: not new yet
    assert only(facts(), lesson(7, 1, sectors={HEALTH}, published=TODAY)).score == 4.0


def test_names_are_lowered_except_acronyms():
    gps = facts(
        sector_name="GPs and primary care", seniority_name="NHS board member", ratings={DATA: 1}
    )
    picked = only(gps, lesson(7, 1, sectors={HEALTH}, levels={SENIOR}, skills={DATA}))
    assert picked.reasons == (
        "you lead in GPs and primary care",
        "you rated data readiness 1/5",
        "it is written for NHS board member roles",
    )


def test_the_best_score_wins_and_the_first_unfinished_lesson_of_each_course_is_offered():
    catalogue = [
        lesson(12, 1, order=2, sectors={HEALTH}),
        lesson(11, 1, order=1, sectors={HEALTH}),
        lesson(21, 2, order=1, levels={SENIOR}),
    ]
    assert recommend(facts(), catalogue).lesson_id == 11
    assert recommend(facts(completed=frozenset({11})), catalogue).lesson_id == 12
    assert recommend(facts(completed=frozenset({11, 12})), catalogue).lesson_id == 21


def test_in_a_tie_the_first_lesson_on_the_pathway_wins_over_an_earlier_title():
    on_pathway = lesson(7, 1, course_title="Zebra course")
    in_sector = lesson(8, 2, sectors={HEALTH}, course_title="Alpha course")
    learner = facts(pathway_positions={7: 0})
    for catalogue in ([on_pathway, in_sector], [in_sector, on_pathway]):
        picked = recommend(learner, catalogue)
        assert (picked.lesson_id, picked.score) == (7, 3.0)
