"""The learner's optional equity questions at /me/equity/: consent, "prefer
not to say" apart from "not answered", change, withdraw, "not now", and that
answering or refusing changes nothing else for the learner."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from content.models import LocalArea
from lms.equity import services
from lms.equity.models import PREFER_NOT, EquityProfile, EquityPrompt
from lms.equity.wording import CONSENT_VERSION, CURRENT
from lms.learners.models import LearnerProfile
from lms.nudges import planner
from lms.nudges.models import Nudge
from lms.pathways.services import next_five_minutes
from tests.nudge_fixtures import TUESDAY_8AM
from tests.test_learner_journey import onboarding_data

pytestmark = pytest.mark.django_db
URL = "/me/equity/"
ANSWERS = {
    "age_band": "45_54",
    "sex": "female",
    "gender_same_as_birth": "yes",
    "ethnic_group": PREFER_NOT,
    "disability": "no",
    "caring": "under_20",
    "parental_occupation": "routine",
}


@pytest.fixture
def ada(client, learner_factory):
    user = learner_factory("ada@example.com")
    client.force_login(user)
    return user


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in (URL, URL + "withdraw/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url
    for url in (URL, URL + "not-now/", URL + "withdraw/"):
        response = client.post(url, ANSWERS | {"consent": "on"})
        assert response.status_code == 302 and "/accounts/login/" in response.url
    assert not EquityProfile.objects.exists() and not EquityPrompt.objects.exists()


def test_page_explains_why_who_sees_what_and_the_lawful_basis(client, ada):
    LearnerProfile.objects.filter(user=ada).update(
        local_area=LocalArea.objects.get_or_create(slug="sandwell", defaults={"name": "Sandwell"})[
            0
        ]
    )
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    for heading, _ in CURRENT.sections:
        assert heading in html
    assert "Article 9(2)(a)" in html and "nobody can be picked out" in html
    assert html.count('value="prefer_not"') == len(EquityProfile.QUESTIONS)
    assert '<input type="checkbox" name="consent" id="id_consent">' in html  # not ticked
    assert (
        f"{LearnerProfile.objects.get(user=ada).local_area}, from" in html
        and 'href="/onboarding/"' in html
    )
    assert "Not now" in html and "Withdraw" not in html


def test_answers_are_not_kept_without_consent(client, ada):
    response = client.post(URL, ANSWERS)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Please fix 1 thing below" in html
    assert 'href="#id_consent-error"' in html and 'id="id_consent-error"' in html
    assert "Tick the box to agree" in html
    assert 'value="45_54" required' not in html  # questions stay optional
    assert 'value="45_54"' in html and "checked" in html  # answers kept on the page
    assert not EquityProfile.objects.exists()
    with pytest.raises(services.ConsentRequired):
        services.save_answers(ada, ANSWERS, consented=False)
    assert not EquityProfile.objects.exists()


def test_consent_records_when_and_which_wording(client, ada):
    before = timezone.now()
    response = client.post(URL, ANSWERS | {"consent": "on"})
    assert response.status_code == 302 and response.url == URL
    profile = EquityProfile.objects.get(user=ada)
    assert profile.consent_version == CONSENT_VERSION
    assert before <= profile.consented_at <= timezone.now()
    assert {q: getattr(profile, q) for q in EquityProfile.QUESTIONS} == ANSWERS


def test_prefer_not_to_say_is_stored_apart_from_not_answered(client, ada):
    client.post(URL, {"age_band": PREFER_NOT, "consent": "on"})
    profile = EquityProfile.objects.get(user=ada)
    assert profile.age_band == PREFER_NOT
    for question in EquityProfile.QUESTIONS[1:]:
        assert getattr(profile, question) == ""
    assert EquityProfile.objects.filter(sex="").count() == 1
    assert EquityProfile.objects.filter(sex=PREFER_NOT).count() == 0


def test_unknown_answers_are_refused(client, ada):
    response = client.post(URL, {"ethnic_group": "martian", "consent": "on"})
    assert response.status_code == 400
    assert not EquityProfile.objects.exists()


def test_changing_answers_keeps_the_consent_and_can_clear_a_question(client, ada):
    client.post(URL, ANSWERS | {"consent": "on"})
    consented_at = EquityProfile.objects.get(user=ada).consented_at
    html = client.get(URL).content.decode()
    assert 'name="consent"' not in html  # consent to this wording is already given
    assert "Withdraw and delete my answers" in html and "Not now" not in html
    changed = ANSWERS | {"age_band": "55_64", "caring": PREFER_NOT}
    del changed["sex"]
    response = client.post(URL, changed)
    assert response.status_code == 302
    profile = EquityProfile.objects.get(user=ada)
    assert (profile.age_band, profile.caring, profile.sex) == ("55_64", PREFER_NOT, "")
    assert profile.consented_at == consented_at
    assert EquityProfile.objects.count() == 1


def test_new_wording_asks_for_consent_again(client, ada):
    client.post(URL, ANSWERS | {"consent": "on"})
    EquityProfile.objects.filter(user=ada).update(
        consent_version="2025-01", consented_at=timezone.now() - timedelta(days=400)
    )
    html = client.get(URL).content.decode()
    assert "We have changed how we explain these questions" in html
    assert 'name="consent"' in html
    response = client.post(URL, ANSWERS | {"age_band": "55_64"})
    assert response.status_code == 400
    assert EquityProfile.objects.get(user=ada).age_band == "45_54"  # unchanged
    client.post(URL, ANSWERS | {"age_band": "55_64", "consent": "on"})
    profile = EquityProfile.objects.get(user=ada)
    assert profile.consent_version == CONSENT_VERSION and profile.age_band == "55_64"
    assert profile.consented_at > timezone.now() - timedelta(minutes=1)


def test_withdrawing_asks_to_confirm_then_deletes_the_answers(client, ada):
    client.post(URL, ANSWERS | {"consent": "on"})
    response = client.get(URL + "withdraw/")
    assert response.status_code == 200
    assert EquityProfile.objects.filter(user=ada).exists()  # a GET deletes nothing
    response = client.post(URL + "withdraw/")
    assert response.status_code == 302 and response.url == URL
    assert not EquityProfile.objects.filter(user=ada).exists()
    assert LearnerProfile.objects.filter(user=ada).exists()  # nothing else goes
    html = client.get(URL, follow=True).content.decode()
    assert "Not now" in html and 'name="consent"' in html
    assert client.get(URL + "withdraw/").url == URL  # nothing left to withdraw


def test_not_now_records_the_prompt_and_nothing_else(client, ada):
    response = client.post(URL + "not-now/", ANSWERS | {"consent": "on"})
    assert response.status_code == 302 and response.url == "/dashboard/"
    assert EquityPrompt.objects.filter(user=ada).count() == 1
    assert not EquityProfile.objects.exists()
    client.post(URL + "not-now/")
    assert EquityPrompt.objects.count() == 1
    assert client.get(URL + "not-now/").status_code == 405


def test_onboarding_offers_the_questions_once_then_the_dashboard(
    client, django_user_model, library
):
    user = django_user_model.objects.create_user("dana@example.com", "pw-dana-12345")
    client.force_login(user)
    response = client.post("/onboarding/", onboarding_data())
    assert response.status_code == 302 and response.url == URL + "?after=onboarding"
    html = client.get(response.url).content.decode()
    assert 'name="after" value="onboarding"' in html and "Not now" in html
    assert "Your profile is saved. This last step is optional." in html
    # "Skip" comes first, before any question, and leads on like "Not now".
    skip = html.index(">Skip these questions</button>")
    assert skip < html.index('name="age_band"')
    assert html.rfind('action="/me/equity/not-now/"', 0, skip) > html.index("<main")
    assert client.post(URL + "not-now/", {"after": "onboarding"}).url == "/dashboard/"
    # Offered once: afterwards the link from onboarding goes straight on.
    assert client.get(URL + "?after=onboarding").url == "/dashboard/"
    assert client.get(URL).status_code == 200  # but settings still reach it
    # Revisiting the profile goes back to the dashboard as before.
    assert client.post("/onboarding/", onboarding_data()).url == "/dashboard/"


def test_after_the_offer_onboarding_continues_where_the_learner_was_going(
    client, django_user_model, library
):
    user = django_user_model.objects.create_user("eve@example.com", "pw-eve-12345")
    client.force_login(user)
    client.get("/onboarding/?next=/me/data/")
    response = client.post("/onboarding/", onboarding_data())
    assert response.url == URL + "?after=onboarding"
    assert client.post(URL + "not-now/", {"after": "onboarding"}).url == "/me/data/"


def test_saving_after_onboarding_continues_to_the_dashboard(client, ada):
    response = client.post(URL, ANSWERS | {"consent": "on", "after": "onboarding"})
    assert response.url == "/dashboard/"


def test_settings_and_your_data_link_to_the_questions(client, ada):
    assert 'href="/me/equity/"' in client.get("/dashboard/").content.decode()
    assert 'href="/me/equity/"' in client.get("/me/data/").content.decode()


def test_each_learner_only_reaches_their_own_answers(client, ada, learner_factory):
    bo = learner_factory("bo@example.com")
    services.save_answers(bo, ANSWERS | {"age_band": "65_plus"}, consented=True)
    html = client.get(URL).content.decode()
    assert 'value="65_plus" checked' not in html and "Withdraw" not in html
    # Whatever Ada posts acts on Ada alone; no URL takes anyone else's id.
    client.post(URL, {"age_band": "under_25", "consent": "on", "user": bo.pk})
    client.post(URL + "withdraw/", {"user": bo.pk})
    assert EquityProfile.objects.get(user=bo).age_band == "65_plus"
    assert not EquityProfile.objects.filter(user=ada).exists()
    assert client.get(f"{URL}{bo.pk}/").status_code == 404


def dashboard(client) -> str:
    """The dashboard page without its per-request CSRF tokens."""
    return re.sub(r"[A-Za-z0-9]{64}", "", client.get("/dashboard/").content.decode())


def test_answering_or_refusing_changes_no_recommendation(client, ada):
    profile = LearnerProfile.objects.get(user=ada)
    dashboard_without = dashboard(client)
    recommendation_without = next_five_minutes(ada, profile)
    services.not_now(ada)
    assert next_five_minutes(ada, profile) == recommendation_without
    for answers in (ANSWERS, dict.fromkeys(EquityProfile.QUESTIONS, PREFER_NOT)):
        services.save_answers(ada, answers, consented=True)
        assert next_five_minutes(ada, profile) == recommendation_without
        assert dashboard(client) == dashboard_without


def test_answering_or_refusing_changes_no_nudge(learner_factory):
    people = [learner_factory(f"{name}@example.com") for name in ("ada", "bo", "cy")]
    services.save_answers(people[0], ANSWERS, consented=True)
    services.not_now(people[1])  # cy was never asked
    assert planner.plan(TUESDAY_8AM + timedelta(minutes=1)) == 3
    planned = {
        (n.kind, n.period, n.due_at, n.lesson_id, n.reason)
        for n in Nudge.objects.filter(user__in=people)
    }
    assert len(planned) == 1
