"""The home page in Chromium at 390x844 and 1280x800, with axe: a newcomer
sees what it is, how it works and who writes it, and can start free or sign
in; a signed-in learner sees their next lesson first."""

import re

import pytest

from lms.pathways.services import next_five_minutes
from tests.browser.conftest import assert_accessible, assert_fits_small_screen
from tests.browser.viewports import SIZES, new_page, sign_in
from tests.factories import UserFactory
from tests.nudge_fixtures import make_learner

pytestmark = pytest.mark.browser


@SIZES
def test_a_newcomer_can_start_free_or_sign_in(browser, live_server, starter_library, viewport):
    page = new_page(browser, viewport)
    page.goto(f"{live_server.url}/")
    assert_accessible(page)
    assert_fits_small_screen(page)
    main = page.locator("main")
    start = main.get_by_role("link", name="Start free", exact=True)
    sign = main.get_by_role("link", name="Sign in", exact=True)
    assert start.is_visible() and sign.is_visible()
    # The primary action is on the first screen, before how it works.
    assert start.bounding_box()["y"] + start.bounding_box()["height"] <= viewport["height"]
    steps = main.get_by_role("heading", name="How it works").locator("xpath=..").locator("li")
    assert steps.count() == 3
    assert start.bounding_box()["y"] < steps.first.bounding_box()["y"]
    partners = main.get_by_role("heading", name=re.compile("Written by")).locator("xpath=..")
    assert partners.locator("a.partner-mark").count() >= 2
    assert main.get_by_role("heading", name="New courses").is_visible()
    start.click()
    page.wait_for_url(re.compile("/accounts/signup/$"))
    assert_accessible(page)
    page.go_back()
    page.locator("main").get_by_role("link", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile("/accounts/login/$"))
    assert page.console_errors == []
    page.context.close()


@SIZES
def test_a_signed_in_learner_sees_their_next_lesson_first(
    browser, live_server, starter_library, django_user_model, viewport
):
    user = make_learner(django_user_model, f"home.{viewport['width']}@example.com")
    _, lesson = next_five_minutes(user, user.learner_profile)
    page = new_page(browser, viewport)
    sign_in(page, live_server, user)
    page.goto(f"{live_server.url}/")
    assert_accessible(page)
    assert_fits_small_screen(page)
    main = page.locator("main")
    assert main.get_by_role("heading").first.inner_text() == "Your next five minutes"
    assert main.get_by_role("link", name="Start free").count() == 0
    cont = main.get_by_role("link", name=re.compile("^Continue"))
    assert cont.is_visible()
    assert cont.bounding_box()["y"] + cont.bounding_box()["height"] <= viewport["height"]
    assert lesson.title in main.locator(".home-next").inner_text()
    new_courses = main.get_by_role("heading", name="New courses")
    assert cont.bounding_box()["y"] < new_courses.bounding_box()["y"]
    cont.click()
    page.wait_for_url(re.compile(re.escape(lesson.url) + "$"))
    assert_accessible(page)
    assert page.console_errors == []
    page.context.close()


def test_a_signed_in_visitor_without_a_profile_continues_to_set_up(
    browser, live_server, starter_library, django_user_model
):
    user = UserFactory(email="home.setup@example.com", verified=True)
    page = new_page(browser, {"width": 390, "height": 844})
    sign_in(page, live_server, user)
    page.goto(f"{live_server.url}/")
    assert_accessible(page)
    assert page.locator("main").get_by_role("link", name="Start free").count() == 0
    page.locator("main").get_by_role("link", name=re.compile("^Continue")).click()
    page.wait_for_url(re.compile("/onboarding/$"))
    page.context.close()
