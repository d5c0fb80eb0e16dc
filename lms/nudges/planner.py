"""Deciding who gets which nudge, and writing it down. The planner only writes
`Nudge` rows (the outbox); it never talks to the broker or to SMTP, so it can
run as often as beat likes, twice at once, or again after a crash: a row is
unique per learner, kind and period, and a slot already decided is not decided
again. Equity data is never read here (tests/test_nudge_boundaries.py)."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from courses.models import CoursePage, LessonPage
from lms.learners.models import LearnerProfile
from lms.pathways.services import catalogue_candidates, next_five_minutes
from lms.progress.models import LessonProgress
from lms.progress.streaks import last_learned, learning_moments, week_of, weeks_in_a_row
from lms.reviews.services import due_summaries, humanised_since, last_answered_reason

from . import holdout, schedule
from .models import Kind, Nudge, NudgePreference, Status

CHUNK = 500
NEW_LESSONS_SHOWN = 5


@dataclass
class Due:
    user_id: int
    kind_group: str  # "cadence" or "streak"
    slot: schedule.Slot
    since: datetime  # learning after this means the learner needs no nudge


def learner_profiles(user_ids=None):
    """Onboarded, active learners with what planning reads of them. Whether
    they receive nudges is `NudgePreference.receiving`, checked per learner."""
    profiles = LearnerProfile.objects.filter(user__is_active=True).select_related(
        "user", "user__nudge_preference"
    )
    if user_ids is not None:
        profiles = profiles.filter(user_id__in=user_ids)
    return profiles


def due_for(profile: LearnerProfile, now: datetime) -> list[Due]:
    pref = NudgePreference.for_user(profile.user)
    if not pref.receiving:
        return []
    tz = ZoneInfo(profile.time_zone)
    found = []
    days = schedule.slot_days(pref.cadence, pref.days)
    slot = schedule.due_slot(days, pref.hour, tz, now)
    if slot and (pref.want_next_lesson or pref.want_new_in_sector):
        before = schedule.previous_slot(days, pref.hour, tz, slot)
        since = before.at if before else slot.at - timedelta(days=7)
        found.append(Due(profile.user_id, "cadence", slot, since))
    streak_slot = schedule.due_slot([settings.NUDGE_STREAK_WEEKDAY], pref.hour, tz, now)
    if streak_slot and pref.want_streak:
        this_week = datetime.combine(week_of(now, tz), time(0), tzinfo=tz)
        found.append(Due(profile.user_id, "streak", streak_slot, this_week))
    return found


def due_user_ids(now: datetime) -> list[int]:
    """Cheap first pass over every receiving learner: whose slot is open now."""
    return [
        profile.user_id
        for profile in learner_profiles().only(
            "user_id",
            "time_zone",
            "user__is_active",
            "user__nudge_preference__cadence",
            "user__nudge_preference__days",
            "user__nudge_preference__hour",
            "user__nudge_preference__want_next_lesson",
            "user__nudge_preference__want_streak",
            "user__nudge_preference__want_new_in_sector",
            "user__nudge_preference__unsubscribed_at",
            "user__nudge_preference__email_status",
        )
        if due_for(profile, now)
    ]


def recent_lessons(now: datetime) -> list[tuple[LessonPage, CoursePage]]:
    """Lessons first published in the last week, with their course."""
    lessons = list(
        LessonPage.objects.live()
        .public()
        .filter(first_published_at__gt=now - timedelta(days=7), first_published_at__lte=now)
        .order_by("-first_published_at", "path")
    )
    if not lessons:
        return []
    courses = {
        course.path: course
        for course in CoursePage.objects.live().prefetch_related("sectors", "seniority_levels")
    }
    found = []
    for lesson in lessons:
        course = courses.get(lesson.parent_path)
        if course:
            found.append((lesson, course))
    return found


def suits(course: CoursePage, profile: LearnerProfile) -> bool:
    sectors = list(course.sectors.all())
    levels = {level.pk for level in course.seniority_levels.all()}
    sector_ok = any(s.pk == profile.sector_id or s.is_cross_sector for s in sectors)
    return sector_ok and profile.seniority_id in levels


def plan(now: datetime | None = None, user_ids: list[int] | None = None) -> int:
    """Plans every nudge due at `now` for these learners (all when None), in
    chunks of one transaction each. Returns the number of rows written."""
    now = now or timezone.now()
    ids = due_user_ids(now) if user_ids is None else list(user_ids)
    written = 0
    for start in range(0, len(ids), CHUNK):
        written += plan_chunk(ids[start : start + CHUNK], now)
    return written


@transaction.atomic
def plan_chunk(user_ids: list[int], now: datetime) -> int:
    profiles = list(learner_profiles(user_ids).select_related("sector", "seniority"))
    dues = [due for profile in profiles for due in due_for(profile, now)]
    if not dues:
        return 0
    by_user = {profile.user_id: profile for profile in profiles}
    decided = set(
        Nudge.objects.filter(
            user_id__in={due.user_id for due in dues}, due_at__in={due.slot.at for due in dues}
        ).values_list("user_id", "due_at")
    )
    dues = [due for due in dues if (due.user_id, due.slot.at) not in decided]
    if not dues:
        return 0
    # Learning is a completed lesson or a review (lms.progress.streaks).
    learned_at = last_learned({due.user_id for due in dues})
    streak_users = {due.user_id for due in dues if due.kind_group == "streak"}
    completions = learning_moments(streak_users, now - timedelta(weeks=4)) if streak_users else {}
    cadence_users = {due.user_id for due in dues if due.kind_group == "cadence"}
    fresh = recent_lessons(now) if cadence_users else []
    reviews_due = due_summaries(cadence_users, now) if cadence_users else {}
    done_fresh = set(
        LessonProgress.objects.filter(
            user_id__in={due.user_id for due in dues},
            lesson_id__in=[lesson.pk for lesson, _ in fresh],
            completed_at__isnull=False,
        ).values_list("user_id", "lesson_id")
    )
    new_this_week = set(
        Nudge.objects.filter(
            user_id__in={due.user_id for due in dues},
            kind=Kind.NEW_IN_SECTOR,
            period__in={due.slot.week for due in dues},
        ).values_list("user_id", "period")
    )
    held_back = holdout.held_back({due.user_id for due in dues}, now)
    candidates = None
    rows = []
    for due in dues:
        profile = by_user[due.user_id]
        pref = NudgePreference.for_user(profile.user)
        learned = learned_at.get(due.user_id)
        learned_since = learned is not None and learned >= due.since
        row = Nudge(user_id=due.user_id, due_at=due.slot.at)
        if due.kind_group == "streak":
            if (due.user_id, Kind.STREAK_AT_RISK) in held_back:
                continue  # held out of this kind (lms.nudges.holdout): nothing to record
            if learned_since:
                continue  # learned this week: no streak at risk, nothing to record
            weeks = {week_of(moment, profile.tz) for moment in completions.get(due.user_id, [])}
            streak = weeks_in_a_row(weeks, due.since.date() - timedelta(weeks=1))
            if streak < 2:
                continue
            row.kind, row.period = Kind.STREAK_AT_RISK, due.slot.week
            row.details = {"streak_weeks": streak}
        else:
            row.kind, row.period = Kind.NEXT_LESSON, due.slot.period
            new = [
                lesson
                for lesson, course in fresh
                if suits(course, profile) and (due.user_id, lesson.pk) not in done_fresh
            ]
            already_new = (due.user_id, due.slot.week) in new_this_week
            wants_new = (
                pref.want_new_in_sector and (due.user_id, Kind.NEW_IN_SECTOR) not in held_back
            )
            wants_next = pref.want_next_lesson and (due.user_id, Kind.NEXT_LESSON) not in held_back
            if new and wants_new and not already_new:
                row.kind, row.period = Kind.NEW_IN_SECTOR, due.slot.week
                row.lesson = new[0]
                row.reason = f"New in {profile.sector.name.lower()} this week"
                row.details = {"lessons": [lesson.pk for lesson in new[:NEW_LESSONS_SHOWN]]}
            elif not wants_next:
                continue
            if learned_since:
                row.status = Status.SKIPPED
                row.reason = "Already learned since the last nudge"
        if row.status != Status.SKIPPED and row.lesson is None:
            if candidates is None:
                candidates = catalogue_candidates()
            picked = next_five_minutes(profile.user, profile, candidates)
            review = reviews_due.get(due.user_id)
            if picked is not None:
                recommendation, lesson = picked
                row.lesson = lesson
                row.reason = recommendation.reason[:300]
            elif review is None:
                row.status = Status.SKIPPED
                row.reason = "Nothing left to recommend"
            if review is not None:
                # Two minutes of review beside the next lesson, or instead of it.
                count, oldest = review
                row.details = {
                    "reviews_due": count,
                    "review_reason": last_answered_reason(humanised_since(oldest, now)),
                }
                if row.lesson is None:
                    row.reason = row.details["review_reason"]
        rows.append(row)
    Nudge.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def plan_now(user_ids: list[int], now: datetime | None = None) -> int:
    """A "your next five minutes" nudge due at once for these learners, outside
    their schedule (`manage.py send_nudges_now`, for demos and support). It
    still honours unsubscribes, bounces, cadence "off" and the holdout."""
    now = now or timezone.now()
    profiles = list(learner_profiles(user_ids).select_related("sector", "seniority"))
    held_back = holdout.held_back([profile.user_id for profile in profiles], now)
    candidates = catalogue_candidates()
    rows = []
    for profile in profiles:
        if not NudgePreference.for_user(profile.user).receiving:
            continue
        if (profile.user_id, Kind.NEXT_LESSON) in held_back:
            continue
        picked = next_five_minutes(profile.user, profile, candidates)
        if picked is None:
            continue
        recommendation, lesson = picked
        rows.append(
            Nudge(
                user_id=profile.user_id,
                kind=Kind.NEXT_LESSON,
                period=f"now-{now:%Y%m%dT%H%M%S}",
                due_at=now,
                lesson=lesson,
                reason=recommendation.reason[:300],
            )
        )
    Nudge.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
