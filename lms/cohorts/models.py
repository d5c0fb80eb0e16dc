"""Cohorts: a programme admin's group of learners with an assigned pathway.

People reach a cohort two ways: an invitation by email (one row per cohort
and address, from a CSV upload or typed in) or the cohort's shareable join
link. Joining, either way, makes a membership; the funnel
(lms.reports.cohort_metrics) is counted from these rows and the learners'
progress.

A personal invitation is used once, by the person it was sent to (a verified
email address of theirs matches it), and records who used it and when; after
that its link is dead for everyone (lms.cohorts.services.accept_invitation)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from lms.core import outbox


def new_join_token() -> str:
    return secrets.token_urlsafe(18)


class Programme(models.Model):
    """A funded programme that runs cohorts (e.g. "AI for SME leaders 2026")."""

    name = models.CharField(max_length=150, unique=True)
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Cohort(models.Model):
    name = models.CharField(max_length=150)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="cohorts")
    organisation = models.CharField(
        max_length=200, blank=True, help_text="The organisation the cohort is run with or for."
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    pathway = models.ForeignKey(
        "pathways.Pathway", on_delete=models.PROTECT, related_name="cohorts"
    )
    deadline = models.DateField(
        null=True, blank=True, help_text="Optional: when members should finish the pathway."
    )
    join_token = models.CharField(
        max_length=40, unique=True, default=new_join_token, editable=False
    )
    join_link_open = models.BooleanField(
        default=True, help_text="Turn off to stop new people joining by the link."
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="managed_cohorts",
        help_text="Cohort managers who see this cohort (and only the cohorts they manage).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        permissions = [
            ("manage_every_cohort", "Can see and manage every cohort and programme"),
            ("manage_assigned_cohorts", "Can manage the cohorts they are a manager of"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="cohort_unique_name"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="cohort_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.name


class Invitation(outbox.OutboxMessage):
    """One person invited to a cohort, and its email in the outbox
    (lms.core.outbox: status, due time, attempts, claim, last error, sent
    time; lms.cohorts.invitation_emails sends it). A join by the link makes an
    invitation too, never emailed (skipped)."""

    class Source(models.TextChoices):
        CSV = "csv", "CSV upload"
        ADMIN = "admin", "Added by an admin"
        LINK = "link", "Joined by the link"

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()  # stored lower-cased
    name = models.CharField(max_length=150, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.CSV)
    token = models.CharField(max_length=40, unique=True, default=new_join_token, editable=False)
    invited_at = models.DateTimeField(auto_now_add=True)
    # Used once: by whom and when. Set for every invitation a membership counts
    # against, so a used invitation's link never lets anyone else in.
    used_at = models.DateTimeField(null=True, blank=True, editable=False)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="accepted_invitations",
    )

    class Meta:
        ordering = ["cohort", "email"]
        constraints = [
            models.UniqueConstraint(
                "cohort", Lower("email"), name="invitation_unique_email_per_cohort"
            )
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="invitation_outbox_due")]

    def __str__(self):
        return f"{self.email} → {self.cohort}"


class Membership(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cohort_memberships"
    )
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="membership"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cohort", "joined_at"]
        constraints = [models.UniqueConstraint(fields=["cohort", "user"], name="membership_unique")]

    def __str__(self):
        return f"{self.user} in {self.cohort}"


class Sponsorship(models.Model):
    """An employer sponsor: one person who may see the team report of one
    organisation that sends its people through cohorts (the organisation is
    a cohort's `organisation`, matched without regard to case or spaces at
    either end). One person may sponsor several organisations. A sponsor
    sees aggregate figures only (lms.reports.team_report), and only while
    their account holds the sponsor role (lms.cohorts.access)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sponsorships"
    )
    organisation = models.CharField(
        max_length=200,
        help_text="Exactly as it is written on the organisation's cohorts.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "user__email"]
        permissions = [
            ("view_team_report", "Can see the team report of the organisations they sponsor"),
        ]
        constraints = [
            models.UniqueConstraint(
                "user", Lower("organisation"), name="sponsorship_unique_per_organisation"
            )
        ]

    def __str__(self):
        return f"{self.user} sponsors {self.organisation}"
