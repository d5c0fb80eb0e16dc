"""Cohort funnel, breakdowns and completions per week: exact figures on a
small dataset written through the real progress services, the time window,
pathway completion, the sum of record keys beside every count (for the cell
key method), and query counts that do not grow with the data."""

import dataclasses
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from content.models import LocalArea, Sector, SeniorityLevel
from lms.cohorts.models import Cohort, Invitation, Membership, Programme
from lms.equity.models import RecordKey
from lms.learners.models import LearnerProfile
from lms.pathways.models import Pathway, PathwayItem
from lms.pathways.services import pathway_lesson_ids
from lms.progress.models import LearningEvent, LessonProgress, Verb
from lms.progress.services import complete_lesson, start_lesson
from lms.reports.cohort_metrics import (
    DIMENSIONS,
    NOT_KNOWN,
    Funnel,
    GroupCounts,
    Scope,
    breakdown,
    cohort_funnels,
    funnel,
    learner_rows,
    learners_in,
    medians,
)
from tests.nudge_fixtures import lessons_of

pytestmark = pytest.mark.django_db

# Mondays of March 2026 (GMT, so UTC is the site's local time).
WEEK1 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WEEK2 = WEEK1 + timedelta(weeks=1)
WEEK3 = WEEK1 + timedelta(weeks=2)
MINUTES = 4  # every lesson below is completed four minutes after it is opened


def at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def take(user, lesson, moment):
    with at(moment):
        start_lesson(user, lesson)
    with at(moment + timedelta(minutes=MINUTES)):
        complete_lesson(user, lesson)


def open_only(user, lesson, moment):
    with at(moment):
        start_lesson(user, lesson)


def learner(django_user_model, email, *, sector=None, seniority=None, size="50-249", area=None):
    user = django_user_model.objects.create_user(email)
    if sector:
        LearnerProfile.objects.create(
            user=user,
            sector=sector,
            seniority=seniority,
            organisation_name="Org",
            organisation_size=size,
            local_area=area,
        )
    return user


def join(cohort, user):
    invitation = Invitation.objects.create(cohort=cohort, email=user.email)
    Membership.objects.create(cohort=cohort, user=user, invitation=invitation)


@pytest.fixture
def world(django_user_model, library):
    return build_world(django_user_model)


def build_world(django_user_model):
    """Cohort A (pathway: the three lessons of "buying-ai-well") and cohort B
    (pathway: one lesson of another course), both in March 2026.

    - one: A; completes A's three lessons in weeks 1, 2 and 3.
    - two: A and B; completes B's lesson in week 1, opens another in week 2.
    - three: A; completes two of A's lessons in week 1 (many events, one week).
    - four: B; no profile, no learning.
    - five: A; opens (never completes) lessons in weeks 1, 2 and 3.
    - an invitation to A nobody took up.
    """
    buying = lessons_of("buying-ai-well")
    other = lessons_of("ai-for-the-board")
    assert len(buying) == 3 and len(other) >= 2
    programme = Programme.objects.create(name="AI for SME leaders")
    path_a = Pathway.objects.create(title="Buying AI", slug="p-buying")
    PathwayItem.objects.create(pathway=path_a, course=buying[0].course, sort_order=0)
    path_b = Pathway.objects.create(title="Board", slug="p-board")
    PathwayItem.objects.create(pathway=path_b, lesson=other[0], sort_order=0)
    cohort_a = Cohort.objects.create(
        name="A",
        programme=programme,
        pathway=path_a,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 31),
    )
    cohort_b = Cohort.objects.create(
        name="B",
        programme=programme,
        pathway=path_b,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 4, 30),
    )
    sectors = list(Sector.objects.order_by("name")[:2])
    levels = list(SeniorityLevel.objects.order_by("rank", "name")[:2])
    area = LocalArea.objects.create(name="Metricsville", slug="metricsville")
    one = learner(
        django_user_model,
        "one@example.com",
        sector=sectors[0],
        seniority=levels[0],
        size="1-9",
        area=area,
    )
    two = learner(
        django_user_model, "two@example.com", sector=sectors[1], seniority=levels[1], size="1000+"
    )
    three = learner(
        django_user_model,
        "three@example.com",
        sector=sectors[0],
        seniority=levels[0],
        size="1-9",
        area=area,
    )
    four = learner(django_user_model, "four@example.com")
    five = learner(
        django_user_model, "five@example.com", sector=sectors[1], seniority=levels[1], size="1000+"
    )
    for user in (one, two, three, five):
        join(cohort_a, user)
    for user in (two, four):
        join(cohort_b, user)
    Invitation.objects.create(cohort=cohort_a, email="never@example.com")

    take(one, buying[0], WEEK1)
    take(one, buying[1], WEEK2)
    take(one, buying[2], WEEK3)
    take(two, other[0], WEEK1)
    open_only(two, other[1], WEEK2)
    take(three, buying[0], WEEK1)
    take(three, buying[1], WEEK1 + timedelta(hours=1))
    open_only(five, other[1], WEEK1)
    open_only(five, buying[0], WEEK2)
    open_only(five, buying[1], WEEK3)
    return {
        "a": cohort_a,
        "b": cohort_b,
        "users": (one, two, three, four, five),
        "sectors": sectors,
        "levels": levels,
        "buying": buying,
        "other": other,
    }


def test_funnel_over_both_cohorts_counts_each_learner_once(world):
    result = funnel(Scope())
    assert isinstance(result, Funnel)
    assert (result.invited, result.joined) == (6, 5)
    assert result.activated == 3  # one, two, three
    assert result.engaged == 2  # one (3 weeks of completions), five (3 weeks of opening)
    assert result.completed == 2  # one (A's pathway), two (B's pathway, counted once)
    assert result.minutes == 6 * MINUTES
    assert learners_in(Scope()).count() == 5
    assert sorted(learners_in(Scope())) == sorted(u.pk for u in world["users"])


def test_funnel_per_cohort(world):
    a = funnel(Scope(cohort_ids=(world["a"].pk,)))
    assert (a.invited, a.joined, a.activated, a.engaged, a.completed) == (5, 4, 3, 2, 1)
    assert a.minutes == 6 * MINUTES
    b = funnel(Scope(cohort_ids=(world["b"].pk,)))
    assert (b.invited, b.joined, b.activated, b.engaged, b.completed) == (2, 2, 1, 0, 1)
    assert b.minutes == MINUTES


def test_engaged_needs_three_distinct_weeks_not_three_events(world):
    three = world["users"][2]
    assert LearningEvent.objects.filter(user=three).count() >= 5
    only_three = Scope(cohort_ids=(world["a"].pk,))
    rows = {
        r.group: r for r in breakdown(only_three, "seniority")
    }  # three shares the first level with one
    level = world["levels"][0].name
    assert rows[level].learners == 2 and rows[level].engaged == 1


def test_time_window_counts_activity_inside_it_only(world):
    week2 = Scope(since=date(2026, 3, 9), until=date(2026, 3, 15))
    result = funnel(week2)
    assert result.joined == 5  # both cohorts overlap the window
    assert result.activated == 1  # one's second lesson
    assert result.engaged == 0  # one week of activity at most
    assert result.completed == 0  # one finished in week 3
    assert result.minutes == MINUTES
    assert result.per_week == [(date(2026, 3, 9), 1)]

    to_week3 = funnel(Scope(until=date(2026, 3, 22)))
    assert (to_week3.activated, to_week3.engaged, to_week3.completed) == (3, 2, 2)
    # Pathways finished before the window are not completions in it.
    after = funnel(Scope(since=date(2026, 3, 16)))
    assert (after.activated, after.completed) == (1, 1)
    # A window after cohort A has ended leaves only B's members in scope.
    april = funnel(Scope(since=date(2026, 4, 1), until=date(2026, 4, 30)))
    assert (april.invited, april.joined, april.activated, april.completed) == (2, 2, 0, 0)


def test_pathway_completion_needs_every_lesson(world):
    one, two, three, four, five = world["users"]
    a = Scope(cohort_ids=(world["a"].pk,))
    assert funnel(a).completed == 1  # three did two of three
    take(three, world["buying"][2], WEEK3)
    assert funnel(a).completed == 2
    lessons = pathway_lesson_ids([world["a"].pathway_id, world["b"].pathway_id])
    assert lessons[world["a"].pathway_id] == [lesson.pk for lesson in world["buying"]]
    assert lessons[world["b"].pathway_id] == [world["other"][0].pk]
    # An unpublished lesson drops out of the pathway: two lessons complete it.
    world["buying"][2].unpublish()
    four_done = funnel(a).completed
    assert four_done == 2


def test_completions_per_week_buckets(world):
    assert funnel(Scope()).per_week == [
        (date(2026, 3, 2), 4),  # one, two, three (twice)
        (date(2026, 3, 9), 1),
        (date(2026, 3, 16), 1),
    ]
    march = funnel(Scope(since=date(2026, 2, 23), until=date(2026, 3, 29))).per_week
    assert march[0] == (date(2026, 2, 23), 0) and march[-1] == (date(2026, 3, 23), 0)
    assert len(march) == 5


def test_breakdowns(world):
    sectors, levels = world["sectors"], world["levels"]
    by_sector = breakdown(Scope(), "sector")
    assert [r.group for r in by_sector] == [sectors[0].name, sectors[1].name, NOT_KNOWN]
    first, second, unknown = by_sector
    assert first == GroupCounts(
        group=sectors[0].name,
        learners=2,
        activated=2,
        engaged=1,
        completed=1,
        minutes=5 * MINUTES,
        median_minutes=(3 * MINUTES + 2 * MINUTES) / 2,
    )
    assert (second.learners, second.activated, second.engaged, second.completed) == (2, 1, 1, 1)
    assert second.median_minutes == MINUTES
    assert (unknown.learners, unknown.activated, unknown.median_minutes) == (1, 0, None)

    sizes = breakdown(Scope(), "organisation_size")
    assert [r.group for r in sizes] == ["1 to 9 people", "1,000 people or more", NOT_KNOWN]
    areas = breakdown(Scope(), "local_area")
    assert [(r.group, r.learners) for r in areas] == [("Metricsville", 2), (NOT_KNOWN, 3)]
    seniority = breakdown(Scope(), "seniority")
    assert [r.group for r in seniority] == [levels[0].name, levels[1].name, NOT_KNOWN]
    for dimension in DIMENSIONS:
        rows = breakdown(Scope(), dimension)
        assert sum(r.learners for r in rows) == 5
        assert sum(r.completed for r in rows) == 2
    with pytest.raises(ValueError):
        breakdown(Scope(), "shoe_size")


def set_keys(users, keys):
    RecordKey.objects.filter(user__in=users).delete()
    RecordKey.objects.bulk_create(
        RecordKey(user=user, key=key) for user, key in zip(users, keys, strict=True)
    )


def keys_of(figures):
    return tuple(getattr(figures, f"{stage}_key") for stage in STAGE_KEYS)


STAGE_KEYS = ("joined", "activated", "engaged", "completed")


def test_each_count_carries_the_sum_of_exactly_its_learners_record_keys(world):
    """Keys that are powers of two name the set of learners behind each sum:
    one 1, two 2, three 4, four 8, five 16."""
    set_keys(world["users"], (1, 2, 4, 8, 16))
    # joined: all; activated: one, two, three; engaged: one, five; completed: one, two.
    assert keys_of(funnel(Scope())) == (31, 7, 17, 3)
    a = funnel(Scope(cohort_ids=(world["a"].pk,)))
    assert keys_of(a) == (1 + 2 + 4 + 16, 7, 17, 1)
    week2 = funnel(Scope(since=date(2026, 3, 9), until=date(2026, 3, 15)))
    assert keys_of(week2) == (31, 1, 0, 0)
    # Each completion counts its learner's key: one, two, three twice; then one; one.
    assert funnel(Scope()).per_week_keys == {
        date(2026, 3, 2): 1 + 2 + 4 + 4,
        date(2026, 3, 9): 1,
        date(2026, 3, 16): 1,
    }
    first, second, unknown = breakdown(Scope(), "sector")
    # first: one and three; second: two and five; not known: four.
    assert [first.learners_key, first.activated_key, first.engaged_key, first.completed_key] == [
        5,
        5,
        1,
        1,
    ]
    assert [second.learners_key, second.activated_key, second.engaged_key] == [18, 2, 16]
    assert second.completed_key == 2
    assert (unknown.learners_key, unknown.activated_key) == (8, 0)
    # The sums are not part of a row's identity, nor of its repr.
    assert "_key" not in repr(second) and "_key" not in repr(funnel(Scope()))
    assert second == dataclasses.replace(second, learners_key=0)


def test_a_learner_without_a_record_key_adds_nothing(world):
    set_keys(world["users"], (1, 2, 4, 8, 16))
    RecordKey.objects.filter(user=world["users"][3]).delete()  # four
    assert funnel(Scope()).joined_key == 1 + 2 + 4 + 16
    assert funnel(Scope()).joined == 5


def test_median_minutes_odd_and_even(world):
    one, two, three, four, five = world["users"]
    assert medians(learner_rows(Scope())) == {None: 2 * MINUTES}  # of 3, 1 and 2 lessons
    take(five, world["buying"][2], WEEK3)
    assert medians(learner_rows(Scope())) == {None: 1.5 * MINUTES}  # of 3, 1, 2 and 1
    [row] = [r for r in breakdown(Scope(), "local_area") if r.group == NOT_KNOWN]
    assert (row.learners, row.activated, row.median_minutes) == (3, 2, MINUTES)


def add_learners(cohort, lessons, count, start):
    """More learners with events and progress, written in bulk."""
    users = get_user_model().objects.bulk_create(
        get_user_model()(email=f"bulk{start + n}@example.com") for n in range(count)
    )
    Membership.objects.bulk_create(Membership(cohort=cohort, user=u) for u in users)
    progress, events = [], []
    for n, user in enumerate(users):
        for week, lesson in enumerate(lessons[: 1 + n % len(lessons)]):
            moment = WEEK1 + timedelta(weeks=week)
            progress.append(
                LessonProgress(
                    user=user,
                    lesson=lesson,
                    course_id=lessons[0].get_parent().pk,
                    started_at=moment,
                    completed_at=moment,
                    seconds_spent=120,
                )
            )
            events.append(
                LearningEvent(user=user, verb=Verb.COMPLETED, lesson=lesson, occurred_at=moment)
            )
    LessonProgress.objects.bulk_create(progress)
    LearningEvent.objects.bulk_create(events)


def queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "report",
    [
        lambda s: funnel(s),
        lambda s: breakdown(s, "sector"),
        lambda s: breakdown(s, "seniority"),
        lambda s: funnel(s).per_week,
    ],
    ids=["funnel", "breakdown", "breakdown-seniority", "per-week"],
)
def test_query_count_does_not_grow_with_the_data(world, report):
    scope = Scope(since=date(2026, 3, 1), until=date(2026, 3, 31))
    small = queries(lambda: report(scope))
    add_learners(world["a"], world["buying"], 30, 0)
    assert funnel(scope).joined == 35
    large = queries(lambda: report(scope))
    assert small == large
    assert large <= 7


@pytest.mark.parametrize(
    "report",
    [
        lambda s: funnel(s),
        lambda s: breakdown(s, "sector"),
        lambda s: cohort_funnels([c.pk for c in Cohort.objects.all()]),
    ],
    ids=["funnel", "breakdown", "per-cohort"],
)
def test_the_learners_in_scope_come_from_the_memberships_not_the_users_table(world, report):
    """The per-learner part of each report's statement starts from the
    memberships and joins the profiles and record keys on user_id, as the
    hand-written SQL in bench/cohorts.py does: reading the users table there
    cost the reports 10-25% at 100,000 learners (docs/performance.md)."""
    with CaptureQueriesContext(connection) as ctx:
        report(Scope())
    statements = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().startswith("WITH")]
    assert statements
    users = connection.ops.quote_name(get_user_model()._meta.db_table)
    for sql in statements:
        people = sql[: sql.index("days AS")]
        assert connection.ops.quote_name(Membership._meta.db_table) in people
        assert users not in people
