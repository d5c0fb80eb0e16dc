"""The button and the unsubscribe link in a nudge, from the outside."""

import re
from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.test import Client
from django.utils import timezone

from lms.nudges import delivery, links, planner
from lms.nudges.models import Nudge, NudgePreference
from tests.nudge_fixtures import TUESDAY_8AM

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(learner_factory):
    """Ada's and Bo's nudges, delivered."""
    learner_factory("ada@example.com")
    learner_factory("bo@example.com")
    planner.plan(TUESDAY_8AM + timedelta(minutes=1))
    delivery.deliver(list(Nudge.objects.values_list("pk", flat=True)))
    Nudge.objects.update(sent_at=timezone.now())
    return {nudge.user.email: nudge for nudge in Nudge.objects.select_related("user", "lesson")}


def path_of(url):
    return re.sub(r"^https?://[^/]+", "", url)


def signed_in_user(client):
    return client.session.get("_auth_user_id")


def test_button_records_the_click_signs_the_learner_in_and_opens_the_lesson(sent):
    ada = sent["ada@example.com"]
    client = Client()
    response = client.get(path_of(links.click_url(ada)))
    assert response.status_code == 302 and response["Location"] == ada.lesson.url
    assert signed_in_user(client) == str(ada.user_id)
    ada.refresh_from_db()
    assert ada.clicked_at and ada.sign_in_used_at


def test_the_link_signs_in_once_then_asks_to_sign_in(sent):
    url = path_of(links.click_url(sent["ada@example.com"]))
    Client().get(url)
    again = Client()
    response = again.get(url)
    assert "/accounts/login/" in response["Location"] and signed_in_user(again) is None


def test_an_old_email_or_a_staff_account_or_two_factor_goes_through_sign_in(sent):
    ada, bo = sent["ada@example.com"], sent["bo@example.com"]
    Nudge.objects.filter(pk=ada.pk).update(sent_at=timezone.now() - timedelta(days=4))
    TOTP.activate(bo.user, generate_totp_secret())
    for nudge in (ada, bo):
        client = Client()
        response = client.get(path_of(links.click_url(nudge)))
        assert response["Location"].startswith("/accounts/login/?next=")
        assert signed_in_user(client) is None
        nudge.refresh_from_db()
        assert nudge.clicked_at  # the click still counts


def test_a_tampered_click_link_is_not_found(sent):
    token = links.click_token(sent["ada@example.com"])
    assert Client().get(f"/n/{token[:-2]}xx/").status_code == 404
    assert Client().get("/n/not-a-token/").status_code == 404


def test_unsubscribe_get_only_asks_and_changes_nothing(sent):
    ada = sent["ada@example.com"]
    response = Client().get(path_of(links.unsubscribe_url(ada)))
    assert response.status_code == 200
    assert b"Unsubscribe from nudges?" in response.content
    assert NudgePreference.objects.get(user=ada.user).unsubscribed_at is None


def test_one_click_post_unsubscribes_at_once_without_signing_in_or_csrf(sent):
    ada = sent["ada@example.com"]
    client = Client(enforce_csrf_checks=True)
    response = client.post(path_of(links.unsubscribe_url(ada)), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and b"You are unsubscribed" in response.content
    assert NudgePreference.objects.get(user=ada.user).unsubscribed_at
    assert NudgePreference.objects.get(user=sent["bo@example.com"].user).unsubscribed_at is None
    ada.refresh_from_db()
    assert ada.unsubscribed_at


def test_an_unsubscribe_link_cannot_be_forged_for_another_learner(sent):
    ada, bo = sent["ada@example.com"], sent["bo@example.com"]
    token = links.unsubscribe_token(ada)
    payload, signature = token.rsplit(":", 1)
    forged_ids = links.unsubscribe_token(bo).rsplit(":", 1)[0]
    for forged in (f"{forged_ids}:{signature}", f"{payload}x:{signature}", "garbage"):
        assert Client().post(f"/nudges/unsubscribe/{forged}/").status_code == 404
    assert not NudgePreference.objects.filter(unsubscribed_at__isnull=False).exists()


def test_a_link_from_the_email_itself_unsubscribes(sent):
    ada = sent["ada@example.com"]
    message = next(m for m in mail.outbox if m.to == ["ada@example.com"])
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    Client().post(path_of(url), {"List-Unsubscribe": "One-Click"})
    assert NudgePreference.objects.get(user=ada.user).unsubscribed_at


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://learn.example", "https://learn.example/n/abc/"),
        ("https://learn.example/", "https://learn.example/n/abc/"),
        ("https://learn.example/PREFIX/", "https://learn.example/PREFIX/n/abc/"),
    ],
)
def test_links_in_emails_are_absolute_with_one_slash(settings, base, expected):
    settings.WAGTAILADMIN_BASE_URL = base
    assert links.absolute("/n/abc/") == expected
