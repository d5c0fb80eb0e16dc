"""Five minutes in the calendar: the learner's nudge slot as a weekly
recurring event (RFC 5545, built with the icalendar package), downloaded as a
`.ics` file or served from a private subscription URL.

The event is the slot the planner nudges at (lms.nudges.schedule.slot_days:
the cadence's days, at the chosen hour): a local wall-clock time with the
learner's TZID and a VTIMEZONE, so calendars keep it at 08:00 local across
daylight-saving changes. Its UID is fixed per learner, so importing a newer
file or refreshing the feed moves the one event instead of adding another.
It links to a URL that always opens the learner's next lesson at the moment
they click (`nudge_next_lesson`); the description names the lesson
recommended when the calendar was built.

Subscription URLs: `/calendar/<token>.ics` with a random 256-bit token; only
its SHA-256 is stored (`CalendarFeed.token_hash`), so the plain token is
shown once, when it is made. A new URL revokes the old one; a revoked or
unknown token is a 404. The feed is built from the learner's current
preferences on every request, so a changed cadence changes the feed."""

import hashlib
import secrets
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from lms.learners.models import LearnerProfile
from lms.learners.services import profile_of
from lms.pathways.services import next_five_minutes

from . import links, schedule
from .models import WEEKDAY_NAMES, CalendarFeed, NudgePreference

SLOT_MINUTES = 5
BYDAY = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
PRODID = "-//Five Minute AI//Weekly slot//EN"
# How often subscribed calendars should fetch the feed again.
REFRESH = timedelta(hours=12)
# The VTIMEZONE covers this many years from the event's first occurrence.
ZONE_YEARS = 10


def time_zone_of(profile: LearnerProfile | None) -> ZoneInfo:
    if profile is None:
        return ZoneInfo(LearnerProfile._meta.get_field("time_zone").default)
    return profile.tz


def first_slot(days: list[int], hour: int, tz: ZoneInfo, since: date) -> datetime:
    """The first slot day on or after `since`, at `hour` local time (RFC 5545:
    DTSTART is the first occurrence of the rule)."""
    day = since
    while day.weekday() not in days:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=tz)


def slot_summary(preference: NudgePreference) -> str:
    """ "Tuesday and Thursday at 08:00" (after "every"), or "" when there is no slot."""
    days = schedule.slot_days(preference.cadence, preference.days)
    if days == schedule.WEEKDAYS:
        return f"weekday at {preference.hour:02d}:00"
    names = [WEEKDAY_NAMES[day] for day in days]
    if not names:
        return ""
    days = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{days} at {preference.hour:02d}:00"


def uid_for(user) -> str:
    host = urlsplit(settings.WAGTAILADMIN_BASE_URL).hostname or "localhost"
    return f"five-minute-slot-{user.pk}@{host}"


def build(user, now: datetime | None = None) -> bytes:
    """The learner's calendar as of now: one weekly event, or none when they
    chose no nudges (the slot leaves their calendar)."""
    now = now or timezone.now()
    profile = profile_of(user)
    preference = NudgePreference.for_user(user)
    tz = time_zone_of(profile)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", settings.WAGTAIL_SITE_NAME)
    calendar.add("x-wr-timezone", str(tz))
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    days = schedule.slot_days(preference.cadence, preference.days)
    if not days:
        return calendar.to_ical()
    # Anchored at the day the preference was last saved, so the event's start
    # stays put between changes.
    since = (preference.updated_at or now).astimezone(tz).date()
    start = first_slot(days, preference.hour, tz, since)
    link = links.absolute(reverse("nudge_next_lesson"))
    description = "Five minutes of learning, at the time you chose."
    if profile is not None:
        picked = next_five_minutes(user, profile)
        if picked is not None:
            recommendation, lesson = picked
            description = (
                f"Your next five minutes: {lesson.title}. {recommendation.reason}"
                if recommendation.reason
                else f"Your next five minutes: {lesson.title}."
            )
    event = Event()
    event.add("uid", uid_for(user))
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("duration", timedelta(minutes=SLOT_MINUTES))
    event.add("rrule", {"freq": "weekly", "byday": [BYDAY[day] for day in days]})
    event.add("summary", settings.WAGTAIL_SITE_NAME)
    event.add("description", f"{description}\n\nOpen it: {link}")
    event.add("url", link)
    event.add("transp", "OPAQUE")
    if preference.updated_at:
        event.add("last-modified", preference.updated_at)
    calendar.add_component(event)
    calendar.add_missing_timezones(
        first_date=start.date() - timedelta(days=1),
        last_date=start.date().replace(year=start.year + ZONE_YEARS),
    )
    return calendar.to_ical()


# -- subscription URLs -----------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def new_feed(user) -> str:
    """A new private subscription URL's token; the learner's previous URL
    stops working. The plain token is returned once and never stored."""
    revoke(user)
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.create(user=user, token_hash=token_hash(token))
    return token


def revoke(user) -> int:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def live_feed(user) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


def owner_of(token: str):
    """The active learner whose live feed this token opens, or None."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return feed.user if feed else None


def feed_urls(token: str) -> dict[str, str]:
    """The subscription URL as https (to paste into a calendar) and as
    webcal (a link that opens the calendar app)."""
    https = links.absolute(reverse("calendar_feed", args=[token]))
    parts = urlsplit(https)
    return {"https": https, "webcal": urlunsplit(("webcal", *parts[1:]))}
