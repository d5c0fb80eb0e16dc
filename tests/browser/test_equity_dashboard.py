"""An equity analyst signs in to the admin (with two-factor), opens the equity
dashboard and sees the chart and the table with hidden cells explained;
axe-core finds nothing on the page. Real browser, real metrics."""

from datetime import date

import pytest
from django.utils import timezone

from courses.models import LessonPage
from lms.cohorts.models import Cohort, Membership, Programme
from lms.equity.models import AuditEntry, EquityProfile
from lms.pathways.models import Pathway
from lms.progress.services import complete_lesson
from tests.browser.conftest import assert_accessible
from tests.browser.test_partner_authoring import admin_account, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def programme_with_answers(transactional_db, django_user_model):
    programme = Programme.objects.create(name="AI for SME leaders")
    pathway = Pathway.objects.create(title="Getting started", slug="getting-started-equity")
    cohort = Cohort.objects.create(
        name="Tees Valley spring",
        programme=programme,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 5, 31),
        pathway=pathway,
    )
    answers = ["female"] * 30 + ["male"] * 34 + ["prefer_not"] * 3
    for number, sex in enumerate(answers):
        user = django_user_model.objects.create_user(f"learner{number}@example.com")
        Membership.objects.create(cohort=cohort, user=user)
        EquityProfile.objects.create(
            user=user, consent_version="1", consented_at=timezone.now(), sex=sex
        )
    for number in range(5):  # joined, never answered
        user = django_user_model.objects.create_user(f"quiet{number}@example.com")
        Membership.objects.create(cohort=cohort, user=user)
    return cohort


def test_analyst_sees_the_equity_dashboard_chart_and_table(
    browser, live_server, programme_with_answers
):
    analyst, secret = admin_account("analyst@example.com", "analyst")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server, analyst, secret)
        page.goto(f"{live_server.url}/admin/reports/equity/?characteristic=sex")
        chart = page.locator('svg[role="img"]')
        assert chart.count() == 1
        assert chart.locator("title").text_content().startswith("Completion rate by sex")
        assert "hidden" in chart.locator("desc").text_content()
        table = page.get_by_role("table", name="Equity metrics")
        assert table.is_visible()
        assert table.get_by_role("rowheader", name="Female").is_visible()
        assert "Hidden: fewer than 10 learners" in table.inner_text()  # prefer not to say: 3
        assert_accessible(page)
        assert AuditEntry.objects.filter(user=analyst, action="view").count() == 1
    finally:
        context.close()


def test_programme_admin_sees_the_funnel_and_its_weekly_chart(
    browser, live_server, starter_library, programme_with_answers
):
    lesson = LessonPage.objects.live().order_by("path").first()
    for membership in programme_with_answers.memberships.all()[:12]:
        complete_lesson(membership.user, lesson)
    admin, secret = admin_account("programme@example.com", "programme_admin")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server, admin, secret)
        page.goto(f"{live_server.url}/admin/reports/cohort-funnel/")
        main = page.inner_text("main")
        for stage in ("Invited", "Joined", "Activated", "Engaged", "Completed"):
            assert stage in main
        assert page.locator('svg[role="img"]').count() >= 1
        assert_accessible(page)
        # No equity figures for someone who is not an analyst.
        response = page.goto(f"{live_server.url}/admin/reports/equity/?characteristic=sex")
        assert response.status == 403 or "/admin/" in page.url and "Female" not in page.content()
    finally:
        context.close()
