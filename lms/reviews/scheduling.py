"""FSRS (the `fsrs` package) with a day's granularity: no learning steps of
minutes, since a review is offered on the dashboard and in a weekly nudge, not
ten minutes later; no fuzzing, so the same answers give the same dates."""

from datetime import datetime

from fsrs import Card, Rating, Scheduler

SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


def first_card(correct: bool, answered_at: datetime) -> Card:
    """A new card, scheduled from the first answer given in the lesson: Good
    when right, Again when wrong."""
    # An id of our own (the row's): fsrs would sleep a millisecond to make one.
    new = Card(card_id=0, due=answered_at)
    card, _ = SCHEDULER.review_card(new, Rating.Good if correct else Rating.Again, answered_at)
    return card


def reviewed(state: dict, rating: int, answered_at: datetime) -> Card:
    card, _ = SCHEDULER.review_card(Card.from_dict(state), Rating(rating), answered_at)
    return card
