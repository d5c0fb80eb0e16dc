"""What the learner sees on their dashboard. A fixed number of queries,
however long their history."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from lms.certificates.models import Certificate
from lms.cohorts.services import cohorts_of
from lms.learners.services import SkillHistory, rerating_due, self_check_history
from lms.pathways.models import PersonalPathway
from lms.pathways.services import PathwayProgress, next_five_minutes, pathway_progress
from lms.progress.minutes import minutes_sum
from lms.progress.models import Enrolment, LessonProgress
from lms.progress.streaks import learning_weeks, week_of, weeks_in_a_row
from lms.reviews.services import ReviewAnswer, TwoMinuteReview, two_minute_review


@dataclass(frozen=True)
class PathwayRow:
    """One of the learner's pathways on the dashboard: its progress, where it
    comes from, and the page it links to."""

    progress: PathwayProgress
    note: str
    url: str | None


@dataclass(frozen=True)
class SkillRow:
    """One skill on the dashboard: the learner's own ratings, sitting by
    sitting, beside the lessons they completed of courses tagged with it."""

    history: SkillHistory
    lessons: list[str]
    more_lessons: int


LESSONS_PER_SKILL = 3


def skill_rows(user, histories: list[SkillHistory]) -> list[SkillRow]:
    """The self-check history with the completed lessons per skill (one query:
    the learner's completed lessons with their courses' skills)."""
    done: dict[int, list[str]] = {}
    completed = (
        LessonProgress.objects.filter(
            user=user, completed_at__isnull=False, course__skills__isnull=False
        )
        .order_by("completed_at", "pk")
        .values_list("course__skills", "lesson__title")
    )
    for skill_id, title in completed:
        done.setdefault(skill_id, []).append(title)
    rows = []
    for history in histories:
        titles = done.get(history.skill_id, [])
        rows.append(
            SkillRow(history, titles[-LESSONS_PER_SKILL:], max(0, len(titles) - LESSONS_PER_SKILL))
        )
    return rows


@dataclass
class Dashboard:
    recommendation: object
    next_lesson: object
    next_started: bool
    pathways: list[PathwayRow]
    cohorts: list
    streak_weeks: int
    learned_this_week: bool
    minutes_learned: int
    lessons_completed: int
    completed_courses: list
    certificates: list
    skills: list[SkillRow]
    rerate: bool  # offer "Rate yourself again" (FMA_SELF_CHECK_EVERY_DAYS since the last)
    review: TwoMinuteReview

    @property
    def returning(self) -> bool:
        """Has learned something (completed a lesson): "Welcome back"."""
        return self.lessons_completed > 0


def weekly_streak(user, tz) -> tuple[int, bool]:
    """Weeks in a row (in the learner's time zone) with a completed lesson or
    a review, counting back from this week, or from last week if nothing is
    done yet this week (the streak is still alive until the week ends)."""
    week_starts = learning_weeks(user, tz)
    this_week = week_of(timezone.now(), tz)
    learned_this_week = this_week in week_starts
    ending = this_week if learned_this_week else this_week - timedelta(weeks=1)
    return weeks_in_a_row(week_starts, ending), learned_this_week


def learner_pathways(user, cohorts) -> list[PathwayRow]:
    """The pathways of the learner's cohorts, then the curated pathway their
    personal one started from, then their personal pathway: each once, with
    progress counted by lms.pathways.services.pathway_progress."""
    personal = PersonalPathway.objects.select_related("based_on").filter(user=user).first()
    notes = {}
    pathways = []
    for cohort in cohorts:
        if cohort.pathway_id not in notes:
            notes[cohort.pathway_id] = (f"Your cohort: {cohort.name}", cohort)
            pathways.append(cohort.pathway)
    based_on = personal.based_on if personal else None
    if based_on and based_on.live and based_on.pk not in notes:
        notes[based_on.pk] = ("Suggested for your sector and role", None)
        pathways.append(based_on)
    rows = []
    for progress in pathway_progress(user, pathways, personal):
        if progress.personal:
            rows.append(
                PathwayRow(
                    progress, "Grows as new lessons that suit you are published", progress.url
                )
            )
            continue
        note, cohort = notes[progress.pathway.pk]
        url = progress.url or (reverse("cohort_detail", args=[cohort.pk]) if cohort else None)
        rows.append(PathwayRow(progress, note, url))
    return rows


def build_dashboard(user, profile, answered: ReviewAnswer | None = None) -> Dashboard:
    """`answered`: a review just answered without JavaScript, shown first in
    the two-minute review with its feedback."""
    picked = next_five_minutes(user, profile)
    next_lesson = picked[1] if picked else None
    cohorts = list(cohorts_of(user))
    totals = LessonProgress.objects.filter(user=user, completed_at__isnull=False).aggregate(
        minutes=minutes_sum(), lessons=Count("id")
    )
    streak, learned_this_week = weekly_streak(user, profile.tz)
    histories, last_sitting = self_check_history(user)
    return Dashboard(
        recommendation=picked[0] if picked else None,
        next_lesson=next_lesson,
        next_started=bool(next_lesson)
        and LessonProgress.objects.filter(user=user, lesson=next_lesson).exists(),
        pathways=learner_pathways(user, cohorts),
        cohorts=cohorts,
        streak_weeks=streak,
        learned_this_week=learned_this_week,
        # The listed minutes of the completed lessons (lms.progress.minutes):
        # the sum of the learner's CPD log, and what the reports count.
        minutes_learned=totals["minutes"],
        lessons_completed=totals["lessons"],
        completed_courses=list(
            Enrolment.objects.filter(user=user, completed_at__isnull=False)
            .select_related("course")
            .order_by("-completed_at")[:10]
        ),
        certificates=list(Certificate.objects.filter(user=user).order_by("-issued_at")[:10]),
        skills=skill_rows(user, histories),
        rerate=rerating_due(last_sitting),
        review=two_minute_review(user, answered=answered),
    )
