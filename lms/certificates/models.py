import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse


class Certificate(models.Model):
    """Issued once per learner and course. What it certifies is copied in, so
    the public page stays true even if the course is later renamed."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates"
    )
    course = models.ForeignKey(
        "courses.CoursePage", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # For the partner's logo; its name is copied below.
    partner = models.ForeignKey(
        "content.Partner", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    learner_name = models.CharField(max_length=300)
    course_title = models.CharField(max_length=255)
    partner_name = models.CharField(max_length=150)
    minutes = models.PositiveIntegerField(
        help_text="CPD time: the course's nominal learning time when the certificate was issued."
    )
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="one_certificate_per_course")
        ]

    def __str__(self):
        return f"{self.course_title} — {self.learner_name}"

    def get_absolute_url(self):
        """The holder's own page (anyone else is sent to the verify page)."""
        return reverse("certificate", args=[self.code])

    def get_verify_url(self):
        """The public page that confirms the certificate."""
        return reverse("certificate_verify", args=[self.code])

    def get_pdf_url(self):
        return reverse("certificate_pdf", args=[self.code])
