"""The brand in a real browser at phone and desktop sizes: the self-hosted
typefaces are the ones in use, the header and footer carry the brand, a course
without a cover shows generated art, the error pages sit in the layout, and
axe finds nothing on any of them."""

import re

import pytest

from courses.models import CoursePage
from tests.browser.conftest import assert_accessible, assert_fits_small_screen

pytestmark = pytest.mark.browser

SIZES = [(390, 844), (1280, 800)]


@pytest.fixture(params=SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def sized_page(request, browser):
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.requests_elsewhere = []
    page.on(
        "request",
        lambda req: (
            not req.url.startswith(("http://localhost", "data:"))
            and page.requests_elsewhere.append(req.url)
        ),
    )
    yield page
    context.close()


def test_the_brand_fonts_cover_art_and_error_pages(sized_page, live_server, starter_library):
    page = sized_page
    base = live_server.url
    bare = CoursePage.objects.live().order_by("path").first()
    bare.cover_image = None
    bare.save_revision().publish()

    page.goto(f"{base}/")
    page.evaluate("document.fonts.ready")
    body_font = page.evaluate("getComputedStyle(document.body).fontFamily")
    heading_font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert body_font.startswith('"Inter Variable"') and heading_font.startswith('"Source Serif 4')
    assert page.evaluate("document.fonts.check('16px \"Inter Variable\"')")
    assert page.evaluate("[...document.fonts].some(f => f.status === 'loaded')")
    header = page.locator(".site-header")
    assert header.get_by_role("link", name="Five Minute AI").is_visible()
    assert header.get_by_role("link", name="Start free").is_visible()
    assert page.locator(".site-footer").get_by_role("link", name="All courses").is_visible()
    assert_accessible(page)
    assert_fits_small_screen(page)

    page.goto(f"{base}/courses/?q={bare.title}")
    card = page.locator(".card", has_text=bare.title).first
    art = card.locator("svg.card__cover")
    assert art.count() == 1 and art.get_attribute("aria-hidden") == "true"
    box = art.bounding_box()
    assert box["height"] > 100 and abs(box["width"] / box["height"] - 40 / 21) < 0.05
    # The whole card opens the course.
    card.locator(".card__summary").click(force=True)  # a mouse click there, on the overlay
    page.wait_for_url(re.compile(re.escape(bare.url) + "$"))
    assert page.locator("svg.course-cover__art").is_visible()
    assert_accessible(page)
    assert_fits_small_screen(page)

    response = page.goto(f"{base}/no-such-page/")
    assert response.status == 404
    assert page.title() == "Page not found · Five Minute AI"
    assert page.get_by_role("heading", level=1).inner_text() == "We can’t find that page"
    page.get_by_role("link", name="Browse the courses").first.is_visible()
    assert_accessible(page)
    assert_fits_small_screen(page)

    assert page.requests_elsewhere == []
