"""Reviews listen to progress: every knowledge check answered in a lesson
becomes a review card. Progress never imports reviews."""

from django.dispatch import receiver

from lms.progress.signals import check_answered

from .services import card_for_answer


@receiver(check_answered, dispatch_uid="reviews.card_for_answer")
def make_review_card(sender, *, user, lesson, course, check_id, correct, answered_at, **kwargs):
    card_for_answer(
        user=user,
        lesson=lesson,
        course=course,
        check_id=check_id,
        correct=correct,
        answered_at=answered_at,
    )
