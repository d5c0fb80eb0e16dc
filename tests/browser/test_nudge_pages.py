"""The nudge settings, unsubscribe and click pages in Chromium at 360 px, with
axe-core; and the email's HTML itself through axe."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from lms.nudges import delivery, links, planner
from lms.nudges.models import Nudge, NudgePreference
from tests.browser.conftest import assert_accessible, assert_fits_small_screen
from tests.nudge_fixtures import make_learner

pytestmark = pytest.mark.browser


@pytest.fixture
def ada(starter_library, django_user_model):
    user = make_learner(django_user_model, "ada.browser@example.com")
    planner.plan_now([user.pk])
    delivery.deliver(list(Nudge.objects.filter(user=user).values_list("pk", flat=True)))
    Nudge.objects.filter(user=user).update(sent_at=timezone.now() - timedelta(minutes=5))
    yield user
    Nudge.objects.filter(user=user).delete()
    user.delete()


def sign_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_learner_changes_nudge_settings_with_keyboard_and_fixes_an_error(page, live_server, ada):
    sign_in(page, live_server, ada)
    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_role("link", name=re.compile("Email nudges")).click()
    page.wait_for_url(re.compile("/nudges/settings/$"))
    assert_accessible(page)
    assert_fits_small_screen(page)
    page.get_by_label("Twice a week").check()
    page.get_by_role("button", name="Save").click()
    assert page.get_by_role("alert").is_visible()
    assert "Choose two days for twice a week." in page.inner_text("main")
    assert_accessible(page)
    page.get_by_label("Thursday").check()
    page.get_by_label("At what time").select_option("7")
    page.get_by_role("button", name="Save").click()
    assert "Saved." in page.inner_text("main")
    preference = NudgePreference.objects.get(user=ada)
    assert (preference.cadence, preference.days, preference.hour) == ("twice_weekly", [1, 3], 7)


def test_the_emails_button_opens_the_lesson_and_unsubscribe_asks_first(page, live_server, ada):
    message = next(m for m in mail.outbox if m.to == [ada.email])
    html = message.alternatives[0][0]
    page.set_content(html)
    assert_accessible(page)

    nudge = Nudge.objects.get(user=ada)
    page.goto(live_server.url + re.sub(r"^https?://[^/]+", "", links.click_url(nudge)))
    page.wait_for_url(re.compile(re.escape(nudge.lesson.url) + "$"))
    assert nudge.lesson.title in page.inner_text("h1")

    page.goto(live_server.url + re.sub(r"^https?://[^/]+", "", links.unsubscribe_url(nudge)))
    assert_accessible(page)
    assert_fits_small_screen(page)
    assert NudgePreference.objects.get(user=ada).unsubscribed_at is None
    page.get_by_role("button", name="Unsubscribe").click()
    assert "You are unsubscribed" in page.inner_text("h1")
    assert_accessible(page)
    assert NudgePreference.objects.get(user=ada).unsubscribed_at is not None
