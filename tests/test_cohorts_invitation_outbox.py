"""What invitation emails gained by going through the email outbox
(lms.core.outbox): retries with backoff, final 5xx refusals, abandoned
claims taken again after the lease, outcomes recorded only by the claim's
owner; and the statuses derived for invitations from before (migration 0006)."""

import importlib
import smtplib
from datetime import date, timedelta
from unittest import mock

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from lms.cohorts import services
from lms.cohorts.access import ensure_roles
from lms.cohorts.invitation_emails import (
    ALREADY_JOINED,
    INVITATIONS,
    JOINED_BY_LINK,
    send_invitation_emails,
    send_pending_invitation_emails,
)
from lms.cohorts.models import Invitation, Membership, Programme
from lms.core.outbox import Status
from lms.nudges.models import EmailStatus, NudgePreference
from lms.pathways.models import Pathway
from tests.nudge_fixtures import make_learner
from tests.test_cohorts_admin import members_url

pytestmark = pytest.mark.django_db

START = date(2026, 1, 5)


@pytest.fixture
def clock():
    with time_machine.travel("2026-01-06 09:00:00+00:00", tick=False) as traveller:
        yield traveller


@pytest.fixture
def cohort(library):
    ensure_roles()
    return services.save_cohort(
        name="Spring A",
        programme=Programme.objects.create(name="AI for SME leaders 2026"),
        starts_on=START,
        ends_on=date(2026, 3, 30),
        pathway=Pathway.objects.filter(live=True).order_by("pk").first(),
    )


@pytest.fixture
def invite(cohort, clock, django_capture_on_commit_callbacks):
    """Invites these addresses without sending (the task is not run)."""

    def make(*emails):
        rows, _ = services.parse_invite_csv(("email\n" + "\n".join(emails) + "\n").encode())
        with django_capture_on_commit_callbacks(execute=False):
            services.invite(cohort, rows)
        found = {inv.email: inv for inv in cohort.invitations.all()}
        return [found[email] for email in emails]

    return make


def row(invitation):
    return Invitation.objects.get(pk=invitation.pk)


def failing_send(error):
    return mock.patch.object(EmailBackend, "send_messages", side_effect=error)


def test_a_new_invitation_is_planned_and_due_at_once(invite):
    (ada,) = invite("ada@example.org")
    assert (ada.status, ada.attempts, ada.due_at, ada.last_error) == (
        Status.PLANNED,
        0,
        ada.invited_at,
        "",
    )
    assert send_pending_invitation_emails() == 1
    stored = row(ada)
    assert (stored.status, stored.attempts, stored.sent_at) == (Status.SENT, 1, ada.invited_at)
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]


def test_a_temporary_failure_is_retried_by_the_sweep_after_a_doubling_backoff(
    invite, clock, settings
):
    settings.COHORT_INVITE_RETRY_BASE_SECONDS = 300
    settings.COHORT_INVITE_MAX_ATTEMPTS = 5
    (ada,) = invite("ada@example.org")
    started = row(ada).due_at
    with failing_send(smtplib.SMTPResponseException(451, b"Try again later")):
        assert send_pending_invitation_emails() == 0
        stored = row(ada)
        assert (stored.status, stored.attempts, stored.claim, stored.sent_at) == (
            Status.PLANNED,
            1,
            None,
            None,
        )
        assert stored.last_error == "SMTPResponseException: (451, b'Try again later')"
        assert stored.due_at == started + timedelta(seconds=300)
        clock.shift(timedelta(seconds=299))
        assert send_pending_invitation_emails() == 0
        assert row(ada).attempts == 1  # not due yet: not even tried
        clock.shift(timedelta(seconds=1))
        send_pending_invitation_emails()
        assert (row(ada).attempts, row(ada).due_at) == (
            2,
            started + timedelta(seconds=300 + 600),
        )
    clock.shift(timedelta(seconds=600))
    assert send_pending_invitation_emails() == 1
    stored = row(ada)
    assert (stored.status, stored.attempts, stored.last_error) == (Status.SENT, 3, "")
    assert len(mail.outbox) == 1


def test_an_invitation_fails_for_good_after_its_last_allowed_attempt(invite, settings):
    settings.COHORT_INVITE_MAX_ATTEMPTS = 2
    ada, bob = invite("ada@example.org", "bob@example.org")
    Invitation.objects.filter(pk=bob.pk).update(attempts=1)
    with failing_send(smtplib.SMTPServerDisconnected("Connection unexpectedly closed")):
        counts = INVITATIONS.deliver([ada.pk, bob.pk])
    assert counts == {"sent": 0, "skipped": 0, "failed": 2, "not ours": 0}
    assert (row(ada).status, row(bob).status) == (Status.PLANNED, Status.FAILED)
    assert row(bob).last_error == "SMTPServerDisconnected: Connection unexpectedly closed"


def test_a_5xx_refusal_of_the_recipient_is_final(invite, clock, django_user_model):
    learner = make_learner(django_user_model, "ada@example.org")
    (ada,) = invite("ada@example.org")
    refused = smtplib.SMTPRecipientsRefused({"ada@example.org": (550, b"No such user")})
    with failing_send(refused):
        assert send_pending_invitation_emails() == 0
    stored = row(ada)
    message = "SMTPRecipientsRefused: {'ada@example.org': (550, b'No such user')}"
    assert (stored.status, stored.attempts, stored.last_error, stored.claim) == (
        Status.FAILED,
        1,
        message,
        None,
    )
    clock.shift(timedelta(days=2))
    assert send_pending_invitation_emails() == 0
    assert send_invitation_emails(ada.cohort_id)["sent"] == 0  # nor after an upload
    assert row(ada).attempts == 1 and not mail.outbox
    # An invitation's bounce stops nothing else: its address may be nobody's here.
    assert NudgePreference.for_user(learner).email_status == EmailStatus.OK


def test_a_5xx_refusal_of_the_message_is_final_and_a_4xx_refusal_is_not(invite):
    ada, bob = invite("ada@example.org", "bob@example.org")
    errors = [
        smtplib.SMTPDataError(552, b"Message too big"),
        smtplib.SMTPRecipientsRefused({"bob@example.org": (450, b"Mailbox busy")}),
    ]
    with mock.patch.object(EmailBackend, "send_messages", side_effect=errors):
        INVITATIONS.deliver([ada.pk, bob.pk])
    assert (row(ada).status, row(bob).status) == (Status.FAILED, Status.PLANNED)


def test_an_abandoned_claim_is_taken_again_once_its_lease_has_run_out(invite, clock, settings):
    settings.COHORT_INVITE_LEASE_SECONDS = 600
    (ada,) = invite("ada@example.org")
    dead = INVITATIONS.claim(ada.pk)  # a worker that then died, mid-send
    assert (row(ada).status, row(ada).attempts) == (Status.SENDING, 1)
    clock.shift(timedelta(seconds=600))
    assert send_pending_invitation_emails() == 0  # on the dot: still its claim
    assert row(ada).claim == dead.claim
    clock.shift(timedelta(microseconds=1))
    assert send_pending_invitation_emails() == 1
    stored = row(ada)
    assert (stored.status, stored.attempts) == (Status.SENT, 2)
    assert stored.claim != dead.claim
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]


def test_a_claim_that_is_no_longer_ours_is_not_overwritten(invite, clock, settings):
    settings.COHORT_INVITE_LEASE_SECONDS = 60
    (ada,) = invite("ada@example.org")
    dead = INVITATIONS.claim(ada.pk)
    clock.shift(timedelta(seconds=61))
    alive = INVITATIONS.claim(ada.pk)
    assert INVITATIONS.finish(dead, status=Status.SENT, last_error="late") is False
    INVITATIONS.record_failure(dead, smtplib.SMTPResponseException(451, b"Later"))
    stored = row(ada)
    assert (stored.status, stored.claim, stored.last_error) == (Status.SENDING, alive.claim, "")
    assert INVITATIONS.finish(alive, status=Status.SENT, last_error="") is True
    assert row(ada).status == Status.SENT


def test_an_invitation_whose_person_joined_before_it_was_sent_is_skipped(
    invite, cohort, django_user_model
):
    (ada,) = invite("ada@example.org")
    Membership.objects.create(
        cohort=cohort, user=make_learner(django_user_model, "ada@example.org"), invitation=ada
    )
    assert send_invitation_emails(cohort.pk) == {
        "sent": 0,
        "skipped": 1,
        "failed": 0,
        "not ours": 0,
    }
    assert (row(ada).status, row(ada).last_error) == (Status.SKIPPED, ALREADY_JOINED)
    assert not mail.outbox


def test_a_join_by_the_link_is_recorded_as_an_invitation_never_emailed(cohort, django_user_model):
    services.join(cohort, make_learner(django_user_model, "cy@example.org"))
    link = cohort.invitations.get(email="cy@example.org")
    assert (link.source, link.status, link.last_error) == (
        Invitation.Source.LINK,
        Status.SKIPPED,
        JOINED_BY_LINK,
    )
    assert send_pending_invitation_emails() == 0 and not mail.outbox


def test_sending_a_cohort_does_not_wait_out_the_backoff_and_the_button_retries_failed_ones(
    invite, cohort, staff_client, django_capture_on_commit_callbacks
):
    ada, bob = invite("ada@example.org", "bob@example.org")
    refusals = [
        smtplib.SMTPResponseException(451, b"Later"),
        smtplib.SMTPRecipientsRefused({"bob@example.org": (550, b"No such user")}),
    ]
    with mock.patch.object(EmailBackend, "send_messages", side_effect=refusals):
        send_invitation_emails(cohort.pk)
    assert (row(ada).status, row(bob).status) == (Status.PLANNED, Status.FAILED)
    client = staff_client("programme_admin", email="admin@programme.example")
    page = client.get(members_url(cohort)).content.decode()
    assert "2 invitations not sent yet (2 failed)" in page
    retrying = "Failed: SMTPResponseException: (451, b&#x27;Later&#x27;) (it will be tried again)"
    assert retrying in page
    assert "Failed: SMTPRecipientsRefused" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/cohorts/send/{cohort.pk}/")
    assert (row(ada).status, row(bob).status) == (Status.SENT, Status.SENT)
    assert (row(ada).attempts, row(bob).attempts) == (2, 1)
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.org", "bob@example.org"]


# Invitations from before the outbox (migration 0006)

derive_statuses = importlib.import_module(
    "lms.cohorts.migrations.0006_invitation_outbox_status"
).derive_statuses


def test_the_old_invitations_get_statuses_that_say_what_happened(invite, cohort, django_user_model):
    sent, failed, claimed, waiting, joined = invite(
        "sent@example.org",
        "failed@example.org",
        "claimed@example.org",
        "waiting@example.org",
        "joined@example.org",
    )
    services.join(cohort, make_learner(django_user_model, "link@example.org"))
    Membership.objects.create(
        cohort=cohort, user=make_learner(django_user_model, "joined@example.org"), invitation=joined
    )
    moment = sent.invited_at
    Invitation.objects.update(status=Status.PLANNED, last_error="")  # as 0005 left them
    Invitation.objects.filter(pk=sent.pk).update(sent_at=moment)
    Invitation.objects.filter(pk=failed.pk).update(last_error="OSError: connection refused")
    Invitation.objects.filter(pk=claimed.pk).update(claimed_at=moment)
    derive_statuses(apps, None)
    link = cohort.invitations.get(email="link@example.org")
    assert {
        inv.email: (inv.status, inv.attempts, inv.last_error)
        for inv in [row(i) for i in (sent, failed, claimed, waiting, joined, link)]
    } == {
        "sent@example.org": (Status.SENT, 1, ""),
        "failed@example.org": (Status.PLANNED, 1, "OSError: connection refused"),
        "claimed@example.org": (Status.SENDING, 0, ""),
        "waiting@example.org": (Status.PLANNED, 0, ""),
        "joined@example.org": (Status.SKIPPED, 0, ALREADY_JOINED),
        "link@example.org": (Status.SKIPPED, 0, JOINED_BY_LINK),
    }


def test_the_members_page_still_says_sent_failed_and_why(invite, cohort, staff_client):
    ada, bob = invite("ada@example.org", "bob@example.org")
    with mock.patch.object(
        EmailBackend, "send_messages", side_effect=[1, smtplib.SMTPDataError(554, b"Spam")]
    ):
        send_invitation_emails(cohort.pk)
    client = staff_client("programme_admin", email="admin@programme.example")
    page = client.get(members_url(cohort)).content.decode()
    assert "Sent 6 Jan 2026" in page
    assert "Failed: SMTPDataError: (554, b&#x27;Spam&#x27;)" in page
    assert "1 invitation not sent yet (1 failed)" in page
