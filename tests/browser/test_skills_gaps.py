"""A programme admin opens Reports → Skills gaps at phone (390x844) and
desktop (1280x800) sizes: the heat map shows numbers in coloured cells and
hidden cells with their reason, in a focusable region that scrolls sideways
on the phone, with the legend; axe-clean. Real browser, real figures."""

import pytest

from content.models import Sector, Skill
from tests.browser.conftest import assert_accessible
from tests.browser.test_partner_authoring import admin_account, sign_in
from tests.browser.viewports import DESKTOP, PHONE
from tests.factories import LearnerProfileFactory, self_check

pytestmark = pytest.mark.browser


@pytest.fixture
def ratings(starter_library):
    skills = list(Skill.objects.order_by("name"))
    for slug, people, base in (
        ("health-tech", 24, 2),
        ("creative-immersive", 3, 4),
        ("advanced-manufacturing", 3, 3),  # two small sectors: neither can be worked out
    ):
        sector = Sector.objects.get(slug=slug)
        for n in range(people):
            person = LearnerProfileFactory(sector=sector).user
            self_check(person, {skill: base + (n + i) % 2 for i, skill in enumerate(skills)})


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_programme_admin_sees_the_heat_map(browser, live_server, ratings, viewport):
    admin, secret = admin_account("skills@example.com", "programme_admin")
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        sign_in(page, live_server, admin, secret)
        page.goto(f"{live_server.url}/admin/reports/skills-gaps/")
        region = page.get_by_role("region", name="Heat map by sector and skill (scrolls sideways)")
        assert region.is_visible()
        assert region.get_attribute("tabindex") == "0"
        table = region.get_by_role("table")
        health = table.locator("tbody tr", has=page.locator("th", has_text="Health tech"))
        first = health.locator("td").first
        assert first.get_attribute("class").startswith("heat heat-")
        assert first.locator(".heat-value").text_content().strip()[0].isdigit()
        creative = table.locator("tbody tr", has=page.locator("th", has_text="Creative"))
        assert "Hidden" in creative.locator("td").first.text_content()
        assert page.get_by_text("Legend", exact=False).is_visible()
        if viewport == PHONE:
            assert region.evaluate("el => el.scrollWidth > el.clientWidth")
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1
        assert_accessible(page)
    finally:
        context.close()
