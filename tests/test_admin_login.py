"""The Wagtail and Django admins sign in through allauth only: their own sign-in
forms authenticate nothing, and signing out still works."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache

from lms.accounts.models import User
from tests.factories import staff_user, totp_code

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-pass-phrase"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def superuser():
    user = User.objects.create_superuser("admin@example.org", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def totp_secret(superuser):
    secret = generate_totp_secret()
    TOTP.activate(superuser, secret)
    return secret


@pytest.mark.parametrize("login_url", ["/admin/login/", "/django-admin/login/", "/_util/login/"])
def test_posting_valid_staff_credentials_to_an_admin_login_does_not_sign_in(
    client, superuser, totp_secret, login_url
):
    credentials = {"username": superuser.email, "email": superuser.email, "password": PASSWORD}
    response = client.post(login_url, credentials)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert SESSION_KEY not in client.session
    assert client.get("/admin/")["Location"].startswith("/accounts/login/")
    assert client.get("/django-admin/")["Location"].startswith("/django-admin/login/")


@pytest.mark.parametrize("login_url", ["/admin/login/", "/django-admin/login/", "/_util/login/"])
def test_admin_login_sends_to_allauth_sign_in_keeping_next(client, login_url):
    response = client.get(f"{login_url}?next=/admin/pages/")
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fpages%2F"


def test_admin_login_drops_a_next_url_on_another_site(client):
    response = client.get("/admin/login/?next=https://attacker.example/")
    assert response["Location"] == "/accounts/login/"


def test_anonymous_visitors_to_either_admin_end_up_at_allauth_sign_in(client):
    response = client.get("/admin/pages/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=/admin/pages/"
    response = client.get("/django-admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=%2Fdjango-admin%2F"
    assert b'name="login"' in response.content


def test_signing_in_from_the_admin_asks_for_the_code_and_returns_to_the_admin(
    client, superuser, totp_secret
):
    client.get("/admin/pages/")
    response = client.post(
        "/accounts/login/?next=/admin/pages/",
        {"login": superuser.email, "password": PASSWORD, "next": "/admin/pages/"},
    )
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(totp_secret)})
    assert response["Location"] == "/admin/pages/"
    assert client.get("/admin/pages/").status_code == 200


def test_signing_out_of_the_wagtail_admin_signs_out(client, superuser, totp_secret):
    client.force_login(superuser)
    assert client.get("/admin/").status_code == 200
    response = client.post("/admin/logout/")
    assert response["Location"] == "/accounts/login/"
    assert client.get("/admin/")["Location"].startswith("/accounts/login/")


def test_signing_out_of_the_django_admin_signs_out(client, superuser, totp_secret):
    client.force_login(superuser)
    assert client.get("/django-admin/").status_code == 200
    response = client.post("/django-admin/logout/")
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert client.get("/django-admin/").status_code == 302


@pytest.mark.parametrize(
    "url", ["/admin/", "/admin/pages/", "/admin/login/?next=/admin/", "/django-admin/"]
)
def test_a_signed_in_learner_at_an_admin_gets_the_staff_only_page_at_once(client, url):
    learner = User.objects.create_user("learner@example.org", PASSWORD)
    client.force_login(learner)
    response = client.get(url)
    assert response.status_code == 403
    html = response.content.decode()
    assert "This area is for partner authors and programme staff" in html
    assert 'class="site-header"' in html and 'href="/"' in html
    assert "learner@example.org" in html


def test_a_partner_author_at_the_django_admin_gets_the_staff_only_page(client):
    author = staff_user("editor", email="author@example.org", is_staff=False)
    client.force_login(author)
    assert client.get("/django-admin/").status_code == 403
    # The Wagtail admin is theirs (after two-factor, which the factory set up).
    assert client.get("/admin/").status_code == 200
