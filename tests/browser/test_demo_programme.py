"""After seed_demo's synthetic demo programme (demo.programme), staff see
figures, not "Hidden: fewer than 10 learners": an equity analyst's dashboard
shows rates and gaps beside hidden cells, a programme admin's funnel has five
non-zero stages and the breakdowns show rates. Desktop and phone, axe clean."""

import re

import pytest

from demo import programme
from tests.browser.conftest import assert_accessible
from tests.browser.test_partner_authoring import admin_account, sign_in

pytestmark = pytest.mark.browser
SIZES = [(1280, 800), (390, 844)]
RATE = re.compile(r"^\d+%$")
GAP = re.compile(r"^(\d+ pp (higher|lower)|no gap)$")


@pytest.fixture
def demo_programme(starter_library):
    assert programme.ensure_programme()


def cells(page, table_name):
    """Each body row of the table: its header, then the text of its cells."""
    table = page.get_by_role("table", name=table_name)
    return [
        [cell.strip() for cell in row.locator("th, td").all_inner_texts()]
        for row in table.locator("tbody tr").all()
    ]


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_equity_dashboard_shows_rates_gaps_and_hidden_cells(
    browser, live_server, demo_programme, width, height
):
    analyst, secret = admin_account("analyst@example.com", "analyst")
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        sign_in(page, live_server, analyst, secret)
        page.goto(f"{live_server.url}/admin/reports/equity/")  # age, all cohorts
        rows = cells(page, "Equity metrics")
        groups = [row for row in rows if row[0] not in ("Declared", "Everyone")]
        assert any(RATE.match(cell) for row in groups for cell in row)
        assert any(GAP.match(cell) for row in groups for cell in row)
        assert any(cell.startswith("Hidden") for row in groups for cell in row)
        bars = page.locator('svg[role="img"] rect:not([width="0"])')
        assert bars.count() >= 3  # groups whose rate is shown
        assert_accessible(page)
    finally:
        context.close()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_funnel_has_five_non_zero_stages_and_breakdowns_with_rates(
    browser, live_server, demo_programme, width, height
):
    admin, secret = admin_account("programme@example.com", "programme_admin")
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        sign_in(page, live_server, admin, secret)
        page.goto(f"{live_server.url}/admin/reports/cohort-funnel/")
        # The funnel chart: five bars, each non-zero, the table's figures.
        chart = page.locator('svg[aria-labelledby="funnel-stages-title funnel-stages-desc"]')
        bars = chart.locator("g")
        assert bars.count() == 5
        labels = [bars.nth(n).locator("text").first.text_content() for n in range(5)]
        values = [bars.nth(n).locator("text").last.text_content().strip() for n in range(5)]
        assert labels == ["Invited", "Joined", "Activated", "Engaged", "Completed"]
        assert all(value.isdigit() and int(value) > 0 for value in values), values
        stages = page.get_by_role("table", name="Learners at each stage")
        rows = [v.strip() for v in stages.locator("tbody td").all_inner_texts()][:5]
        assert rows == values
        main = page.inner_text("main")
        assert "Per cohort" in main and "Black Country manufacturers" in main
        assert re.search(r"\b\d+%", main)  # breakdown rates
        assert_accessible(page)
    finally:
        context.close()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_nudge_comparison_shows_both_arms_with_intervals(
    browser, live_server, demo_programme, width, height
):
    """ "Nudges: do they help?" on the demo programme: per kind, figures for the
    nudged and the held out and their difference with its interval, axe clean
    (the nudge reports are the platform admin's: nudges.view_nudge)."""
    admin, secret = admin_account("admin@example.com", "superuser")
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        sign_in(page, live_server, admin, secret)
        page.goto(f"{live_server.url}/admin/reports/nudges/do-they-help/")
        main = page.inner_text("main")
        assert "Everyone is counted in the group they were drawn into" in main
        assert "Learned within 48 hours of a slot" in main
        assert re.search(r"[+-]?\d+ pp \(-?\+?\d+ to [+-]?\d+\)", main), main[:2000]
        assert_accessible(page)
    finally:
        context.close()
