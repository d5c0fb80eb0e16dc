"""Sending planned nudges. Each row is claimed with one conditional UPDATE
before it is sent, so two workers given the same chunk (a redelivered message,
a re-dispatch after a crash) never both send it. A claim that is older than
the lease belongs to a worker that died; the dispatcher hands that row out
again. Failures are retried with backoff by moving the row's due time (never
a long Celery countdown), up to NUDGE_MAX_ATTEMPTS, except two that are final:
the server refusing the recipient (5xx to RCPT: a bounce, which also stops all
mail to that address) and the server refusing the message itself (5xx after
DATA). A failure to connect or sign in to the mail server is never the
recipient's fault: every nudge waiting on it is retried."""

import logging
import smtplib
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .messages import build_message
from .models import EmailStatus, Nudge, NudgePreference, Status
from .services import stop_mail_to

log = logging.getLogger(__name__)


def abandoned_claim(now) -> Q:
    """Rows claimed by a worker that died mid-send: their lease has run out."""
    lease = now - timedelta(seconds=settings.NUDGE_CLAIM_LEASE_SECONDS)
    return Q(status=Status.SENDING, claimed_at__lt=lease)


def claim(nudge_id: int) -> Nudge | None:
    """Takes the row for this worker, or returns None if it is not ours to send."""
    now = timezone.now()
    token = uuid.uuid4()
    taken = Nudge.objects.filter(
        Q(status=Status.PLANNED) | abandoned_claim(now), pk=nudge_id, due_at__lte=now
    ).update(status=Status.SENDING, claim=token, claimed_at=now, attempts=F("attempts") + 1)
    if not taken:
        return None
    nudge = (
        Nudge.objects.select_related("lesson", "user__nudge_preference")  # and so "user"
        .filter(pk=nudge_id, claim=token)
        .first()
    )
    if nudge is not None and nudge.attempts > settings.NUDGE_MAX_ATTEMPTS:
        # Workers kept stopping while sending it (their claims ran out).
        message = f"Gave up after {nudge.attempts - 1} attempts"
        finish(nudge, status=Status.FAILED, last_error=message, claim=None)
        log.error("Nudge %s failed: %s", nudge.pk, message)
        return None
    return nudge


def finish(nudge: Nudge, **changes) -> bool:
    """Records the outcome only if the claim is still ours."""
    return bool(
        Nudge.objects.filter(pk=nudge.pk, claim=nudge.claim, status=Status.SENDING).update(
            **changes
        )
    )


def still_wanted(nudge: Nudge) -> str:
    """Why a planned nudge should not go after all (empty if it should)."""
    user = nudge.user
    if user is None or not user.is_active:
        return "Account closed"
    if not NudgePreference.for_user(user).receiving:
        return "Unsubscribed or address not receiving"
    if nudge.lesson is None or not nudge.lesson.live:
        return "Lesson no longer published"
    return ""


def is_bounce(error: Exception) -> bool:
    """The server refused the recipient's address for good (5xx to RCPT)."""
    return isinstance(error, smtplib.SMTPRecipientsRefused) and all(
        code >= 500 for code, _ in error.recipients.values()
    )


def is_permanent(error: Exception) -> bool:
    """This message can never be sent: a bounce, or the message refused (5xx
    after DATA). Anything else (a 4xx, a refused sender, a failed sign-in or
    connection: the mail server's problem, not the recipient's) is retried."""
    if is_bounce(error):
        return True
    return isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500


def backoff(attempts: int) -> timedelta:
    base = settings.NUDGE_RETRY_BASE_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


def record_failure(nudge: Nudge, error: Exception) -> None:
    message = f"{type(error).__name__}: {error}"[:500]
    if is_bounce(error):
        with transaction.atomic():
            finish(nudge, status=Status.FAILED, last_error=message, claim=None)
            stop_mail_to(nudge.user, EmailStatus.BOUNCED)
        log.warning("Nudge %s bounced permanently: %s", nudge.pk, message)
    elif is_permanent(error):
        finish(nudge, status=Status.FAILED, last_error=message, claim=None)
        log.warning("Nudge %s was refused by the mail server: %s", nudge.pk, message)
    elif nudge.attempts >= settings.NUDGE_MAX_ATTEMPTS:
        finish(nudge, status=Status.FAILED, last_error=message, claim=None)
        log.error("Nudge %s failed after %s attempts: %s", nudge.pk, nudge.attempts, message)
    else:
        finish(
            nudge,
            status=Status.PLANNED,
            last_error=message,
            claim=None,
            dispatched_at=None,
            due_at=timezone.now() + backoff(nudge.attempts),
        )
        log.info("Nudge %s will be retried: %s", nudge.pk, message)


def deliver(nudge_ids: list[int]) -> dict[str, int]:
    """Sends these nudges over one SMTP connection. Safe to run twice."""
    counts = {"sent": 0, "skipped": 0, "failed": 0, "not ours": 0}
    connection = get_connection()
    opened = False
    try:
        for nudge_id in nudge_ids:
            nudge = claim(nudge_id)
            if nudge is None:
                counts["not ours"] += 1
                continue
            why_not = still_wanted(nudge)
            if why_not:
                finish(nudge, status=Status.SKIPPED, last_error=why_not, claim=None)
                counts["skipped"] += 1
                continue
            try:
                if not opened:
                    connection.open()
                    opened = True
                connection.send_messages([build_message(nudge, connection)])
            except (smtplib.SMTPException, OSError) as error:
                record_failure(nudge, error)
                counts["failed"] += 1
                if not isinstance(
                    error, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused
                ):
                    connection.close()
                    opened = False
                continue
            except Exception as error:  # e.g. a template error: retried, then failed
                log.exception("Nudge %s could not be built or sent", nudge.pk)
                record_failure(nudge, error)
                counts["failed"] += 1
                continue
            finish(nudge, status=Status.SENT, sent_at=timezone.now(), last_error="")
            counts["sent"] += 1
    finally:
        if opened:
            connection.close()
    return counts
