"""Joining a cohort as a learner: by the shareable link or a personal
invitation, signed in or brand new (sign-up, then onboarding), into several
cohorts; closed or unknown links are a clear 404."""

import re
from datetime import date

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from content.models import Sector, SeniorityLevel, Skill
from lms.accounts.models import User
from lms.cohorts import services
from lms.cohorts.access import ensure_roles
from lms.cohorts.models import Invitation, Membership, Programme
from lms.pathways.models import Pathway
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
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/signup/?next=%2Fcohorts%2Fjoin%2F{a.join_token}%2F"

    client.post(response["Location"], {"email": "new@example.org"})
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
