"""The learner's nudge settings page."""

import pytest
from django.test import Client
from django.utils import timezone

from lms.nudges.models import Cadence, NudgePreference

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada_client(learner_factory):
    ada = learner_factory("ada@example.com")
    client = Client()
    client.force_login(ada)
    client.user = ada
    return client


def test_settings_need_sign_in():
    response = Client().get("/nudges/settings/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_defaults_are_one_email_a_week(django_user_model):
    user = django_user_model.objects.create_user("new@example.com")
    preference = NudgePreference.objects.create(user=user)
    assert (preference.cadence, preference.days, preference.hour) == (Cadence.WEEKLY, [1], 8)
    assert preference.want_next_lesson and preference.want_streak
    assert preference.want_new_in_sector


def test_learner_chooses_twice_a_week_their_days_hour_and_kinds(ada_client):
    page = ada_client.get("/nudges/settings/").content.decode()
    assert "Europe/London" in page
    response = ada_client.post(
        "/nudges/settings/",
        {"cadence": "twice_weekly", "days": ["0", "3"], "hour": "7", "kinds": ["next_lesson"]},
    )
    assert response.status_code == 302
    preference = NudgePreference.objects.get(user=ada_client.user)
    assert (preference.cadence, preference.days, preference.hour) == ("twice_weekly", [0, 3], 7)
    assert preference.want_next_lesson and not preference.want_streak


def test_wrong_number_of_days_says_what_to_fix_and_changes_nothing(ada_client):
    response = ada_client.post(
        "/nudges/settings/", {"cadence": "twice_weekly", "days": ["0"], "hour": "7"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose two days for twice a week." in html
    assert 'role="alert"' in html
    assert NudgePreference.objects.get(user=ada_client.user).cadence == Cadence.WEEKLY


def test_an_unsubscribed_learner_sees_it_and_saving_turns_nudges_back_on(ada_client):
    NudgePreference.objects.filter(user=ada_client.user).update(unsubscribed_at=timezone.now())
    assert "You unsubscribed on" in ada_client.get("/nudges/settings/").content.decode()
    ada_client.post(
        "/nudges/settings/",
        {"cadence": "weekly", "days": ["2"], "hour": "9", "kinds": ["streak_at_risk"]},
    )
    assert NudgePreference.objects.get(user=ada_client.user).unsubscribed_at is None


def test_an_hour_outside_the_day_is_refused(ada_client):
    response = ada_client.post(
        "/nudges/settings/",
        {"cadence": "weekly", "days": ["2"], "hour": "24", "kinds": ["next_lesson"]},
    )
    assert response.status_code == 400
