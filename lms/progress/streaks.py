"""Weekly streaks: weeks in a row, in the learner's time zone, with at least
one completed lesson. Weeks, because executives learn weekly. The dashboard
and the nudge planner both count them here."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


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
