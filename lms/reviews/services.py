"""Spaced retrieval of knowledge checks. A learner's first answer to a check
in a lesson makes it a review card; answering it again in a review grades it
(wrong: Again; right: Good, or Easy within FMA_REVIEW_EASY_SECONDS of the
signed time the question was shown) and FSRS sets the next due date. Each
review is a `REVIEWED` learning event, so it counts towards the weekly streak
and the reports like other learning."""

from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, Min
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil

from content.blocks import Feedback
from lms.progress.models import Verb
from lms.progress.services import record_event

from . import scheduling
from .models import Rating, Review, ReviewCard

SHOWN_SALT = "reviews.shown"
# A "shown at" older than this times no answer: the form was left open.
SHOWN_MAX_AGE = timedelta(hours=12)
# At most this many due cards at a time (the "two-minute review").
REVIEWS_AT_ONCE = 5
# Due cards read, earliest first, to mix courses among those shown.
CANDIDATES = 60


def card_for_answer(*, user, lesson, course, check_id, correct, answered_at) -> ReviewCard:
    """The check's review card, made from the learner's first answer to it in
    the lesson (Good when right, Again when wrong). Answering again in the
    lesson, after the feedback showed the right answer, is not retrieval and
    leaves the schedule alone."""
    card = ReviewCard.objects.filter(user=user, lesson=lesson, block_id=check_id).first()
    if card is not None:
        return card
    scheduled = scheduling.first_card(correct, answered_at)
    try:
        with transaction.atomic():
            return ReviewCard.objects.create(
                user=user,
                lesson=lesson,
                course=course,
                block_id=check_id,
                fsrs_state=scheduled.to_dict(),
                due=scheduled.due,
                last_answered_at=answered_at,
                created_at=answered_at,
            )
    except IntegrityError:  # the same answer, twice at once
        return ReviewCard.objects.get(user=user, lesson=lesson, block_id=check_id)


def shown_token(card: ReviewCard, now: datetime | None = None) -> str:
    """Signed into the review form: which card, and when it was shown."""
    moment = now or timezone.now()
    return signing.dumps([card.pk, moment.timestamp()], salt=SHOWN_SALT)


def shown_at(token: str, card: ReviewCard, now: datetime) -> datetime | None:
    """When the form for this card was shown, or None when the token is
    missing, forged, for another card, in the future or too old to trust."""
    try:
        card_id, stamp = signing.loads(token, salt=SHOWN_SALT)
        moment = datetime.fromtimestamp(float(stamp), tz=UTC)
    except (signing.BadSignature, TypeError, ValueError, OverflowError):
        return None
    if card_id != card.pk or not (now - SHOWN_MAX_AGE <= moment <= now):
        return None
    return moment


def rating_for(correct: bool, seconds: int | None) -> int:
    if not correct:
        return Rating.AGAIN
    if seconds is not None and seconds <= settings.FMA_REVIEW_EASY_SECONDS:
        return Rating.EASY
    return Rating.GOOD


@dataclass(frozen=True)
class ReviewAnswer:
    card: ReviewCard
    feedback: Feedback
    review: Review | None  # None for "no answer chosen", or the same form posted again

    @property
    def next_due_in(self) -> str:
        """ "11 days": when the card is next due."""
        since = self.review.answered_at if self.review else None
        return timeuntil(self.card.due, since, depth=1).replace("\xa0", " ")


def answer_review(user, card: ReviewCard, check, raw_answers, token: str, now=None):
    """Grades an answer given in a review and schedules the card's next review.
    Once per rendered form: posting the same form again is graded, not
    recorded. `card` is the learner's own (the caller looked it up by user)."""
    now = now or timezone.now()
    feedback = check.value.grade(raw_answers)
    if feedback.error:
        return ReviewAnswer(card, feedback, None)
    shown = shown_at(token, card, now)
    seconds = int((now - shown).total_seconds()) if shown else None
    rating = rating_for(feedback.correct, seconds)
    with transaction.atomic():
        is_new = record_event(
            user,
            Verb.REVIEWED,
            lesson=card.lesson,
            course=card.course,
            result={
                "check": card.block_id,
                "selected": sorted(feedback.selected),
                "correct": feedback.correct,
                "rating": Rating(rating).label,
                "seconds": seconds,
            },
            dedupe_key=f"reviewed:{user.pk}:{card.pk}:{(shown or now).timestamp()}",
            at=now,
        )
        if not is_new:
            card.refresh_from_db()
            return ReviewAnswer(card, feedback, None)
        state = (
            ReviewCard.objects.select_for_update()
            .filter(pk=card.pk)
            .values_list("fsrs_state", flat=True)
            .get()
        )
        scheduled = scheduling.reviewed(state, rating, now)
        card.fsrs_state = scheduled.to_dict()
        card.due = scheduled.due
        card.last_answered_at = now
        card.save(update_fields=["fsrs_state", "due", "last_answered_at"])
        review = Review.objects.create(
            card=card,
            rating=rating,
            correct=feedback.correct,
            answered_at=now,
            seconds=seconds,
            due_after=card.due,
        )
    return ReviewAnswer(card, feedback, review)


def humanised_since(moment: datetime, now: datetime) -> str:
    """ "3 weeks": the largest unit only, with ordinary spaces ("moments"
    under a minute)."""
    if now - moment < timedelta(minutes=1):
        return "moments"
    return timesince(moment, now, depth=1).replace("\xa0", " ")


def last_answered_reason(ago: str) -> str:
    return f"Because you last answered this {ago} ago."


@dataclass
class DueReview:
    """One due card as the dashboard shows it, with its question."""

    card: ReviewCard
    check: object  # the knowledge-check block (its `.id` and `.value`)
    token: str
    ago: str  # since the learner last answered it: "3 weeks"
    answer: ReviewAnswer | None = None

    @property
    def key(self) -> str:
        return f"review-{self.card.pk}"

    @property
    def reason(self) -> str:
        """ "Because you last answered this 3 weeks ago"."""
        return last_answered_reason(self.ago)


def mixed_across_courses(rows: list[tuple[int, int]], limit: int) -> list[int]:
    """Card ids from (card id, course id) rows in due order, one course at a
    time in turn (round-robin), the earliest due course first."""
    by_course: OrderedDict[int, list[int]] = OrderedDict()
    for card_id, course_id in rows:
        by_course.setdefault(course_id, []).append(card_id)
    picked = []
    queues = list(by_course.values())
    while queues and len(picked) < limit:
        for queue in queues:
            picked.append(queue.pop(0))
            if len(picked) == limit:
                break
        queues = [queue for queue in queues if queue]
    return picked


def card_to_review(user, card_id: int):
    """(card, its knowledge check) when the card is the learner's own and its
    lesson still has the check live, else None."""
    card = (
        ReviewCard.objects.select_related("lesson", "course")
        .filter(pk=card_id, user=user, lesson__live=True)
        .first()
    )
    check = card.lesson.knowledge_check(card.block_id) if card else None
    return (card, check) if check else None


def due_cards(user, now: datetime):
    return ReviewCard.objects.filter(user=user, due__lte=now, lesson__live=True)


def as_due_review(card: ReviewCard, now: datetime, answer=None) -> DueReview | None:
    check = card.lesson.knowledge_check(card.block_id)
    if check is None:
        return None  # the check was taken out of the lesson
    ago = humanised_since(card.last_answered_at, now)
    return DueReview(card, check, shown_token(card, now), ago, answer)


@dataclass
class TwoMinuteReview:
    """The dashboard's review: the cards shown and how many are due in all
    (up to CANDIDATES)."""

    items: list[DueReview]
    due_count: int

    @property
    def reason(self) -> str:
        """Why the recommendation offers it: the longest-unanswered card shown."""
        unanswered = [item for item in self.items if item.answer is None]
        if not unanswered:
            return ""
        return min(unanswered, key=lambda item: item.card.last_answered_at).reason


def two_minute_review(user, now=None, answered: ReviewAnswer | None = None) -> TwoMinuteReview:
    """At most REVIEWS_AT_ONCE due cards, mixed across courses, in two queries
    however many are due; a card just answered (a form posted without
    JavaScript) is shown first with its feedback."""
    now = now or timezone.now()
    rows = list(
        due_cards(user, now).order_by("due", "pk").values_list("pk", "course_id")[:CANDIDATES]
    )
    if answered is not None:
        rows = [row for row in rows if row[0] != answered.card.pk]
    limit = REVIEWS_AT_ONCE - (answered is not None)
    ids = mixed_across_courses(rows, limit)
    cards = (
        ReviewCard.objects.filter(pk__in=ids).select_related("lesson", "course").in_bulk()
        if ids
        else {}
    )
    items = []
    if answered is not None:
        items.append(as_due_review(answered.card, now, answered))
    items += [as_due_review(cards[pk], now) for pk in ids if pk in cards]
    return TwoMinuteReview([item for item in items if item], len(rows))


def due_summaries(user_ids, at: datetime) -> dict[int, tuple[int, datetime]]:
    """For the nudge planner: per learner with due cards, how many are due at
    `at` and when the longest-unanswered of them was last answered."""
    return {
        row["user_id"]: (row["due"], row["oldest"])
        for row in ReviewCard.objects.filter(user_id__in=user_ids, due__lte=at, lesson__live=True)
        .values("user_id")
        .annotate(due=Count("id"), oldest=Min("last_answered_at"))
        .values("user_id", "due", "oldest")
    }
