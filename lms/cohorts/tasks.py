"""The invitation email tasks: thin, the work is in lms.cohorts.invitation_emails."""

from celery import shared_task

from .invitation_emails import send_invitation_emails, send_pending_invitation_emails


@shared_task(ignore_result=True, acks_late=True)
def send_invitations(cohort_id: int) -> dict:
    return send_invitation_emails(cohort_id)


@shared_task(ignore_result=True)
def send_pending_invitations() -> int:
    """Catch-up from beat: every cohort with invitations still to send."""
    return send_pending_invitation_emails()
