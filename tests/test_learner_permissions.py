"""One learner against another, from the outside: nothing in a response to Bob
is Ada's, nothing Bob posts changes Ada's record, and no learner reaches an
admin screen that lists progress."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from content.models import Sector, SeniorityLevel
from lms.certificates.models import Certificate
from lms.learners.models import LearnerProfile
from lms.progress.models import CheckAnswer, LearningEvent, LessonProgress
from tests.test_your_data import ada, bob, lessons_of  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob_client(bob):  # noqa: F811
    client = Client()
    client.force_login(bob)
    return client


def ada_state(ada):  # noqa: F811
    return (
        sorted(LessonProgress.objects.filter(user=ada).values_list("lesson_id", "completed_at")),
        sorted(CheckAnswer.objects.filter(user=ada).values_list("block_id", "attempts")),
        LearningEvent.objects.filter(user=ada).count(),
    )


def test_lesson_page_shows_bob_his_own_state_not_adas(bob_client, ada):  # noqa: F811
    lesson = lessons_of("ai-for-the-board")[0]  # Ada completed it; Bob has not
    html = bob_client.get(lesson.url).content.decode()
    assert "Mark complete" in html
    assert "Lesson complete" not in html


def test_bob_completing_and_answering_changes_only_his_record(bob_client, ada):  # noqa: F811
    before = ada_state(ada)
    lesson = lessons_of("buying-ai-well")[0]  # Ada started it; Bob completes it
    check = next(block for block in lesson.body if block.block_type == "knowledge_check")
    bob_client.post(reverse("progress:complete_lesson", args=[lesson.pk]))
    bob_client.post(
        reverse("progress:answer_check", args=[lesson.pk]), {"check": check.id, "answer": "1"}
    )
    assert ada_state(ada) == before
    assert not LessonProgress.objects.get(user=ada, lesson=lesson).completed_at


def test_bobs_dashboard_counts_only_his_learning(bob_client, bob, ada):  # noqa: F811
    LearnerProfile.objects.create(
        user=bob,
        seniority=SeniorityLevel.objects.first(),
        sector=Sector.objects.first(),
        organisation_name="Bob's Foundry",
        organisation_size="50-249",
    )
    html = bob_client.get("/dashboard/").content.decode()
    assert "Lovelace" not in html and "ada@example.com" not in html
    assert re.search(r"<dt>Lessons completed</dt><dd>2</dd>", html)
    assert "/certificates/" not in html  # Ada has one; Bob has none
    assert str(Certificate.objects.get(user=ada).code) not in html


def test_bobs_exports_hold_nothing_of_adas(bob_client, ada):  # noqa: F811
    cpd = bob_client.get("/me/cpd.csv").content.decode("utf-8-sig")
    data = bob_client.get("/me/data.json").content.decode()
    for text in (cpd, data):
        assert "ada@example.com" not in text and "Lovelace" not in text
    for lesson in lessons_of("ai-for-the-board"):
        assert lesson.title not in cpd


def test_adas_certificate_page_shows_only_the_public_facts(ada):  # noqa: F811
    certificate = Certificate.objects.get(user=ada)
    html = Client().get(certificate.get_absolute_url(), follow=True).content.decode()
    assert "This certificate is genuine" in html
    assert "Ada Lovelace" in html
    assert "ada@example.com" not in html
    assert "Analytical Engines" not in html  # her organisation is not on it
    assert "buying" not in html.lower()  # nor her other learning


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/snippets/",
        "/admin/users/",
        "/django-admin/",
        "/django-admin/progress/lessonprogress/",
        "/django-admin/accounts/user/",
    ],
)
def test_a_learner_cannot_reach_admin_screens(bob_client, ada, url):  # noqa: F811
    response = bob_client.get(url)
    assert response.status_code in (302, 403, 404), url
    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"] or "/login/" in response["Location"]
    assert b"ada@example.com" not in response.content
