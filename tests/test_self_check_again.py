"""Rating yourself again: offered on the dashboard once the latest sitting is
FMA_SELF_CHECK_EVERY_DAYS old (not before), saved as a new sitting through
the one service, and the dashboard's history shows first → now beside the
lessons completed for each skill."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from content.models import Skill
from lms.learners.forms import SelfCheckForm
from lms.learners.models import SelfCheck
from lms.progress.services import complete_lesson
from tests.factories import LearnerProfileFactory, self_check, signed_in
from tests.nudge_fixtures import lessons_of

pytestmark = pytest.mark.django_db

FIRST = datetime(2026, 1, 5, 9, tzinfo=UTC)


@pytest.fixture
def learner(library):
    user = LearnerProfileFactory().user
    self_check(user, {skill: 2 for skill in Skill.objects.all()}, FIRST)
    return user


def all_ratings(value):
    return {SelfCheckForm.rating_field(skill): value for skill in Skill.objects.all()}


def test_not_offered_before_eight_weeks(learner):
    client = signed_in(learner)
    with time_machine.travel(FIRST + timedelta(days=55, hours=23), tick=False):
        html = client.get(reverse("dashboard")).content.decode()
    assert "Rate yourself again" not in html


def test_offered_at_eight_weeks(learner):
    client = signed_in(learner)
    with time_machine.travel(FIRST + timedelta(days=56), tick=False):
        html = client.get(reverse("dashboard")).content.decode()
    assert "Rate yourself again" in html
    assert reverse("self_check") in html


def test_the_interval_is_a_setting(learner, settings):
    settings.FMA_SELF_CHECK_EVERY_DAYS = 7
    with time_machine.travel(FIRST + timedelta(days=7), tick=False):
        html = signed_in(learner).get(reverse("dashboard")).content.decode()
    assert "Rate yourself again" in html


def test_rating_again_saves_a_new_sitting_and_the_history_shows_first_to_now(learner):
    client = signed_in(learner)
    governance = Skill.objects.get(slug="governance-ethics")
    buying = Skill.objects.get(slug="buying-ai")
    lesson = lessons_of("buying-ai-well")[0]  # course tagged buying AI
    complete_lesson(learner, lesson)
    again = FIRST + timedelta(weeks=9)
    with time_machine.travel(again, tick=False):
        form = client.get(reverse("self_check"))
        assert form.status_code == 200
        ratings = all_ratings(2) | {SelfCheckForm.rating_field(governance): 4}
        response = client.post(reverse("self_check"), ratings)
        assert response.status_code == 302 and response.url == reverse("dashboard")
        html = client.get(reverse("dashboard")).content.decode()
    assert SelfCheck.objects.filter(user=learner).count() == 2
    assert "2/5 → 4/5" in html and "(+2)" in html
    assert "5 Jan 2026: 2; 9 Mar 2026: 4" in html
    rows = html.split("<tr>")
    buying_row = next(row for row in rows if f">{buying.name}</th>" in row)
    governance_row = next(row for row in rows if f">{governance.name}</th>" in row)
    assert lesson.title in buying_row
    assert lesson.title not in governance_row and "None yet" in governance_row
    assert "Rate yourself again" not in html  # just rated


@pytest.mark.parametrize(
    "bad",
    [{}, {"rating_governance-ethics": "9"}, {"rating_governance-ethics": "abc"}],
)
def test_bad_input_says_what_to_fix_and_saves_nothing(learner, bad):
    client = signed_in(learner)
    data = all_ratings(3)
    data.pop("rating_governance-ethics")
    data |= bad
    response = client.post(reverse("self_check"), data)
    assert response.status_code == 400
    assert "Rate yourself from 1 to 5 on Governance and ethics." in response.content.decode()
    assert SelfCheck.objects.filter(user=learner).count() == 1


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("self_check"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
