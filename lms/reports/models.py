"""The reports' own table: per-learner facts, so that the cohort funnel, its
breakdowns and the equity tables are one grouped query at programme scale
(lms.reports.facts keeps them; lms.reports.cohort_metrics reads them)."""

from django.conf import settings
from django.db import models


class LearnerDay(models.Model):
    """What one learner did on one day (the site's time zone, TIME_ZONE):
    lessons completed that day, their listed minutes (lms.progress.minutes)
    and learning events of any verb. Only days with a completion or an event
    have a row. Derived data, always equal to lms.reports.facts.recompute()
    from the learner's LessonProgress and LearningEvent rows; never edited
    by hand. `week` is the Monday of `day` (ISO weeks, for "engaged" and the
    weekly series)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_days"
    )
    day = models.DateField()
    week = models.DateField()
    completions = models.PositiveIntegerField(default=0)
    minutes = models.PositiveIntegerField(default=0)
    events = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="one_report_day_per_learner")
        ]
        indexes = [models.Index(fields=["day"])]

    def __str__(self):
        return f"{self.user_id} on {self.day}"


class LearnerTotals(models.Model):
    """One learner's LearnerDay rows added up, for reports over all time
    (no date window): completions, minutes and distinct weeks with events.
    Kept with them by lms.reports.facts.recompute."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="report_totals",
    )
    completions = models.PositiveIntegerField(default=0)
    minutes = models.PositiveIntegerField(default=0)
    weeks = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.user_id}: {self.completions} lessons"
