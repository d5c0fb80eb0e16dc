"""What the learner sees on their dashboard. A fixed number of queries,
however long their history."""

import math
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from lms.certificates.models import Certificate
from lms.learners.services import rating_changes
from lms.pathways.models import PersonalPathway, PersonalPathwayItem
from lms.pathways.services import next_five_minutes
from lms.progress.models import Enrolment, LessonProgress
from lms.progress.streaks import week_of, weeks_in_a_row


@dataclass
class Dashboard:
    recommendation: object
    next_lesson: object
    continue_progress: object
    pathway_title: str | None
    pathway_total: int
    pathway_done: int
    streak_weeks: int
    learned_this_week: bool
    minutes_learned: int
    lessons_completed: int
    completed_courses: list
    certificates: list
    ratings: list

    @property
    def pathway_percent(self) -> int:
        return round(100 * self.pathway_done / self.pathway_total) if self.pathway_total else 0


def weekly_streak(user, tz) -> tuple[int, bool]:
    """Weeks in a row (in the learner's time zone) with a completed lesson,
    counting back from this week, or from last week if nothing is done yet
    this week (the streak is still alive until the week ends)."""
    weeks = set(
        LessonProgress.objects.filter(user=user, completed_at__isnull=False)
        .annotate(week=TruncWeek("completed_at", tzinfo=tz))
        .values_list("week", flat=True)
        .distinct()
    )
    week_starts = {week.date() if hasattr(week, "date") else week for week in weeks}
    this_week = week_of(timezone.now(), tz)
    learned_this_week = this_week in week_starts
    ending = this_week if learned_this_week else this_week - timedelta(weeks=1)
    return weeks_in_a_row(week_starts, ending), learned_this_week


def build_dashboard(user, profile) -> Dashboard:
    picked = next_five_minutes(user, profile)
    continue_progress = (
        LessonProgress.objects.filter(user=user, completed_at__isnull=True)
        .select_related("lesson", "course")
        .order_by("-started_at")
        .first()
    )
    personal = PersonalPathway.objects.select_related("based_on").filter(user=user).first()
    completed_lessons = LessonProgress.objects.filter(
        user=user, completed_at__isnull=False, lesson_id=OuterRef("lesson_id")
    )
    pathway = PersonalPathwayItem.objects.filter(pathway__user=user).aggregate(
        total=Count("id"), done=Count("id", filter=Q(Exists(completed_lessons)))
    )
    totals = LessonProgress.objects.filter(user=user, completed_at__isnull=False).aggregate(
        seconds=Sum("seconds_spent"), lessons=Count("id")
    )
    streak, learned_this_week = weekly_streak(user, profile.tz)
    return Dashboard(
        recommendation=picked[0] if picked else None,
        next_lesson=picked[1] if picked else None,
        continue_progress=continue_progress,
        pathway_title=(
            personal.based_on.title if personal and personal.based_on else "Your pathway"
        ),
        pathway_total=pathway["total"],
        pathway_done=pathway["done"],
        streak_weeks=streak,
        learned_this_week=learned_this_week,
        minutes_learned=math.ceil((totals["seconds"] or 0) / 60),
        lessons_completed=totals["lessons"],
        completed_courses=list(
            Enrolment.objects.filter(user=user, completed_at__isnull=False)
            .select_related("course")
            .order_by("-completed_at")[:10]
        ),
        certificates=list(Certificate.objects.filter(user=user).order_by("-issued_at")[:10]),
        ratings=rating_changes(user),
    )
