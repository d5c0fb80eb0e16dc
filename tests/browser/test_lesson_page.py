"""The lesson page in Chromium on a phone (390×844) and a desktop (1280×800),
with axe-core on every state: an empty answer is named (htmx and no
JavaScript), focus follows each answer and the completion, a wrong answer says
so before the right one, the end-of-lesson actions sit under the thumb, and the
title names the site once."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from courses.models import CoursePage, LessonPage
from tests.browser.conftest import assert_accessible, assert_fits_small_screen
from tests.browser.sessions import open_context
from tests.factories import UserFactory

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SIZES = pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])


@pytest.fixture
def lessons(starter_library):
    course = CoursePage.objects.get(slug="ai-for-the-board")
    return list(LessonPage.objects.child_of(course).live().order_by("path"))


@pytest.fixture
def learner(starter_library):
    return UserFactory(email="grace@example.com", first_name="Grace", last_name="Hopper")


def check_of(lesson):
    return next(block for block in lesson.body if block.block_type == "knowledge_check")


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


@SIZES
def test_an_empty_answer_is_named_and_focused_with_htmx(browser, live_server, lessons, size):
    context, page = open_context(browser, live_server, size)
    lesson = lessons[0]
    check = check_of(lesson)
    page.goto(f"{live_server.url}{lesson.url}")
    page.evaluate("window.__stayed = true")

    page.locator(f"#check-{check.id}").get_by_role("button", name="Check answer").click()

    feedback = page.locator(f"#feedback-{check.id}")
    feedback.locator(".check__error").wait_for()
    assert "Choose an answer, then check it." in feedback.inner_text()
    assert page.evaluate("window.__stayed === true")  # swapped in place
    # htmx focuses [autofocus] as the swap settles; expect() waits for it.
    expect(page.locator(f"#feedback-{check.id}")).to_be_focused()
    assert feedback.is_visible()
    assert_accessible(page)
    assert page.console_errors == []
    context.close()


@SIZES
def test_an_empty_answer_is_named_without_javascript(browser, live_server, lessons, size):
    context, page = open_context(browser, live_server, size, java_script_enabled=False)
    lesson = lessons[0]
    check = check_of(lesson)
    page.goto(f"{live_server.url}{lesson.url}")

    page.locator(f"#check-{check.id}").get_by_role("button", name="Check answer").click()

    page.wait_for_url(re.compile(rf"#feedback-{check.id}$"))
    feedback = page.locator(f"#feedback-{check.id}")
    assert "Choose an answer, then check it." in feedback.inner_text()
    # Next to its question, in the same box, and in view.
    assert page.locator(f"#check-{check.id} legend + #feedback-{check.id}").count() == 1
    box = feedback.bounding_box()
    assert 48 <= box["y"] < size["height"] - box["height"] / 2
    legend = page.locator(f"#check-{check.id} legend").bounding_box()
    assert legend["y"] + legend["height"] > 0  # the question's end is in view too
    # The browser's own autofocus, no script needed.
    assert page.locator(f"#feedback-{check.id}:focus").count() == 1
    context.close()
    # axe needs script; the same page, served with script, is checked here.
    context, page = open_context(browser, live_server, size)
    page.goto(f"{live_server.url}{lesson.url}")
    page.locator(f"#check-{check.id}").get_by_role("button", name="Check answer").click()
    page.locator(f"#feedback-{check.id} .check__error").wait_for()
    assert_accessible(page)
    context.close()


@SIZES
def test_a_wrong_answer_says_so_first_then_the_right_one_and_focus_is_on_it(
    browser, live_server, lessons, size, learner
):
    context, page = open_context(browser, live_server, size, learner)
    lesson = lessons[0]
    check = check_of(lesson)
    options = check.value["options"]
    wrong = next(i for i, option in enumerate(options) if not option["is_correct"])
    right = next(i for i, option in enumerate(options) if option["is_correct"])
    page.goto(f"{live_server.url}{lesson.url}")
    assert_accessible(page)
    section = page.locator(f"#check-{check.id}")
    section.locator("input[name=answer]").nth(wrong).check()
    section.get_by_role("button", name="Check answer").click()

    page.locator(f"#feedback-{check.id} .feedback--wrong").wait_for()
    # htmx focuses [autofocus] as the swap settles; expect() waits for it.
    expect(page.locator(f"#feedback-{check.id}")).to_be_focused()
    text = page.locator(f"#check-{check.id}").inner_text()
    assert text.index("Not quite —") < text.index("The right answer is")
    assert text.index("The right answer is") < text.index("Right answer")
    assert f"“{options[right]['text']}”" in text
    label = page.locator(f"label[for=check-{check.id}-{right + 1}]").inner_text()
    assert label.endswith("Right answer")
    assert_accessible(page)

    # Keyboard only: the next Tab from the feedback reaches the options.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "answer"

    section = page.locator(f"#check-{check.id}")
    section.locator("input[name=answer]").nth(right).check()
    section.get_by_role("button", name="Check again").click()
    page.locator(f"#feedback-{check.id} .feedback--right").wait_for()
    # htmx focuses [autofocus] as the swap settles; expect() waits for it.
    expect(page.locator(f"#feedback-{check.id}")).to_be_focused()
    assert page.console_errors == []
    context.close()


@SIZES
def test_completing_a_lesson_puts_focus_on_the_next_step(
    browser, live_server, lessons, size, learner
):
    context, page = open_context(browser, live_server, size, learner)
    page.goto(f"{live_server.url}{lessons[0].url}")

    page.get_by_role("button", name="Mark complete").click()

    page.locator("#lesson-complete .lesson-actions__status").wait_for()
    expect(page.locator(f'#lesson-complete a[href="{lessons[1].url}"]')).to_be_focused()
    assert page.evaluate("document.activeElement.textContent").startswith("Next lesson")
    assert_accessible(page)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(lessons[1].url) + "$"))
    assert page.console_errors == []
    context.close()


@SIZES
def test_mark_complete_and_next_lesson_are_under_the_thumb_at_the_end_of_the_lesson(
    browser, live_server, lessons, size, learner
):
    context, page = open_context(browser, live_server, size, learner)
    page.goto(f"{live_server.url}{lessons[0].url}")
    assert_fits_small_screen(page)
    complete = page.get_by_role("button", name="Mark complete")
    following = page.get_by_role("link", name=re.compile("^Next lesson"))

    # The reader has just reached the end of the lesson's last block.
    page.evaluate(
        """() => {
          const bar = document.getElementById('lesson-complete');
          const last = bar.previousElementSibling;
          window.scrollTo(0, last.getBoundingClientRect().bottom + window.scrollY - innerHeight);
        }"""
    )
    height = size["height"]
    for control in (complete, following):
        box = control.bounding_box()
        assert box["height"] >= 48 and box["width"] >= 48
        if size is PHONE:
            # In the bottom third of the screen, where a thumb rests, and on it.
            assert box["y"] >= height * 2 / 3 and box["y"] + box["height"] <= height
    if size is PHONE:
        # Side by side across the width, each about half of it.
        assert complete.bounding_box()["width"] >= size["width"] * 0.4
        # At the very end it is back in the page: it hides nothing below it.
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        bar = page.locator("#lesson-complete").bounding_box()
        nav = page.locator(".lesson-nav").bounding_box()
        assert bar["y"] + bar["height"] <= nav["y"] + 1
        # Keyboard focus on a link of the lesson is never hidden behind the bar.
        page.evaluate("window.scrollTo(0, 0)")
        checked = 0
        for _ in range(40):
            page.keyboard.press("Tab")
            inside = page.evaluate(
                """() => {
                  const el = document.activeElement;
                  const bar = document.getElementById('lesson-complete');
                  const before = bar.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING;
                  if (!el || !el.closest('.lesson') || !before) return null;
                  return [el.getBoundingClientRect().bottom, bar.getBoundingClientRect().top];
                }"""
            )
            if inside:
                checked += 1
                assert inside[0] <= inside[1] + 1, "focused element is behind the action bar"
        assert checked >= 3  # the breadcrumb, the sources' links, the check's options…
    assert_accessible(page)
    context.close()


@SIZES
def test_the_lesson_title_names_the_site_once(browser, live_server, lessons, size, learner):
    for user in (None, learner):
        context, page = open_context(browser, live_server, size, user)
        page.goto(f"{live_server.url}{lessons[1].url}")
        title = page.title()
        assert title.count(settings.WAGTAIL_SITE_NAME) == 1, title
        assert title.startswith(lessons[1].title)
        assert_accessible(page)
        context.close()
