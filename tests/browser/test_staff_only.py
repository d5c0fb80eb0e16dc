"""A signed-in learner who opens the admins gets one page that says who they
are for, not a loop of redirects (issue 14), at phone and desktop sizes."""

import pytest

from tests.browser.conftest import assert_accessible, assert_fits_small_screen
from tests.browser.test_nudge_pages import sign_in
from tests.nudge_fixtures import make_learner

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", [(390, 844), (1280, 800)], ids=["phone", "desktop"])
def test_a_learner_at_the_admins_gets_the_staff_only_page_in_one_response(
    browser, live_server, starter_library, django_user_model, size
):
    learner = make_learner(django_user_model, f"learner.{size[0]}@example.com")
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    try:
        sign_in(page, live_server, learner)
        redirects = []
        page.on("response", lambda r: 300 <= r.status < 400 and redirects.append(r.url))
        for path in ("/admin/", "/django-admin/"):
            redirects.clear()
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 403 and redirects == [], (path, redirects)
            heading = page.get_by_role("heading", level=1)
            assert heading.inner_text() == "This area is for partner authors and programme staff"
            page.get_by_role("link", name="Go to the home page").wait_for()
            assert_accessible(page)
            assert_fits_small_screen(page)
    finally:
        context.close()
        learner.delete()
