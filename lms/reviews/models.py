"""Spaced retrieval: every knowledge check a learner has answered is a
`ReviewCard`, scheduled by FSRS (lms.reviews.scheduling); each answer given in
a review is a `Review`."""

from django.conf import settings
from django.db import models


class Rating(models.IntegerChoices):
    """FSRS's four ratings (fsrs.Rating); a review gives Again, Good or Easy."""

    AGAIN = 1, "Again"
    HARD = 2, "Hard"
    GOOD = 3, "Good"
    EASY = 4, "Easy"


class ReviewCard(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_cards"
    )
    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("courses.CoursePage", on_delete=models.CASCADE, related_name="+")
    block_id = models.CharField(max_length=64)
    # fsrs.Card.to_dict(): state, step, stability, difficulty, due, last_review.
    fsrs_state = models.JSONField(default=dict)
    due = models.DateTimeField()
    last_answered_at = models.DateTimeField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lesson", "block_id"], name="one_review_card_per_check"
            )
        ]
        indexes = [models.Index(fields=["user", "due"])]

    def __str__(self):
        return f"{self.user_id} on check {self.block_id}"


class Review(models.Model):
    card = models.ForeignKey(ReviewCard, on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField(choices=Rating.choices)
    correct = models.BooleanField()
    answered_at = models.DateTimeField()
    # From the signed time the question was shown to the answer; None when the
    # form's timestamp was missing, forged or too old to trust.
    seconds = models.PositiveIntegerField(null=True, blank=True)
    due_after = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["card", "answered_at"])]

    def __str__(self):
        return f"{self.card_id} {self.get_rating_display()}"
