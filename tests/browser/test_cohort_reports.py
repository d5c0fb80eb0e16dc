"""A programme admin opens the cohort funnel: the funnel chart shows five bars
with the figures of the table beside it, at 1280x800 and on a phone
(390x844), axe-clean; an analyst opens the equity audit log and sees their
own entry. Real browser, real metrics."""

import pytest

from courses.models import LessonPage
from lms.equity.models import AuditEntry
from lms.progress.services import complete_lesson
from tests.browser.conftest import assert_accessible
from tests.browser.test_equity_dashboard import programme_with_answers  # noqa: F401
from tests.browser.test_partner_authoring import admin_account, sign_in

pytestmark = pytest.mark.browser

SIZES = [(1280, 800), (390, 844)]


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_programme_admin_sees_the_funnel_chart_with_the_tables_figures(
    browser,
    live_server,
    starter_library,
    programme_with_answers,  # noqa: F811
    width,
    height,
):
    lesson = LessonPage.objects.live().order_by("path").first()
    for membership in programme_with_answers.memberships.all()[:30]:
        complete_lesson(membership.user, lesson)
    admin, secret = admin_account("programme@example.com", "programme_admin")
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        sign_in(page, live_server, admin, secret)
        page.goto(f"{live_server.url}/admin/reports/cohort-funnel/")
        chart = page.locator('svg[aria-labelledby="funnel-stages-title funnel-stages-desc"]')
        assert chart.is_visible()
        assert chart.bounding_box()["width"] > 200
        bars = chart.locator("g")
        assert bars.count() == 5
        shown = [
            (bars.nth(n).locator("text").first.text_content(),
             bars.nth(n).locator("text").last.text_content())
            for n in range(5)
        ]  # fmt: skip
        table = page.get_by_role("table", name="Learners at each stage")
        rows = [
            (table.locator("tbody th").nth(n).text_content(),
             table.locator("tbody td").nth(n).text_content())
            for n in range(5)
        ]  # fmt: skip
        assert shown == rows
        assert [label for label, _ in shown] == [
            "Invited", "Joined", "Activated", "Engaged", "Completed"
        ]  # fmt: skip
        assert all(int(value) > 0 for _, value in shown[1:3])  # joined, activated
        assert page.locator('svg[aria-labelledby^="completions-per-week"]').is_visible()
        assert_accessible(page)
    finally:
        context.close()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_analyst_reads_their_own_entry_in_the_audit_log(
    browser,
    live_server,
    programme_with_answers,  # noqa: F811
    width,
    height,
):
    analyst, secret = admin_account("analyst@example.com", "analyst")
    AuditEntry.objects.create(
        user=None, user_email="someone.else@example.com", action="view", filters={}
    )
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        sign_in(page, live_server, analyst, secret)
        page.goto(f"{live_server.url}/admin/reports/equity/?characteristic=sex")
        assert_accessible(page)
        page.goto(f"{live_server.url}/admin/reports/equity/audit/")
        assert page.get_by_role("heading", name="Equity audit log").first.is_visible()
        table = page.locator("main table")
        assert table.is_visible()
        text = table.inner_text()
        assert "analyst@example.com" in text and "Viewed" in text
        assert "someone.else@example.com" not in page.content()
        assert_accessible(page)
    finally:
        context.close()
