"""Accounts over HTTP (django-allauth): sign up and sign in by emailed code or by
password, two-factor, rate limits, no email enumeration, SSO buttons."""

import importlib
import re
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.socialaccount.providers import registry
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import clear_url_caches

from lms.accounts.models import User
from lms.settings.sso import MICROSOFT_APP, single_sign_on
from tests.factories import UserFactory, totp_code

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-pass-phrase"
EMAILED_CODE = re.compile(r"^([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})+)$", re.MULTILINE)


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate-limit counters live in the cache; no test inherits another's."""
    cache.clear()
    yield
    cache.clear()


def emailed_code(to: str) -> str:
    message = [m for m in mail.outbox if to in m.to][-1]
    return EMAILED_CODE.search(message.body).group(1)


def signed_in_user_id(client):
    return client.session.get(SESSION_KEY)


def make_user(email, password=PASSWORD, **extra) -> User:
    return UserFactory(email=email, password=password, verified=True, **extra)


# Sign up and sign in


def test_learner_signs_up_with_email_alone_and_an_emailed_code(client):
    form = client.get("/accounts/signup/").content.decode()
    assert 'name="email"' in form
    assert 'type="password"' not in form

    assert form.index('name="first_name"') < form.index('name="email"')
    response = client.post(
        "/accounts/signup/",
        {"email": "Ceo@Example.org", "first_name": " Chidi ", "last_name": "Okoro"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert signed_in_user_id(client) is None

    page = client.get("/accounts/confirm-email/").content.decode()
    assert "Enter Email Verification Code" in page
    response = client.post("/accounts/confirm-email/", {"code": emailed_code("ceo@example.org")})

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    user = User.objects.get(email="ceo@example.org")
    assert signed_in_user_id(client) == str(user.pk)
    assert not user.has_usable_password()
    assert EmailAddress.objects.get(user=user).verified
    assert (user.first_name, user.get_full_name()) == ("Chidi", "Chidi Okoro")


def test_wrong_signup_code_is_refused_with_an_announced_error(client):
    client.post("/accounts/signup/", {"email": "cfo@example.org", "first_name": "Cai"})
    response = client.post("/accounts/confirm-email/", {"code": "BCDF-GHJK"})
    html = response.content.decode()
    assert response.status_code == 200
    assert signed_in_user_id(client) is None
    assert 'role="alert"' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_code_error"' in html
    assert "<title>Error: " in html


def test_learner_signs_in_with_an_emailed_code(client):
    user = make_user("coo@example.org", password=None)
    response = client.post("/accounts/login/code/", {"email": "coo@example.org"})
    assert response["Location"] == "/accounts/login/code/confirm/"

    response = client.post(
        "/accounts/login/code/confirm/", {"code": emailed_code("coo@example.org")}
    )
    assert response["Location"] == "/dashboard/"
    assert signed_in_user_id(client) == str(user.pk)


def test_leaving_the_password_blank_on_the_sign_in_form_emails_a_code(client):
    user = make_user("director@example.org")
    response = client.post("/accounts/login/", {"login": "director@example.org", "password": ""})
    assert response["Location"] == "/accounts/login/code/confirm/"

    client.post("/accounts/login/code/confirm/", {"code": emailed_code("director@example.org")})
    assert signed_in_user_id(client) == str(user.pk)


def test_learner_signs_in_with_a_password(client):
    user = make_user("md@example.org")
    page = client.get("/accounts/login/").content.decode()
    assert '<label for="id_login">' in page and '<label for="id_password">' in page

    response = client.post("/accounts/login/", {"login": "md@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert signed_in_user_id(client) == str(user.pk)


def test_wrong_password_is_refused_with_an_announced_error(client):
    make_user("md@example.org")
    response = client.post("/accounts/login/", {"login": "md@example.org", "password": "nope"})
    html = response.content.decode()
    assert response.status_code == 200
    assert signed_in_user_id(client) is None
    assert '<div class="error-summary" role="alert"' in html
    assert "password you specified are not correct" in html


def test_learner_without_a_password_sets_one_in_account_settings(client):
    user = make_user("trustee@example.org", password=None)
    client.force_login(user)
    response = client.post(
        "/accounts/password/set/", {"password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_header_offers_sign_in_then_a_sign_out_button(client, site_tree):
    html = client.get("/").content.decode()
    assert '<a href="/accounts/login/">Sign in</a>' in html

    client.force_login(make_user("md@example.org"))
    html = client.get("/").content.decode()
    assert 'action="/accounts/logout/"' in html and ">Sign out</button>" in html
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/"
    assert signed_in_user_id(client) is None


def test_account_pages_keep_the_strict_content_security_policy(client):
    client.post("/accounts/signup/", {"email": "cfo@example.org", "first_name": "Cai"})
    for url in ("/accounts/login/", "/accounts/signup/", "/accounts/login/code/"):
        response = Client().get(url)
        html = response.content.decode()
        assert "unsafe-inline" not in response["Content-Security-Policy"], url
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert " style=" not in html, url
    html = client.get("/accounts/confirm-email/").content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html


# Rate limits


def test_repeated_failed_sign_ins_are_rate_limited(client):
    make_user("md@example.org")

    def attempt(password="wrong-password"):
        return client.post("/accounts/login/", {"login": "md@example.org", "password": password})

    for _ in range(5):
        assert "password you specified are not correct" in attempt().content.decode()
    # After five failures for this address even the right password is refused...
    response = attempt(PASSWORD)
    assert "Too many failed login attempts" in response.content.decode()
    assert signed_in_user_id(client) is None
    # ...and this client is soon refused outright.
    responses = [attempt() for _ in range(30)]
    assert responses[-1].status_code == 429
    assert "Too many attempts" in responses[-1].content.decode()


def test_sign_in_codes_for_one_address_are_rate_limited():
    make_user("md@example.org")
    responses = [
        Client().post("/accounts/login/code/", {"email": "md@example.org"}) for _ in range(4)
    ]
    assert [r.status_code for r in responses[:3]] == [302, 302, 302]
    assert len(mail.outbox) == 3
    # The fourth request within a minute is refused and sends nothing.
    assert "Too many failed login attempts" in responses[3].content.decode()
    assert len(mail.outbox) == 3


# No email enumeration


def _follow(client, response):
    assert response.status_code == 302
    return response["Location"], client.get(response["Location"]).content.decode()


def test_signing_up_with_a_registered_email_looks_the_same_as_a_new_one():
    make_user("taken@example.org")
    taken, new = Client(), Client()
    taken_url, taken_page = _follow(
        taken, taken.post("/accounts/signup/", {"email": "taken@example.org", "first_name": "T"})
    )
    new_url, new_page = _follow(
        new, new.post("/accounts/signup/", {"email": "new@example.org", "first_name": "T"})
    )

    assert taken_url == new_url
    assert _without_secrets(taken_page, "taken@example.org") == _without_secrets(
        new_page, "new@example.org"
    )
    # Both addresses get an email; only the new one can create an account.
    assert {m.to[0] for m in mail.outbox} == {"taken@example.org", "new@example.org"}
    assert User.objects.filter(email="new@example.org").exists()


def test_requesting_a_code_for_an_unknown_email_looks_the_same_as_for_a_known_one():
    make_user("known@example.org")
    known, unknown = Client(), Client()
    known_url, known_page = _follow(
        known, known.post("/accounts/login/code/", {"email": "known@example.org"})
    )
    unknown_url, unknown_page = _follow(
        unknown, unknown.post("/accounts/login/code/", {"email": "unknown@example.org"})
    )
    assert known_url == unknown_url
    assert _without_secrets(known_page, "known@example.org") == _without_secrets(
        unknown_page, "unknown@example.org"
    )


def _without_secrets(html: str, email: str) -> str:
    html = html.replace(email, "EMAIL")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"', "", html)


# Two-factor


@pytest.fixture
def staff(db):
    """An editor: staff, with access to the Wagtail admin."""
    user = make_user("editor@example.org", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    return user


@pytest.mark.parametrize("admin_url", ["/admin/", "/admin/pages/", "/django-admin/"])
def test_staff_without_two_factor_are_sent_to_set_it_up_before_the_admin(client, staff, admin_url):
    client.force_login(staff)
    response = client.get(admin_url)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    page = client.get("/accounts/2fa/totp/activate/", follow=True).content.decode()
    assert "Staff accounts need two-factor authentication" in page


def test_staff_without_two_factor_can_still_sign_out_of_the_admin(client, staff):
    client.force_login(staff)
    response = client.post("/admin/logout/")
    assert response["Location"].startswith("/accounts/login/")
    assert signed_in_user_id(client) is None


def test_learners_are_not_asked_for_two_factor(client):
    client.force_login(make_user("learner@example.org"))
    assert client.get("/courses/").status_code in (200, 404)
    response = client.get("/admin/")
    # Not sent to set up an authenticator: told the admin is not for them.
    assert response.status_code == 403 and "Location" not in response


def test_staff_set_up_an_authenticator_app_and_then_reach_the_admin(client, staff):
    client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    response = client.get("/admin/")
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    # Just signed in: not asked for the password a second time in a row.
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Activate Authenticator App" in page
    assert 'src="data:image/svg+xml;base64,' in page

    secret = client.session["mfa.totp.secret"]
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    # The recovery codes page that follows has a way back into the CMS.
    codes = client.get(response["Location"]).content.decode()
    assert 'href="/admin/">I have saved them: continue to the CMS</a>' in codes
    assert client.get("/admin/").status_code == 200
    assert client.get("/django-admin/").status_code == 200


def test_an_old_sign_in_is_asked_for_the_password_before_adding_an_authenticator(
    client, staff, time_machine
):
    time_machine.move_to("2026-12-01 09:00", tick=False)
    client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    time_machine.move_to("2026-12-01 10:00", tick=False)
    response = client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")


def test_sign_in_asks_staff_with_an_authenticator_for_its_code(client, staff):
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)

    response = client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert signed_in_user_id(client) is None

    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200
    assert signed_in_user_id(client) is None

    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response["Location"] == "/dashboard/"
    assert signed_in_user_id(client) == str(staff.pk)
    assert client.get("/admin/").status_code == 200


# Single sign-on


@contextmanager
def sso_from(environ: dict):
    """Settings as base.py builds them from `environ`. Installing the provider
    apps would mean overriding INSTALLED_APPS, which re-runs every app's ready();
    what installing them does for allauth, registering the provider classes and
    building their URLs, is done here instead, and undone after."""
    apps, providers = single_sign_on(environ)
    with override_settings(SOCIALACCOUNT_PROVIDERS=providers):
        _rebuild_provider_urls(apps)
        try:
            yield
        finally:
            registry.provider_map.clear()
            registry.loaded = False
            _rebuild_provider_urls(None)


def _rebuild_provider_urls(provider_apps: list[str] | None):
    """Register exactly the providers of `provider_apps` (None: those of
    INSTALLED_APPS) and rebuild the URLconf around them."""
    registry.provider_map.clear()
    if provider_apps is None:
        registry.loaded = False
        registry.load()
    else:
        for app in provider_apps:
            for provider_class in importlib.import_module(f"{app}.provider").provider_classes:
                registry.register(provider_class)
        registry.loaded = True
    importlib.reload(importlib.import_module("allauth.urls"))
    importlib.reload(importlib.import_module(settings.ROOT_URLCONF))
    clear_url_caches()


SSO_ENV = {
    "SSO_GOOGLE_CLIENT_ID": "google-client-123",
    "SSO_GOOGLE_SECRET": "google-secret",
    "SSO_MICROSOFT_CLIENT_ID": "microsoft-client-456",
    "SSO_MICROSOFT_SECRET": "microsoft-secret",
    "SSO_MICROSOFT_TENANT": "contoso.onmicrosoft.com",
}


def test_configured_sso_providers_show_a_button_on_sign_in_and_sign_up(client):
    with sso_from(SSO_ENV):
        for url in ("/accounts/login/", "/accounts/signup/"):
            html = client.get(url).content.decode()
            assert ">Continue with Google</button>" in html
            assert ">Continue with Microsoft</button>" in html
            assert 'action="/accounts/google/login/?process=login"' in html


def test_sso_sign_in_goes_to_the_providers_authorize_url_with_the_client_id(client):
    with sso_from(SSO_ENV):
        google = urlsplit(client.post("/accounts/google/login/?process=login")["Location"])
        microsoft = urlsplit(client.post("/accounts/microsoft/login/?process=login")["Location"])

    assert (google.netloc, google.path) == ("accounts.google.com", "/o/oauth2/v2/auth")
    assert parse_qs(google.query)["client_id"] == ["google-client-123"]
    assert (microsoft.netloc, microsoft.path) == (
        "login.microsoftonline.com",
        "/contoso.onmicrosoft.com/oauth2/v2.0/authorize",
    )
    assert parse_qs(microsoft.query)["client_id"] == ["microsoft-client-456"]


def test_without_sso_configuration_there_is_no_provider_button_or_url(client):
    with sso_from({}):
        html = client.get("/accounts/login/").content.decode()
        assert "Continue with" not in html
        assert client.post("/accounts/google/login/").status_code == 404


def test_a_provider_needs_both_its_client_id_and_secret():
    apps, providers = single_sign_on({"SSO_GOOGLE_CLIENT_ID": "id-only"})
    assert (apps, providers) == ([], {})
    apps, providers = single_sign_on(
        {"SSO_MICROSOFT_CLIENT_ID": "ms-id", "SSO_MICROSOFT_SECRET": "ms-secret"}
    )
    assert apps == [MICROSOFT_APP]
    assert providers["microsoft"]["APPS"][0]["settings"]["tenant"] == "organizations"
