"""The recommendation pinned on named profiles (pure function, no database)."""

from datetime import date

from lms.pathways.recommend import LearnerFacts, recommend
from tests.recommend_fixtures import CROSS
from tests.recommend_fixtures import candidate as lesson

MANUFACTURING, HEALTH = 1, 2
BOARD, SENIOR, MANAGER = 10, 11, 12
DATA, STRATEGY, REGULATION = 20, 21, 22
SKILLS = {DATA: "Data readiness", STRATEGY: "Strategy and ROI", REGULATION: "Regulation and risk"}
TODAY = date(2026, 11, 25)


CATALOGUE = [
    # Health course for senior leaders on data readiness
    lesson(101, 1, 1, {HEALTH}, {SENIOR}, {DATA}),
    lesson(102, 1, 2, {HEALTH}, {SENIOR}, {DATA}),
    # Manufacturing course for managers on strategy
    lesson(201, 2, 1, {MANUFACTURING}, {MANAGER}, {STRATEGY}),
    lesson(202, 2, 2, {MANUFACTURING}, {MANAGER}, {STRATEGY}),
    # Cross-sector board course on regulation
    lesson(301, 3, 1, {CROSS}, {BOARD, SENIOR}, {REGULATION}),
]


def facts(**overrides):
    base = dict(
        sector_id=HEALTH,
        sector_name="Health tech",
        seniority_id=SENIOR,
        seniority_name="Senior leader",
        ratings={DATA: 2, STRATEGY: 4, REGULATION: 4},
        skill_names=SKILLS,
        today=TODAY,
    )
    return LearnerFacts(**(base | overrides))


def test_nhs_director_weak_on_data_gets_the_health_data_lesson_and_why():
    picked = recommend(facts(), CATALOGUE)
    assert picked.lesson_id == 101
    assert picked.reason == "Because you lead in health tech and you rated data readiness 2/5."


def test_completed_lessons_are_never_offered_and_the_course_continues_in_order():
    picked = recommend(facts(completed=frozenset({101}), started_courses=frozenset({1})), CATALOGUE)
    assert picked.lesson_id == 102
    assert picked.reasons[0] == "you started “Course 1”"


def test_factory_manager_gets_manufacturing_before_cross_sector():
    manager = facts(
        sector_id=MANUFACTURING,
        sector_name="Advanced manufacturing",
        seniority_id=MANAGER,
        seniority_name="Manager",
        ratings={STRATEGY: 1},
    )
    picked = recommend(manager, CATALOGUE)
    assert picked.lesson_id == 201
    assert "you rated strategy and ROI 1/5" in picked.reasons


def test_board_member_with_a_regulation_gap_gets_the_cross_sector_board_lesson():
    board = facts(
        sector_id=MANUFACTURING,
        sector_name="Advanced manufacturing",
        seniority_id=BOARD,
        seniority_name="Board and C-suite",
        ratings={REGULATION: 1, STRATEGY: 5, DATA: 5},
    )
    assert recommend(board, CATALOGUE).lesson_id == 301


def test_pathway_order_breaks_ties_and_is_given_as_a_reason():
    learner = facts(sector_id=99, sector_name="Other", seniority_id=99, ratings={}, skill_names={})
    picked = recommend(learner, [CATALOGUE[2], CATALOGUE[0]])
    assert picked.lesson_id == 101  # tie broken by course title, deterministically
    on_pathway = facts(
        sector_id=99, sector_name="Other", seniority_id=99, ratings={}, pathway_positions={201: 1}
    )
    with_pathway = recommend(on_pathway, [CATALOGUE[0], CATALOGUE[2]])
    assert with_pathway.lesson_id == 201
    assert "it is next on your pathway" in with_pathway.reasons


def test_fresh_lessons_get_a_nudge_up():
    fresh = lesson(401, 4, 1, {HEALTH}, {SENIOR}, {DATA}, published=date(2026, 11, 20))
    picked = recommend(facts(), CATALOGUE + [fresh])
    assert picked.lesson_id == 401
    assert "it is new" in picked.reasons


def test_same_inputs_same_answer_and_nothing_left_gives_none():
    assert recommend(facts(), CATALOGUE) == recommend(facts(), list(reversed(CATALOGUE)))
    everything = frozenset(c.lesson_id for c in CATALOGUE)
    assert recommend(facts(completed=everything), CATALOGUE) is None
