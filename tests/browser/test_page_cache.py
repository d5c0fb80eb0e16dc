"""A lesson page from the anonymous page cache in Chromium: it carries no
CSRF token, and js/csrf.js supplies one from the cookie. A visitor who signs
in in another tab and then answers on the cached page is posting as a
signed-in learner, whose answers need the token: it is read from the cookie
the sign-in set, and the answer is recorded."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from courses.models import CoursePage, LessonPage
from lms.progress.models import CheckAnswer
from tests.browser.conftest import assert_accessible
from tests.browser.sessions import open_context
from tests.factories import UserFactory, password_for

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def test_an_answer_on_a_cached_page_after_signing_in_elsewhere_is_recorded(
    browser, live_server, starter_library
):
    course = CoursePage.objects.get(slug="ai-for-the-board")
    lesson = LessonPage.objects.child_of(course).live().order_by("path").first()
    check = next(block for block in lesson.body if block.block_type == "knowledge_check")
    learner = UserFactory(verified=True)
    context, page = open_context(browser, live_server, PHONE)

    page.goto(f"{live_server.url}{lesson.url}")  # fills the cache
    response = page.reload()
    assert response.headers.get("x-page-cache") == "hit"
    assert page.locator("body[hx-headers]").count() == 0
    assert page.locator('input[name="csrfmiddlewaretoken"]').count() == 0
    assert not context.cookies()
    assert_accessible(page)

    other_tab = context.new_page()
    other_tab.goto(f"{live_server.url}/accounts/login/")
    other_tab.fill('input[name="login"]', learner.email)
    other_tab.fill('input[name="password"]', password_for(learner.email))
    other_tab.get_by_role("button", name="Sign In", exact=True).click()
    expect(other_tab).not_to_have_url(re.compile("/accounts/login/"))
    assert any(cookie["name"] == settings.CSRF_COOKIE_NAME for cookie in context.cookies())

    form = page.locator(f"#check-{check.id}")
    form.locator('input[name="answer"]').first.check()
    form.get_by_role("button", name="Check answer").click()
    page.locator(f"#feedback-{check.id} .feedback").wait_for()
    assert CheckAnswer.objects.filter(user=learner, lesson=lesson, block_id=check.id).exists()
    assert page.console_errors == []
    context.close()
