"""Learning progress: an append-only event log (the record from which reports
and xAPI statements are derived) plus current-state rows for fast pages."""

import uuid

from django.conf import settings
from django.db import models


class Verb(models.TextChoices):
    ENROLLED = "enrolled", "Enrolled in a course"
    STARTED = "started", "Started a lesson"
    ANSWERED = "answered", "Answered a knowledge check"
    COMPLETED = "completed", "Completed a lesson"
    COURSE_COMPLETED = "course_completed", "Completed a course"
    REVIEWED = "reviewed", "Answered a knowledge check again in a review"


class LearningEvent(models.Model):
    """Append-only. `dedupe_key` makes every write idempotent: a replayed
    request, a double click or a retried task finds its event already there.
    On account deletion `user` becomes NULL and the event stays anonymous."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=20, choices=Verb.choices)
    course = models.ForeignKey(
        "courses.CoursePage", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    lesson = models.ForeignKey(
        "courses.LessonPage", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(db_index=True)
    dedupe_key = models.CharField(max_length=200, unique=True, null=True)

    class Meta:
        indexes = [models.Index(fields=["user", "verb", "occurred_at"])]

    def __str__(self):
        return f"{self.user_id} {self.verb} {self.lesson_id or self.course_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Learning events are append-only.")
        super().save(*args, **kwargs)


class Enrolment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    course = models.ForeignKey("courses.CoursePage", on_delete=models.CASCADE, related_name="+")
    enrolled_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="one_enrolment_per_course")
        ]

    def __str__(self):
        return f"{self.user} in {self.course_id}"


class LessonProgress(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("courses.CoursePage", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    seconds_spent = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="one_progress_per_lesson")
        ]
        indexes = [models.Index(fields=["user", "completed_at"])]

    def __str__(self):
        return f"{self.user} on {self.lesson_id}"


class CheckAnswer(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="check_answers"
    )
    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.CASCADE, related_name="+")
    block_id = models.CharField(max_length=64)
    attempts = models.PositiveIntegerField(default=0)
    first_attempt_correct = models.BooleanField()
    last_correct = models.BooleanField()
    first_answered_at = models.DateTimeField()
    last_answered_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lesson", "block_id"], name="one_answer_row_per_check"
            )
        ]

    def __str__(self):
        return f"{self.user} on check {self.block_id}"
