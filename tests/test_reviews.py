"""Spaced retrieval: every knowledge check answered in a lesson becomes a
review card scheduled by FSRS (the real `fsrs` package); the dashboard's
two-minute review answers it with and without JavaScript; a review is a
learning event, keeps the weekly streak, is exported and erased, and the
nudge email offers it."""

import json
import re
from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.core import mail, signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from courses.models import CoursePage
from home.dashboard import weekly_streak
from lms.core import page_cache, personal_data
from lms.nudges import delivery, planner
from lms.nudges.models import Kind, Nudge, Status
from lms.progress.models import LearningEvent, Verb
from lms.progress.services import answer_check
from lms.reviews import services
from lms.reviews.models import Rating, Review, ReviewCard
from tests.nudge_fixtures import TUESDAY_8AM, checks_in, make_learner

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def every_check():
    return [
        (lesson, block)
        for course in CoursePage.objects.live().order_by("path")
        for lesson, block in checks_in(course.slug)
    ]


def right_and_wrong(check):
    right = [str(n) for n in sorted(check.value.correct_options())]
    wrong = next(
        str(n)
        for n in range(1, len(check.value["options"]) + 1)
        if n not in check.value.correct_options()
    )
    return right, [wrong]


@pytest.fixture
def ada(library, django_user_model):
    return make_learner(django_user_model, "ada.reviews@example.com")


@pytest.fixture
def ada_client(client, ada):
    client.force_login(ada)
    return client


def answered_card(user, lesson, check, *, correct=True, at=None):
    """The card made by answering the check in its lesson, made due by `at`."""
    right, wrong = right_and_wrong(check)
    answer_check(user, lesson, check, right if correct else wrong, f"attempt-{lesson.pk}")
    card = ReviewCard.objects.get(user=user, lesson=lesson, block_id=check.id)
    if at is not None:
        ReviewCard.objects.filter(pk=card.pk).update(due=at, last_answered_at=at)
        card.refresh_from_db()
    return card


def due_now(user, count, start=0):
    """`count` due cards for `user`, from checks across the library."""
    now = timezone.now()
    pairs = every_check()[start : start + count]
    assert len(pairs) == count
    return [
        answered_card(user, lesson, check, at=now - timedelta(days=21)) for lesson, check in pairs
    ]


def answer_url(card):
    return reverse("answer_review", args=[card.pk])


def shown(card, seconds_ago):
    return services.shown_token(card, timezone.now() - timedelta(seconds=seconds_ago))


# Scheduling


def test_fsrs_intervals_grow_with_each_right_answer_and_shrink_after_a_wrong_one(ada):
    lesson, check = checks_in("ai-for-the-board")[0]
    right, wrong = right_and_wrong(check)
    card = answered_card(ada, lesson, check)  # right in the lesson: Good, due in 2 days
    assert (card.due - card.created_at).days == 2
    intervals = []
    for answer in [right, right, right, wrong, right, right]:
        at = card.due
        token = services.shown_token(card, at - timedelta(seconds=40))  # Good, not Easy
        result = services.answer_review(ada, card, check, answer, token, now=at)
        assert result.review is not None
        intervals.append((card.due - at).days)
    first, second, third, after_wrong, again, more = intervals
    assert first < second < third, intervals
    assert after_wrong < third, intervals
    assert after_wrong < again < more, intervals
    ratings = list(Review.objects.filter(card=card).values_list("rating", flat=True))
    assert ratings == [3, 3, 3, 1, 3, 3]


def test_answering_a_check_in_a_lesson_makes_one_card_scheduled_from_the_first_answer(ada):
    lesson, check = checks_in("ai-for-the-board")[0]
    right, wrong = right_and_wrong(check)
    answer_check(ada, lesson, check, wrong, "first")
    answer_check(ada, lesson, check, right, "second")  # after seeing the right answer
    card = ReviewCard.objects.get(user=ada)
    assert (card.lesson, card.block_id, card.course) == (lesson, check.id, lesson.course)
    assert timedelta(hours=23) < card.due - card.created_at <= timedelta(days=1)  # Again


def test_an_anonymous_answer_makes_no_card(client, library):
    lesson, check = checks_in("ai-for-the-board")[0]
    response = client.post(
        reverse("progress:answer_check", args=[lesson.pk]), {"check": check.id, "answer": "1"}
    )
    assert response.status_code == 200
    assert not ReviewCard.objects.exists()


@pytest.mark.parametrize(
    ("seconds_ago", "correct", "rating"),
    [(5, True, Rating.EASY), (15, True, Rating.EASY), (40, True, Rating.GOOD), (5, False, 1)],
)
def test_a_right_answer_within_the_easy_seconds_is_easy_else_good_and_a_wrong_one_again(
    ada_client, ada, seconds_ago, correct, rating
):
    lesson, check = checks_in("ai-for-the-board")[0]
    card = answered_card(ada, lesson, check, at=timezone.now() - timedelta(days=3))
    right, wrong = right_and_wrong(check)
    ada_client.post(
        answer_url(card),
        {"answer": right if correct else wrong, "shown": shown(card, seconds_ago)},
        headers=HTMX,
    )
    review = Review.objects.get(card=card)
    assert (review.rating, review.correct) == (rating, correct)
    assert seconds_ago - 1 <= review.seconds <= seconds_ago + 5


def forged(card):
    return signing.dumps([card.pk, timezone.now().timestamp()], salt="not-the-salt")


def from_last_night(card):
    return services.shown_token(card, timezone.now() - timedelta(hours=13))


def for_another_card(card):
    return services.shown_token(ReviewCard(pk=card.pk + 1000))


def from_the_future(card):
    return services.shown_token(card, timezone.now() + timedelta(minutes=5))


@pytest.mark.parametrize(
    "token",
    [forged, from_last_night, for_another_card, from_the_future, lambda card: "", str],
)
def test_a_forged_old_or_missing_shown_at_cannot_make_an_answer_easy(ada_client, ada, token):
    lesson, check = checks_in("ai-for-the-board")[0]
    card = answered_card(ada, lesson, check, at=timezone.now() - timedelta(days=3))
    right, _ = right_and_wrong(check)
    response = ada_client.post(answer_url(card), {"answer": right, "shown": token(card)})
    assert response.status_code == 200
    review = Review.objects.get(card=card)
    assert (review.rating, review.seconds) == (Rating.GOOD, None)


def test_posting_the_same_review_form_twice_records_one_review(ada_client, ada):
    lesson, check = checks_in("ai-for-the-board")[0]
    card = answered_card(ada, lesson, check, at=timezone.now() - timedelta(days=3))
    right, _ = right_and_wrong(check)
    form = {"answer": right, "shown": shown(card, 30)}
    ada_client.post(answer_url(card), form, headers=HTMX)
    response = ada_client.post(answer_url(card), form, headers=HTMX)
    assert "You have answered this already." in response.content.decode()
    assert Review.objects.filter(card=card).count() == 1
    assert LearningEvent.objects.filter(user=ada, verb=Verb.REVIEWED).count() == 1


# The review on the dashboard


def test_the_dashboard_offers_a_two_minute_review_with_its_reason(ada_client, ada):
    lesson, check = checks_in("ai-for-the-board")[0]
    answered_card(ada, lesson, check, at=timezone.now() - timedelta(days=21))
    html = ada_client.get("/dashboard/").content.decode()
    assert "Two-minute review" in html
    assert escape(check.value["question"]) in html
    assert f'href="{lesson.url}"' in html
    assert "Because you last answered this 3 weeks ago." in html
    assert 'name="shown"' in html


def test_no_review_is_shown_when_nothing_is_due(ada_client, ada):
    lesson, check = checks_in("ai-for-the-board")[0]
    answered_card(ada, lesson, check)  # due in two days
    html = ada_client.get("/dashboard/").content.decode()
    assert "Two-minute review" not in html


def test_at_most_five_reviews_are_shown_mixed_across_courses(ada):
    due_now(ada, 12)
    review = services.two_minute_review(ada)
    courses = [item.card.course_id for item in review.items]
    assert len(courses) == 5 and review.due_count == 12
    distinct = len(set(ReviewCard.objects.filter(user=ada).values_list("course_id", flat=True)))
    assert len(set(courses)) == min(5, distinct)


def test_mixing_takes_one_card_per_course_in_turn():
    rows = [(1, "a"), (2, "a"), (3, "a"), (4, "b"), (5, "c"), (6, "b")]
    assert services.mixed_across_courses(rows, 5) == [1, 4, 5, 2, 6]
    assert services.mixed_across_courses(rows[:2], 5) == [1, 2]


def test_a_review_answered_with_htmx_returns_the_card_with_its_explanation(ada_client, ada):
    lesson, check = checks_in("ai-for-the-board")[0]
    card = answered_card(ada, lesson, check, at=timezone.now() - timedelta(days=3))
    _, wrong = right_and_wrong(check)
    response = ada_client.post(
        answer_url(card), {"answer": wrong, "shown": shown(card, 20)}, headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<li class="review" id="review-{card.pk}"')
    assert "<html" not in html
    assert "Not quite" in html and escape(check.value["explanation"]) in html
    assert "Try again if you like." not in html
    assert "Next review of this question in 1 day." in html
    assert "style=" not in html  # the CSP forbids inline styles


def test_a_review_answered_without_javascript_shows_the_dashboard_with_the_feedback(
    ada_client, ada
):
    cards = due_now(ada, 3)
    card = cards[1]
    check = card.lesson.knowledge_check(card.block_id)
    right, _ = right_and_wrong(check)
    response = ada_client.post(answer_url(card), {"answer": right, "shown": shown(card, 30)})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html and "Your next five minutes" in html
    answered = html.index(f'id="review-{card.pk}"')
    assert answered < html.index(f'id="review-{cards[0].pk}"')  # the answered card first
    assert "Correct." in html[answered:] and "Next review of this question in" in html
    assert f'action="{answer_url(card)}#feedback-review-{card.pk}"' in html
    assert Review.objects.get(card=card).rating == Rating.GOOD


def test_a_review_with_no_answer_chosen_says_so_and_records_nothing(ada_client, ada):
    lesson, check = checks_in("ai-for-the-board")[0]
    card = answered_card(ada, lesson, check, at=timezone.now() - timedelta(days=3))
    for headers, status in [(HTMX, 200), ({}, 422)]:
        response = ada_client.post(answer_url(card), {"shown": shown(card, 5)}, headers=headers)
        assert response.status_code == status
        assert "Choose an answer, then check it." in response.content.decode()
    assert not Review.objects.exists()
    for junk in (["x"], ["99"]):
        response = ada_client.post(answer_url(card), {"answer": junk}, headers=HTMX)
        assert response.status_code == 200
        assert "Choose an answer" in response.content.decode()


def test_another_learners_card_or_an_unknown_one_is_404(ada_client, ada, django_user_model):
    bo = make_learner(django_user_model, "bo.reviews@example.com")
    lesson, check = checks_in("ai-for-the-board")[0]
    card = answered_card(bo, lesson, check, at=timezone.now() - timedelta(days=3))
    right, _ = right_and_wrong(check)
    assert ada_client.post(answer_url(card), {"answer": right}).status_code == 404
    assert ada_client.post(answer_url(card), {"answer": right}, headers=HTMX).status_code == 404
    assert ada_client.post("/dashboard/reviews/999999/answer/", {}).status_code == 404
    assert ada_client.get(answer_url(card)).status_code == 405
    assert not Review.objects.exists()


def test_a_card_whose_check_left_the_lesson_is_not_shown_and_404s(ada_client, ada):
    lesson, check = checks_in("ai-for-the-board")[0]
    card = answered_card(ada, lesson, check, at=timezone.now() - timedelta(days=3))
    ReviewCard.objects.filter(pk=card.pk).update(block_id="gone")
    assert "Two-minute review" not in ada_client.get("/dashboard/").content.decode()
    assert ada_client.post(answer_url(card), {"answer": "1"}).status_code == 404


def test_signed_out_answer_goes_to_sign_in(client, ada):
    lesson, check = checks_in("ai-for-the-board")[0]
    card = answered_card(ada, lesson, check, at=timezone.now() - timedelta(days=3))
    response = client.post(answer_url(card), {"answer": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# Learning: events, streaks, the data export and erasure


def test_a_review_is_a_learning_event(ada_client, ada):
    lesson, check = checks_in("ai-for-the-board")[0]
    card = answered_card(ada, lesson, check, at=timezone.now() - timedelta(days=3))
    right, _ = right_and_wrong(check)
    ada_client.post(answer_url(card), {"answer": right, "shown": shown(card, 3)}, headers=HTMX)
    event = LearningEvent.objects.get(user=ada, verb=Verb.REVIEWED)
    assert (event.lesson, event.course) == (lesson, lesson.course)
    assert event.result["check"] == check.id and event.result["correct"] is True
    assert event.result["rating"] == "Easy"


def test_a_review_alone_keeps_the_weekly_streak(ada_client, ada):
    tz = ada.learner_profile.tz
    assert weekly_streak(ada, tz) == (0, False)
    lesson, check = checks_in("ai-for-the-board")[0]
    card = answered_card(ada, lesson, check, at=timezone.now() - timedelta(days=3))
    right, _ = right_and_wrong(check)
    ada_client.post(answer_url(card), {"answer": right, "shown": shown(card, 30)})
    assert weekly_streak(ada, tz) == (1, True)
    LearningEvent.objects.create(
        user=ada, verb=Verb.REVIEWED, occurred_at=timezone.now() - timedelta(weeks=1)
    )
    assert weekly_streak(ada, tz) == (2, True)


def test_cards_and_reviews_are_exported_and_erased_with_the_account(ada_client, ada):
    lesson, check = checks_in("ai-for-the-board")[0]
    card = answered_card(ada, lesson, check, at=timezone.now() - timedelta(days=3))
    right, _ = right_and_wrong(check)
    ada_client.post(answer_url(card), {"answer": right, "shown": shown(card, 30)})
    data = json.loads(ada_client.get("/me/data.json").content)
    (exported,) = data["review_cards"]
    assert (exported["lesson"], exported["check"]) == (lesson.title, check.id)
    assert [review["rating"] for review in exported["reviews"]] == ["Good"]
    assert any(event["verb"] == "reviewed" for event in data["learning_events"])
    personal_data.erase(ada)
    assert not ReviewCard.objects.exists() and not Review.objects.exists()
    assert LearningEvent.objects.filter(verb=Verb.REVIEWED, user__isnull=True).count() == 1


# Nudges


def test_the_nudge_email_offers_review_beside_the_next_lesson(learner_factory):
    ada = learner_factory("ada@example.com")
    lesson, check = checks_in("buying-ai-well")[0]
    answered_card(ada, lesson, check, at=TUESDAY_8AM - timedelta(days=21))
    planner.plan(TUESDAY_8AM + timedelta(minutes=1))
    nudge = Nudge.objects.get(user=ada)
    assert nudge.lesson is not None and nudge.details["reviews_due"] == 1
    assert delivery.deliver([nudge.pk])["sent"] == 1
    (message,) = mail.outbox
    html = message.alternatives[0][0]
    assert nudge.lesson.title in message.subject
    for body in (message.body, html):
        assert "two minutes of review" in body.lower()
        assert "1 question from lessons you have done is due" in body
        assert "/dashboard/#review" in body
        assert "Because you last answered this 3 weeks ago." in body


def test_a_learner_with_no_next_lesson_but_due_reviews_gets_a_review_nudge(
    learner_factory, monkeypatch
):
    ada = learner_factory("ada@example.com")
    lesson, check = checks_in("buying-ai-well")[0]
    answered_card(ada, lesson, check, at=TUESDAY_8AM - timedelta(days=10))
    monkeypatch.setattr(planner, "next_five_minutes", lambda *args, **kwargs: None)
    planner.plan(TUESDAY_8AM + timedelta(minutes=1))
    planner.plan(TUESDAY_8AM + timedelta(minutes=2))
    nudge = Nudge.objects.get(user=ada)  # one email per slot
    assert (nudge.kind, nudge.status, nudge.lesson) == (Kind.NEXT_LESSON, Status.PLANNED, None)
    assert nudge.reason == "Because you last answered this 1 week ago."
    assert delivery.deliver([nudge.pk])["sent"] == 1
    (message,) = mail.outbox
    assert message.subject == "Two minutes of review: 1 question due"
    assert "Start the review" in message.body and "Start the lesson" not in message.body


def test_a_learner_with_nothing_to_recommend_and_nothing_due_is_still_skipped(
    learner_factory, monkeypatch
):
    ada = learner_factory("ada@example.com")
    monkeypatch.setattr(planner, "next_five_minutes", lambda *args, **kwargs: None)
    planner.plan(TUESDAY_8AM + timedelta(minutes=1))
    assert Nudge.objects.get(user=ada).status == Status.SKIPPED


def test_a_review_this_week_means_the_streak_is_not_at_risk(learner_factory):
    ada = learner_factory("ada@example.com", want_next_lesson=False)
    friday = TUESDAY_8AM + timedelta(days=3)
    for weeks in (1, 2, 3):
        LearningEvent.objects.create(
            user=ada, verb=Verb.REVIEWED, occurred_at=friday - timedelta(weeks=weeks)
        )
    planner.plan(friday + timedelta(minutes=1))
    assert Nudge.objects.get(user=ada).details == {"streak_weeks": 3}
    Nudge.objects.all().delete()
    LearningEvent.objects.create(
        user=ada, verb=Verb.REVIEWED, occurred_at=friday - timedelta(days=1)
    )
    planner.plan(friday + timedelta(minutes=1))
    assert not Nudge.objects.exists()


# Query counts


def dashboard_queries(client):
    page_cache.purge()
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/dashboard/")
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_the_dashboard_makes_the_same_queries_with_2_due_reviews_as_with_12(
    ada_client, ada, django_user_model
):
    due_now(ada, 2)
    ada_client.get("/dashboard/")  # warm the site-root cache like any running server
    small, html = dashboard_queries(ada_client)
    assert len(re.findall(r'<li class="review"', html)) == 2
    due_now(ada, 10, start=2)
    large, html = dashboard_queries(ada_client)
    assert len(re.findall(r'<li class="review"', html)) == 5
    assert large == small


def test_with_no_next_lesson_the_continue_card_offers_the_review(ada_client, ada, monkeypatch):
    lesson, check = checks_in("ai-for-the-board")[0]
    answered_card(ada, lesson, check, at=timezone.now() - timedelta(days=21))
    monkeypatch.setattr("home.dashboard.next_five_minutes", lambda *args, **kwargs: None)
    html = ada_client.get("/dashboard/").content.decode()
    continue_card = html[html.index('id="continue"') : html.index('id="review"')]
    assert "Two minutes of review" in continue_card
    assert "Because you last answered this 3 weeks ago." in continue_card
    assert 'href="#review"' in continue_card


def test_checks_answered_before_reviews_existed_become_cards(ada):
    cards_for_answered_checks = import_module(
        "lms.reviews.migrations.0002_cards_for_answered_checks"
    ).cards_for_answered_checks
    lesson, check = checks_in("ai-for-the-board")[0]
    _, wrong = right_and_wrong(check)
    answer_check(ada, lesson, check, wrong, "before")
    ReviewCard.objects.all().delete()  # as it was before this release
    cards_for_answered_checks(django_apps, None)
    cards_for_answered_checks(django_apps, None)  # and once more changes nothing
    card = ReviewCard.objects.get(user=ada)
    assert (card.lesson, card.course, card.block_id) == (lesson, lesson.course, check.id)
    assert (card.due - card.created_at).days == 1  # scheduled from a wrong first answer
