"""The optional equity questions in Chromium at 360 px, with axe-core: an
onboarded learner opens them from their settings, is told consent is needed,
answers with consent, then withdraws (which deletes the answers)."""

import re

import pytest

from lms.equity.models import PREFER_NOT, EquityProfile
from tests.browser.conftest import assert_accessible, assert_fits_small_screen
from tests.browser.test_nudge_pages import sign_in
from tests.nudge_fixtures import make_learner

pytestmark = pytest.mark.browser


@pytest.fixture
def ada(starter_library, django_user_model):
    user = make_learner(django_user_model, "ada.equity@example.com")
    yield user
    user.delete()


def test_learner_answers_with_consent_then_withdraws(page, live_server, ada):
    sign_in(page, live_server, ada)
    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_role("link", name=re.compile("Equality questions")).click()
    page.wait_for_url(re.compile("/me/equity/$"))
    assert_accessible(page)
    assert_fits_small_screen(page)

    # Answers without ticking consent: nothing is kept, and the summary says why.
    page.get_by_label("45 to 54").check()
    page.get_by_role("button", name="Save my answers").click()
    alert = page.get_by_role("alert")
    assert alert.is_visible() and "Tick the box to agree" in alert.inner_text()
    assert page.get_by_label("45 to 54").is_checked()  # the answer is still there
    assert_accessible(page)
    assert_fits_small_screen(page)
    assert not EquityProfile.objects.filter(user=ada).exists()

    alert.get_by_role("link").click()  # the summary leads to the box
    page.get_by_label(re.compile("^I agree")).check()
    ethnic = page.get_by_role("group", name="What is your ethnic group?")
    ethnic.get_by_label("Prefer not to say").check()
    page.get_by_role("button", name="Save my answers").click()
    page.wait_for_url(re.compile("/me/equity/$"))
    assert "Your answers are saved" in page.inner_text("main")
    assert_accessible(page)
    assert_fits_small_screen(page)
    profile = EquityProfile.objects.get(user=ada)
    assert (profile.age_band, profile.ethnic_group, profile.sex) == ("45_54", PREFER_NOT, "")

    page.get_by_role("link", name="Withdraw and delete my answers").click()
    page.wait_for_url(re.compile("/me/equity/withdraw/$"))
    assert_accessible(page)
    assert_fits_small_screen(page)
    page.get_by_role("button", name="Withdraw and delete my answers").click()
    page.wait_for_url(re.compile("/me/equity/$"))
    assert "Your answers are deleted" in page.inner_text("main")
    assert not EquityProfile.objects.filter(user=ada).exists()
    assert not page.get_by_label("45 to 54").is_checked()
    assert_accessible(page)
    # The one console message is the form's own 400 answer to the missing consent.
    assert [e for e in page.console_errors if "400 (Bad Request)" not in e] == []
