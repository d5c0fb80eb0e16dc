"""Slots in the learner's own time zone, correct across daylight saving."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from lms.nudges import schedule
from lms.nudges.models import Cadence

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def test_tuesday_8am_in_london_is_8_utc_in_winter_and_7_utc_in_summer():
    winter = schedule.latest_slot([1], 8, LONDON, datetime(2026, 11, 24, 9, tzinfo=UTC))
    summer = schedule.latest_slot([1], 8, LONDON, datetime(2026, 6, 23, 9, tzinfo=UTC))
    assert winter.at == datetime(2026, 11, 24, 8, tzinfo=UTC)
    assert summer.at == datetime(2026, 6, 23, 7, tzinfo=UTC)


def test_slot_on_the_day_the_clocks_go_forward_keeps_local_wall_time():
    # Sunday 29 March 2026: London jumps from 01:00 GMT to 02:00 BST.
    sunday = schedule.latest_slot([6], 9, LONDON, datetime(2026, 3, 29, 12, tzinfo=UTC))
    assert sunday.at == datetime(2026, 3, 29, 8, tzinfo=UTC)  # 09:00 BST
    saturday = schedule.latest_slot([5], 9, LONDON, datetime(2026, 3, 28, 12, tzinfo=UTC))
    assert saturday.at == datetime(2026, 3, 28, 9, tzinfo=UTC)  # 09:00 GMT


def test_an_hour_skipped_by_the_clocks_is_the_moment_after_the_jump():
    slot = schedule.latest_slot([6], 1, LONDON, datetime(2026, 3, 29, 12, tzinfo=UTC))
    assert slot.at == datetime(2026, 3, 29, 1, tzinfo=UTC)  # 02:00 BST


def test_new_york_learner_is_nudged_at_their_8am_not_londons():
    slot = schedule.latest_slot([1], 8, NEW_YORK, datetime(2026, 11, 24, 14, tzinfo=UTC))
    assert slot.at == datetime(2026, 11, 24, 13, tzinfo=UTC)
    assert slot.period == "2026-11-24"


def test_a_slot_is_due_only_within_the_planning_window(settings):
    settings.NUDGE_PLAN_WINDOW_HOURS = 6
    at = datetime(2026, 11, 24, 8, tzinfo=UTC)
    assert schedule.due_slot([1], 8, LONDON, at) is not None
    assert schedule.due_slot([1], 8, LONDON, at.replace(hour=13, minute=59)) is not None
    assert schedule.due_slot([1], 8, LONDON, at.replace(hour=14)) is None
    assert schedule.due_slot([1], 8, LONDON, at.replace(hour=7, minute=59)) is None


def test_cadences_choose_their_days():
    assert schedule.slot_days(Cadence.WEEKLY, [3, 1]) == [1]
    assert schedule.slot_days(Cadence.TWICE_WEEKLY, [4, 1]) == [1, 4]
    assert schedule.slot_days(Cadence.WEEKDAYS, []) == [0, 1, 2, 3, 4]
    assert schedule.slot_days(Cadence.OFF, [1]) == []


def test_previous_slot_of_twice_weekly_is_earlier_the_same_week():
    slot = schedule.latest_slot([1, 3], 8, LONDON, datetime(2026, 11, 26, 9, tzinfo=UTC))
    before = schedule.previous_slot([1, 3], 8, LONDON, slot)
    assert (slot.period, before.period) == ("2026-11-26", "2026-11-24")
