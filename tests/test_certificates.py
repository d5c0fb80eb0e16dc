"""Certificates: the holder's page with its PDF and "Add to LinkedIn" link, and
the public verify page, which anyone with the link can open and which shows what
the certificate states and nothing else about the learner."""

import io
import re
from datetime import UTC, datetime
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils.dateformat import format as format_date
from django.utils.html import escape
from pypdf import PdfReader
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from content.models import Partner, Sector, SeniorityLevel
from courses.models import CoursePage, LessonPage
from lms.certificates.models import Certificate
from lms.certificates.services import completed_on
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


def test_the_holders_page_states_name_course_partner_date_and_the_courses_minutes(
    client, learner, course
):
    certificate = complete_course(learner, course)
    client.force_login(learner)

    response = client.get(certificate.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "Ada Lovelace" in html
    assert escape(course.title) in html
    assert escape(course.partner.name) in html
    assert format_date(certificate.issued_at, "j F Y") in html
    assert certificate.minutes == course.total_minutes
    assert f"{course.total_minutes} minutes" in html
    assert "CPD time is the course’s nominal learning time." in html
    verify = f"http://testserver/certificates/{certificate.code}/verify/"
    assert f'<a href="{verify}">{verify}</a>' in html
    assert f'href="{certificate.get_pdf_url()}" download>Download PDF</a>' in html


def test_minutes_are_fixed_when_the_certificate_is_issued(client, learner, course):
    certificate = complete_course(learner, course)
    minutes = course.total_minutes
    lessons = lessons_of(course)
    LessonPage.objects.filter(pk__in=[lesson.pk for lesson in lessons]).update(reading_seconds=290)
    CoursePage.objects.filter(pk=course.pk).update(total_minutes=5 * len(lessons))

    html = client.get(certificate.get_verify_url()).content.decode()

    assert CoursePage.objects.get(pk=course.pk).total_minutes != minutes
    assert f"{minutes} minutes" in html
    assert certificate.partner == course.partner


def test_the_linkedin_link_fills_in_name_issuer_date_id_and_verify_url(client, learner, course):
    certificate = complete_course(learner, course)
    Certificate.objects.filter(pk=certificate.pk).update(
        issued_at=datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
    )
    client.force_login(learner)

    html = client.get(certificate.get_absolute_url()).content.decode()

    href = re.search(
        r'<a class="button button--secondary" href="([^"]+)">Add to LinkedIn profile', html
    )
    url = urlsplit(unescape(href.group(1)))
    assert (url.scheme, url.netloc, url.path) == ("https", "www.linkedin.com", "/profile/add")
    assert parse_qs(url.query) == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": [course.title],
        "organizationName": [course.partner.name],
        "issueYear": ["2026"],
        "issueMonth": ["3"],
        "certUrl": [f"http://testserver/certificates/{certificate.code}/verify/"],
        "certId": [str(certificate.code)],
    }


def test_anyone_else_is_sent_from_the_holders_page_to_the_verify_page(
    client, learner, course, django_user_model
):
    certificate = complete_course(learner, course)
    verify = f"/certificates/{certificate.code}/verify/"

    assert client.get(certificate.get_absolute_url()).url == verify
    client.force_login(django_user_model.objects.create_user("bob@example.com", "pw-bob-123456"))
    response = client.get(certificate.get_absolute_url())
    assert (response.status_code, response.url) == (302, verify)


def test_the_verify_page_is_public_and_confirms_only_what_the_certificate_states(
    client, learner, course, other_course
):
    certificate = complete_course(learner, course)
    complete_course(learner, other_course)

    response = client.get(certificate.get_verify_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "This certificate is genuine" in html
    for fact in (
        str(certificate.code),
        "Ada Lovelace",
        escape(course.title),
        escape(course.partner.name),
        format_date(certificate.issued_at, "j F Y"),
        f"{course.total_minutes} minutes",
    ):
        assert fact in html
    assert "ada@example.com" not in html
    assert escape(other_course.title) not in html
    assert "Download PDF" not in html and "linkedin" not in html.lower()


def test_a_learner_without_a_name_sees_their_email_and_others_see_no_name_given(
    client, django_user_model, course
):
    nameless = django_user_model.objects.create_user("no.name@example.com", "pw-nameless-1")
    certificate = complete_course(nameless, course)

    public = client.get(certificate.get_verify_url()).content.decode()
    assert "no.name" not in public
    assert "Name not given" in public
    assert escape(course.title) in public

    client.force_login(nameless)
    own = client.get(certificate.get_absolute_url()).content.decode()
    assert '<p class="certificate__name">no.name@example.com</p>' in own
    assert "Your name is not on this certificate yet." in own
    text = pdf_text(client.get(certificate.get_pdf_url()))
    assert "no.name" not in text and "Name not given" in text


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

    html = client.get(certificate.get_verify_url()).content.decode()

    assert '<time datetime="2025-03-04">4 March 2025</time>' in html
    assert "Analytical Engines" not in html


def test_unknown_certificate_code_is_not_found(client, learner, library):
    client.force_login(learner)
    for path in ("/", "/verify/", "/certificate.pdf"):
        assert (
            client.get(f"/certificates/0b0b0b0b-0000-4000-8000-000000000000{path}").status_code
            == 404
        )
        assert client.get(f"/certificates/not-a-code{path}").status_code == 404


def test_certificate_pages_have_no_inline_script_or_style_and_are_not_indexed(
    client, learner, course
):
    certificate = complete_course(learner, course)
    client.force_login(learner)

    for url in (certificate.get_absolute_url(), certificate.get_verify_url()):
        response = client.get(url)
        html = response.content.decode()
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert not INLINE_SCRIPT.search(html)
        assert ' style="' not in html
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert '<main id="main"' in html and "<h1" in html


# The PDF


def pdf_text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return reader.pages[0].extract_text()


def test_the_pdf_is_one_a4_landscape_page_with_the_same_facts_and_the_verify_url(
    client, learner, course
):
    certificate = complete_course(learner, course)
    client.force_login(learner)

    response = client.get(certificate.get_pdf_url())

    assert response["Content-Disposition"].startswith("attachment; filename=")
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4, points
    text = " ".join(pdf_text(response).split())
    for fact in (
        "Ada Lovelace",
        " ".join(course.title.split()),
        course.partner.name,
        format_date(completed_on(certificate), "j F Y"),
        f"{course.total_minutes} minutes",
        str(certificate.code),
        f"http://testserver/certificates/{certificate.code}/verify/",
        "CPD time is the course’s nominal learning time.",
    ):
        assert fact in text, fact
    assert reader.metadata.title == f"Certificate: {course.title} — Ada Lovelace"


def test_a_name_in_any_european_script_prints_as_written(client, django_user_model, course):
    learner = django_user_model.objects.create_user(
        "lucja@example.com", "pw-lucja-12345", first_name="Łucja", last_name="Wiśniewska-Çelik"
    )
    certificate = complete_course(learner, course)
    client.force_login(learner)

    assert "Łucja Wiśniewska-Çelik" in pdf_text(client.get(certificate.get_pdf_url()))


def test_the_pdf_carries_the_partners_logo(client, learner, course, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    logo = get_image_model().objects.create(title="Logo", file=get_test_image_file())
    Partner.objects.filter(pk=course.partner_id).update(logo=logo)
    certificate = complete_course(learner, course)
    client.force_login(learner)

    page = PdfReader(io.BytesIO(client.get(certificate.get_pdf_url()).content)).pages[0]
    assert len(page.images) == 1
    html = client.get(certificate.get_absolute_url()).content.decode()
    assert '<p class="certificate__logo"><img alt=""' in html
    assert (
        'class="verify__logo"><img alt=""'
        in client.get(certificate.get_verify_url()).content.decode()
    )


def test_the_pdf_without_a_logo_names_the_partner(client, learner, course):
    certificate = complete_course(learner, course)
    client.force_login(learner)

    response = client.get(certificate.get_pdf_url())

    assert not PdfReader(io.BytesIO(response.content)).pages[0].images
    assert f"by {course.partner.name}" in pdf_text(response)


def test_only_the_holder_downloads_the_pdf(client, learner, course, django_user_model):
    certificate = complete_course(learner, course)

    anonymous = client.get(certificate.get_pdf_url())
    assert anonymous.status_code == 302 and anonymous.url.startswith("/accounts/login/")
    client.force_login(django_user_model.objects.create_user("bob@example.com", "pw-bob-123456"))
    assert client.get(certificate.get_pdf_url()).status_code == 404


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
