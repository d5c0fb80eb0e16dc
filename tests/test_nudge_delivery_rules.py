"""The rules of sending, one by one, on a pinned clock: which rows a worker may
claim and when, what it records for each outcome (the exact error, the next
due time, the status), when it opens and closes the SMTP connection, and what
it tells the operator in the log."""

import logging
import smtplib
import uuid
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from lms.core.outbox import is_permanent
from lms.nudges import delivery
from lms.nudges.models import Cadence, EmailStatus, Kind, Nudge, NudgePreference, Status
from tests.nudge_fixtures import TUESDAY_8AM, lessons_of

pytestmark = pytest.mark.django_db

NOW = TUESDAY_8AM + timedelta(minutes=5)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def nudge_for(learner_factory, clock):
    lesson = lessons_of("ai-for-the-board")[0]

    def make(email="ada@example.com", *, due_at=NOW, **fields):
        user = learner_factory(email) if isinstance(email, str) else email
        return Nudge.objects.create(
            user=user,
            kind=Kind.NEXT_LESSON,
            period=f"p-{Nudge.objects.count()}",
            due_at=due_at,
            lesson=lesson,
            reason="Next in AI for the board.",
            **fields,
        )

    return make


def row(nudge):
    return Nudge.objects.get(pk=nudge.pk)


def failing_send(error):
    return mock.patch.object(EmailBackend, "send_messages", side_effect=error)


@pytest.fixture
def connection_calls():
    """How often delivery opens and closes its SMTP connection."""
    with (
        mock.patch.object(EmailBackend, "open", autospec=True) as opened,
        mock.patch.object(EmailBackend, "close", autospec=True) as closed,
    ):
        yield lambda: (opened.call_count, closed.call_count)


def delivery_log(caplog):
    return [
        (record.levelname, record.getMessage())
        for record in caplog.records
        if record.name == "lms.nudges.delivery"
    ]


# Claiming


def test_a_claim_marks_the_row_as_sending_under_a_fresh_token_now(nudge_for):
    nudge = nudge_for()
    claimed = delivery.claim(nudge.pk)
    assert isinstance(claimed.claim, uuid.UUID)
    stored = row(nudge)
    assert (stored.status, stored.claim, stored.claimed_at, stored.attempts) == (
        Status.SENDING,
        claimed.claim,
        NOW,
        1,
    )
    assert (claimed.pk, claimed.status, claimed.attempts) == (nudge.pk, Status.SENDING, 1)


def test_each_claim_counts_one_more_attempt_and_takes_a_new_token(nudge_for, settings):
    nudge = nudge_for(attempts=2)
    first = delivery.claim(nudge.pk)
    Nudge.objects.filter(pk=nudge.pk).update(status=Status.PLANNED)
    second = delivery.claim(nudge.pk)
    assert (first.attempts, second.attempts, row(nudge).attempts) == (3, 4, 4)
    assert first.claim != second.claim


def test_the_claimed_nudge_comes_with_its_learner_lesson_and_preference(
    nudge_for, django_assert_num_queries
):
    nudge = nudge_for()
    claimed = delivery.claim(nudge.pk)
    with django_assert_num_queries(0):
        assert claimed.user.email == "ada@example.com"
        assert claimed.lesson.pk == nudge.lesson.pk
        assert claimed.user.nudge_preference.cadence == Cadence.WEEKLY


def test_a_nudge_due_now_is_claimed_but_one_due_a_moment_later_is_not(nudge_for):
    due_now = nudge_for("ada@example.com", due_at=NOW)
    later = nudge_for("bob@example.com", due_at=NOW + timedelta(microseconds=1))
    assert delivery.claim(due_now.pk).pk == due_now.pk
    assert delivery.claim(later.pk) is None
    stored = row(later)
    assert (stored.status, stored.claim, stored.claimed_at, stored.attempts) == (
        Status.PLANNED,
        None,
        None,
        0,
    )


@pytest.mark.parametrize("status", [Status.SENT, Status.FAILED, Status.SKIPPED])
def test_finished_rows_are_never_claimed_again(nudge_for, status):
    nudge = nudge_for(status=status, claimed_at=NOW - timedelta(days=1))
    assert delivery.claim(nudge.pk) is None
    assert (row(nudge).status, row(nudge).attempts) == (status, 0)


def test_an_unknown_nudge_is_not_claimed():
    assert delivery.claim(987654) is None


def test_a_claim_is_abandoned_only_once_its_lease_has_fully_run_out(nudge_for, settings):
    settings.NUDGE_CLAIM_LEASE_SECONDS = 600
    token = uuid.uuid4()
    on_the_dot = nudge_for(
        "ada@example.com",
        status=Status.SENDING,
        claim=token,
        claimed_at=NOW - timedelta(seconds=600),
        attempts=1,
    )
    overdue = nudge_for(
        "bob@example.com",
        status=Status.SENDING,
        claim=token,
        claimed_at=NOW - timedelta(seconds=600, microseconds=1),
        attempts=1,
    )
    assert set(Nudge.objects.filter(delivery.abandoned_claim(NOW))) == {row(overdue)}
    assert delivery.claim(on_the_dot.pk) is None
    assert (row(on_the_dot).claim, row(on_the_dot).attempts) == (token, 1)
    taken = delivery.claim(overdue.pk)
    assert taken.claim != token
    assert (row(overdue).claim, row(overdue).claimed_at, row(overdue).attempts) == (
        taken.claim,
        NOW,
        2,
    )


def test_a_planned_row_with_an_old_claim_time_is_still_planned_not_abandoned(nudge_for):
    nudge_for(status=Status.PLANNED, claimed_at=NOW - timedelta(days=1))
    assert not Nudge.objects.filter(delivery.abandoned_claim(NOW)).exists()


def test_a_worker_whose_lease_was_taken_over_cannot_record_its_outcome(nudge_for, clock, settings):
    settings.NUDGE_CLAIM_LEASE_SECONDS = 60
    nudge = nudge_for()
    dead = delivery.claim(nudge.pk)
    clock.shift(timedelta(seconds=61))
    alive = delivery.claim(nudge.pk)
    assert delivery.finish(dead, status=Status.SENT, last_error="late") is False
    assert (row(nudge).status, row(nudge).last_error) == (Status.SENDING, "")
    assert delivery.finish(alive, status=Status.SENT, last_error="") is True
    assert row(nudge).status == Status.SENT


def test_an_outcome_is_not_recorded_once_the_row_left_sending(nudge_for):
    nudge = nudge_for()
    claimed = delivery.claim(nudge.pk)
    Nudge.objects.filter(pk=nudge.pk).update(status=Status.SKIPPED, last_error="By staff")
    assert delivery.finish(claimed, status=Status.SENT, last_error="") is False
    assert (row(nudge).status, row(nudge).last_error) == (Status.SKIPPED, "By staff")


def test_finishing_one_claimed_row_leaves_the_others_alone(nudge_for):
    ada = delivery.claim(nudge_for("ada@example.com").pk)
    bob = delivery.claim(nudge_for("bob@example.com").pk)
    assert delivery.finish(ada, status=Status.SENT) is True
    assert (row(ada).status, row(bob).status) == (Status.SENT, Status.SENDING)


# Whether the nudge is still wanted


def test_a_nudge_for_a_deleted_account_is_skipped_as_account_closed(nudge_for):
    nudge = nudge_for()
    Nudge.objects.filter(pk=nudge.pk).update(user=None)
    assert delivery.deliver([nudge.pk]) == {"sent": 0, "skipped": 1, "failed": 0, "not ours": 0}
    stored = row(nudge)
    assert (stored.status, stored.last_error, stored.claim) == (
        Status.SKIPPED,
        "Account closed",
        None,
    )
    assert not mail.outbox


def test_a_nudge_for_a_deactivated_account_is_skipped_as_account_closed(nudge_for):
    nudge = nudge_for()
    nudge.user.is_active = False
    nudge.user.save()
    delivery.deliver([nudge.pk])
    assert (row(nudge).status, row(nudge).last_error) == (Status.SKIPPED, "Account closed")
    assert not mail.outbox


@pytest.mark.parametrize(
    "preference",
    [
        {"cadence": Cadence.OFF},
        {"email_status": EmailStatus.BOUNCED},
        {"email_status": EmailStatus.COMPLAINED},
    ],
)
def test_a_nudge_to_someone_no_longer_receiving_is_skipped(nudge_for, preference):
    nudge = nudge_for()
    NudgePreference.objects.filter(user=nudge.user).update(**preference)
    delivery.deliver([nudge.pk])
    assert (row(nudge).status, row(nudge).last_error) == (
        Status.SKIPPED,
        "Unsubscribed or address not receiving",
    )
    assert not mail.outbox


def test_a_learner_who_never_chose_how_often_gets_no_nudge(nudge_for):
    """Changed deliberately (issue 13): nudges are asked for at onboarding, so
    someone who never chose is not nudged "because you asked"."""
    nudge = nudge_for()
    NudgePreference.objects.filter(user=nudge.user).delete()
    assert delivery.deliver([nudge.pk])["sent"] == 0
    assert row(nudge).status == Status.SKIPPED
    assert not mail.outbox


def test_a_nudge_whose_lesson_was_unpublished_or_deleted_is_skipped(nudge_for):
    unpublished = nudge_for("ada@example.com")
    unpublished.lesson.unpublish()
    deleted = nudge_for("bob@example.com")
    Nudge.objects.filter(pk=deleted.pk).update(lesson=None)
    counts = delivery.deliver([unpublished.pk, deleted.pk])
    assert counts == {"sent": 0, "skipped": 2, "failed": 0, "not ours": 0}
    for nudge in (unpublished, deleted):
        assert (row(nudge).status, row(nudge).last_error, row(nudge).claim) == (
            Status.SKIPPED,
            "Lesson no longer published",
            None,
        )


# Which failures are permanent


@pytest.mark.parametrize(
    "error, permanent",
    [
        # The mail server's own problems (sign-in, sender, syntax) are retried.
        (smtplib.SMTPResponseException(500, b"Syntax error"), False),
        (smtplib.SMTPResponseException(554, b"Rejected"), False),
        (smtplib.SMTPAuthenticationError(535, b"Bad credentials"), False),
        (smtplib.SMTPSenderRefused(553, b"Sender refused", "noreply@example.com"), False),
        (smtplib.SMTPResponseException(499, b"Odd"), False),
        (smtplib.SMTPResponseException(451, b"Later"), False),
        (smtplib.SMTPDataError(552, b"Message too big"), True),
        (smtplib.SMTPDataError(500, b"Refused"), True),
        (smtplib.SMTPDataError(499, b"Odd"), False),
        (smtplib.SMTPDataError(451, b"Later"), False),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (500, b"No")}), True),
        (
            smtplib.SMTPRecipientsRefused(
                {"a@example.com": (550, b"No"), "b@example.com": (551, b"No")}
            ),
            True,
        ),
        (
            smtplib.SMTPRecipientsRefused(
                {"a@example.com": (550, b"No"), "b@example.com": (450, b"Later")}
            ),
            False,
        ),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (499, b"Odd")}), False),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), False),
        (ConnectionRefusedError(111, "Connection refused"), False),
    ],
)
def test_only_5xx_refusals_of_the_recipient_or_the_message_are_permanent(error, permanent):
    assert is_permanent(error) is permanent


# Backoff


@pytest.mark.parametrize(
    "attempts, seconds",
    [(0, 120), (1, 120), (2, 240), (3, 480), (4, 960), (8, 15360), (9, 21600), (30, 21600)],
)
def test_retries_wait_twice_as_long_each_time(settings, attempts, seconds):
    settings.NUDGE_RETRY_BASE_SECONDS = 120
    assert delivery.backoff(attempts) == timedelta(seconds=seconds)


def test_no_retry_waits_longer_than_six_hours(settings):
    settings.NUDGE_RETRY_BASE_SECONDS = 6 * 3600
    assert delivery.backoff(1) == timedelta(hours=6)
    settings.NUDGE_RETRY_BASE_SECONDS = 6 * 3600 + 1
    assert delivery.backoff(1) == timedelta(hours=6)


# What a failure records


def test_a_temporary_failure_puts_the_row_back_with_the_error_and_a_later_due_time(
    nudge_for, settings, caplog
):
    settings.NUDGE_MAX_ATTEMPTS = 5
    settings.NUDGE_RETRY_BASE_SECONDS = 120
    nudge = nudge_for(attempts=2, dispatched_at=NOW - timedelta(minutes=1))
    caplog.set_level(logging.INFO, logger="lms.nudges.delivery")
    with failing_send(smtplib.SMTPResponseException(451, b"Try again later")):
        counts = delivery.deliver([nudge.pk])
    assert counts == {"sent": 0, "skipped": 0, "failed": 1, "not ours": 0}
    stored = row(nudge)
    error = "SMTPResponseException: (451, b'Try again later')"
    assert (stored.status, stored.attempts, stored.last_error) == (Status.PLANNED, 3, error)
    assert (stored.claim, stored.dispatched_at, stored.sent_at) == (None, None, None)
    assert stored.due_at == NOW + timedelta(seconds=480)
    assert delivery_log(caplog) == [("INFO", f"Nudge {nudge.pk} will be retried: {error}")]
    assert NudgePreference.objects.get(user=nudge.user).email_status == EmailStatus.OK


def test_the_last_allowed_attempt_fails_for_good_and_says_so(nudge_for, settings, caplog):
    settings.NUDGE_MAX_ATTEMPTS = 3
    retried = nudge_for("ada@example.com", attempts=1)
    last = nudge_for("bob@example.com", attempts=2)
    error = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    with failing_send(error):
        counts = delivery.deliver([retried.pk, last.pk])
    assert counts == {"sent": 0, "skipped": 0, "failed": 2, "not ours": 0}
    message = "SMTPServerDisconnected: Connection unexpectedly closed"
    assert (row(retried).status, row(retried).attempts) == (Status.PLANNED, 2)
    stored = row(last)
    assert (stored.status, stored.attempts, stored.last_error, stored.claim) == (
        Status.FAILED,
        3,
        message,
        None,
    )
    assert stored.due_at == NOW
    assert ("ERROR", f"Nudge {last.pk} failed after 3 attempts: {message}") in delivery_log(caplog)
    assert NudgePreference.objects.get(user=last.user).email_status == EmailStatus.OK


def test_a_permanent_refusal_fails_the_row_and_bounces_the_address(nudge_for, caplog):
    nudge = nudge_for()
    error = smtplib.SMTPRecipientsRefused({"ada@example.com": (550, b"No such user")})
    with failing_send(error):
        delivery.deliver([nudge.pk])
    message = "SMTPRecipientsRefused: {'ada@example.com': (550, b'No such user')}"
    stored = row(nudge)
    assert (stored.status, stored.attempts, stored.last_error, stored.claim) == (
        Status.FAILED,
        1,
        message,
        None,
    )
    assert NudgePreference.objects.get(user=nudge.user).email_status == EmailStatus.BOUNCED
    assert delivery_log(caplog) == [("WARNING", f"Nudge {nudge.pk} bounced permanently: {message}")]


def test_a_long_error_is_kept_to_500_characters(nudge_for):
    nudge = nudge_for()
    with failing_send(OSError("x" * 600)):
        delivery.deliver([nudge.pk])
    assert row(nudge).last_error == ("OSError: " + "x" * 600)[:500]


def test_a_send_after_a_retry_clears_the_old_error_and_records_the_time(nudge_for, clock):
    nudge = nudge_for(attempts=1, last_error="SMTPResponseException: (451, b'Later')")
    assert delivery.deliver([nudge.pk]) == {"sent": 1, "skipped": 0, "failed": 0, "not ours": 0}
    stored = row(nudge)
    assert (stored.status, stored.attempts, stored.last_error, stored.sent_at) == (
        Status.SENT,
        2,
        "",
        NOW,
    )


# The SMTP connection


def test_one_connection_is_opened_for_a_whole_chunk_and_closed_at_the_end(
    nudge_for, connection_calls
):
    nudges = [nudge_for(f"l{index}@example.com") for index in range(3)]
    assert delivery.deliver([nudge.pk for nudge in nudges])["sent"] == 3
    assert connection_calls() == (1, 1)
    assert len(mail.outbox) == 3


def test_no_connection_is_opened_when_nothing_is_to_be_sent(nudge_for, connection_calls):
    skipped = nudge_for("ada@example.com")
    NudgePreference.objects.filter(user=skipped.user).update(cadence=Cadence.OFF)
    not_due = nudge_for("bob@example.com", due_at=NOW + timedelta(hours=1))
    counts = delivery.deliver([skipped.pk, not_due.pk, 987654])
    assert counts == {"sent": 0, "skipped": 1, "failed": 0, "not ours": 2}
    assert connection_calls() == (0, 0)


def test_a_broken_connection_is_closed_and_opened_again_for_the_next_nudge(
    nudge_for, connection_calls
):
    first, second = nudge_for("ada@example.com"), nudge_for("bob@example.com")
    sends = [smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), 1]
    with mock.patch.object(EmailBackend, "send_messages", side_effect=sends):
        counts = delivery.deliver([first.pk, second.pk])
    assert counts == {"sent": 1, "skipped": 0, "failed": 1, "not ours": 0}
    assert connection_calls() == (2, 2)
    assert (row(first).status, row(second).status) == (Status.PLANNED, Status.SENT)


def test_a_connection_that_could_not_be_opened_is_not_closed_twice(nudge_for, connection_calls):
    nudge = nudge_for()
    with mock.patch.object(EmailBackend, "open", side_effect=ConnectionRefusedError(111, "No")):
        counts = delivery.deliver([nudge.pk])
    assert counts == {"sent": 0, "skipped": 0, "failed": 1, "not ours": 0}
    assert connection_calls()[1] == 1
    assert row(nudge).last_error == "ConnectionRefusedError: [Errno 111] No"


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPResponseException(451, b"Later"),
        smtplib.SMTPRecipientsRefused({"ada@example.com": (550, b"No such user")}),
    ],
)
def test_a_refused_message_keeps_the_connection_for_the_next_one(
    nudge_for, connection_calls, error
):
    first, second = nudge_for("ada@example.com"), nudge_for("bob@example.com")
    with mock.patch.object(EmailBackend, "send_messages", side_effect=[error, 1]):
        counts = delivery.deliver([first.pk, second.pk])
    assert counts == {"sent": 1, "skipped": 0, "failed": 1, "not ours": 0}
    assert connection_calls() == (1, 1)


def test_a_mixed_chunk_is_counted_outcome_by_outcome(nudge_for):
    sent = [nudge_for(f"s{index}@example.com") for index in range(2)]
    skipped = [nudge_for(f"k{index}@example.com") for index in range(2)]
    NudgePreference.objects.filter(user__in=[n.user for n in skipped]).update(cadence=Cadence.OFF)
    failed = [nudge_for(f"f{index}@example.com") for index in range(2)]
    ids = [n.pk for n in sent + skipped + failed] + [987654, 987655]
    refused = smtplib.SMTPResponseException(451, b"Later")
    with mock.patch.object(EmailBackend, "send_messages", side_effect=[1, 1, refused, refused]):
        counts = delivery.deliver(ids)
    assert counts == {"sent": 2, "skipped": 2, "failed": 2, "not ours": 2}


# The mail server's failures are not the learners'


def test_a_failed_sign_in_to_the_mail_server_bounces_nobody_and_retries_everyone(nudge_for):
    nudges = [nudge_for("ada@example.com"), nudge_for("bob@example.com")]
    refused = smtplib.SMTPAuthenticationError(535, b"5.7.8 Authentication failed")
    with mock.patch.object(EmailBackend, "open", side_effect=refused):
        counts = delivery.deliver([nudge.pk for nudge in nudges])
    assert counts == {"sent": 0, "skipped": 0, "failed": 2, "not ours": 0}
    for nudge in nudges:
        assert (row(nudge).status, row(nudge).due_at) == (
            Status.PLANNED,
            NOW + delivery.backoff(1),
        )
        assert NudgePreference.objects.get(user=nudge.user).email_status == EmailStatus.OK
    assert not mail.outbox


def test_a_refused_message_fails_without_stopping_mail_to_the_address(nudge_for, caplog):
    nudge = nudge_for()
    with failing_send(smtplib.SMTPDataError(552, b"Message too big")):
        delivery.deliver([nudge.pk])
    message = "SMTPDataError: (552, b'Message too big')"
    assert (row(nudge).status, row(nudge).last_error, row(nudge).claim) == (
        Status.FAILED,
        message,
        None,
    )
    assert NudgePreference.objects.get(user=nudge.user).email_status == EmailStatus.OK
    assert delivery_log(caplog) == [
        ("WARNING", f"Nudge {nudge.pk} was refused by the mail server: {message}")
    ]


def test_a_message_that_cannot_be_built_is_retried_and_the_chunk_goes_on(nudge_for, caplog):
    broken, fine = nudge_for("ada@example.com"), nudge_for("bob@example.com")
    also_broken = nudge_for("cy@example.com")
    real = delivery.build_message

    def build(nudge, connection=None):
        if nudge.pk in (broken.pk, also_broken.pk):
            raise ValueError("template error")
        return real(nudge, connection)

    with mock.patch.object(delivery, "build_message", side_effect=build):
        counts = delivery.deliver([broken.pk, fine.pk, also_broken.pk])
    assert counts == {"sent": 1, "skipped": 0, "failed": 2, "not ours": 0}
    errors = [line for line in delivery_log(caplog) if line[0] == "ERROR"]
    assert errors == [
        ("ERROR", f"Nudge {broken.pk} could not be built or sent"),
        ("ERROR", f"Nudge {also_broken.pk} could not be built or sent"),
    ]
    assert (row(broken).status, row(broken).last_error) == (
        Status.PLANNED,
        "ValueError: template error",
    )
    assert row(fine).status == Status.SENT


def test_a_row_whose_workers_kept_stopping_is_given_up_after_the_last_attempt(
    nudge_for, settings, caplog
):
    settings.NUDGE_MAX_ATTEMPTS = 3
    lease = timedelta(seconds=settings.NUDGE_CLAIM_LEASE_SECONDS + 1)
    nudge = nudge_for(status=Status.SENDING, attempts=3, claimed_at=NOW - lease)
    assert delivery.deliver([nudge.pk]) == {"sent": 0, "skipped": 0, "failed": 0, "not ours": 1}
    assert (row(nudge).status, row(nudge).last_error, row(nudge).claim) == (
        Status.FAILED,
        "Gave up after 3 attempts",
        None,
    )
    assert not mail.outbox
    assert delivery_log(caplog) == [("ERROR", f"Nudge {nudge.pk} failed: Gave up after 3 attempts")]
