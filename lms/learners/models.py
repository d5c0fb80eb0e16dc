"""Who the learner is: profile from onboarding and the AI-readiness self-check.
Nothing here is equity data; that is stored apart (cohorts and equity issue)."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from content.models import LocalArea


class OrganisationSize(models.TextChoices):
    MICRO = "1-9", "1 to 9 people"
    SMALL = "10-49", "10 to 49 people"
    MEDIUM = "50-249", "50 to 249 people"
    LARGE = "250-999", "250 to 999 people"
    VERY_LARGE = "1000+", "1,000 people or more"


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value} is not a time zone we know. Choose one from the list.")


class LearnerProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner_profile"
    )
    seniority = models.ForeignKey("content.SeniorityLevel", on_delete=models.PROTECT)
    sector = models.ForeignKey("content.Sector", on_delete=models.PROTECT)
    organisation_name = models.CharField(max_length=200)
    organisation_size = models.CharField(max_length=10, choices=OrganisationSize.choices)
    local_area = models.ForeignKey(LocalArea, null=True, blank=True, on_delete=models.SET_NULL)
    time_zone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    onboarded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Profile of {self.user}"

    @property
    def tz(self):
        return zoneinfo.ZoneInfo(self.time_zone)


class SelfCheck(models.Model):
    """One sitting of the AI-readiness self-check; earlier ones are kept so the
    learner can see how their ratings changed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="self_checks"
    )
    taken_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-taken_at", "-id"]

    def __str__(self):
        return f"Self-check by {self.user} on {self.taken_at:%Y-%m-%d}"


class SelfCheckRating(models.Model):
    self_check = models.ForeignKey(SelfCheck, on_delete=models.CASCADE, related_name="ratings")
    skill = models.ForeignKey("content.Skill", on_delete=models.CASCADE)
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["self_check", "skill"], name="one_rating_per_skill"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="rating_1_to_5"
            ),
        ]

    def __str__(self):
        return f"{self.skill}: {self.rating}/5"
