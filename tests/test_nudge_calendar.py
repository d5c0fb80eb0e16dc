"""Five minutes in the calendar: the downloadable .ics and the private
subscription feed. The calendar is read back with the icalendar package and
its weekly rule expanded with dateutil, either side of a clock change, in the
zone the file's own VTIMEZONE describes."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from dateutil.rrule import rrulestr
from django.conf import settings
from django.test import Client
from icalendar import Calendar

from lms.nudges import calendar
from lms.nudges.models import Cadence, CalendarFeed, NudgePreference

pytestmark = pytest.mark.django_db

# Saturday 6 March 2027: London changes clocks on 28 March, New York on 14 March,
# Sydney (the other way) on 4 April.
BEFORE_THE_CHANGE = "2027-03-06 12:00:00+00:00"


def read(body: bytes):
    parsed = Calendar.from_ical(body)
    events = list(parsed.walk("VEVENT"))
    return parsed, events


def occurrences_utc(body: bytes, until: datetime) -> list[datetime]:
    """Every occurrence until `until`, as UTC, with the start's wall-clock time
    read in the zone built from the file's VTIMEZONE (not the system's)."""
    parsed, (event,) = read(body)
    (zone,) = parsed.timezones
    tz = zone.to_tz(lookup_tzid=False)
    start = event.decoded("dtstart")
    assert event["dtstart"].params["TZID"] == zone.tz_name
    rule = rrulestr(event["rrule"].to_ical().decode(), dtstart=start.replace(tzinfo=None))
    return [
        moment.replace(tzinfo=tz).astimezone(UTC)
        for moment in rule.between(start.replace(tzinfo=None), until.replace(tzinfo=None), inc=True)
    ]


@pytest.fixture
def ada_client(learner_factory):
    """Ada chose Tuesdays at 08:00 on 6 March 2027: her calendar starts on the
    first Tuesday after that, 9 March."""
    with time_machine.travel(BEFORE_THE_CHANGE, tick=False):
        ada = learner_factory("ada@example.com", days=(1,), hour=8)
    client = Client()
    client.force_login(ada)
    client.user = ada
    return client


def test_the_download_is_a_weekly_five_minute_event_at_the_learners_hour(ada_client):
    response = ada_client.get("/nudges/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    parsed, (event,) = read(response.content)
    assert [zone.tz_name for zone in parsed.timezones] == ["Europe/London"]
    assert event["rrule"]["FREQ"] == ["WEEKLY"] and event["rrule"]["BYDAY"] == ["TU"]
    assert event.decoded("duration") == timedelta(minutes=5)
    assert event.decoded("dtstart") == datetime(
        2027, 3, 9, 8, tzinfo=event.decoded("dtstart").tzinfo
    )
    assert str(event["summary"]) == "Five Minute AI"
    assert str(event["url"]).endswith("/nudges/next/")
    assert str(event["url"]).startswith(settings.WAGTAILADMIN_BASE_URL)
    assert "Your next five minutes:" in str(event["description"])
    assert str(event["uid"]) == f"five-minute-slot-{ada_client.user.pk}@127.0.0.1"


def test_london_slot_is_08_utc_in_winter_and_07_utc_in_summer(ada_client):
    body = ada_client.get("/nudges/calendar.ics").content
    found = occurrences_utc(body, datetime(2027, 4, 7, tzinfo=UTC))
    assert found == [
        datetime(2027, 3, 9, 8, tzinfo=UTC),
        datetime(2027, 3, 16, 8, tzinfo=UTC),
        datetime(2027, 3, 23, 8, tzinfo=UTC),
        datetime(2027, 3, 30, 7, tzinfo=UTC),  # British Summer Time from 28 March
        datetime(2027, 4, 6, 7, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    ("zone", "winter_hour", "after", "after_hour"),
    [
        # Eastern Standard Time (UTC−5) until 14 March, then Daylight Time (UTC−4)
        ("America/New_York", 13, date(2027, 3, 16), 12),
        # Daylight Time (UTC+11) until 4 April, then Standard Time (UTC+10):
        # 08:00 on a Tuesday there is Monday 21:00 or 22:00 UTC
        ("Australia/Sydney", 21, date(2027, 4, 5), 22),
    ],
)
def test_other_zones_keep_the_local_hour_across_their_clock_change(
    learner_factory, zone, winter_hour, after, after_hour
):
    with time_machine.travel(BEFORE_THE_CHANGE, tick=False):
        user = learner_factory("bo@example.com", time_zone=zone, days=(1,), hour=8)
        body = calendar.build(user)
    parsed, _ = read(body)
    assert [timezone.tz_name for timezone in parsed.timezones] == [zone]
    found = occurrences_utc(body, datetime(2027, 4, 20, tzinfo=UTC))
    assert found[0].hour == winter_hour
    assert {moment.hour for moment in found if moment.date() < after - timedelta(days=6)} == {
        winter_hour
    }
    assert {moment.hour for moment in found if moment.date() >= after} == {after_hour}


def test_twice_a_week_is_one_event_on_both_days(learner_factory):
    with time_machine.travel(BEFORE_THE_CHANGE, tick=False):
        user = learner_factory("cy@example.com", cadence=Cadence.TWICE_WEEKLY, days=(1, 3), hour=7)
        _, (event,) = read(calendar.build(user))
    assert event["rrule"]["BYDAY"] == ["TU", "TH"]


@pytest.mark.parametrize(
    ("cadence", "days", "said"),
    [
        (Cadence.WEEKLY, [1], "Tuesday at 07:00"),
        (Cadence.TWICE_WEEKLY, [1, 3], "Tuesday and Thursday at 07:00"),
        (Cadence.WEEKDAYS, [1], "weekday at 07:00"),
        (Cadence.OFF, [1], ""),
    ],
)
def test_the_slot_in_words(cadence, days, said):
    preference = NudgePreference(cadence=cadence, days=days, hour=7)
    assert calendar.slot_summary(preference) == said


def test_a_learner_who_chose_no_nudges_gets_a_calendar_without_the_slot(learner_factory):
    user = learner_factory("di@example.com", cadence=Cadence.OFF)
    parsed, events = read(calendar.build(user))
    assert events == [] and parsed["VERSION"] == "2.0"


# The subscription feed


def make_feed(client) -> str:
    response = client.post("/nudges/calendar/new/")
    assert response.status_code == 302 and response["Location"].endswith(
        "/nudges/settings/#calendar"
    )
    page = client.get("/nudges/settings/").content.decode()
    marker = "/calendar/"
    start = page.index(marker, page.index('id="calendar-link"'))
    token = page[start + len(marker) : page.index(".ics", start)]
    assert f"webcal://127.0.0.1:8000/calendar/{token}.ics" in page
    return token


def test_the_link_is_shown_once_and_only_its_hash_is_stored(ada_client):
    token = make_feed(ada_client)
    feed = CalendarFeed.objects.get(user=ada_client.user)
    assert feed.token_hash == calendar.token_hash(token) and token not in feed.token_hash
    again = ada_client.get("/nudges/settings/").content.decode()
    assert token not in again and "We show a link only when it is made" in again


def test_the_feed_needs_no_session_sets_no_cookie_and_follows_a_cadence_change(ada_client):
    token = make_feed(ada_client)
    anonymous = Client()
    response = anonymous.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert not response.cookies and "Set-Cookie" not in response
    _, (event,) = read(response.content)
    assert event["rrule"]["BYDAY"] == ["TU"] and event.decoded("dtstart").hour == 8
    saved = ada_client.post(
        "/nudges/settings/",
        {"cadence": "twice_weekly", "days": ["0", "3"], "hour": "7", "kinds": ["next_lesson"]},
    )
    assert saved.status_code == 302
    _, (event,) = read(anonymous.get(f"/calendar/{token}.ics").content)
    assert event["rrule"]["BYDAY"] == ["MO", "TH"] and event.decoded("dtstart").hour == 7
    ada_client.post("/nudges/settings/", {"cadence": "off", "hour": "7"})
    _, events = read(anonymous.get(f"/calendar/{token}.ics").content)
    assert events == []


def test_a_revoked_link_is_a_404(ada_client):
    token = make_feed(ada_client)
    assert ada_client.post("/nudges/calendar/revoke/").status_code == 302
    assert Client().get(f"/calendar/{token}.ics").status_code == 404
    assert CalendarFeed.objects.get(user=ada_client.user).revoked_at is not None


def test_a_new_link_turns_the_old_one_off(ada_client):
    old = make_feed(ada_client)
    new = make_feed(ada_client)
    assert old != new
    assert Client().get(f"/calendar/{old}.ics").status_code == 404
    assert Client().get(f"/calendar/{new}.ics").status_code == 200
    assert CalendarFeed.objects.filter(user=ada_client.user, revoked_at__isnull=True).count() == 1


def test_an_unknown_token_or_another_learners_old_token_is_a_404(ada_client, learner_factory):
    bo = learner_factory("bo@example.com")
    bo_client = Client()
    bo_client.force_login(bo)
    bos_old = make_feed(bo_client)
    make_feed(bo_client)
    make_feed(ada_client)
    assert Client().get(f"/calendar/{bos_old}.ics").status_code == 404
    assert Client().get("/calendar/not-a-real-token.ics").status_code == 404
    assert Client().get(f"/calendar/{bos_old[:-1]}.ics").status_code == 404


def test_a_deactivated_learners_feed_is_a_404(ada_client):
    token = make_feed(ada_client)
    type(ada_client.user).objects.filter(pk=ada_client.user.pk).update(is_active=False)
    assert Client().get(f"/calendar/{token}.ics").status_code == 404


def test_making_or_revoking_a_link_needs_a_post_and_a_sign_in(ada_client):
    assert ada_client.get("/nudges/calendar/new/").status_code == 405
    assert ada_client.get("/nudges/calendar/revoke/").status_code == 405
    anonymous = Client()
    assert anonymous.post("/nudges/calendar/new/").status_code == 302
    assert anonymous.get("/nudges/calendar.ics").status_code == 302
    assert not CalendarFeed.objects.exists()


def test_the_event_link_opens_the_learners_next_lesson(ada_client):
    response = ada_client.get("/nudges/next/")
    assert response.status_code == 302 and response["Location"].startswith("/courses/")
    assert Client().get("/nudges/next/").status_code == 302


def test_the_settings_page_offers_the_download_and_the_link(ada_client):
    page = ada_client.get("/nudges/settings/").content.decode()
    assert "Five minutes in your calendar" in page
    assert "every Tuesday at 08:00 (Europe/London)" in page
    assert 'href="/nudges/calendar.ics"' in page
    assert "Make a calendar link" in page
    NudgePreference.objects.filter(user=ada_client.user).update(cadence=Cadence.OFF)
    page = ada_client.get("/nudges/settings/").content.decode()
    assert 'href="/nudges/calendar.ics"' not in page
