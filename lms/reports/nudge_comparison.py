"""Do nudges cause learning? Per kind of nudge, the learners drawn into the
holdout (lms.nudges.holdout) against those drawn to be nudged: how many in
each arm, the share who learned within 48 hours after a slot, and active days
per week, each with the difference between the arms and its 95% confidence
interval (lms.nudges.stats: Newcombe for the shares, Welch for the means).

Analysed by assignment: everyone drawn counts in the arm they were drawn
into, whatever they did next: a held-out learner who left the holdout is
still "held out" (the report says how many left), and a learner who turned
nudges off still counts. Only learners who chose to receive nudges are ever
drawn, so the comparison is among them.

For each learner and kind, the observed time is their holdout period (from
the draw to its end) within the report's period (the last N weeks), up to
now. Their slots are the moments the planner would nudge them for that
kind, from their nudge settings now (lms.nudges.schedule): the cadence's
days at their hour for "your next five minutes" and "new in your sector",
the streak weekday at their hour for "streak at risk"; a learner whose
cadence is now "never" is counted at a weekly slot on the first day they had
chosen. A slot counts once its 48 hours are over. A learner with no such
slot is left out of that kind's comparison (n counts only learners with one).

- Learned within 48 hours: the learner has a learning event (any entry of
  the learning log: a lesson started or completed, a check answered...) in
  the 48 hours after at least one of their slots.
- Active days per week: the learner's days (in their time zone) with a
  learning event in the observed time, divided by its length in weeks.

Small numbers: the one disclosure rule for such tables
(lms.reports.disclosure.suppress, at EQUITY_MIN_COUNT): an arm of fewer
learners shows "<10" and no figures; a share is judged by the smaller of its
numerator and denominator; a difference and its interval show only when the
figures of both arms show."""

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from lms.learners.models import LearnerProfile
from lms.nudges import schedule, stats
from lms.nudges.models import Arm, Cadence, HoldoutAssignment, Kind, NudgePreference
from lms.progress.models import LearningEvent

from . import disclosure
from .disclosure import Shown

FOLLOW_UP = timedelta(hours=48)
WEEK = timedelta(weeks=1)
CADENCE_KINDS = (Kind.NEXT_LESSON, Kind.NEW_IN_SECTOR)


@dataclass
class ArmFigures:
    n: int = 0
    learned: int = 0
    left: int = 0
    active_days_per_week: list[float] = field(default_factory=list)

    @property
    def share_learned(self) -> float | None:
        return self.learned / self.n if self.n else None

    @property
    def mean_active(self) -> float | None:
        return stats.mean(self.active_days_per_week) if self.n else None


@dataclass
class KindComparison:
    kind: str
    nudged: ArmFigures
    held_out: ArmFigures

    @property
    def learned_difference(self) -> stats.Interval | None:
        """Nudged less held out: the effect of being drawn to be nudged."""
        return stats.newcombe_difference(
            self.nudged.learned, self.nudged.n, self.held_out.learned, self.held_out.n
        )

    @property
    def active_difference(self) -> stats.Interval | None:
        return stats.welch_difference(
            self.nudged.active_days_per_week, self.held_out.active_days_per_week
        )


def slot_days_for(kind: str, preference: NudgePreference | None) -> list[int]:
    if kind == Kind.STREAK_AT_RISK:
        return [settings.NUDGE_STREAK_WEEKDAY]
    if preference is None:
        return []
    cadence = Cadence.WEEKLY if preference.cadence == Cadence.OFF else preference.cadence
    return schedule.slot_days(cadence, preference.days)


def compare(weeks: int = 12, now: datetime | None = None) -> list[KindComparison]:
    """The comparison for every kind of nudge, in Kind order. Four queries,
    whatever the number of learners."""
    now = now or timezone.now()
    since = now - timedelta(weeks=weeks)
    assignments = list(
        HoldoutAssignment.objects.filter(assigned_at__lt=now, ends_at__gt=since).values_list(
            "user_id", "kind", "arm", "assigned_at", "ends_at", "left_at"
        )
    )
    drawn = HoldoutAssignment.objects.filter(assigned_at__lt=now, ends_at__gt=since).values(
        "user_id"
    )
    preferences = {
        preference.user_id: preference
        for preference in NudgePreference.objects.filter(user_id__in=drawn).only(
            "user_id", "cadence", "days", "hour"
        )
    }
    default_zone = LearnerProfile._meta.get_field("time_zone").default
    zones = dict(
        LearnerProfile.objects.filter(user_id__in=drawn).values_list("user_id", "time_zone")
    )
    learning = defaultdict(list)
    for user_id, moment in (
        LearningEvent.objects.filter(
            user_id__in=drawn, occurred_at__gte=since - FOLLOW_UP, occurred_at__lte=now
        )
        .order_by("occurred_at")
        .values_list("user_id", "occurred_at")
    ):
        learning[user_id].append(moment)
    figures = {kind: {arm: ArmFigures() for arm in Arm.values} for kind in Kind.values}
    for user_id, kind, arm, assigned_at, ends_at, left_at in assignments:
        start, end = max(assigned_at, since), min(ends_at, now)
        if end <= start:
            continue
        preference = preferences.get(user_id)
        tz = ZoneInfo(zones.get(user_id, default_zone))
        hour = preference.hour if preference else 8
        slots = [
            slot
            for slot in schedule.slots_between(
                slot_days_for(kind, preference), hour, tz, start, end
            )
            if slot.at + FOLLOW_UP <= now
        ]
        if not slots:
            continue
        moments = learning[user_id]
        followed = False
        for slot in slots:
            first = bisect.bisect_left(moments, slot.at)
            if first < len(moments) and moments[first] < slot.at + FOLLOW_UP:
                followed = True
                break
        active_days = {moment.astimezone(tz).date() for moment in moments if start <= moment < end}
        arm_figures = figures[kind][arm]
        arm_figures.n += 1
        arm_figures.learned += followed
        arm_figures.left += left_at is not None
        arm_figures.active_days_per_week.append(len(active_days) / ((end - start) / WEEK))
    return [
        KindComparison(kind, figures[kind][Arm.NUDGED], figures[kind][Arm.HELD_OUT])
        for kind in Kind.values
    ]


# -- as shown: the same rows on the screen and in the CSV ---------------------------


def _threshold() -> int:
    return disclosure.min_count()


def _signed(text: str) -> str:
    """ "+0" and "-0" are shown as "0"."""
    return text[1:] if text.lstrip("+-").strip("0.") == "" else text


def _points(value: float) -> str:
    return _signed(f"{round(100 * value):+d}")


def _days(value: float) -> str:
    return f"{value:.2f}"


def _signed_days(value: float) -> str:
    return _signed(f"{value:+.2f}")


def _interval(interval: stats.Interval | None, show, unit: str, *, shown: bool) -> Shown:
    """ "+25 pp (-32 to +66)": the difference, then its 95% interval."""
    if not shown:
        return Shown("–", "an arm is too small to compare")
    if interval is None:
        return Shown("–", "not enough learners for an interval")
    estimate, lower, upper = (show(v) for v in interval)
    return Shown(f"{estimate}{unit} ({lower} to {upper})")


@dataclass
class ComparisonRow:
    """One kind's comparison as displayed; every field a Shown."""

    kind: str
    kind_label: str
    nudged_n: Shown
    held_out_n: Shown
    held_out_left: Shown
    nudged_learned: Shown
    held_out_learned: Shown
    learned_difference: Shown
    nudged_active: Shown
    held_out_active: Shown
    active_difference: Shown


def _mean(arm: ArmFigures) -> Shown:
    if arm.n < _threshold():
        return Shown("–", f"fewer than {_threshold()} learners")
    return Shown(_days(arm.mean_active))


def display(comparison: KindComparison) -> ComparisonRow:
    threshold = _threshold()
    nudged, held = comparison.nudged, comparison.held_out
    shares = [
        disclosure.suppress_rate(arm.learned, arm.n, threshold=threshold) for arm in (nudged, held)
    ]
    means = [_mean(nudged), _mean(held)]
    return ComparisonRow(
        kind=comparison.kind,
        kind_label=Kind(comparison.kind).label,
        nudged_n=disclosure.suppress(nudged.n, threshold=threshold),
        held_out_n=disclosure.suppress(held.n, threshold=threshold),
        held_out_left=(
            disclosure.suppress(held.left, threshold=threshold)
            if held.n >= threshold
            else Shown("–", f"fewer than {threshold} learners")
        ),
        nudged_learned=shares[0],
        held_out_learned=shares[1],
        learned_difference=_interval(
            comparison.learned_difference, _points, " pp", shown=not any(s.reason for s in shares)
        ),
        nudged_active=means[0],
        held_out_active=means[1],
        active_difference=_interval(
            comparison.active_difference, _signed_days, "", shown=not any(m.reason for m in means)
        ),
    )


def comparison_rows(
    weeks: int = 12, kind: str | None = None, now: datetime | None = None
) -> list[ComparisonRow]:
    return [
        display(comparison)
        for comparison in compare(weeks, now)
        if kind is None or comparison.kind == kind
    ]


@dataclass
class MeasureRow:
    """One measure of one kind, as the report's table and CSV show it: a
    few columns that fit a phone, rather than one wide row per kind."""

    kind_label: str
    measure: str
    nudged: Shown
    held_out: Shown
    difference: Shown


BLANK = Shown("")


def measure_rows(
    weeks: int = 12, kind: str | None = None, now: datetime | None = None
) -> list[MeasureRow]:
    rows = []
    for row in comparison_rows(weeks, kind, now):
        rows += [
            MeasureRow(row.kind_label, "Learners", row.nudged_n, row.held_out_n, BLANK),
            MeasureRow(
                row.kind_label, "Of them, left the holdout", BLANK, row.held_out_left, BLANK
            ),
            MeasureRow(
                row.kind_label,
                "Learned within 48 hours of a slot",
                row.nudged_learned,
                row.held_out_learned,
                row.learned_difference,
            ),
            MeasureRow(
                row.kind_label,
                "Active days a week",
                row.nudged_active,
                row.held_out_active,
                row.active_difference,
            ),
        ]
    return rows
