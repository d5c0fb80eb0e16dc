"""Invitation emails, sent through the email outbox (lms.core.outbox: the
claim and its lease, retries with backoff, which SMTP failures are final). The
Celery tasks in lms.cohorts.tasks only call the two functions at the end.

What is the invitations' own: the message, that an invitation whose person
has joined already is skipped, and the COHORT_INVITE_* settings. A bounce
fails the invitation for good and nothing else (the address may belong to
nobody here). Sending a cohort's invitations (after an upload, or the admin's
“Send unsent invitations”) sends its waiting ones now, without waiting out a
retry's backoff; the five-minutely sweep (`send_pending_invitations`) sends
whatever is due in any cohort, takes again the claims of dead workers, and
sends what was queued while the broker was down."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from lms.accounts.names import split_name
from lms.core.outbox import Outbox, Status

from .models import Cohort, Invitation, Membership

JOINED_BY_LINK = "Joined by the link: not emailed"
ALREADY_JOINED = "Joined before it was emailed"


def unsent_invitations(cohort: Cohort):
    """Invitations still to email: not sent (waiting, retrying or failed), not
    joined already."""
    return cohort.invitations.filter(
        sent_at__isnull=True,
        used_at__isnull=True,
        source__in=[Invitation.Source.CSV, Invitation.Source.ADMIN],
    ).filter(membership__isnull=True)


def absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def build_message(invitation: Invitation, connection) -> EmailMultiAlternatives:
    cohort = invitation.cohort
    context = {
        "invitation": invitation,
        "cohort": cohort,
        # Greeted by first name ("Hello Amira,"); "Hello," without a name.
        "name": split_name(invitation.name)[0],
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


class InvitationOutbox(Outbox):
    model = Invitation
    noun = "Invitation"
    log = logging.getLogger(__name__)
    related = ("cohort__programme", "cohort__pathway")
    lease_setting = "COHORT_INVITE_LEASE_SECONDS"
    max_attempts_setting = "COHORT_INVITE_MAX_ATTEMPTS"
    retry_base_setting = "COHORT_INVITE_RETRY_BASE_SECONDS"

    def message_for(self, invitation, connection):
        return build_message(invitation, connection)

    def still_wanted(self, invitation) -> str:
        if invitation.source == Invitation.Source.LINK:
            return JOINED_BY_LINK
        if invitation.used_at or Membership.objects.filter(invitation=invitation).exists():
            return ALREADY_JOINED
        return ""


INVITATIONS = InvitationOutbox()


def send_due(invitations) -> dict[str, int]:
    """Sends those of these invitations that are due, over one connection."""
    due = invitations.filter(INVITATIONS.due(timezone.now())).order_by("pk")
    return INVITATIONS.deliver(list(due.values_list("pk", flat=True)))


def send_invitation_emails(cohort_id: int) -> dict[str, int]:
    """Sends this cohort's unsent invitations now."""
    invitations = Invitation.objects.filter(cohort_id=cohort_id)
    invitations.filter(status=Status.PLANNED, due_at__gt=timezone.now()).update(
        due_at=timezone.now()
    )
    return send_due(invitations)


def send_pending_invitation_emails() -> int:
    """Every invitation due, in any cohort; returns how many were sent."""
    return send_due(Invitation.objects.all())["sent"]


def retry_failed_invitations(cohort: Cohort) -> int:
    """The admin's “Send unsent invitations” tries the failed ones afresh too
    (a person decided to): they are planned again with their attempts reset."""
    return (
        unsent_invitations(cohort)
        .filter(status=Status.FAILED)
        .update(status=Status.PLANNED, attempts=0, due_at=timezone.now())
    )
