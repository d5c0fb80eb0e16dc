"""Bounces and complaints reported by the mail provider stop nudges."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from lms.nudges import planner
from lms.nudges.models import EmailStatus, NudgePreference
from tests.nudge_fixtures import TUESDAY_8AM

pytestmark = pytest.mark.django_db


def test_a_reported_complaint_stops_nudges_to_that_address(learner_factory):
    ada = learner_factory("ada@example.com")
    call_command("record_email_problem", "ADA@example.com", "--status", "complained")
    assert NudgePreference.objects.get(user=ada).email_status == EmailStatus.COMPLAINED
    assert planner.plan(TUESDAY_8AM + timedelta(minutes=1)) == 0


def test_an_unknown_address_is_refused_with_a_clear_message(library):
    with pytest.raises(CommandError, match="No account with the address nobody@example.com"):
        call_command("record_email_problem", "nobody@example.com", "--status", "bounced")
