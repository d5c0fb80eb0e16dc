"""When a learner's nudges fall due, in their own time zone. Pure functions of
the preference, the zone and the moment, so they are easy to pin in tests and
correct across daylight-saving changes: a slot is a local wall-clock time
("Tuesday 08:00 in Europe/London"), turned into UTC for that day."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from .models import Cadence

WEEKDAYS = [0, 1, 2, 3, 4]


@dataclass(frozen=True)
class Slot:
    local_date: date
    at: datetime  # UTC

    @property
    def period(self) -> str:
        return self.local_date.isoformat()

    @property
    def week(self) -> str:
        year, week, _ = self.local_date.isocalendar()
        return f"{year}-W{week:02d}"


def slot_days(cadence: str, days: list[int]) -> list[int]:
    if cadence == Cadence.OFF:
        return []
    if cadence == Cadence.WEEKDAYS:
        return WEEKDAYS
    wanted = 1 if cadence == Cadence.WEEKLY else 2
    chosen = sorted({int(day) for day in days if 0 <= int(day) <= 6})[:wanted]
    return chosen or [1]


def local_moment(day: date, hour: int, tz: ZoneInfo) -> datetime:
    """`hour`:00 on `day` in `tz`, as UTC. A wall-clock time skipped by the
    spring-forward jump is the moment after the jump; one repeated in autumn is
    the first of the two (PEP 495, fold=0)."""
    return datetime.combine(day, time(hour), tzinfo=tz).astimezone(UTC)


def slots_between(
    days: list[int], hour: int, tz: ZoneInfo, start: datetime, end: datetime
) -> list[Slot]:
    """Every slot with start < at <= end, oldest first."""
    if not days:
        return []
    first = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date() + timedelta(days=1)
    slots = []
    day = first
    while day <= last:
        if day.weekday() in days:
            at = local_moment(day, hour, tz)
            if start < at <= end:
                slots.append(Slot(day, at))
        day += timedelta(days=1)
    return slots


def latest_slot(days: list[int], hour: int, tz: ZoneInfo, now: datetime) -> Slot | None:
    """The most recent slot at or before `now` (within the last eight days)."""
    slots = slots_between(days, hour, tz, now - timedelta(days=8), now)
    return slots[-1] if slots else None


def previous_slot(days: list[int], hour: int, tz: ZoneInfo, slot: Slot) -> Slot | None:
    slots = slots_between(
        days, hour, tz, slot.at - timedelta(days=8), slot.at - timedelta(seconds=1)
    )
    return slots[-1] if slots else None


def due_slot(days: list[int], hour: int, tz: ZoneInfo, now: datetime) -> Slot | None:
    """The slot to plan for now, if one started recently enough: a planner that
    was down for a while catches up, but never sends yesterday's nudge today."""
    slot = latest_slot(days, hour, tz, now)
    window = timedelta(hours=settings.NUDGE_PLAN_WINDOW_HOURS)
    if slot and now - slot.at < window:
        return slot
    return None
