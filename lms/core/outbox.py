"""The email outbox: one way to send stored emails at least once and at most
once, shared by every kind of email that is written down before it is sent
(nudges, cohort invitations).

A row of an `OutboxMessage` model is one email. Before it is sent it is
claimed with one conditional UPDATE (planned and due, or abandoned: its claim
lease ran out) that moves it to SENDING under a fresh claim token and counts
one more attempt, so two workers given the same row (a redelivered message, a
sweep after a crash) never both send it. Its outcome is recorded only while
the claim is still ours (`Outbox.finish`), so a worker whose lease was taken
over cannot overwrite what the new one did.

Failures are retried with backoff by moving the row's due time (never a long
Celery countdown), up to the kind's maximum attempts, except two that are
final: the server refusing the recipient (5xx to RCPT: a bounce, which also
does whatever the kind does with a bounced address) and the server refusing
the message itself (5xx after DATA). A failure to connect or sign in to the
mail server is never the recipient's fault: every row waiting on it is
retried.

`Outbox` is the mechanism; each kind subclasses it with what differs: the
model, how to build the message, whether it is still wanted, what a bounce
does, and the names of its lease and attempt settings (read on every use, so
tests and operators can change them)."""

import logging
import smtplib
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

ERROR_LENGTH = 500
LONGEST_WAIT = timedelta(hours=6)


class Status(models.TextChoices):
    PLANNED = "planned", "Planned"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class OutboxMessage(models.Model):
    """The fields of one email in an outbox. `claim` and `claimed_at` belong to
    the worker sending it; `due_at` is when it may next be tried; `last_error`
    says why the last try failed or why the email was skipped."""

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    due_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=ERROR_LENGTH, blank=True)
    claim = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


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


def describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:ERROR_LENGTH]


class Outbox:
    """One kind of email kept in an outbox. Subclasses set the class
    attributes and implement `message_for`; the rest is shared."""

    model: type[OutboxMessage]
    noun = "Message"  # how the log names a row: "Nudge 12 will be retried: …"
    log = logging.getLogger(__name__)
    related: tuple[str, ...] = ()  # select_related for the claimed row
    lease_setting: str  # seconds after which a claim is abandoned
    max_attempts_setting: str
    retry_base_setting: str  # seconds of the first wait; it doubles each time

    # What differs by kind

    def message_for(self, row, connection) -> EmailMessage:
        raise NotImplementedError

    def still_wanted(self, row) -> str:
        """Why this email should not go after all (empty if it should)."""
        return ""

    def bounced(self, row) -> None:
        """What else a bounce does (in the transaction that fails the row)."""

    def retry_changes(self) -> dict:
        """Further fields to reset when a row is put back for a retry."""
        return {}

    # Settings

    def lease(self) -> timedelta:
        return timedelta(seconds=getattr(settings, self.lease_setting))

    def max_attempts(self) -> int:
        return getattr(settings, self.max_attempts_setting)

    def backoff(self, attempts: int) -> timedelta:
        base = getattr(settings, self.retry_base_setting)
        return min(timedelta(seconds=base * 2 ** max(attempts - 1, 0)), LONGEST_WAIT)

    # Which rows are to be sent

    def abandoned_claim(self, now) -> Q:
        """Rows claimed by a worker that died mid-send: their lease has run out."""
        return Q(status=Status.SENDING, claimed_at__lt=now - self.lease())

    def due(self, now) -> Q:
        """Rows a worker may claim now: due, and planned or abandoned."""
        return Q(due_at__lte=now) & (Q(status=Status.PLANNED) | self.abandoned_claim(now))

    # Claiming and recording the outcome

    def claim(self, pk: int):
        """Takes the row for this worker, or returns None if it is not ours to send."""
        now = timezone.now()
        token = uuid.uuid4()
        taken = (
            self.model.objects.filter(pk=pk)
            .filter(self.due(now))
            .update(status=Status.SENDING, claim=token, claimed_at=now, attempts=F("attempts") + 1)
        )
        if not taken:
            return None
        row = self.model.objects.select_related(*self.related).filter(pk=pk, claim=token).first()
        if row is not None and row.attempts > self.max_attempts():
            # Workers kept stopping while sending it (their claims ran out).
            message = f"Gave up after {row.attempts - 1} attempts"
            self.finish(row, status=Status.FAILED, last_error=message, claim=None)
            self.log.error("%s %s failed: %s", self.noun, row.pk, message)
            return None
        return row

    def finish(self, row, **changes) -> bool:
        """Records the outcome only if the claim is still ours."""
        return bool(
            self.model.objects.filter(pk=row.pk, claim=row.claim, status=Status.SENDING).update(
                **changes
            )
        )

    def fail(self, row, message: str) -> None:
        self.finish(row, status=Status.FAILED, last_error=message, claim=None)

    def record_failure(self, row, error: Exception) -> None:
        message = describe(error)
        if is_bounce(error):
            with transaction.atomic():
                self.fail(row, message)
                self.bounced(row)
            self.log.warning("%s %s bounced permanently: %s", self.noun, row.pk, message)
        elif is_permanent(error):
            self.fail(row, message)
            self.log.warning("%s %s was refused by the mail server: %s", self.noun, row.pk, message)
        elif row.attempts >= self.max_attempts():
            self.fail(row, message)
            self.log.error(
                "%s %s failed after %s attempts: %s", self.noun, row.pk, row.attempts, message
            )
        else:
            self.finish(
                row,
                status=Status.PLANNED,
                last_error=message,
                claim=None,
                due_at=timezone.now() + self.backoff(row.attempts),
                **self.retry_changes(),
            )
            self.log.info("%s %s will be retried: %s", self.noun, row.pk, message)

    # Sending

    def deliver(self, ids: list[int]) -> dict[str, int]:
        """Sends these rows over one SMTP connection. Safe to run twice."""
        counts = {"sent": 0, "skipped": 0, "failed": 0, "not ours": 0}
        connection = get_connection()
        opened = False
        try:
            for pk in ids:
                row = self.claim(pk)
                if row is None:
                    counts["not ours"] += 1
                    continue
                why_not = self.still_wanted(row)
                if why_not:
                    self.finish(row, status=Status.SKIPPED, last_error=why_not, claim=None)
                    counts["skipped"] += 1
                    continue
                try:
                    if not opened:
                        connection.open()
                        opened = True
                    connection.send_messages([self.message_for(row, connection)])
                except (smtplib.SMTPException, OSError) as error:
                    self.record_failure(row, error)
                    counts["failed"] += 1
                    if not isinstance(
                        error, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused
                    ):
                        connection.close()
                        opened = False
                    continue
                except Exception as error:  # e.g. a template error: retried, then failed
                    self.log.exception("%s %s could not be built or sent", self.noun, row.pk)
                    self.record_failure(row, error)
                    counts["failed"] += 1
                    continue
                self.finish(row, status=Status.SENT, sent_at=timezone.now(), last_error="")
                counts["sent"] += 1
        finally:
            if opened:
                connection.close()
        return counts
