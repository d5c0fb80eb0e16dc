"""`make run`'s demo data: onboarded learners with nudge settings, once."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from demo.management.commands.seed_demo import DEMO_LEARNERS
from lms.accounts.models import User
from lms.learners.models import LearnerProfile
from lms.nudges.models import Arm, HoldoutAssignment, Kind, NudgePreference
from lms.pathways.models import PersonalPathway
from lms.progress.models import LessonProgress
from lms.reviews.models import ReviewCard

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(library, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo")
    return tmp_path


def demo_state():
    emails = [row[0] for row in DEMO_LEARNERS]
    return (
        LearnerProfile.objects.filter(user__email__in=emails).count(),
        NudgePreference.objects.filter(user__email__in=emails).count(),
        PersonalPathway.objects.filter(user__email__in=emails).count(),
        LessonProgress.objects.filter(user__email__in=emails).count(),
    )


def test_demo_learners_are_onboarded_with_nudge_settings_and_some_history(seeded):
    assert demo_state() == (3, 3, 3, 4)
    tom = NudgePreference.objects.get(user__email="tom.bradley@example.com")
    assert (tom.cadence, tom.days) == ("twice_weekly", [1, 3])
    credentials = (seeded / "demo-credentials.txt").read_text()
    assert all(row[0] in credentials for row in DEMO_LEARNERS)


def test_demo_learners_have_holdout_draws_and_grace_is_held_out_of_streaks(seeded):
    emails = [row[0] for row in DEMO_LEARNERS]
    draws = HoldoutAssignment.objects.filter(user__email__in=emails)
    assert draws.count() == 3 * len(Kind.values)
    assert set(draws.filter(arm=Arm.HELD_OUT).values_list("user__email", "kind")) == {
        ("grace.okafor@example.com", Kind.STREAK_AT_RISK)
    }
    call_command("seed_demo")
    assert HoldoutAssignment.objects.filter(user__email__in=emails).count() == 9


def test_demo_learners_with_history_have_reviews_due_on_their_dashboard(seeded, client):
    tom = User.objects.get(email="tom.bradley@example.com")
    assert ReviewCard.objects.filter(user=tom, due__lte=timezone.now()).count() >= 3
    client.force_login(tom)
    html = client.get("/dashboard/").content.decode()
    assert "Two-minute review" in html and "Because you last answered this" in html


def test_seeding_again_changes_nothing(seeded):
    before = demo_state()
    call_command("seed_demo")
    assert demo_state() == before


def test_a_newcomer_can_send_the_demo_learners_a_nudge_at_once(seeded):
    call_command("send_nudges_now")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(row[0] for row in DEMO_LEARNERS)


def test_demo_staff_can_author_and_review(seeded):
    from django.contrib.auth.models import Group

    from content.models import Partner
    from courses.workspace import EDITORS_GROUP, partners_for_user
    from demo.management.commands.seed_demo import DEMO_STAFF
    from lms.accounts.models import User

    credentials = (seeded / "demo-credentials.txt").read_text()
    assert all(email in credentials for email, *_ in DEMO_STAFF)
    editor = User.objects.get(email="editor@example.com")
    assert editor.groups.filter(name=EDITORS_GROUP).exists()
    assert partners_for_user(editor).count() == Partner.objects.count()
    author = User.objects.get(email="author@northfield.example.com")
    assert list(partners_for_user(author)) == [Partner.objects.get(slug="northfield-college")]
    assert author.emailaddress_set.get().verified
    call_command("seed_demo")
    assert Group.objects.filter(name=EDITORS_GROUP).count() == 1
    assert User.objects.filter(email__in=[row[0] for row in DEMO_STAFF]).count() == len(DEMO_STAFF)


def test_demo_cohort_has_the_demo_learners_and_a_manager(seeded):
    from demo.management.commands.seed_demo import DEMO_COHORT
    from lms.cohorts.access import cohorts_for_user
    from lms.cohorts.models import Cohort, Membership

    cohort = Cohort.objects.get(name=DEMO_COHORT)
    emails = {row[0] for row in DEMO_LEARNERS}
    assert set(Membership.objects.filter(cohort=cohort).values_list("user__email", flat=True)) == (
        emails
    )
    manager = cohort.managers.get()
    assert list(cohorts_for_user(manager)) == [cohort]
    call_command("seed_demo")
    assert Cohort.objects.filter(name=DEMO_COHORT).count() == 1
    assert Membership.objects.filter(cohort=cohort).count() == len(emails)


def test_a_demo_learner_signs_in_with_the_printed_password(seeded, client):
    credentials = dict(
        line.split()[:2] for line in (seeded / "demo-credentials.txt").read_text().splitlines()
    )
    email = DEMO_LEARNERS[0][0]
    response = client.post(
        "/accounts/login/", {"login": email, "password": credentials[email]}, follow=True
    )
    assert response.wsgi_request.user.is_authenticated
    assert response.wsgi_request.user.email == email
    assert "/accounts/confirm-email/" not in [url for url, _ in response.redirect_chain]


def test_every_demo_address_is_verified_even_for_accounts_an_older_seed_made(seeded):
    """A database seeded before addresses were verified is mended by seeding
    again, so no demo account is sent to confirm its email."""
    from allauth.account.models import EmailAddress

    from demo.management.commands.seed_demo import ADMIN_EMAIL, DEMO_STAFF

    emails = [ADMIN_EMAIL, *(row[0] for row in DEMO_STAFF), *(row[0] for row in DEMO_LEARNERS)]
    EmailAddress.objects.filter(email=DEMO_LEARNERS[1][0]).delete()
    EmailAddress.objects.filter(email=DEMO_LEARNERS[2][0]).update(verified=False, primary=False)
    call_command("seed_demo")
    addresses = EmailAddress.objects.filter(email__in=emails, verified=True, primary=True)
    assert sorted(addresses.values_list("email", flat=True)) == sorted(emails)


def test_a_demo_learner_signs_in_with_one_emailed_code_and_no_second(seeded, client):
    import re

    email = DEMO_LEARNERS[2][0]
    response = client.post("/accounts/login/", {"login": email, "password": ""})
    assert response["Location"] == "/accounts/login/code/confirm/"
    message = [m for m in mail.outbox if email in m.to][-1]
    code = re.search(r"^([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})+)$", message.body, re.M).group(1)
    response = client.post("/accounts/login/code/confirm/", {"code": code}, follow=True)
    assert response.wsgi_request.user.email == email
    assert not any("/accounts/confirm-email/" in url for url, _ in response.redirect_chain)
    assert len([m for m in mail.outbox if email in m.to]) == 1
