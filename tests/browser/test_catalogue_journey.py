"""A learner browses catalogue → course → lesson in a real browser, with axe
on every page, at 360px wide, with the site's real CSP in force."""

import re

import pytest

from courses.models import CoursePage, LessonPage
from tests.browser.conftest import assert_accessible, assert_fits_small_screen

pytestmark = pytest.mark.browser


def test_catalogue_to_course_to_lesson(page, live_server, starter_library):
    page.goto(f"{live_server.url}/")
    assert_accessible(page)
    page.get_by_role("link", name="Browse the courses").click()

    page.wait_for_url(re.compile(r"/courses/$"))
    assert_accessible(page)
    assert_fits_small_screen(page)
    total = CoursePage.objects.live().count()
    results = page.locator("#results")
    assert results.get_by_role("heading", level=2).inner_text().startswith(f"{total} course")

    # Filtering updates the results in place and the URL with it.
    page.get_by_label("Health tech").check()
    page.wait_for_url(re.compile(r"sector=health-tech"))
    health = CoursePage.objects.live().filter(sectors__slug="health-tech").count()
    heading = results.get_by_role("heading", level=2)
    heading.filter(has_text=f"{health} course").wait_for()
    assert_accessible(page)

    # Back restores the unfiltered catalogue; forward brings the filter back.
    shared = page.url
    page.go_back()
    page.wait_for_url(re.compile(r"/courses/$"))
    page.locator("#results h2").filter(has_text=f"{total} course").wait_for()
    assert not page.get_by_label("Health tech").is_checked()
    page.go_forward()
    page.wait_for_url(shared)
    page.locator("#results h2").filter(has_text=f"{health} course").wait_for()
    assert page.get_by_label("Health tech").is_checked()

    # The filtered URL can be shared: opening it afresh shows the same state.
    page.goto(shared)
    assert page.get_by_label("Health tech").is_checked()
    assert f"{health} course" in page.locator("#results h2").inner_text()

    course = CoursePage.objects.get(slug="ai-in-diagnostics-and-care-pathways")
    page.get_by_role("link", name=course.title).click()
    page.wait_for_url(re.compile(course.url + "$"))
    assert page.get_by_role("heading", level=1).inner_text() == course.title
    assert_accessible(page)
    assert_fits_small_screen(page)

    first = LessonPage.objects.child_of(course).live().order_by("path").first()
    page.get_by_role("link", name=first.title).click()
    page.wait_for_url(re.compile(first.url + "$"))
    assert_accessible(page)
    assert_fits_small_screen(page)

    # Answer the knowledge check in place (htmx): the page does not reload.
    check = page.locator("section.check").first
    page.evaluate("window.__stayed = true")
    check.locator("input[name=answer]").first.check()
    check.get_by_role("button", name="Check answer").click()
    check = page.locator("section.check").first
    check.locator(".feedback").wait_for()
    assert re.search(r"Correct\.|Not quite —", check.inner_text())
    assert page.evaluate("window.__stayed === true")
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("^Next")).click()
    page.wait_for_url(re.compile(course.url + r".+/$"))
    assert page.url != f"{live_server.url}{first.url}"
    assert page.console_errors == []


def test_knowledge_check_works_without_javascript(browser, live_server, starter_library):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    lesson = LessonPage.objects.live().order_by("path").first()
    page.goto(f"{live_server.url}{lesson.url}")
    check = page.locator("section.check").first
    check.locator("input[name=answer]").first.check()
    check.get_by_role("button", name="Check answer").click()
    page.locator("section.check .feedback").first.wait_for()
    assert page.url.endswith(lesson.url) or "#feedback-" in page.url
    context.close()
