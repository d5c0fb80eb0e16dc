"""Joining a cohort as a learner: by the shareable link or a personal
invitation, signed in or brand new (sign-up, then onboarding), into several
cohorts; closed or unknown links are a clear 404."""

import re
from datetime import date

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client

from content.models import Sector, SeniorityLevel, Skill
from lms.accounts.models import User
from lms.cohorts import services
from lms.cohorts.access import ensure_roles
from lms.cohorts.models import Invitation, Membership, Programme
from lms.pathways.models import Pathway
from tests.factories import signed_in
from tests.nudge_fixtures import make_learner

pytestmark = pytest.mark.django_db
EMAILED_CODE = re.compile(r"^([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})+)$", re.MULTILINE)


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cohorts(library):
    ensure_roles()
    programme = Programme.objects.create(name="AI for SME leaders 2026")
    pathways = list(Pathway.objects.filter(live=True).order_by("pk")[:2])

    def cohort(name, pathway):
        return services.save_cohort(
            name=name,
            programme=programme,
            starts_on=date(2026, 1, 5),
            ends_on=date(2026, 3, 30),
            deadline=date(2026, 3, 1),
            pathway=pathway,
        )

    return cohort("Spring A", pathways[0]), cohort("Spring B", pathways[-1])


@pytest.fixture
def learner_client(django_user_model):
    user = make_learner(django_user_model, "learner@example.org")
    client = Client()
    client.force_login(user)
    return user, client


def join_url(cohort):
    return f"/cohorts/join/{cohort.join_token}/"


def onboarding_data():
    data = {
        "seniority": SeniorityLevel.objects.get(slug="senior-leader").pk,
        "sector": Sector.objects.get(slug="health-tech").pk,
        "organisation_name": "Northfield Chamber",
        "organisation_size": "50-249",
        "local_area": "",
        "time_zone": "Europe/London",
        # Asked only when missing: a name, and how often to email.
        "first_name": "Dana",
        "nudge_cadence": "weekly",
    }
    for skill in Skill.objects.all():
        data[f"rating_{skill.slug}"] = 3
    return data


def test_signed_in_learner_confirms_and_lands_in_the_cohort(cohorts, learner_client):
    a, _ = cohorts
    user, client = learner_client
    page = client.get(join_url(a))
    assert page.status_code == 200
    assert "Join Spring A?" in page.content.decode()
    assert not Membership.objects.filter(user=user).exists()

    response = client.post(join_url(a))
    assert response.status_code == 302 and response["Location"] == f"/cohorts/{a.pk}/"
    cohort_page = client.get(f"/cohorts/{a.pk}/").content.decode()
    assert "Spring A" in cohort_page and a.pathway.title in cohort_page
    assert "1 March 2026" in cohort_page and "AI for SME leaders 2026" in cohort_page
    # Joining by the link records an invitation, so invited ≥ joined.
    invitation = Invitation.objects.get(cohort=a, email="learner@example.org")
    assert invitation.source == Invitation.Source.LINK
    assert Membership.objects.get(cohort=a, user=user).invitation == invitation
    # Joining again changes nothing.
    assert client.post(join_url(a))["Location"] == f"/cohorts/{a.pk}/"
    assert Membership.objects.filter(cohort=a).count() == 1
    assert Invitation.objects.filter(cohort=a).count() == 1
    assert mail.outbox == []


def test_learner_in_two_cohorts(cohorts, learner_client):
    a, b = cohorts
    user, client = learner_client
    client.post(join_url(a))
    client.post(join_url(b))
    assert set(Membership.objects.filter(user=user).values_list("cohort__name", flat=True)) == {
        "Spring A",
        "Spring B",
    }
    page = client.get(f"/cohorts/{a.pk}/").content.decode()
    assert "Your other cohorts" in page and "Spring B" in page
    assert client.get("/cohorts/").status_code == 200


def test_personal_invitation_counts_against_the_invitation(cohorts, learner_client):
    a, _ = cohorts
    user, client = learner_client
    rows, _ = services.parse_invite_csv(b"email\nLearner@example.org\n")
    services.invite(a, rows)
    invitation = Invitation.objects.get(cohort=a)
    response = client.post(f"/cohorts/invitation/{invitation.token}/")
    assert response["Location"] == f"/cohorts/{a.pk}/"
    assert Membership.objects.get(cohort=a, user=user).invitation == invitation
    assert Invitation.objects.filter(cohort=a).count() == 1


def test_someone_else_cannot_see_a_cohort_page_they_are_not_in(cohorts, learner_client):
    a, _ = cohorts
    _, client = learner_client
    assert client.get(f"/cohorts/{a.pk}/").status_code == 404


def test_closed_or_unknown_link_is_a_clear_404(cohorts, learner_client):
    a, _ = cohorts
    _, client = learner_client
    services.set_join_link_open(a, False)
    for url in (join_url(a), "/cohorts/join/nope/", "/cohorts/invitation/nope/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "This join link doesn't work" in response.content.decode()
    assert client.post(join_url(a)).status_code == 404
    assert not Membership.objects.filter(cohort=a).exists()


def test_new_person_signs_up_onboards_and_lands_in_the_cohort(cohorts):
    a, _ = cohorts
    client = Client()
    response = client.get(join_url(a))
    assert response.status_code == 200
    landing = response.content.decode()
    assert a.name in landing and a.programme.name in landing
    signup = f"/accounts/signup/?next=%2Fcohorts%2Fjoin%2F{a.join_token}%2F"
    assert f'href="{signup}"' in landing

    client.post(signup, {"email": "new@example.org", "first_name": "Jo"})
    message = [m for m in mail.outbox if "new@example.org" in m.to][-1]
    code = EMAILED_CODE.search(message.body).group(1)
    response = client.post("/accounts/confirm-email/", {"code": code})
    assert response.status_code == 302
    user = User.objects.get(email="new@example.org")
    # A member from sign-up on, whatever is offered after onboarding.
    assert Membership.objects.filter(cohort=a, user=user).exists()

    # Onboarding comes first ...
    response = client.get(join_url(a))
    assert response.status_code == 302 and response["Location"].startswith("/onboarding/")
    assert client.get(response["Location"]).status_code == 200
    response = client.post("/onboarding/", onboarding_data())
    assert response.status_code == 302
    # ... then the optional equality questions; "Not now" lands in the cohort.
    assert response["Location"].startswith("/me/equity/")
    response = client.post("/me/equity/not-now/", follow=True)
    assert response.redirect_chain[-1][0] == f"/cohorts/{a.pk}/"
    # The join link opens the cohort from now on.
    response = client.get(join_url(a))
    assert response["Location"] == f"/cohorts/{a.pk}/"
    assert "Spring A" in client.get(f"/cohorts/{a.pk}/").content.decode()
    assert Membership.objects.filter(cohort=a, user=user).count() == 1


def test_signed_in_learner_without_onboarding_is_onboarded_then_joined(cohorts, django_user_model):
    a, _ = cohorts
    user = django_user_model.objects.create_user("fresh@example.org")
    client = Client()
    client.force_login(user)
    response = client.get(join_url(a))
    assert response["Location"].startswith("/onboarding/?next=")
    client.get(response["Location"])
    response = client.post("/onboarding/", onboarding_data())
    assert response.status_code == 302
    # Revisiting the join URL after onboarding (and any offer after it) joins at once.
    response = client.get(join_url(a))
    assert response["Location"] == f"/cohorts/{a.pk}/"
    assert Membership.objects.filter(cohort=a, user=user).exists()


def test_onboarding_ignores_an_unsafe_next(cohorts, learner_client):
    _, client = learner_client
    client.get("/onboarding/?next=https://evil.example/")
    response = client.post("/onboarding/", onboarding_data())
    assert response.status_code == 302 and "evil" not in response["Location"]


# Personal invitations: once, by the person it was sent to


def learner(django_user_model, email, *, verified=True):
    user = make_learner(django_user_model, email)
    if not verified:
        EmailAddress.objects.filter(user=user).update(verified=False)
    return user, signed_in(user)


def invitation_url(invitation):
    return f"/cohorts/invitation/{invitation.token}/"


@pytest.fixture
def carols_invitation(cohorts):
    a, _ = cohorts
    rows, _ = services.parse_invite_csv(b"name,email\nCarol Jones,Carol@Example.org\n")
    services.invite(a, rows)
    return Invitation.objects.get(cohort=a)


@pytest.mark.parametrize("link_open", [False, True], ids=["link closed", "link open"])
def test_regression_two_others_cannot_join_through_one_invitation_while_the_link_is_closed(
    cohorts, carols_invitation, django_user_model, link_open
):
    """Found in the issue 11 review: with the join link closed, two other
    learners joined through Carol's personal invitation. (With the link open
    they may join by the link, never by her invitation.)"""
    a, _ = cohorts
    services.set_join_link_open(a, link_open)
    for email in ("dave@example.org", "erin@example.org"):
        user, client = learner(django_user_model, email)
        for response in (
            client.get(invitation_url(carols_invitation)),
            client.post(invitation_url(carols_invitation)),
        ):
            assert response.status_code == 403, email
            assert "This invitation is for someone else" in response.content.decode()
        assert not Membership.objects.filter(cohort=a, user=user).exists()
    assert not Membership.objects.filter(cohort=a).exists()
    carols_invitation.refresh_from_db()
    assert carols_invitation.used_at is None and carols_invitation.accepted_by is None
    # Nothing new was recorded for them either (no "joined by the link" rows).
    assert Invitation.objects.filter(cohort=a).count() == 1


def test_the_invited_person_joins_once_and_the_invitation_is_then_dead(
    cohorts, carols_invitation, django_user_model
):
    a, _ = cohorts
    services.set_join_link_open(a, False)  # the personal invitation does not need the link
    carol, client = learner(django_user_model, "carol@example.ORG")
    page = client.get(invitation_url(carols_invitation))
    assert page.status_code == 200 and "Join Spring A?" in page.content.decode()

    response = client.post(invitation_url(carols_invitation))
    assert response.status_code == 302 and response["Location"] == f"/cohorts/{a.pk}/"
    membership = Membership.objects.get(cohort=a, user=carol)
    carols_invitation.refresh_from_db()
    assert membership.invitation == carols_invitation
    assert carols_invitation.accepted_by == carol and carols_invitation.used_at is not None
    # Carol coming back through her own link just opens her cohort.
    assert client.get(invitation_url(carols_invitation))["Location"] == f"/cohorts/{a.pk}/"

    # A second use by anyone else: a clear page, nobody joins.
    dave, other = learner(django_user_model, "dave@example.org")
    for response in (
        other.get(invitation_url(carols_invitation)),
        other.post(invitation_url(carols_invitation)),
    ):
        assert response.status_code == 403
        assert "This invitation has already been used" in response.content.decode()
    assert list(Membership.objects.filter(cohort=a).values_list("user", flat=True)) == [carol.pk]


def test_a_used_invitation_does_not_let_its_owner_back_in_after_leaving(
    cohorts, carols_invitation, django_user_model
):
    a, _ = cohorts
    carol, client = learner(django_user_model, "carol@example.org")
    client.post(invitation_url(carols_invitation))
    Membership.objects.filter(cohort=a, user=carol).delete()
    response = client.post(invitation_url(carols_invitation))
    assert response.status_code == 403
    assert "This invitation has already been used" in response.content.decode()
    assert not Membership.objects.filter(cohort=a).exists()


def test_an_unverified_matching_address_is_not_enough(
    cohorts, carols_invitation, django_user_model
):
    a, _ = cohorts
    carol, client = learner(django_user_model, "carol@example.org", verified=False)
    response = client.post(invitation_url(carols_invitation))
    assert response.status_code == 403
    assert "This invitation is for someone else" in response.content.decode()
    assert not Membership.objects.filter(cohort=a).exists()


def test_a_verified_second_address_matches(cohorts, carols_invitation, django_user_model):
    a, _ = cohorts
    user, client = learner(django_user_model, "c.jones@work.example")
    EmailAddress.objects.create(user=user, email="CAROL@example.org", verified=True)
    assert client.post(invitation_url(carols_invitation))["Location"] == f"/cohorts/{a.pk}/"
    assert Membership.objects.filter(cohort=a, user=user).exists()


def test_the_invitee_is_not_sent_to_onboarding_for_someone_elses_invitation(
    cohorts, carols_invitation, django_user_model
):
    user = django_user_model.objects.create_user("fresh@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client = Client()
    client.force_login(user)
    response = client.get(invitation_url(carols_invitation))
    assert response.status_code == 403
    assert "cohorts.pending_join" not in client.session


def test_a_stale_copy_of_a_used_invitation_cannot_be_used_again(
    cohorts, carols_invitation, django_user_model
):
    """Two racing requests both read the invitation unused: the conditional
    update lets one of them use it."""
    a, _ = cohorts
    carol = make_learner(django_user_model, "carol@example.org")
    stale = Invitation.objects.get(pk=carols_invitation.pk)  # read before the first use
    _, created = services.accept_invitation(carols_invitation, carol)
    assert created
    Membership.objects.filter(cohort=a, user=carol).delete()
    with pytest.raises(services.InvitationRefused) as refused:
        services.accept_invitation(stale, carol)
    assert refused.value.reason == services.InvitationRefused.USED
    assert not Membership.objects.filter(cohort=a).exists()


def test_invitee_who_signs_up_joins_once_their_address_is_verified(cohorts, carols_invitation):
    a, _ = cohorts
    services.set_join_link_open(a, False)
    client = Client()
    response = client.get(invitation_url(carols_invitation))
    landing = response.content.decode()
    assert response.status_code == 200 and f"You’re invited to join {a.name}" in landing
    assert a.programme.name in landing and "carol@example.org" in landing
    signup = re.search(r'href="(/accounts/signup/\?next=[^"]+)"', landing).group(1)
    # The sign-up form has the invited address filled in.
    assert 'value="carol@example.org"' in client.get(signup).content.decode()
    client.post(signup, {"email": "carol@example.org", "first_name": "Jo"})
    assert not Membership.objects.filter(cohort=a).exists()  # not before the code
    message = [m for m in mail.outbox if "carol@example.org" in m.to][-1]
    code = EMAILED_CODE.search(message.body).group(1)
    assert client.post("/accounts/confirm-email/", {"code": code}).status_code == 302
    carol = User.objects.get(email="carol@example.org")
    assert Membership.objects.get(cohort=a, user=carol).invitation == carols_invitation
    carols_invitation.refresh_from_db()
    assert carols_invitation.accepted_by == carol


def test_someone_else_who_signs_up_through_the_invitation_joins_nothing(cohorts, carols_invitation):
    a, _ = cohorts
    client = Client()
    response = client.get(invitation_url(carols_invitation))
    signup = re.search(r'href="(/accounts/signup/\?next=[^"]+)"', response.content.decode())
    client.post(signup.group(1), {"email": "mallory@example.org", "first_name": "Jo"})
    message = [m for m in mail.outbox if "mallory@example.org" in m.to][-1]
    code = EMAILED_CODE.search(message.body).group(1)
    client.post("/accounts/confirm-email/", {"code": code})
    assert not Membership.objects.filter(cohort=a).exists()
    response = client.get(invitation_url(carols_invitation))
    assert response.status_code == 403
    assert not Membership.objects.filter(cohort=a).exists()
