"""Issue 13, names and onboarding: the learner's name from sign-up (or a cohort
invitation, or onboarding) reaches the user and every email's greeting; the
one-screen onboarding asks how often to email, and nobody is nudged without
having chosen; the sign-in page's code request carries the typed email."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from content.models import Sector, SeniorityLevel, Skill
from lms.accounts.models import User
from lms.accounts.names import greeting, split_name
from lms.cohorts import services as cohort_services
from lms.cohorts.invitation_emails import build_message as invitation_message
from lms.cohorts.models import Invitation
from lms.nudges.models import Cadence, NudgePreference
from tests.factories import UserFactory
from tests.test_cohorts_join import cohorts  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
EMAILED_CODE = re.compile(r"^([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})+)$", re.MULTILINE)


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def last_mail_to(email):
    return [m for m in mail.outbox if email in m.to][-1]


def onboarding_answers(**extra):
    data = {
        "seniority": SeniorityLevel.objects.get(slug="board").pk,
        "sector": Sector.objects.get(slug="health-tech").pk,
        "organisation_name": "Sandwell Health",
        "organisation_size": "1000+",
        "local_area": "",
        "time_zone": "Europe/London",
    }
    data.update({f"rating_{skill.slug}": 3 for skill in Skill.objects.all()})
    data.update(extra)
    return data


# Names


@pytest.mark.parametrize(
    "full, parts",
    [
        ("Amira Khan", ("Amira", "Khan")),
        ("  Mary   Anne Smith ", ("Mary", "Anne Smith")),
        ("Khan, Amira", ("Amira", "Khan")),
        ("Cher", ("Cher", "")),
        ("", ("", "")),
    ],
)
def test_a_single_name_is_split_into_first_and_last(full, parts):
    assert split_name(full) == parts


def test_the_greeting_uses_the_first_name_or_is_neutral():
    assert greeting(User(first_name="Amira")) == "Hello Amira,"
    assert greeting(User(first_name="")) == "Hello,"
    assert greeting(None) == "Hello,"


def test_a_new_learners_name_reaches_the_user_and_the_emailed_code_greets_them():
    client = Client()
    form = client.get("/accounts/signup/").content.decode()
    assert 'autocomplete="given-name"' in form and 'autocomplete="family-name"' in form
    response = client.post(
        "/accounts/signup/", {"first_name": "Amira", "last_name": "Khan", "email": "a@example.org"}
    )
    assert response.status_code == 302
    user = User.objects.get(email="a@example.org")
    assert (user.first_name, user.last_name, user.get_full_name()) == (
        "Amira",
        "Khan",
        "Amira Khan",
    )
    body = last_mail_to("a@example.org").body
    assert body.startswith("Hello Amira,") and "Hello from" not in body


def test_sign_up_without_a_first_name_says_what_to_fix():
    response = Client().post("/accounts/signup/", {"email": "b@example.org"})
    assert response.status_code == 200
    assert "Enter your first name." in response.content.decode()
    assert not User.objects.filter(email="b@example.org").exists()


def test_a_sign_in_code_email_greets_by_name_and_without_one_says_hello():
    UserFactory(email="named@example.org", first_name="Tom", verified=True)
    UserFactory(email="nameless@example.org", verified=True)
    for email, hello in (("named@example.org", "Hello Tom,"), ("nameless@example.org", "Hello,")):
        Client().post("/accounts/login/code/", {"email": email})
        assert last_mail_to(email).body.splitlines()[0] == hello


def test_the_invitation_csv_name_pre_fills_sign_up_and_is_stored(cohorts):  # noqa: F811
    spring, _ = cohorts
    rows, problems = cohort_services.parse_invite_csv(b"name,email\nAmira Khan,amira@example.org\n")
    assert not problems
    cohort_services.invite(spring, rows)
    invitation = Invitation.objects.get(email="amira@example.org")
    assert invitation_message(invitation, None).body.startswith("Hello Amira,")

    client = Client()
    response = client.get(f"/cohorts/invitation/{invitation.token}/")
    signup = re.search(r'href="(/accounts/signup/\?next=[^"]+)"', response.content.decode())
    page = client.get(signup.group(1)).content.decode()
    assert re.search(
        r'name="first_name"[^>]*value="Amira"|value="Amira"[^>]*name="first_name"', page
    )
    assert 'value="Khan"' in page and 'value="amira@example.org"' in page
    # The learner corrects the suggestion; what they typed is stored.
    client.post(
        signup.group(1),
        {"first_name": "Amira", "last_name": "Khan-Ali", "email": "amira@example.org"},
    )
    user = User.objects.get(email="amira@example.org")
    assert user.get_full_name() == "Amira Khan-Ali"
    # And the invitation's name is used once: a later sign-up form is blank.
    assert 'value="Amira"' not in client.get("/accounts/signup/").content.decode()


def test_accepting_an_invitation_names_a_learner_who_had_no_name(cohorts):  # noqa: F811
    spring, _ = cohorts
    user = UserFactory(email="grace@example.org", verified=True)
    invitation = Invitation.objects.create(cohort=spring, email=user.email, name="Grace Okafor")
    cohort_services.accept_invitation(invitation, user)
    user.refresh_from_db()
    assert user.get_full_name() == "Grace Okafor"
    # A name the learner gave is never replaced.
    named = UserFactory(email="tom@example.org", first_name="Tom", verified=True)
    other = Invitation.objects.create(cohort=spring, email=named.email, name="Thomas B")
    cohort_services.accept_invitation(other, named)
    named.refresh_from_db()
    assert named.get_full_name() == "Tom"


# Onboarding: name when missing, and how often to email


def test_onboarding_asks_the_name_only_when_sign_up_did_not_give_it(library):
    nameless, named = UserFactory(), UserFactory(first_name="Dana")
    client = Client()
    client.force_login(nameless)
    assert 'name="first_name"' in client.get("/onboarding/").content.decode()
    response = client.post(
        "/onboarding/",
        onboarding_answers(first_name="Sam", last_name="Patel", nudge_cadence="weekly"),
    )
    assert response.status_code == 302
    nameless.refresh_from_db()
    assert nameless.get_full_name() == "Sam Patel"
    client.force_login(named)
    assert 'name="first_name"' not in client.get("/onboarding/").content.decode()


def test_onboarding_needs_an_explicit_email_choice_with_nothing_pre_chosen(library):
    user = UserFactory(first_name="Dana")
    client = Client()
    client.force_login(user)
    page = client.get("/onboarding/").content.decode()
    radios = re.findall(r'<input type="radio" name="nudge_cadence"[^>]*>', page)
    assert len(radios) == 3 and not any("checked" in radio for radio in radios)
    assert "No emails" in page
    response = client.post("/onboarding/", onboarding_answers())
    assert response.status_code == 400
    assert "Choose how often we email you, or “No emails”." in response.content.decode()
    assert not NudgePreference.objects.filter(user=user).exists()


def test_a_learner_who_chose_no_emails_gets_no_nudge(library):
    quiet, keen = UserFactory(first_name="Quinn"), UserFactory(first_name="Kofi")
    for user, cadence in ((quiet, "off"), (keen, "weekly")):
        client = Client()
        client.force_login(user)
        assert (
            client.post("/onboarding/", onboarding_answers(nudge_cadence=cadence)).status_code
            == 302
        )
    assert NudgePreference.objects.get(user=quiet).cadence == Cadence.OFF
    assert NudgePreference.objects.get(user=keen).cadence == Cadence.WEEKLY
    call_command("send_nudges_now")
    assert [m.to for m in mail.outbox] == [[keen.email]]
    body = mail.outbox[0].body
    assert body.startswith("Hello Kofi,")
    assert "You get this because you chose these emails (once a week)." in body
    # Revisiting onboarding does not ask again: the settings page changes it.
    client.force_login(keen)
    assert 'name="nudge_cadence"' not in client.get("/onboarding/").content.decode()


def test_a_learner_who_never_chose_is_not_nudged_and_is_told_so(library):
    from lms.learners.models import LearnerProfile

    user = UserFactory(first_name="Nia")
    LearnerProfile.objects.create(
        user=user,
        sector=Sector.objects.get(slug="health-tech"),
        seniority=SeniorityLevel.objects.get(slug="board"),
        organisation_name="Old account",
        organisation_size="1-9",
    )
    call_command("send_nudges_now")
    assert not mail.outbox
    client = Client()
    client.force_login(user)
    assert (
        "You have not chosen yet, so we send you no nudges."
        in client.get("/nudges/settings/").content.decode()
    )


# Sign in: the code request carries the email typed on the sign-in page


def test_the_sign_in_pages_code_button_posts_the_typed_email_to_allauths_request_code_view():
    user = UserFactory(email="coo@example.org", first_name="Cleo", password=None, verified=True)
    client = Client()
    page = client.get("/accounts/login/").content.decode()
    assert re.search(
        r'<button[^>]*formaction="/accounts/login/code/"[^>]*>Send me a sign-in code', page
    )
    # What that button sends: the sign-in form's fields, the email as "login".
    response = client.post("/accounts/login/code/", {"login": "coo@example.org", "password": ""})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/code/confirm/"
    code = EMAILED_CODE.search(last_mail_to("coo@example.org").body).group(1)
    response = client.post("/accounts/login/code/confirm/", {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
