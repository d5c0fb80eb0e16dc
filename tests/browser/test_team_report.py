"""The employer sponsor's team report in Chromium at phone and desktop
sizes, axe clean, and printed on one A4 page; and the learner's dashboard
showing their self-check history with "Rate yourself again"."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from content.models import Skill
from lms.learners.models import SelfCheck
from tests.browser.conftest import assert_accessible, assert_fits_small_screen
from tests.browser.viewports import SIZES, new_page, sign_in
from tests.factories import LearnerProfileFactory, self_check
from tests.test_team_report import build_teams

pytestmark = pytest.mark.browser


@SIZES
def test_the_team_report_on_screen_and_printed(browser, live_server, starter_library, viewport):
    teams = build_teams()
    page = new_page(browser, viewport)
    sign_in(page, live_server, teams["sponsor_a"])
    page.goto(live_server.url + reverse("team_index"))
    assert page.url.endswith(reverse("team_report", args=[teams["ours"].pk]))
    assert page.get_by_role("heading", level=1).inner_text() == "How Acme Ltd’s people are doing"
    print_button = page.get_by_role("button", name="Print or save as PDF")
    assert print_button.is_visible()  # shown by js/print.js
    people = page.get_by_role("table").first
    assert "Joined" in people.inner_text()
    assert "Hidden: fewer than 10 learners" in people.inner_text()  # learning regularly: 0
    skills = page.get_by_role("table").nth(1)
    assert re.search(r"Governance and ethics\s+3\.0\s+3\.7", skills.inner_text())
    assert_accessible(page)
    if viewport["width"] < 400:
        assert_fits_small_screen(page)
    assert not page.console_errors
    if viewport["width"] > 1000:
        page.emulate_media(media="print")
        assert not print_button.is_visible()
        assert not page.locator(".site-header").is_visible()
        pdf = page.pdf(format="A4", print_background=True)
        assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1


@SIZES
def test_the_dashboard_shows_the_self_check_history(
    browser, live_server, starter_library, viewport
):
    user = LearnerProfileFactory().user
    skills = list(Skill.objects.order_by("name"))
    long_ago = timezone.now() - timedelta(weeks=20)
    self_check(user, {skill: 2 for skill in skills}, long_ago)
    self_check(user, {skill: 3 for skill in skills}, long_ago + timedelta(weeks=10))
    page = new_page(browser, viewport)
    sign_in(page, live_server, user)
    page.goto(live_server.url + reverse("dashboard"))
    section = page.locator(
        "section", has=page.get_by_role("heading", name=re.compile("what changed"))
    )
    assert "2/5 → 3/5" in section.inner_text()
    assert_accessible(page)
    if viewport["width"] < 400:
        assert_fits_small_screen(page)
    page.get_by_role("link", name="Rate yourself again").click()
    for skill in skills:
        page.get_by_label(f"{skill.name}: 4 of 5").check()
    page.get_by_role("button", name="Save my ratings").click()
    assert page.url.endswith(reverse("dashboard"))
    assert SelfCheck.objects.filter(user=user).count() == 3
    assert (
        "2/5 → 4/5"
        in page.locator(
            "section", has=page.get_by_role("heading", name=re.compile("what changed"))
        ).inner_text()
    )
