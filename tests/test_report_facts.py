"""The reports' per-learner facts (lms.reports.facts): kept by the progress
writes themselves, inside their transactions, and always exactly what a full
recomputation gives, after a realistic sequence of actions through the real
services (joining cohorts, starting, answering, completing lessons and a
pathway across weeks and a day boundary in the site's time zone, publishing
a lesson, leaving a cohort, erasing an account). The reports read them, and
agree with the per-learner definition worked out from the progress tables
(lms.reports.cohort_metrics.learner_rows)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.cohorts.models import Cohort, Membership, Programme
from lms.cohorts.services import join
from lms.core import personal_data
from lms.pathways.models import Pathway, PathwayItem
from lms.progress.models import LearningEvent
from lms.progress.services import answer_check, complete_lesson, start_lesson
from lms.reports.cohort_metrics import (
    ENGAGED_WEEKS,
    Scope,
    breakdown,
    cohort_funnels,
    funnel,
    learner_rows,
)
from lms.reports.equity_metrics import equity_breakdown
from lms.reports.facts import recompute
from lms.reports.models import LearnerDay, LearnerTotals
from tests import recomputation
from tests.nudge_fixtures import lessons_of
from tests.test_cohort_metrics import at

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # GMT: UTC is the local time
# 23:30 UTC on Monday 6 April is 00:30 BST on Tuesday 7 April (local day).
LATE_EVENING = datetime(2026, 4, 6, 23, 30, tzinfo=UTC)
SCOPES = [
    Scope(),
    Scope(since=date(2026, 3, 9), until=date(2026, 3, 15)),
    Scope(since=date(2026, 4, 7)),
    Scope(until=date(2026, 4, 6)),
]


def facts():
    days = LearnerDay.objects.values_list(
        "user_id", "day", "week", "completions", "minutes", "events"
    )
    totals = LearnerTotals.objects.values_list("user_id", "completions", "minutes", "weeks")
    return sorted(days), sorted(totals)


def recomputed():
    """What a full recomputation gives, without keeping it."""
    return recomputation.recomputed(recompute, facts)


def check(cohorts):
    """The facts equal a full recomputation, and every report over them
    equals the per-learner definition from the progress tables."""
    assert facts() == recomputed()
    for base in SCOPES:
        for scope in (base, Scope((cohorts[0].pk,), base.since, base.until)):
            figures = ("m_activated", "m_weeks", "m_minutes", "m_completed")
            rows = list(learner_rows(scope).values_list(*figures))
            expected = (
                len(rows),
                sum(1 for a, _, _, _ in rows if a),
                sum(1 for _, w, _, _ in rows if w >= ENGAGED_WEEKS),
                sum(1 for _, _, _, c in rows if c),
                sum(m for _, _, m, _ in rows),
            )
            result = funnel(scope)
            got = (result.joined, result.activated, result.engaged, result.completed)
            assert (*got, result.minutes) == expected, scope
            groups = breakdown(scope, "sector")
            assert sum(g.learners for g in groups) == expected[0]
            assert sum(g.completed for g in groups) == expected[3]
            assert equity_breakdown(scope, "sex").total.activated == expected[1]
            ids = [c.pk for c in cohorts]
            per_cohort = cohort_funnels(ids, scope.since, scope.until)
            alone = funnel(Scope((ids[0],), scope.since, scope.until))
            assert per_cohort[ids[0]].activated == alone.activated
            assert per_cohort[ids[0]].completed == alone.completed


@pytest.fixture
def programme(library):
    buying = lessons_of("buying-ai-well")
    board = lessons_of("ai-for-the-board")
    path_a = Pathway.objects.create(title="Buying AI", slug="facts-buying")
    PathwayItem.objects.create(pathway=path_a, course=buying[0].course, sort_order=0)
    path_b = Pathway.objects.create(title="Board", slug="facts-board")
    PathwayItem.objects.create(pathway=path_b, lesson=board[0], sort_order=0)
    programme = Programme.objects.create(name="Facts programme")
    cohorts = [
        Cohort.objects.create(
            name=name,
            programme=programme,
            pathway=pathway,
            starts_on=date(2026, 3, 1),
            ends_on=date(2026, 5, 31),
        )
        for name, pathway in (("A", path_a), ("B", path_b))
    ]
    return {"buying": buying, "board": board, "cohorts": cohorts}


def test_facts_stay_equal_to_a_full_recomputation(programme, django_user_model):
    buying, board, cohorts = programme["buying"], programme["board"], programme["cohorts"]
    a, b = cohorts
    ada, ben, cat = (django_user_model.objects.create_user(f"{n}@example.com") for n in "abc")
    join(a, ada)
    join(b, ada)
    join(b, ben)
    check(cohorts)

    # Week 1: Ada opens a lesson, answers its check (twice), completes it.
    quiz = next(block for block in board[0].body if block.block_type == "knowledge_check")
    with at(MONDAY):
        start_lesson(ada, buying[0])
        answer_check(ada, board[0], quiz, ["1"], "attempt-1")
        answer_check(ada, board[0], quiz, ["0"], "attempt-2")
    with at(MONDAY + timedelta(minutes=4)):
        complete_lesson(ada, buying[0])
        complete_lesson(ada, buying[0])  # a replay changes nothing
    with at(MONDAY + timedelta(hours=3)):
        start_lesson(ben, board[1])
    check(cohorts)
    (row,) = LearnerDay.objects.filter(user=ada)
    assert (row.day, row.week, row.completions) == (date(2026, 3, 2), date(2026, 3, 2), 1)
    assert row.minutes == buying[0].reading_minutes
    assert row.events == LearningEvent.objects.filter(user=ada).count()

    # Week 2: Ada's second lesson and Board's pathway; Ben completes B's
    # pathway; Cat joins A and opens its first lesson.
    week2 = MONDAY + timedelta(weeks=1, days=2)
    with at(week2):
        complete_lesson(ada, buying[1])
        complete_lesson(ada, board[0])
        complete_lesson(ben, board[0])
        join(a, cat)
        start_lesson(cat, buying[0])
    check(cohorts)

    # Week 6, late evening UTC: the next day in the site's time zone (BST).
    with at(LATE_EVENING):
        complete_lesson(ada, buying[2])  # completes A's pathway
        complete_lesson(cat, buying[0])
    check(cohorts)
    days = set(LearnerDay.objects.filter(user=ada).values_list("day", flat=True))
    assert date(2026, 4, 7) in days and date(2026, 4, 6) not in days
    assert funnel(Scope((a.pk,), since=date(2026, 4, 7))).completed == 1

    # A lesson published again (its listed minutes may change).
    buying[0].save_revision().publish()
    check(cohorts)

    # Ben leaves cohort B; Cat erases her account.
    Membership.objects.get(cohort=b, user=ben).delete()
    check(cohorts)
    cat_id = cat.pk
    personal_data.erase(cat)
    assert not LearnerDay.objects.filter(user_id=cat_id).exists()
    assert not LearnerTotals.objects.filter(user_id=cat_id).exists()
    check(cohorts)
    assert funnel(Scope()).joined == 1  # Ada


def test_one_learners_facts_take_the_same_queries_whatever_their_history(
    programme, django_user_model
):
    """Keeping a learner's facts costs a fixed number of statements: the
    lock (PostgreSQL), two deletes and two INSERT ... SELECT."""
    buying, board = programme["buying"], programme["board"]
    ada = django_user_model.objects.create_user("ada@example.com")

    def statements():
        with CaptureQueriesContext(connection) as captured:
            recompute([ada.pk])
        return len(captured)

    with at(MONDAY):
        complete_lesson(ada, buying[0])
    small = statements()
    for weeks, lesson in enumerate([*buying[1:], *board], start=1):
        with at(MONDAY + timedelta(weeks=weeks)):
            complete_lesson(ada, lesson)
    assert LearnerDay.objects.filter(user=ada).count() > 3
    assert statements() == small == (5 if connection.vendor == "postgresql" else 4)
