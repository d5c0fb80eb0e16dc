"""The skills-gap figures (lms.reports.skills_gaps) on a small hand-built
dataset, against the numbers worked out by hand below."""

from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from content.models import LocalArea, Sector, SeniorityLevel, Skill
from courses.models import CoursePage, LessonPage
from lms.progress.models import LessonProgress
from lms.reports import disclosure, skills_gaps
from tests.factories import LearnerProfileFactory, self_check

pytestmark = pytest.mark.django_db

JAN = datetime(2026, 1, 10, 9, tzinfo=UTC)
MAR = datetime(2026, 3, 10, 9, tzinfo=UTC)

# Health tech, Coventry: 12 people. First sitting (January), governance:
S1_FIRST = [1, 2, 2, 3, 3, 3, 4, 4, 5, 1, 2, 3]  # sum 33
# The first six re-rate in March:
S1_AGAIN = [2, 3, 2, 4, 4, 3]  # latest of all 12: 2,3,2,4,4,3,4,4,5,1,2,3 = 37
# Creative, 3 people once: 5, 5, 4 (sum 14); manufacturing, 3 once: 4, 4, 4 (12).
S2 = [5, 5, 4]
S3 = [4, 4, 4]
# Buying AI: only three health tech people rate it, 1, 1, 2.
BUYING = [1, 1, 2]


@pytest.fixture
def dataset():
    governance = Skill.objects.get(slug="governance-ethics")
    buying = Skill.objects.get(slug="buying-ai")
    health = Sector.objects.get(slug="health-tech")
    creative = Sector.objects.get(slug="creative-immersive")
    manufacturing = Sector.objects.get(slug="advanced-manufacturing")
    board = SeniorityLevel.objects.get(slug="board")
    area = LocalArea.objects.order_by("name").first()
    people = []
    for n, first in enumerate(S1_FIRST):
        person = LearnerProfileFactory(sector=health, seniority=board, local_area=area).user
        ratings = {governance: first}
        if n < len(BUYING):
            ratings[buying] = BUYING[n]
        self_check(person, ratings, JAN)
        if n < len(S1_AGAIN):
            self_check(person, {governance: S1_AGAIN[n]}, MAR)
        people.append(person)
    for sector, ratings in ((creative, S2), (manufacturing, S3)):
        for rating in ratings:
            person = LearnerProfileFactory(sector=sector, seniority=board).user
            self_check(person, {governance: rating}, JAN)
            people.append(person)
    return {
        "governance": governance,
        "buying": buying,
        "health": health,
        "area": area,
        "people": people,
    }


def by_skill(averages):
    return {average.skill: average for average in averages}


def test_skill_averages_equal_the_hand_computation(dataset):
    everyone = get_user_model().objects.filter(pk__in=[p.pk for p in dataset["people"]])
    averages = by_skill(skills_gaps.skill_averages(everyone.values("pk")))
    governance = averages[dataset["governance"].pk]
    # 18 people; first: 33 + 14 + 12 = 59; latest: 37 + 14 + 12 = 63
    assert governance.skill_name == "Governance and ethics"
    assert governance.rated == 18
    assert governance.average_first == Fraction(59, 18)
    assert governance.average_latest == Fraction(63, 18)  # 3.5
    assert governance.share_low == 4  # latest 2, 2, 1, 2 in health tech
    assert governance.rerated == 6
    assert governance.change == Fraction(4, 6)  # changes 1, 1, 0, 1, 1, 0
    cells = governance.cells
    assert cells["average_latest"].text == "3.5"
    assert cells["average_first"].text == "3.3"  # 3.277…
    assert cells["rated"].value in {15, 20} and cells["rated"].value % 5 == 0
    assert cells["low"].text == "Hidden: fewer than 10 learners"
    assert cells["low_rate"].hidden
    assert cells["change"].text == "Hidden: fewer than 10 learners"  # 6 re-raters
    buying = averages[dataset["buying"].pk]
    assert (buying.rated, buying.average_latest, buying.share_low) == (3, Fraction(4, 3), 3)
    assert buying.cells["average_latest"].text == "Hidden: fewer than 10 learners"
    other = averages[Skill.objects.get(slug="generative-ai").pk]
    assert (other.rated, other.average_latest, other.share_low) == (0, None, 0)
    assert other.cells["average_latest"].hidden


def test_regional_averages_cover_every_learner(dataset):
    regional = by_skill(skills_gaps.regional_averages())
    assert regional[dataset["governance"].pk].rated == 18
    assert regional[dataset["governance"].pk].average_latest == Fraction(63, 18)


def test_the_period_counts_only_sittings_inside_it(dataset):
    averages = skills_gaps.figures_by_group(None, (), until=JAN.date())[()]
    governance = averages[dataset["governance"].pk]
    # January only: everyone's first is their latest
    assert (governance.rated, governance.latest_sum, governance.rerated) == (18, 59, 0)
    march = skills_gaps.figures_by_group(None, (), since=MAR.date())[()]
    assert (march[dataset["governance"].pk].rated, march[dataset["governance"].pk].latest_sum) == (
        6,
        18,  # 2 + 3 + 2 + 4 + 4 + 3
    )


def test_nobody_gives_empty_figures():
    nobody = get_user_model().objects.filter(pk__in=[]).values("pk")
    averages = skills_gaps.skill_averages(nobody)
    assert averages and all(a.rated == 0 and a.average_latest is None for a in averages)


def test_the_map_by_sector_hides_small_sectors_and_what_the_total_would_give(dataset):
    report = skills_gaps.gap_report(None, dimension="sector")
    governance = dataset["governance"]
    rows = {row.label: row for row in report.map.rows}
    assert list(rows) == ["Advanced manufacturing", "Creative and immersive tech", "Health tech"]
    health = report.map.cell(rows["Health tech"], governance, "average_latest")
    assert health.text == "3.1"  # 37 / 12 = 3.083…
    assert report.map.cell(rows["Health tech"], governance, "average_first").text == "2.8"  # 2.75
    for small in ("Advanced manufacturing", "Creative and immersive tech"):
        cell = report.map.cell(rows[small], governance, "average_latest")
        assert cell.text == "Hidden: fewer than 10 learners"
    # manufacturing 4, 4, 4 would be hidden even at 10 people: all the same rating
    assert report.map.cell(report.map.total, governance, "average_latest").text == "3.5"
    total = by_skill(report.averages)[governance.pk]
    assert total.rated == 18 and total.cells["average_latest"].text == "3.5"


def test_lessons_completed_count_per_skill_of_the_course(dataset):
    course = CoursePage.objects.filter(skills=dataset["governance"]).first()
    lessons = list(LessonPage.objects.child_of(course))[:2]
    person = dataset["people"][0]
    for lesson in lessons:
        LessonProgress.objects.create(
            user=person, lesson=lesson, course=course, started_at=JAN, completed_at=JAN
        )
    LessonProgress.objects.create(
        user=dataset["people"][1], lesson=lessons[0], course=course, started_at=JAN
    )  # started, not completed
    averages = by_skill(skills_gaps.regional_averages())
    for skill in course.skills.all():
        assert averages[skill.pk].lessons_completed == len(lessons)
    assert averages[dataset["buying"].pk].lessons_completed == (
        len(lessons) if course.skills.filter(pk=dataset["buying"].pk).exists() else 0
    )


def test_an_unknown_breakdown_is_refused():
    with pytest.raises(ValueError, match="Unknown breakdown"):
        skills_gaps.gap_report(None, dimension="equity")


def test_a_mean_cell_is_hidden_when_everyone_gave_the_same_rating():
    count = disclosure.count_cells([30], [0])[0]
    assert disclosure.mean_cell(count, 90, unanimous=True).hidden
    assert disclosure.mean_cell(count, 89, unanimous=False).value == Decimal("3.0")


# -- disclosure of the new tables (property-based) ------------------------------------


def figures_strategy():
    @st.composite
    def one(draw):
        rated = draw(st.integers(0, 60))
        ratings = draw(st.lists(st.integers(1, 5), min_size=rated, max_size=rated))
        rerated = draw(st.integers(0, rated))
        return skills_gaps.Figures(
            rated=rated,
            rated_key=draw(st.integers(0, 255 * max(rated, 1))),
            latest_sum=sum(ratings),
            first_sum=sum(ratings),
            latest_min=min(ratings, default=None),
            latest_max=max(ratings, default=None),
            first_min=min(ratings, default=None),
            first_max=max(ratings, default=None),
            low=sum(1 for r in ratings if r <= 2),
            low_key=draw(st.integers(0, 5000)),
            rerated=rerated,
            rerated_key=draw(st.integers(0, 5000)),
            completed=draw(st.integers(0, 200)),
            completed_key=draw(st.integers(0, 50000)),
        )

    return st.lists(one(), min_size=1, max_size=8)


@given(groups=figures_strategy())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_disclosed_skill_column_keeps_every_small_group_hidden(groups):
    whole = skills_gaps.Figures()
    for figures in groups:
        whole.add(figures)
    column = skills_gaps.disclose_column(groups, whole)
    rows = [*groups, whole]
    for name in skills_gaps.COUNTED:
        cells = [cells[name] for cells in column]
        for raw, cell in zip(rows, cells, strict=True):
            if cell.shown:
                assert cell.value % 5 == 0 and cell.value >= 10
            if getattr(raw, name) < 10:
                assert cell.hidden
        hidden = [i for i, cell in enumerate(cells) if cell.hidden]
        equation = [(list(range(len(groups))), len(groups))]
        assert not disclosure._determined(hidden, equation)  # nothing solvable
    for raw, cells in zip(rows, column, strict=True):
        average = cells["average_latest"]
        if raw.rated < 10 or cells["rated"].hidden:
            assert average.hidden
        if raw.rated and raw.latest_min == raw.latest_max:
            assert average.hidden
        if average.shown:
            assert abs(float(average.value) - raw.latest_sum / raw.rated) <= 0.05 + 1e-9
        if cells["low_rate"].shown:
            assert cells["low"].shown and cells["rated"].shown
