"""Email nudges. `NudgePreference` is what the learner chose; `Nudge` is one
planned email and doubles as the outbox: a row is written when the planner
decides to nudge, and the dispatcher publishes due rows to Celery. The unique
(user, kind, period) constraint is what makes re-planning, retries, restarted
workers and a second beat harmless: a nudge can only be planned once."""

from django.conf import settings
from django.db import models

from lms.core import outbox


class Cadence(models.TextChoices):
    WEEKLY = "weekly", "Once a week"
    TWICE_WEEKLY = "twice_weekly", "Twice a week"
    WEEKDAYS = "weekdays", "Every weekday (Monday to Friday)"
    OFF = "off", "Never: no nudges"


class Kind(models.TextChoices):
    NEXT_LESSON = "next_lesson", "Your next five minutes"
    STREAK_AT_RISK = "streak_at_risk", "Streak at risk"
    NEW_IN_SECTOR = "new_in_sector", "New in your sector"


class EmailStatus(models.TextChoices):
    OK = "ok", "Receiving"
    BOUNCED = "bounced", "Bounced: the address does not accept mail"
    COMPLAINED = "complained", "Marked our email as spam"


WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
DEFAULT_DAYS = [1]  # Tuesday: Monday mornings belong to the week's meetings
DEFAULT_HOUR = 8


def default_days():
    return list(DEFAULT_DAYS)


class NudgePreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nudge_preference"
    )
    cadence = models.CharField(max_length=20, choices=Cadence.choices, default=Cadence.WEEKLY)
    # Weekday numbers, Monday = 0; used by weekly (one day) and twice weekly (two).
    days = models.JSONField(default=default_days)
    hour = models.PositiveSmallIntegerField(default=DEFAULT_HOUR)
    want_next_lesson = models.BooleanField("Your next five minutes", default=True)
    want_streak = models.BooleanField("Streak at risk", default=True)
    want_new_in_sector = models.BooleanField("New in your sector", default=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(
        max_length=20, choices=EmailStatus.choices, default=EmailStatus.OK
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(hour__lte=23), name="nudge_hour_0_23")
        ]

    def __str__(self):
        return f"Nudge preferences of {self.user}"

    @classmethod
    def for_user(cls, user) -> "NudgePreference":
        """The learner's saved preferences or, if they never chose, an unsaved
        "no nudges" (cadence off): nobody is nudged without having asked
        (onboarding asks; so does the settings page). Reads
        `user.nudge_preference`, so select_related it."""
        try:
            return user.nudge_preference
        except cls.DoesNotExist:
            return cls(user=user, cadence=Cadence.OFF)

    @property
    def chosen(self) -> bool:
        """False for a learner who never said how often (nothing saved)."""
        return self.pk is not None

    @property
    def receiving(self) -> bool:
        return (
            self.cadence != Cadence.OFF
            and self.unsubscribed_at is None
            and self.email_status == EmailStatus.OK
        )

    def wants(self, kind: str) -> bool:
        return {
            Kind.NEXT_LESSON: self.want_next_lesson,
            Kind.STREAK_AT_RISK: self.want_streak,
            Kind.NEW_IN_SECTOR: self.want_new_in_sector,
        }[kind]


# A nudge's status is its place in the outbox.
Status = outbox.Status


class Nudge(outbox.OutboxMessage):
    """One email to one learner, in the outbox (lms.core.outbox: status, due
    time, attempts, claim, last error, sent time). `user` becomes NULL when the
    account is deleted, so the admin's weekly totals stay true without naming
    anyone."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="nudges"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Which slot this nudge is for, in the learner's local calendar, e.g.
    # "2026-11-24" (a cadence slot) or "2026-W48" (once a week at most).
    period = models.CharField(max_length=20)
    lesson = models.ForeignKey(
        "courses.LessonPage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    sign_in_used_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "period"], name="one_nudge_per_learner_kind_period"
            )
        ]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.user_id} ({self.period})"


class CalendarFeed(models.Model):
    """A private calendar subscription URL (lms.nudges.calendar). Only the
    SHA-256 of its token is stored: the plain token is shown to the learner
    once, when the URL is made, and a copy of the database cannot be used to
    read anyone's calendar. A learner has at most one live feed; making a new
    URL revokes the old one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_calendar_feed_per_learner",
            )
        ]

    def __str__(self):
        return f"Calendar feed of {self.user_id} ({'revoked' if self.revoked_at else 'live'})"


class Arm(models.TextChoices):
    NUDGED = "nudged", "Nudged"
    HELD_OUT = "held_out", "Held out"


class HoldoutAssignment(models.Model):
    """Which arm a learner was drawn into for one kind of nudge
    (lms.nudges.holdout): drawn at random once, when they first chose to
    receive nudges, and never drawn again. A held-out learner gets no nudge of
    that kind until `ends_at`, unless they leave the holdout (`left_at`); the
    comparison still counts them by `arm` (analysed by assignment)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="holdout_assignments"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    arm = models.CharField(max_length=10, choices=Arm.choices)
    assigned_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_holdout_draw_per_kind")
        ]
        indexes = [models.Index(fields=["kind", "arm"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.get_arm_display()} ({self.user_id})"

    def holds_back(self, now) -> bool:
        """True while this assignment keeps nudges of its kind from the learner."""
        return self.arm == Arm.HELD_OUT and self.left_at is None and now < self.ends_at
