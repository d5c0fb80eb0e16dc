"""What the reviews app holds about a person: their review cards (which
checks, when next due) and every answer given in a review. Erasing deletes
both; the `REVIEWED` learning events stay, anonymous, with progress's."""

from lms.core import personal_data

from .models import Rating, Review, ReviewCard


def export(user, *, build_url) -> dict:
    iso = personal_data.iso
    cards = list(
        ReviewCard.objects.filter(user=user).select_related("lesson").order_by("created_at", "pk")
    )
    reviews = {}
    for review in Review.objects.filter(card__user=user).order_by("answered_at", "pk"):
        reviews.setdefault(review.card_id, []).append(
            {
                "answered_at": iso(review.answered_at),
                "correct": review.correct,
                "rating": Rating(review.rating).label,
                "seconds": review.seconds,
                "next_due": iso(review.due_after),
            }
        )
    return {
        "review_cards": [
            {
                "lesson": card.lesson.title if card.lesson else None,
                "check": card.block_id,
                "created_at": iso(card.created_at),
                "last_answered_at": iso(card.last_answered_at),
                "due": iso(card.due),
                "reviews": reviews.get(card.pk, []),
            }
            for card in cards
        ],
    }


def erase(user) -> None:
    Review.objects.filter(card__user=user).delete()
    ReviewCard.objects.filter(user=user).delete()


personal_data.register(
    "reviews",
    models=["reviews.ReviewCard", "reviews.Review"],
    export=export,
    erase=erase,
)
