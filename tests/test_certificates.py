"""The public certificate page: anyone with the link can check it; it shows what
the certificate states and nothing else about the learner."""

import re
from datetime import UTC, datetime

import pytest
from django.utils.dateformat import format as format_date

from content.models import Sector, SeniorityLevel
from courses.models import CoursePage, LessonPage
from lms.certificates.models import Certificate
from lms.learners.models import LearnerProfile
from lms.progress.services import complete_lesson
from lms.progress.signals import course_completed, lesson_completed

pytestmark = pytest.mark.django_db
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def lessons_of(course):
    return list(LessonPage.objects.child_of(course).live().order_by("path"))


def complete_course(user, course):
    for lesson in lessons_of(course):
        complete_lesson(user, lesson)
    return Certificate.objects.get(user=user, course=course)


@pytest.fixture
def course(library):
    return CoursePage.objects.get(slug="ai-for-the-board")


@pytest.fixture
def other_course(library):
    return CoursePage.objects.get(slug="buying-ai-well")


@pytest.fixture
def learner(django_user_model):
    return django_user_model.objects.create_user(
        "ada@example.com", "pw-ada-12345", first_name="Ada", last_name="Lovelace"
    )


def test_completing_every_lesson_issues_exactly_one_certificate_even_when_repeated(learner, course):
    lessons = lessons_of(course)
    for lesson in lessons[:-1]:
        complete_lesson(learner, lesson)
    assert not Certificate.objects.filter(user=learner).exists()

    for _ in range(2):
        for lesson in lessons:
            complete_lesson(learner, lesson)

    certificate = Certificate.objects.get(user=learner)
    assert certificate.course_title == course.title
    assert certificate.partner_name == course.partner.name
    assert certificate.learner_name == "Ada Lovelace"


def test_certificate_page_is_public_and_states_name_course_partner_date_and_minutes(
    client, learner, course
):
    certificate = complete_course(learner, course)

    response = client.get(f"/certificates/{certificate.code}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Ada Lovelace" in html
    assert course.title in html
    assert course.partner.name in html
    assert format_date(certificate.issued_at, "j F Y") in html
    assert f"{certificate.minutes} minute" in html
    url = f"http://testserver/certificates/{certificate.code}/"
    assert re.search(rf"Verify: <a href=\"{re.escape(url)}\">", html)


def test_certificate_page_reveals_no_email_and_no_other_course(
    client, learner, course, other_course
):
    certificate = complete_course(learner, course)
    complete_course(learner, other_course)

    html = client.get(certificate.get_absolute_url()).content.decode()

    assert "ada@example.com" not in html
    assert other_course.title not in html


def test_certificate_of_learner_without_a_name_never_shows_their_email(
    client, django_user_model, course
):
    nameless = django_user_model.objects.create_user("no.name@example.com", "pw-nameless-1")
    certificate = complete_course(nameless, course)

    html = client.get(certificate.get_absolute_url()).content.decode()

    assert "no.name" not in html
    assert course.title in html


def test_certificate_shows_the_completion_date_in_the_learners_time_zone(client, learner, course):
    LearnerProfile.objects.create(
        user=learner,
        seniority=SeniorityLevel.objects.first(),
        sector=Sector.objects.first(),
        organisation_name="Analytical Engines Ltd",
        organisation_size="10-49",
        time_zone="Pacific/Auckland",
    )
    certificate = complete_course(learner, course)
    Certificate.objects.filter(pk=certificate.pk).update(
        issued_at=datetime(2025, 3, 3, 20, 30, tzinfo=UTC)
    )

    html = client.get(certificate.get_absolute_url()).content.decode()

    assert '<time datetime="2025-03-04">4 March 2025</time>' in html
    assert "Analytical Engines" not in html


def test_unknown_certificate_code_is_not_found(client, library):
    assert client.get("/certificates/0b0b0b0b-0000-4000-8000-000000000000/").status_code == 404
    assert client.get("/certificates/not-a-code/").status_code == 404


def test_certificate_page_has_no_inline_script_or_style_and_is_not_indexed(client, learner, course):
    certificate = complete_course(learner, course)

    response = client.get(certificate.get_absolute_url())

    html = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert not INLINE_SCRIPT.search(html)
    assert ' style="' not in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<main id="main"' in html and "<h1" in html


def test_the_completion_that_finishes_a_course_carries_its_certificate(learner, course):
    sent = []
    lesson_completed.connect(record := lambda sender, **kw: sent.append(kw["lesson"]), weak=False)
    course_completed.connect(finish := lambda sender, **kw: sent.append(kw["course"]), weak=False)
    try:
        lessons = lessons_of(course)
        for lesson in lessons[:-1]:
            assert complete_lesson(learner, lesson).certificate is None
        completion = complete_lesson(learner, lessons[-1])
        replay = complete_lesson(learner, lessons[-1])
    finally:
        lesson_completed.disconnect(record)
        course_completed.disconnect(finish)
    assert completion.course_completed
    assert completion.certificate == Certificate.objects.get(user=learner, course=course)
    assert not replay.newly_completed and replay.certificate is None
    assert sent == [*lessons, course]  # once each, in order
