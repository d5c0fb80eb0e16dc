"""Weekly streaks: weeks in a row, in the learner's time zone, with at least
one completed lesson or answered review (a review is a `REVIEWED` learning
event, written by lms.reviews). Weeks, because executives learn weekly. The
dashboard and the nudge planner both count them here."""

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Max
from django.db.models.functions import TruncWeek

from .models import LearningEvent, LessonProgress, Verb


def week_of(moment: datetime, tz: ZoneInfo) -> date:
    """The Monday of `moment`'s week in `tz`."""
    local = moment.astimezone(tz).date()
    return local - timedelta(days=local.weekday())


def weeks_in_a_row(week_starts: set[date], ending: date) -> int:
    """How many consecutive weeks in `week_starts` end with the week `ending`."""
    streak = 0
    cursor = ending
    while cursor in week_starts:
        streak += 1
        cursor -= timedelta(weeks=1)
    return streak


def _reviews():
    return LearningEvent.objects.filter(verb=Verb.REVIEWED)


def learning_weeks(user, tz: ZoneInfo) -> set[date]:
    """The Mondays (in `tz`) of the weeks the learner completed a lesson or
    answered a review, in one query."""
    lessons = (
        LessonProgress.objects.filter(user=user, completed_at__isnull=False)
        .annotate(week=TruncWeek("completed_at", tzinfo=tz))
        .values_list("week")
    )
    reviews = (
        _reviews().filter(user=user).annotate(week=TruncWeek("occurred_at", tzinfo=tz))
    ).values_list("week")
    weeks = {week for (week,) in lessons.union(reviews)}
    return {week.date() if hasattr(week, "date") else week for week in weeks}


def learning_moments(user_ids, since: datetime) -> dict[int, list[datetime]]:
    """When each learner completed a lesson or answered a review since `since`."""
    lessons = LessonProgress.objects.filter(
        user_id__in=user_ids, completed_at__gte=since
    ).values_list("user_id", "completed_at")
    reviews = (
        _reviews()
        .filter(user_id__in=user_ids, occurred_at__gte=since)
        .values_list("user_id", "occurred_at")
    )
    moments = defaultdict(list)
    for user_id, moment in lessons.union(reviews, all=True):
        moments[user_id].append(moment)
    return moments


def last_learned(user_ids) -> dict[int, datetime]:
    """Each learner's last completed lesson or answered review."""
    found = dict(
        LessonProgress.objects.filter(user_id__in=user_ids, completed_at__isnull=False)
        .values("user_id")
        .annotate(last=Max("completed_at"))
        .values_list("user_id", "last")
    )
    for user_id, last in (
        _reviews()
        .filter(user_id__in=user_ids)
        .values("user_id")
        .annotate(last=Max("occurred_at"))
        .values_list("user_id", "last")
    ):
        found[user_id] = max(found.get(user_id, last), last)
    return found
