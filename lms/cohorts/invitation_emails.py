"""Invitation emails (the Celery tasks in lms.cohorts.tasks only call
these). Each invitation is claimed with one conditional UPDATE
(an unsent row with no live claim) before it is sent, so a redelivered task
or two workers never email the same person twice; it is marked sent after the
SMTP server accepts it. A failed send drops the claim and records why. A claim
older than COHORT_INVITE_LEASE_SECONDS belongs to a dead worker: the
five-minutely sweep (`send_pending_invitations`) takes it again, and also
sends what was queued while the broker was down."""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Cohort, Invitation

log = logging.getLogger(__name__)


def unsent_invitations(cohort: Cohort):
    """Invitations still to email: not sent (or failed), not joined already."""
    return cohort.invitations.filter(
        sent_at__isnull=True,
        used_at__isnull=True,
        source__in=[Invitation.Source.CSV, Invitation.Source.ADMIN],
    ).filter(membership__isnull=True)


def absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def lease_seconds() -> int:
    return settings.COHORT_INVITE_LEASE_SECONDS


def claim(invitation_id: int) -> Invitation | None:
    now = timezone.now()
    free = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - timedelta(seconds=lease_seconds()))
    if not Invitation.objects.filter(free, pk=invitation_id, sent_at__isnull=True).update(
        claimed_at=now
    ):
        return None
    return Invitation.objects.select_related("cohort__programme", "cohort__pathway").get(
        pk=invitation_id
    )


def build_message(invitation: Invitation, connection) -> EmailMultiAlternatives:
    cohort = invitation.cohort
    context = {
        "invitation": invitation,
        "cohort": cohort,
        "name": invitation.name,
        "join_url": absolute(reverse("cohort_invitation", args=[invitation.token])),
        "site_name": settings.WAGTAIL_SITE_NAME,
    }
    subject = render_to_string("cohorts/email/invitation.subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("cohorts/email/invitation.txt", context),
        to=[invitation.email],
        connection=connection,
    )
    message.attach_alternative(
        render_to_string("cohorts/email/invitation.html", context), "text/html"
    )
    return message


def send_invitation_emails(cohort_id: int) -> dict[str, int]:
    counts = {"sent": 0, "failed": 0, "not ours": 0}
    cohort = Cohort.objects.filter(pk=cohort_id).first()
    if cohort is None:
        return counts
    ids = list(unsent_invitations(cohort).order_by("pk").values_list("pk", flat=True))
    connection = get_connection()
    try:
        for invitation_id in ids:
            invitation = claim(invitation_id)
            if invitation is None:
                counts["not ours"] += 1
                continue
            try:
                connection.send_messages([build_message(invitation, connection)])
            except (smtplib.SMTPException, OSError) as error:
                reason = f"{type(error).__name__}: {error}"[:255]
                Invitation.objects.filter(pk=invitation.pk).update(
                    claimed_at=None, send_error=reason
                )
                log.warning("Invitation %s not sent: %s", invitation.pk, reason)
                counts["failed"] += 1
                continue
            Invitation.objects.filter(pk=invitation.pk).update(
                sent_at=timezone.now(), claimed_at=None, send_error=""
            )
            counts["sent"] += 1
    finally:
        connection.close()
    return counts


def send_pending_invitation_emails() -> int:
    """Every cohort with invitations still to send; returns how many were sent."""
    cohort_ids = (
        Invitation.objects.filter(sent_at__isnull=True, membership__isnull=True)
        .exclude(source=Invitation.Source.LINK)
        .values_list("cohort_id", flat=True)
        .distinct()
    )
    return sum(send_invitation_emails(cohort_id)["sent"] for cohort_id in list(cohort_ids))
