"""Sending: the email itself, one send per nudge however often delivery runs,
retries with backoff, permanent bounces, and the outbox dispatcher."""

import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from lms.nudges import delivery, dispatch, planner
from lms.nudges.models import EmailStatus, Kind, Nudge, NudgePreference, Status
from tests.nudge_fixtures import TUESDAY_8AM

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(learner_factory):
    ada = learner_factory("ada@example.com")
    planner.plan(TUESDAY_8AM + timedelta(minutes=1))
    return Nudge.objects.get(user=ada)


def test_the_email_has_text_html_one_button_and_one_click_unsubscribe(planned):
    assert delivery.deliver([planned.pk])["sent"] == 1
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"]
    assert planned.lesson.title in message.subject
    assert planned.reason in message.body
    html = message.alternatives[0][0]
    assert html.count('style="display:inline-block') == 1  # one primary button
    assert 'lang="en-GB"' in html and "<h1" in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert "/nudges/unsubscribe/" in unsubscribe and unsubscribe in message.body
    assert "/n/" in message.body
    planned.refresh_from_db()
    assert planned.status == Status.SENT and planned.sent_at and planned.attempts == 1


def test_delivering_the_same_chunk_twice_sends_once(planned):
    delivery.deliver([planned.pk])
    delivery.deliver([planned.pk])
    assert len(mail.outbox) == 1


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_the_lease(planned, settings):
    Nudge.objects.filter(pk=planned.pk).update(
        status=Status.SENDING, claimed_at=timezone.now() - timedelta(seconds=30)
    )
    settings.NUDGE_CLAIM_LEASE_SECONDS = 60
    assert delivery.deliver([planned.pk])["not ours"] == 1
    settings.NUDGE_CLAIM_LEASE_SECONDS = 10
    assert delivery.deliver([planned.pk])["sent"] == 1
    assert len(mail.outbox) == 1


def test_a_nudge_for_someone_who_unsubscribed_after_planning_is_skipped(planned):
    NudgePreference.objects.filter(user=planned.user).update(unsubscribed_at=timezone.now())
    assert delivery.deliver([planned.pk])["skipped"] == 1
    assert not mail.outbox
    planned.refresh_from_db()
    assert planned.status == Status.SKIPPED


def failing_send(error):
    return mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=error
    )


def test_a_temporary_failure_is_retried_later_with_backoff_then_fails_visibly(planned, settings):
    settings.NUDGE_MAX_ATTEMPTS = 3
    settings.NUDGE_RETRY_BASE_SECONDS = 60
    error = smtplib.SMTPResponseException(451, b"Try again later")
    waits = []
    with failing_send(error):
        for _ in range(3):
            before = timezone.now()
            delivery.deliver([planned.pk])
            planned.refresh_from_db()
            if planned.status == Status.PLANNED:
                waits.append(round((planned.due_at - before).total_seconds() / 60))
                Nudge.objects.filter(pk=planned.pk).update(due_at=timezone.now())
    assert waits == [1, 2]
    assert planned.status == Status.FAILED
    assert "451" in planned.last_error
    assert NudgePreference.objects.get(user=planned.user).email_status == EmailStatus.OK


def test_a_permanent_bounce_fails_at_once_and_stops_mail_to_the_address(planned):
    error = smtplib.SMTPRecipientsRefused({"ada@example.com": (550, b"No such user")})
    with failing_send(error):
        delivery.deliver([planned.pk])
    planned.refresh_from_db()
    assert (planned.status, planned.attempts) == (Status.FAILED, 1)
    assert NudgePreference.objects.get(user=planned.user).email_status == EmailStatus.BOUNCED
    assert planner.plan(TUESDAY_8AM + timedelta(days=7, minutes=1)) == 0


def test_dispatcher_hands_out_due_rows_once_and_again_only_when_stale(planned, settings):
    settings.NUDGE_CHUNK_SIZE = 10
    with mock.patch("lms.nudges.tasks.deliver_nudges.apply_async") as publish:
        assert dispatch.dispatch() == 1
        assert dispatch.dispatch() == 0
        publish.assert_called_once_with(args=[[planned.pk]], retry=False)
        later = timezone.now() + timedelta(seconds=settings.NUDGE_REDISPATCH_SECONDS + 1)
        assert dispatch.dispatch(now=later) == 1


def test_an_unreachable_broker_leaves_rows_waiting_and_loses_nothing(planned):
    from kombu.exceptions import OperationalError

    with mock.patch(
        "lms.nudges.tasks.deliver_nudges.apply_async", side_effect=OperationalError("down")
    ):
        assert dispatch.dispatch() == 0
    planned.refresh_from_db()
    assert planned.status == Status.PLANNED and planned.dispatched_at is None
    assert dispatch.dispatch() == 1  # eager in tests: delivered at once
    assert len(mail.outbox) == 1


def test_send_nudges_now_sends_to_a_demo_learner_within_the_command(learner_factory):
    from django.core.management import call_command

    learner_factory("ada@example.com")
    call_command("send_nudges_now", "--email", "ada@example.com")
    assert [message.to for message in mail.outbox] == [["ada@example.com"]]
    assert Nudge.objects.get().kind == Kind.NEXT_LESSON
