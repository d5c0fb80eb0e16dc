"""The dashboard's two-minute review in Chromium, on a phone and a desktop: a
due knowledge check answered in place with htmx shows its feedback and
explanation without reloading the page, the next card stays answerable, axe
finds nothing and the console stays free of errors (a CSP refusal of an
inline style would be one)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from lms.progress.services import answer_check
from lms.reviews.models import Review, ReviewCard
from tests.browser.conftest import assert_accessible, assert_fits_small_screen
from tests.browser.viewports import SIZES, new_page, sign_in
from tests.nudge_fixtures import checks_in, make_learner

pytestmark = pytest.mark.browser


@pytest.fixture
def ada(starter_library, django_user_model):
    """Answered two checks of two courses three weeks ago: both due now."""
    user = make_learner(django_user_model, "ada.review@example.com")
    user.first_name = "Ada"
    user.save()
    weeks_ago = timezone.now() - timedelta(weeks=3)
    for slug in ("ai-for-the-board", "buying-ai-well"):
        lesson, check = checks_in(slug)[0]
        answer_check(user, lesson, check, ["1"], f"attempt-{lesson.pk}")
    ReviewCard.objects.filter(user=user).update(due=weeks_ago, last_answered_at=weeks_ago)
    return user


@SIZES
def test_a_review_is_answered_in_place_with_its_explanation(browser, live_server, ada, viewport):
    page = new_page(browser, viewport)
    sign_in(page, live_server, ada)
    page.goto(f"{live_server.url}/dashboard/")
    assert_accessible(page)
    if viewport["width"] < 400:
        assert_fits_small_screen(page)

    section = page.locator("#review")
    assert section.get_by_role("heading", name="Two-minute review").is_visible()
    reviews = section.locator("li.review")
    assert reviews.count() == 2
    assert "Because you last answered this 3 weeks ago." in page.locator("#continue").inner_text()

    first = reviews.first
    card = ReviewCard.objects.get(pk=int(first.get_attribute("id").removeprefix("review-")))
    check = card.lesson.knowledge_check(card.block_id)
    right = min(check.value.correct_options())
    assert first.get_by_role("link", name=card.lesson.title).get_attribute("href") == (
        card.lesson.url
    )
    page.evaluate("window.notReloaded = true")
    first.locator(f"label[for='check-review-{card.pk}-{right}']").click()
    with page.expect_response(lambda response: "/answer/" in response.url):
        first.get_by_role("button", name="Check answer").click()

    answered = page.locator(f"#review-{card.pk}")
    answered.locator(".feedback--right").wait_for()
    assert page.evaluate("window.notReloaded") is True  # swapped in, not a page load
    text = answered.inner_text()
    assert "Correct." in text and check.value["explanation"] in text
    assert "Next review of this question in" in text
    assert answered.get_by_role("button").count() == 0
    # Focus moved to the feedback, so a screen reader reads it first.
    assert page.evaluate("document.activeElement.id") == f"feedback-review-{card.pk}"
    assert Review.objects.get(card=card).correct is True

    # The other card is still there to answer.
    assert reviews.nth(1).get_by_role("button", name="Check answer").is_visible()
    assert_accessible(page)
    assert page.console_errors == []
    page.context.close()
