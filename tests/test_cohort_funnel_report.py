"""The cohort funnel report's figures agree: one definition of minutes
learned (the listed minutes of the lessons completed, lms.progress.minutes)
in the funnel, its per-cohort rows, the breakdowns, the learner's dashboard
and the CPD log; the per-cohort rows come from one grouped query
(cohort_funnels) with the same figures and record key sums as each cohort's
own funnel, in as many queries for 20 cohorts as for 2; the funnel chart
draws the five stages with the figures of its table. The learners and their
learning are those of tests/test_cohort_metrics.py."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import LessonPage
from home.dashboard import build_dashboard
from lms.certificates.cpd import cpd_rows
from lms.cohorts.access import ensure_roles
from lms.cohorts.models import Cohort
from lms.pathways.models import Pathway, PathwayItem
from lms.progress.minutes import minutes_learned
from lms.progress.models import LessonProgress
from lms.progress.services import complete_lesson, start_lesson
from lms.reports.cohort_metrics import Scope, breakdown, cohort_funnels, funnel, learner_rows
from lms.reports.views.cohort_funnel import served_stages
from tests.nudge_fixtures import lessons_of, make_learner
from tests.test_cohort_metrics import WEEK1, WEEK2, at, build_world, join, set_keys

pytestmark = pytest.mark.django_db

FUNNEL = "/admin/reports/cohort-funnel/"
FIGURES = ("invited", "joined", "activated", "engaged", "completed", "minutes")
KEYS = ("joined_key", "activated_key", "engaged_key", "completed_key")
WINDOWS = [
    (None, None),
    (date(2026, 3, 9), date(2026, 3, 15)),  # week 2 only
    (date(2026, 3, 16), None),  # after pathways were finished
    (None, date(2026, 3, 22)),
    (date(2026, 4, 1), date(2026, 4, 30)),  # after cohort A ended
]


@pytest.fixture
def world(django_user_model, library):
    world = build_world(django_user_model)
    # A third cohort on a pathway with no lessons (never completed), shared
    # with a learner of A, and keys that name the learners behind each sum.
    empty = Pathway.objects.create(title="Empty", slug="p-empty")
    world["c"] = Cohort.objects.create(
        name="C",
        programme=world["a"].programme,
        pathway=empty,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 31),
    )
    join(world["c"], world["users"][0])
    set_keys(world["users"], (1, 2, 4, 8, 16))
    return world


def figures(funnel_):
    return tuple(getattr(funnel_, name) for name in FIGURES + KEYS)


@pytest.mark.parametrize(("since", "until"), WINDOWS)
def test_each_cohorts_row_is_that_cohorts_own_funnel(world, since, until):
    ids = [world["a"].pk, world["b"].pk, world["c"].pk]
    rows = cohort_funnels(ids, since, until)
    assert list(rows) == ids
    for pk in ids:
        alone = funnel(Scope((pk,), since, until))
        assert figures(rows[pk]) == figures(alone), pk
        # So the served (perturbed) figures are the same too.
        assert served_stages(rows[pk]) == served_stages(alone)


def test_cohort_rows_count_what_the_cohort_holds(world):
    rows = cohort_funnels([world["a"].pk, world["b"].pk, world["c"].pk])
    a, b, c = (rows[world[name].pk] for name in "abc")
    assert (a.invited, a.joined, a.activated, a.engaged, a.completed) == (5, 4, 3, 2, 1)
    assert (b.invited, b.joined, b.activated, b.engaged, b.completed) == (2, 2, 1, 0, 1)
    assert (c.invited, c.joined, c.activated, c.completed) == (1, 1, 1, 0)  # empty pathway
    assert (a.joined_key, b.joined_key, c.joined_key) == (1 + 2 + 4 + 16, 2 + 8, 1)
    # A cohort not asked for is not there; one outside the window is all zeros.
    april = cohort_funnels([world["a"].pk], date(2026, 4, 1), date(2026, 4, 30))
    assert figures(april[world["a"].pk]) == (0,) * 10
    assert cohort_funnels([]) == {}


def queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def more_cohorts(world, count):
    """`count` more cohorts, each on its own one-lesson pathway, with a member
    who completed that lesson."""
    lessons = list(LessonPage.objects.live().order_by("path")[:count])
    ids = []
    for n in range(count):
        pathway = Pathway.objects.create(title=f"P{n}", slug=f"p-more-{n}")
        PathwayItem.objects.create(pathway=pathway, lesson=lessons[n], sort_order=0)
        cohort = Cohort.objects.create(
            name=f"More {n}",
            programme=world["a"].programme,
            pathway=pathway,
            starts_on=date(2026, 3, 1),
            ends_on=date(2026, 3, 31),
        )
        user = type(world["users"][0]).objects.create_user(f"more{n}@example.com")
        join(cohort, user)
        LessonProgress.objects.create(
            user=user,
            lesson=lessons[n],
            course_id=lessons[n].get_parent().pk,
            started_at=WEEK1,
            completed_at=WEEK1,
        )
        ids.append(cohort.pk)
    return ids


def test_cohort_rows_take_as_many_queries_for_20_cohorts_as_for_2(world):
    two = [world["a"].pk, world["b"].pk]
    small = queries(lambda: cohort_funnels(two))
    twenty = two + more_cohorts(world, 18)
    rows = {}
    large = queries(lambda: rows.update(cohort_funnels(twenty)))
    assert small == large <= 6
    assert all(rows[pk].completed == 1 for pk in twenty[2:])


def test_the_report_takes_as_many_queries_for_20_cohorts_as_for_2(world, staff_client):
    ensure_roles()
    Cohort.objects.exclude(pk__in=[world["a"].pk, world["b"].pk]).delete()
    client = staff_client("programme_admin", email="padmin@example.com")

    def page_queries():
        client.get(FUNNEL)  # draws any missing record keys, warms per-process caches
        with CaptureQueriesContext(connection) as captured:
            response = client.get(FUNNEL)
        assert response.status_code == 200
        return len(captured), response

    small, response = page_queries()
    assert len(response.context["report"]["per_cohort"]) == 2
    more_cohorts(world, 18)
    large, response = page_queries()
    assert len(response.context["report"]["per_cohort"]) == 20
    assert small == large


# -- one definition of minutes learned --------------------------------------------


def listed(*lessons) -> int:
    return sum(lesson.reading_minutes for lesson in lessons)


def test_minutes_are_the_listed_minutes_of_completed_lessons_not_the_time_spent(world):
    one, two, three, four, five = world["users"]
    buying, other = world["buying"], world["other"]
    # Half a minute on a lesson, and a lesson left open for two hours.
    quick, slow = other[1], other[2]
    with at(WEEK2):
        start_lesson(four, quick)
        start_lesson(four, slow)
    with at(WEEK2 + timedelta(seconds=30)):
        complete_lesson(four, quick)
    with at(WEEK2 + timedelta(hours=2)):
        complete_lesson(four, slow)
    spent = LessonProgress.objects.get(user=four, lesson=quick).seconds_spent
    assert spent == 30 and quick.reading_minutes > 1  # the seconds would be half a minute
    assert LessonProgress.objects.get(user=four, lesson=slow).seconds_spent >= 300

    expected = {
        one: listed(*buying),
        two: listed(other[0]),
        three: listed(buying[0], buying[1]),
        four: listed(quick, slow),
        five: 0,
    }
    assert funnel(Scope()).minutes == sum(expected.values())
    b = world["b"].pk
    assert (
        cohort_funnels([b])[b].minutes
        == funnel(Scope((b,))).minutes
        == expected[two] + (expected[four])
    )
    per_learner = dict(learner_rows(Scope()).values_list("pk", "m_minutes"))
    assert per_learner == {user.pk: minutes for user, minutes in expected.items()}
    assert sum(row.minutes for row in breakdown(Scope(), "sector")) == sum(expected.values())
    for user, minutes in expected.items():
        assert minutes_learned(user) == minutes
        # The CPD log's minutes column adds up to the same figure.
        assert sum(int(row[4]) for row in cpd_rows(user, WEEK1.tzinfo)[1:]) == minutes


def test_the_dashboard_shows_the_same_minutes_as_the_cpd_log(library, django_user_model):
    ada = make_learner(django_user_model, "ada@example.com")
    lessons = lessons_of("buying-ai-well")
    for lesson in lessons[:2]:
        with at(WEEK1):
            start_lesson(ada, lesson)
        with at(WEEK1 + timedelta(seconds=10)):
            complete_lesson(ada, lesson)
    dashboard = build_dashboard(ada, ada.learner_profile)
    assert dashboard.minutes_learned == listed(*lessons[:2]) > 1
    assert dashboard.minutes_learned == sum(int(row[4]) for row in cpd_rows(ada, WEEK1.tzinfo)[1:])


def test_the_filtered_view_and_the_per_cohort_row_show_the_same_minutes(world, staff_client):
    ensure_roles()
    client = staff_client("programme_admin", email="padmin@example.com")
    pooled = client.get(FUNNEL).context["report"]
    rows = {item["cohort"].pk: item for item in pooled["per_cohort"]}
    for cohort in (world["a"], world["b"], world["c"]):
        alone = client.get(FUNNEL, {"cohort": cohort.pk}).context["report"]
        assert alone["minutes"] == rows[cohort.pk]["minutes"]
        assert alone["stages"] == rows[cohort.pk]["stages"]


# -- the funnel chart ----------------------------------------------------------------


def test_the_funnel_chart_draws_the_five_stages_with_the_tables_figures(world, staff_client):
    ensure_roles()
    client = staff_client("programme_admin", email="padmin@example.com")
    response = client.get(FUNNEL, {"cohort": world["a"].pk})
    html = response.content.decode()
    report = response.context["report"]
    chart = re.search(r'<svg[^>]*aria-labelledby="funnel-stages-title[^>]*>.*?</svg>', html, re.S)
    assert chart, "no funnel chart"
    svg = chart.group(0)
    assert 'role="img"' in svg and "style" not in svg
    assert '<title id="funnel-stages-title">Funnel: A</title>' in svg
    bars = re.findall(
        r'<g><text[^>]*>([^<]*)</text><rect[^>]*width="([\d.]+)"[^>]*></rect><text[^>]*>([^<]*)</text></g>',
        svg,
    )
    assert [(label, value) for label, _, value in bars] == [
        (label, str(value)) for label, value in report["stages"]
    ]
    assert [label for label, _, _ in bars] == [
        "Invited",
        "Joined",
        "Activated",
        "Engaged",
        "Completed",
    ]
    widths = [float(width) for _, width, _ in bars]
    assert widths[0] == max(widths) > 0
    # The table beside it: one row a stage, the same figures, then minutes.
    table = html.split('aria-labelledby="funnel-heading"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r'<th scope="row">([^<]*)</th><td>([^<]*)</td>', table)
    assert cells == [(label, str(value)) for label, value in report["stages"]] + [
        ("Minutes learned", str(report["minutes"]))
    ]
    # The weekly chart is still there, beside it.
    assert 'aria-labelledby="completions-per-week-title' in html
    assert "<style" not in html.split("<main", 1)[1]


def test_programme_figures_keep_each_learner_once(world):
    """Pooled minutes count a learner in two cohorts once; each cohort's row
    counts all of that learner's minutes (minutes are a learner's, not a
    cohort's), like activated and engaged."""
    pooled = funnel(Scope())
    rows = cohort_funnels([world["a"].pk, world["b"].pk, world["c"].pk])
    one = world["users"][0]
    assert rows[world["c"].pk].minutes == minutes_learned(one)
    assert pooled.minutes < sum(row.minutes for row in rows.values())
