"""The learner's dashboard and pathway pages in Chromium, on a phone (390×844)
and a desktop (1280×800), with axe-core on every page: the Continue card comes
first with the recommended lesson and its reason; the greeting uses the first
name, "Welcome" before anything is learned and "Welcome back" after; each
pathway opens its own page listing its lessons with done and next; the
learner's cohorts are one link away; streak, minutes and certificates sit
below the Continue card."""

import re

import pytest
from django.conf import settings
from django.test import Client

from lms.cohorts.models import Cohort, Programme
from lms.cohorts.services import join
from lms.pathways.models import Pathway
from lms.pathways.services import build_personal_pathway, next_five_minutes, pathway_lessons
from lms.progress.services import complete_lesson
from tests.browser.conftest import assert_accessible, assert_fits_small_screen
from tests.nudge_fixtures import make_learner

pytestmark = pytest.mark.browser
VIEWPORTS = [pytest.param((390, 844), id="phone"), pytest.param((1280, 800), id="desktop")]


def sign_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def check_page(page, width):
    assert_accessible(page)
    if width < 400:
        assert_fits_small_screen(page)


@pytest.fixture
def ada(starter_library, django_user_model):
    user = make_learner(django_user_model, "ada.dashboard@example.com", sector="health-tech")
    user.first_name = "Ada"
    user.save()
    build_personal_pathway(user, user.learner_profile)
    board = Pathway.objects.get(slug="ai-for-the-board")
    cohort = Cohort.objects.create(
        name="Board cohort",
        programme=Programme.objects.create(name="Leaders programme"),
        pathway=board,
        starts_on="2026-01-05",
        ends_on="2027-12-31",
    )
    join(cohort, user)
    return user


def lesson_states(page) -> list[str]:
    return page.locator("main li.pathway-lesson").evaluate_all(
        "items => items.map(item => item.dataset.state)"
    )


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_dashboard_continue_card_pathways_cohorts_and_figures(page, live_server, ada, viewport):
    width, height = viewport
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, live_server, ada)
    page.goto(f"{live_server.url}/dashboard/")
    check_page(page, width)
    assert page.locator("main h1").inner_text() == "Welcome, Ada"

    # The Continue card is the first card in main, with the recommended lesson.
    recommendation, lesson = next_five_minutes(ada, ada.learner_profile)
    card = page.locator("main .card").first
    assert card.get_attribute("id") == "continue"
    links = card.locator("a")
    assert links.count() == 1
    assert links.first.get_attribute("href") == lesson.url
    assert "button" in links.first.get_attribute("class").split()
    text = card.inner_text()
    assert lesson.title in text and lesson.course.title in text
    assert f"{lesson.reading_minutes} min" in text
    assert recommendation.reason in text
    assert card.locator(".continue__reason").is_visible()
    continue_bottom = card.bounding_box()["y"] + card.bounding_box()["height"]

    # Streak, minutes and certificates below it.
    for label in ("Weekly streak", "Minutes learned", "Certificates"):
        figure = page.locator("main dt", has_text=label)
        assert figure.is_visible()
        assert figure.bounding_box()["y"] > continue_bottom, label

    # The learner's cohorts.
    cohorts = page.get_by_role("link", name="Your cohort: Board cohort")
    assert cohorts.get_attribute("href") == "/cohorts/"

    # Each pathway with its count, linked to its page: the cohort's and the personal one.
    board = Pathway.objects.get(slug="ai-for-the-board")
    total = len(pathway_lessons(board))
    row = page.locator("li.pathway-row", has_text="AI for the board")
    assert f"0 of {total} lessons" in row.inner_text()
    personal = page.locator("li.pathway-row", has_text="Your personal pathway")
    assert personal.get_by_role("link").get_attribute("href") == "/me/pathway/"
    row.get_by_role("link", name="AI for the board").click()
    page.wait_for_url(re.compile("/pathways/ai-for-the-board/$"))
    check_page(page, width)
    assert f"0 of {total} lessons" in page.inner_text("main")
    assert lesson_states(page) == ["next"] + ["todo"] * (total - 1)
    next_item = page.locator("li.pathway-lesson--next")
    assert next_item.get_by_role("link", name=re.compile("^Start")).is_visible()

    # After a completion: "Welcome back", and the pathway marks it done.
    first, second = pathway_lessons(board)[:2]
    complete_lesson(ada, first)
    page.goto(f"{live_server.url}/dashboard/")
    check_page(page, width)
    assert page.locator("main h1").inner_text() == "Welcome back, Ada"
    row = page.locator("li.pathway-row", has_text="AI for the board")
    assert f"1 of {total} lessons" in row.inner_text()
    row.get_by_role("link", name="AI for the board").click()
    page.wait_for_url(re.compile("/pathways/ai-for-the-board/$"))
    check_page(page, width)
    assert f"1 of {total} lessons" in page.inner_text("main")
    assert lesson_states(page) == ["done", "next"] + ["todo"] * (total - 2)
    done = page.locator("li.pathway-lesson--done")
    assert first.title in done.inner_text() and "Done" in done.inner_text()
    next_item = page.locator("li.pathway-lesson--next")
    assert second.title in next_item.inner_text() and "Next" in next_item.inner_text()
    next_item.get_by_role("link", name=re.compile("^Start")).click()
    page.wait_for_url(re.compile(re.escape(second.url) + "$"))

    # The personal pathway and the cohort page, from the dashboard.
    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_role("link", name="Your personal pathway").click()
    page.wait_for_url(re.compile("/me/pathway/$"))
    check_page(page, width)
    assert page.locator("main li.pathway-lesson").count() >= 1
    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_role("link", name="Your cohort: Board cohort").click()
    page.wait_for_url(re.compile(r"/cohorts/\d+/$"))
    check_page(page, width)
    assert f"1 of {total} lessons" in page.inner_text("main")
