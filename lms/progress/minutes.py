"""Minutes learned: one definition for the learner's dashboard, the CPD log
and every report (the cohort funnel, its breakdowns, the equity dashboard).

A completed lesson counts the minutes listed for it: its reading time rounded
up to a whole minute, at least 1 (`LessonPage.reading_minutes`, what the
catalogue, the lesson page and the CPD log show). Not `seconds_spent`, the
time from opening a lesson to marking it done: that measures when a learner
came back to a tab (capped at a few times the reading time, and the reading
time when it is zero), not what they learned, and it would make the
dashboard, the CPD log and the reports disagree.

Every figure is a whole number per lesson, so a cohort's minutes are the sum
of its learners' minutes, and a learner's dashboard figure the sum of their
CPD log's minutes column: nothing is rounded after adding up."""

from django.db.models import ExpressionWrapper, F, IntegerField, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from .models import LessonProgress


def lesson_minutes(lesson: str = "lesson"):
    """The listed minutes of the lesson at `lesson` (a lookup path to a
    LessonPage from the rows queried), as a database expression:
    max(1, ceil(reading_seconds / 60)), in whole numbers."""
    return Greatest(
        Value(1),
        ExpressionWrapper(
            (F(f"{lesson}__reading_seconds") + Value(59)) / Value(60), output_field=IntegerField()
        ),
        output_field=IntegerField(),
    )


def minutes_sum(lesson: str = "lesson"):
    """The sum of `lesson_minutes` over the rows of a grouped query, 0 for none."""
    return Coalesce(Sum(lesson_minutes(lesson)), Value(0), output_field=IntegerField())


def minutes_learned(user) -> int:
    """The minutes of every lesson `user` has completed (one query)."""
    return LessonProgress.objects.filter(user=user, completed_at__isnull=False).aggregate(
        minutes=minutes_sum()
    )["minutes"]
