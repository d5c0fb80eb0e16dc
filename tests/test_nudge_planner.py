"""Who gets which nudge, and that planning twice plans nothing twice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import LessonPage
from lms.nudges import planner
from lms.nudges.models import Cadence, Kind, Nudge, Status
from tests.nudge_fixtures import TUESDAY_8AM, complete_at, lessons_of

pytestmark = pytest.mark.django_db
FRIDAY_8AM = TUESDAY_8AM + timedelta(days=3)


def test_a_weekly_learner_gets_one_next_lesson_nudge_at_their_hour(learner_factory):
    ada = learner_factory("ada@example.com")
    assert planner.plan(TUESDAY_8AM - timedelta(minutes=1)) == 0
    assert planner.plan(TUESDAY_8AM + timedelta(minutes=1)) == 1
    nudge = Nudge.objects.get(user=ada)
    assert (nudge.kind, nudge.period, nudge.status) == (Kind.NEXT_LESSON, "2026-11-24", "planned")
    assert nudge.due_at == TUESDAY_8AM
    assert nudge.lesson and nudge.reason.startswith("Because")


def test_planning_again_or_twice_at_once_plans_nothing_more(learner_factory):
    learner_factory("ada@example.com")
    learner_factory("bo@example.com", time_zone="America/New_York")
    planner.plan(TUESDAY_8AM + timedelta(minutes=1))
    planner.plan(TUESDAY_8AM + timedelta(minutes=2))
    planner.plan_chunk(list(Nudge.objects.values_list("user_id", flat=True)), TUESDAY_8AM)
    assert Nudge.objects.count() == 1
    planner.plan(TUESDAY_8AM + timedelta(hours=5, minutes=1))  # 08:01 in New York
    planner.plan(TUESDAY_8AM + timedelta(hours=5, minutes=2))
    assert Nudge.objects.count() == 2


def test_learner_who_learned_since_the_last_nudge_is_not_nudged(learner_factory):
    ada = learner_factory("ada@example.com")
    complete_at(ada, lessons_of("ai-for-the-board")[0], TUESDAY_8AM - timedelta(days=2))
    planner.plan(TUESDAY_8AM + timedelta(minutes=1))
    nudge = Nudge.objects.get(user=ada)
    assert nudge.status == Status.SKIPPED
    assert "Already learned" in nudge.reason
    planner.plan(TUESDAY_8AM + timedelta(minutes=2))
    assert Nudge.objects.filter(user=ada).count() == 1


def test_learning_before_the_previous_slot_does_not_count(learner_factory):
    ada = learner_factory("ada@example.com")
    complete_at(ada, lessons_of("ai-for-the-board")[0], TUESDAY_8AM - timedelta(days=8))
    planner.plan(TUESDAY_8AM + timedelta(minutes=1))
    assert Nudge.objects.get(user=ada).status == Status.PLANNED


@pytest.mark.parametrize(
    "changes",
    [{"cadence": Cadence.OFF}, {"unsubscribed_at": True}, {"email_status": "bounced"}],
)
def test_off_unsubscribed_or_bounced_learners_are_never_planned(learner_factory, changes):
    ada = learner_factory("ada@example.com")
    if changes.get("unsubscribed_at"):
        changes["unsubscribed_at"] = timezone.now()
    type(ada.nudge_preference).objects.filter(user=ada).update(**changes)
    planner.plan(TUESDAY_8AM + timedelta(minutes=1))
    planner.plan(FRIDAY_8AM + timedelta(minutes=1))
    assert not Nudge.objects.exists()


def test_weekday_learner_gets_one_a_day_but_not_at_the_weekend(learner_factory):
    ada = learner_factory("ada@example.com", cadence=Cadence.WEEKDAYS)
    for day in range(7):
        planner.plan(TUESDAY_8AM + timedelta(days=day, minutes=1))
    periods = sorted(Nudge.objects.filter(user=ada).values_list("period", flat=True))
    assert periods == ["2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27", "2026-11-30"]


def test_streak_at_risk_on_friday_after_two_weeks_in_a_row(learner_factory):
    ada = learner_factory("ada@example.com", want_next_lesson=False)
    bo = learner_factory("bo@example.com", want_next_lesson=False)
    lessons = lessons_of("ai-for-the-board")
    complete_at(ada, lessons[0], FRIDAY_8AM - timedelta(weeks=1))
    complete_at(ada, lessons[1], FRIDAY_8AM - timedelta(weeks=2))
    complete_at(bo, lessons[0], FRIDAY_8AM - timedelta(weeks=1))  # a streak of one
    planner.plan(FRIDAY_8AM + timedelta(minutes=1))
    nudge = Nudge.objects.get()
    assert (nudge.user, nudge.kind, nudge.period) == (ada, Kind.STREAK_AT_RISK, "2026-W48")
    assert nudge.details == {"streak_weeks": 2}
    assert nudge.lesson is not None


def test_no_streak_nudge_for_someone_who_learned_this_week(learner_factory):
    ada = learner_factory("ada@example.com", want_next_lesson=False)
    lessons = lessons_of("ai-for-the-board")
    complete_at(ada, lessons[0], FRIDAY_8AM - timedelta(weeks=1))
    complete_at(ada, lessons[1], FRIDAY_8AM - timedelta(weeks=2))
    complete_at(ada, lessons[2], FRIDAY_8AM - timedelta(days=2))
    planner.plan(FRIDAY_8AM + timedelta(minutes=1))
    assert not Nudge.objects.exists()


def test_new_in_sector_is_batched_once_a_week_then_next_lesson_resumes(learner_factory):
    ada = learner_factory("ada@example.com", cadence=Cadence.TWICE_WEEKLY, days=[1, 3])
    fresh = lessons_of("ai-in-diagnostics-and-care-pathways")[:2]
    LessonPage.objects.filter(pk__in=[lesson.pk for lesson in fresh]).update(
        first_published_at=TUESDAY_8AM - timedelta(days=1)
    )
    planner.plan(TUESDAY_8AM + timedelta(minutes=1))
    planner.plan(TUESDAY_8AM + timedelta(days=2, minutes=1))
    first, second = Nudge.objects.filter(user=ada).order_by("due_at")
    assert (first.kind, first.period) == (Kind.NEW_IN_SECTOR, "2026-W48")
    assert first.details["lessons"] == [lesson.pk for lesson in fresh]
    assert first.reason == "New in health tech this week"
    assert second.kind == Kind.NEXT_LESSON


def test_new_lessons_for_another_sector_are_not_announced(learner_factory):
    learner_factory("ada@example.com", sector="advanced-manufacturing")
    fresh = lessons_of("ai-in-diagnostics-and-care-pathways")
    LessonPage.objects.filter(pk__in=[lesson.pk for lesson in fresh]).update(
        first_published_at=TUESDAY_8AM - timedelta(days=1)
    )
    planner.plan(TUESDAY_8AM + timedelta(minutes=1))
    assert Nudge.objects.get().kind == Kind.NEXT_LESSON


def test_one_slot_never_gets_two_emails(learner_factory):
    ada = learner_factory("ada@example.com")
    fresh = lessons_of("ai-in-diagnostics-and-care-pathways")[:1]
    LessonPage.objects.filter(pk=fresh[0].pk).update(
        first_published_at=TUESDAY_8AM - timedelta(days=1)
    )
    for minute in (1, 2, 3):
        planner.plan(TUESDAY_8AM + timedelta(minutes=minute))
    assert Nudge.objects.filter(user=ada).count() == 1
