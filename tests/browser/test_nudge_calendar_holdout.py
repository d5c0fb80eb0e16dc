"""The nudge settings page's calendar and holdout sections in Chromium, at a
phone's and a desktop's width, with axe-core: make a calendar link, see it
once, and leave the holdout with one click."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from lms.nudges.models import Arm, CalendarFeed, HoldoutAssignment, Kind
from tests.browser.conftest import assert_accessible, assert_fits_small_screen
from tests.browser.viewports import SIZES, new_page, sign_in
from tests.nudge_fixtures import make_learner

pytestmark = pytest.mark.browser


@pytest.fixture
def grace(starter_library, django_user_model):
    user = make_learner(django_user_model, "grace.browser@example.com")
    now = timezone.now()
    for kind in Kind.values:
        HoldoutAssignment.objects.create(
            user=user,
            kind=kind,
            arm=Arm.HELD_OUT if kind == Kind.STREAK_AT_RISK else Arm.NUDGED,
            assigned_at=now,
            ends_at=now + timedelta(days=settings.NUDGE_HOLDOUT_DAYS),
        )
    yield user
    user.delete()


@SIZES
def test_learner_makes_a_calendar_link_and_leaves_the_holdout(
    browser, live_server, grace, viewport
):
    page = new_page(browser, viewport)
    sign_in(page, live_server, grace)
    page.goto(f"{live_server.url}/nudges/settings/")
    calendar = page.get_by_role("region", name="Five minutes in your calendar")
    assert "every Tuesday at 08:00 (Europe/London)" in calendar.inner_text()
    download = calendar.get_by_role("link", name="Download the calendar file (.ics)")
    assert download.get_attribute("href") == "/nudges/calendar.ics"
    holdout = page.get_by_role("region", name="Do nudges help? How we check")
    assert "Streak at risk, until" in holdout.inner_text()
    assert_accessible(page)
    assert_fits_small_screen(page)

    calendar.get_by_role("button", name="Make a calendar link").click()
    page.wait_for_url("**/nudges/settings/#calendar")
    link = page.get_by_label("Your private calendar link")
    url = link.input_value()
    assert url.startswith(settings.WAGTAILADMIN_BASE_URL + "/calendar/") and url.endswith(".ics")
    assert (
        page.get_by_role("link", name="Open it in your calendar app")
        .get_attribute("href")
        .startswith("webcal://")
    )
    assert CalendarFeed.objects.filter(user=grace, revoked_at__isnull=True).count() == 1
    assert_accessible(page)
    assert_fits_small_screen(page)
    page.reload()
    assert page.get_by_label("Your private calendar link").count() == 0

    page.get_by_role("button", name="Send me these nudges anyway").click()
    page.wait_for_url("**/nudges/settings/#holdout")
    assert "You are not held back" in page.inner_text("#holdout")
    assert_accessible(page)
    assignment = HoldoutAssignment.objects.get(user=grace, kind=Kind.STREAK_AT_RISK)
    assert assignment.arm == Arm.HELD_OUT and assignment.left_at is not None
    assert page.console_errors == []
    page.context.close()
