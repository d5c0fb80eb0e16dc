"""A learner browses catalogue → course → lesson in a real browser, with axe
on every page, at 360px wide, with the site's real CSP in force."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from courses.models import CoursePage, LessonPage
from tests.browser.conftest import assert_accessible, assert_fits_small_screen
from tests.browser.viewports import SIZES, is_phone, new_page

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

    # Filtering updates the results in place and the URL with it; on a phone
    # the filters wait behind their disclosure, after the results.
    page.get_by_text("Filters (0)").click()
    page.get_by_label("Health tech").check()
    page.wait_for_url(re.compile(r"sector=health-tech"))
    health = CoursePage.objects.live().filter(sectors__slug="health-tech").count()
    heading = results.get_by_role("heading", level=2)
    heading.filter(has_text=f"{health} course").wait_for()
    # The disclosure's count follows in the same response (out of band).
    assert page.locator("details#filters summary").inner_text().strip() == "Filters (1)"
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


# Phone first: results before filters, filters behind a disclosure that counts
# them, active filters as chips, an empty search that says what was searched.
# Each at 390x844 and 1280x800.


def catalogue_url(live_server, query=""):
    return f"{live_server.url}/courses/{query}"


def top(locator) -> float:
    return locator.bounding_box()["y"]


@SIZES
def test_results_come_first_and_filters_wait_behind_a_counted_disclosure(
    browser, live_server, starter_library, viewport
):
    page = new_page(browser, viewport)
    page.goto(catalogue_url(live_server, "?sector=health-tech&seniority=board"))
    assert_accessible(page)
    assert_fits_small_screen(page)
    filters = page.locator("details#filters")
    summary = filters.locator("summary")
    assert summary.inner_text().strip() == "Filters (2)"
    first_card = page.locator("#results .card").first
    # Results come first in reading order at every size.
    assert page.evaluate(
        "([a, b]) => !!(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING)",
        [first_card.element_handle(), filters.element_handle()],
    )
    assert page.get_by_role("searchbox", name="Search").is_visible()
    if is_phone(page):
        # On a phone the first course is above the (closed) filters.
        assert top(first_card) < top(summary)
        assert not filters.evaluate("details => details.open")
        assert not page.get_by_label("Board").is_visible()
        # A link by the results count jumps to the filters and opens them.
        page.get_by_role("link", name="Filter these courses").click()
        assert page.get_by_label("Board").is_visible()
        summary.click()
        assert not page.get_by_label("Board").is_visible()
        assert_accessible(page)
    else:
        # On a desktop the filters sit open in a column beside the results.
        assert filters.evaluate("details => details.open")
        assert page.get_by_label("Board").is_visible()
        assert filters.bounding_box()["x"] > first_card.bounding_box()["x"]
        assert abs(top(first_card) - top(filters)) < 200
        assert not page.get_by_role("link", name="Filter these courses").is_visible()
    assert page.console_errors == []
    page.context.close()


@SIZES
def test_the_disclosure_opens_and_applies_without_javascript(
    browser, live_server, starter_library, viewport
):
    page = new_page(browser, viewport, java_script_enabled=False)
    page.goto(catalogue_url(live_server, "?sector=health-tech&seniority=board"))
    summary = page.locator("details#filters summary")
    assert summary.inner_text().strip() == "Filters (2)"
    box = page.get_by_label("Up to 10 minutes")
    assert not box.is_visible()
    # (axe cannot run without JavaScript: the same pages are checked with it above.)
    summary.click()
    assert box.is_visible()
    box.check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"length=short"))
    assert "sector=health-tech" in page.url and "seniority=board" in page.url
    assert page.locator("details#filters summary").inner_text().strip() == "Filters (3)"
    page.context.close()


@SIZES
def test_a_chip_removes_exactly_its_filter_and_clear_all_removes_them_all(
    browser, live_server, starter_library, viewport
):
    page = new_page(browser, viewport)
    page.goto(catalogue_url(live_server, "?sector=health-tech&sector=cross-sector&seniority=board"))
    chips = page.get_by_role("list", name="Active filters")
    assert chips.get_by_role("link", name=re.compile("^Remove filter: ")).count() == 3
    assert_accessible(page)
    chips.get_by_role("link", name=re.compile("^Remove filter: Health tech")).click()
    page.wait_for_url(lambda url: "health-tech" not in url)
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"sector": ["cross-sector"], "seniority": ["board"]}
    assert page.locator("details#filters summary").inner_text().strip() == "Filters (2)"
    assert not page.get_by_label("Health tech").is_checked()
    assert page.get_by_label("Board").is_checked()
    expected = (
        CoursePage.objects.live()
        .filter(sectors__slug="cross-sector", seniority_levels__slug="board")
        .distinct()
        .count()
    )
    assert page.locator("#results h2").inner_text().startswith(f"{expected} course")
    assert_accessible(page)
    page.get_by_role("list", name="Active filters").get_by_role(
        "link", name="Clear all filters"
    ).click()
    page.wait_for_url(catalogue_url(live_server))
    assert page.get_by_role("list", name="Active filters").count() == 0
    assert page.locator("details#filters summary").inner_text().strip() == "Filters (0)"
    page.context.close()


@SIZES
def test_an_empty_search_names_what_was_searched_and_clearing_it_works(
    browser, live_server, starter_library, viewport
):
    page = new_page(browser, viewport)
    page.goto(catalogue_url(live_server, "?seniority=board"))
    page.get_by_role("searchbox", name="Search").fill("zzqqxx")
    results = page.locator("#results")
    results.get_by_text("No course matches “zzqqxx” with 1 filter.").wait_for()
    page.wait_for_url(re.compile(r"q=zzqqxx"))
    assert_accessible(page)
    results.get_by_role("link", name="Clear the search, keep the filters").click()
    page.wait_for_url(catalogue_url(live_server, "?seniority=board"))
    board = CoursePage.objects.live().filter(seniority_levels__slug="board").distinct().count()
    assert page.locator("#results h2").inner_text().startswith(f"{board} course")
    assert page.get_by_role("searchbox", name="Search").input_value() == ""
    assert_accessible(page)
    page.context.close()


@SIZES
def test_an_empty_partner_value_is_not_an_error(browser, live_server, starter_library, viewport):
    page = new_page(browser, viewport)
    response = page.goto(catalogue_url(live_server, "?partner=&sector="))
    assert response.status == 200
    assert page.get_by_role("alert").count() == 0
    assert "not recognised" not in page.inner_text("main")
    total = CoursePage.objects.live().count()
    assert page.locator("#results h2").inner_text().startswith(f"{total} course")
    assert page.locator("details#filters summary").inner_text().strip() == "Filters (0)"
    assert_accessible(page)
    page.context.close()


@SIZES
def test_course_page_goes_back_to_the_catalogue_with_honest_minutes_and_its_partner(
    browser, live_server, starter_library, viewport
):
    course = CoursePage.objects.get(slug="ai-in-diagnostics-and-care-pathways")
    page = new_page(browser, viewport)
    page.goto(f"{live_server.url}{course.url}")
    assert_accessible(page)
    assert_fits_small_screen(page)
    minutes = [
        int(text.split()[0]) for text in page.locator(".lesson-list .minutes").all_inner_texts()
    ]
    assert minutes
    shown = re.search(r"(\d+) lessons? · (\d+) minutes?", page.inner_text("main"))
    assert (int(shown.group(1)), int(shown.group(2))) == (len(minutes), sum(minutes))
    partner = page.locator("main a.partner-mark")
    assert partner.inner_text().strip() == course.partner.name or partner.locator("img").count()
    assert partner.get_attribute("href") == course.get_parent().url
    back = page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="All courses")
    assert back.get_attribute("href") == "/courses/"
    back.click()
    page.wait_for_url(catalogue_url(live_server))
    assert page.get_by_role("heading", level=1).is_visible()
    assert_accessible(page)
    page.context.close()
