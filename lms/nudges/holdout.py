"""The holdout that shows whether nudges cause learning: when a learner first
chooses to receive nudges, each kind of nudge draws its own arm at random,
"held out" with probability NUDGE_HOLDOUT_PERCENT / 100, and the draw is
written down (`HoldoutAssignment`). It is never drawn again: the unique
(user, kind) constraint makes a second draw a no-op, however often or from
however many processes this runs. A held-out learner gets no nudge of that
kind for NUDGE_HOLDOUT_DAYS, unless they leave the holdout on their settings
page; the comparison (lms.reports.nudge_comparison) counts them by the arm
they were drawn into, whatever they did next. See docs/calendar-and-holdout.md."""

import random
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .models import Arm, HoldoutAssignment, Kind

_draws = random.SystemRandom()


def draw_arm() -> str:
    return Arm.HELD_OUT if _draws.random() * 100 < settings.NUDGE_HOLDOUT_PERCENT else Arm.NUDGED


def assign(user_ids, now: datetime | None = None) -> int:
    """Draw every kind's arm for these learners, where not drawn already.
    Returns how many draws were written."""
    now = now or timezone.now()
    ends_at = now + timedelta(days=settings.NUDGE_HOLDOUT_DAYS)
    user_ids = list(user_ids)
    drawn = set(
        HoldoutAssignment.objects.filter(user_id__in=user_ids).values_list("user_id", "kind")
    )
    rows = [
        HoldoutAssignment(
            user_id=user_id, kind=kind, arm=draw_arm(), assigned_at=now, ends_at=ends_at
        )
        for user_id in user_ids
        for kind in Kind.values
        if (user_id, kind) not in drawn
    ]
    # A draw made by another process in between wins; ours is dropped.
    HoldoutAssignment.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(rows)


def held_back(user_ids, now: datetime) -> set[tuple[int, str]]:
    """(user id, kind) for every nudge these learners are held back from now."""
    return set(
        HoldoutAssignment.objects.filter(
            user_id__in=user_ids, arm=Arm.HELD_OUT, left_at__isnull=True, ends_at__gt=now
        ).values_list("user_id", "kind")
    )


def held_back_kinds(user, now: datetime | None = None) -> list[HoldoutAssignment]:
    """The learner's assignments that hold nudges back from them now, by kind."""
    now = now or timezone.now()
    return [
        assignment
        for assignment in HoldoutAssignment.objects.filter(user=user).order_by("kind")
        if assignment.holds_back(now)
    ]


def leave(user, now: datetime | None = None) -> int:
    """The learner wants nudges anyway: every holdout that holds them back ends
    now for them (recorded as `left_at`); their arm stays what was drawn."""
    now = now or timezone.now()
    return HoldoutAssignment.objects.filter(
        user=user, arm=Arm.HELD_OUT, left_at__isnull=True, ends_at__gt=now
    ).update(left_at=now)
