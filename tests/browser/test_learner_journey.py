"""The executive learner's whole journey in a real browser: sign up with an
emailed code, onboard, take a lesson (a knowledge check wrong, then right),
complete a course, open the certificate and download the CPD log; and the
certificate worth sharing (its PDF, LinkedIn link and public verify page) on a
phone and a desktop. axe-core runs on every page."""

import io
import re
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect
from pypdf import PdfReader

from courses.models import CoursePage, LessonPage
from lms.certificates.models import Certificate
from lms.certificates.services import completed_on
from lms.progress.models import CheckAnswer
from lms.progress.services import complete_lesson
from tests.browser.conftest import assert_accessible, assert_fits_small_screen
from tests.browser.sessions import open_context
from tests.factories import UserFactory

pytestmark = pytest.mark.browser
CODE = re.compile(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4}|[A-Z0-9]{6,8})\s*$", re.MULTILINE)


def emailed_code(to):
    message = [m for m in mail.outbox if to in m.to][-1]
    return CODE.search(message.body).group(1)


def test_sign_up_onboard_learn_and_get_a_certificate(page, live_server, starter_library):
    from django.core.cache import cache

    cache.clear()
    email = "nadia.hussain@example.org"
    page.goto(f"{live_server.url}/accounts/signup/")
    assert_accessible(page)
    page.get_by_label(re.compile("^Email")).fill(email)
    page.get_by_role("button", name=re.compile("Sign up", re.I)).click()
    page.wait_for_url(re.compile("/accounts/confirm-email/"))
    assert_accessible(page)
    page.get_by_label(re.compile("code", re.I)).fill(emailed_code(email))
    page.get_by_role("button", name=re.compile("Confirm|Verify", re.I)).click()

    # A new learner lands in onboarding.
    page.wait_for_url(re.compile("/onboarding/"))
    assert_accessible(page)
    assert_fits_small_screen(page)
    page.get_by_label("Senior leader").check()
    page.get_by_label("Creative and immersive tech").check()
    page.get_by_label("Organisation").fill("Digbeth Studios")
    page.get_by_label("50 to 249 people").check()
    for fieldset in page.locator("fieldset.field--choices").all():
        legend = fieldset.locator("legend").inner_text()
        if legend in {"Your role", "Your sector", "Organisation size"}:
            continue
        fieldset.get_by_label(re.compile("^2 — ")).check()
    page.get_by_role("button", name="Show my next five minutes").click()

    # The optional equality questions are offered once; "Not now" changes nothing.
    page.wait_for_url(re.compile("/me/equity/"))
    assert_accessible(page)
    assert_fits_small_screen(page)
    page.get_by_role("button", name="Not now").click()

    page.wait_for_url(re.compile("/dashboard/"))
    assert_accessible(page)
    assert_fits_small_screen(page)
    assert "Because you lead in creative and immersive tech" in page.inner_text("main")

    # Take every lesson of the shortest course, answering one check wrongly first.
    course = CoursePage.objects.get(slug="virtual-production-and-simulation")
    lessons = list(LessonPage.objects.child_of(course).live().order_by("path"))
    page.goto(f"{live_server.url}{lessons[0].url}")
    assert_accessible(page)
    check_block = next(b for b in lessons[0].body if b.block_type == "knowledge_check")
    options = check_block.value["options"]
    wrong = next(i for i, o in enumerate(options) if not o["is_correct"])
    section = page.locator(f"#check-{check_block.id}")
    section.locator("input[name=answer]").nth(wrong).check()
    section.get_by_role("button", name="Check answer").click()
    page.locator(f"#check-{check_block.id} .feedback--wrong").wait_for()
    assert_accessible(page)
    section = page.locator(f"#check-{check_block.id}")
    for index, option in enumerate(options):
        box = section.locator("input[name=answer]").nth(index)
        box.set_checked(bool(option["is_correct"]))
    section.get_by_role("button", name="Check again").click()
    page.locator(f"#check-{check_block.id} .feedback--right").wait_for()
    answer = CheckAnswer.objects.get(user__email=email, block_id=check_block.id)
    assert answer.first_attempt_correct is False and answer.last_correct is True

    for number, lesson in enumerate(lessons):
        if number:
            page.goto(f"{live_server.url}{lesson.url}")
        page.get_by_role("button", name="Mark complete").click()
        page.locator("#lesson-complete .lesson-actions__status").wait_for()
    assert "You finished the course." in page.inner_text("#lesson-complete")
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("View your certificate")).click()
    page.wait_for_url(re.compile("/certificates/"))
    assert_accessible(page)
    text = page.inner_text("main")
    assert course.title in text and course.partner.name in text

    page.goto(f"{live_server.url}/dashboard/")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("CPD log")).click()
    content = Path(download.value.path()).read_text(encoding="utf-8")
    assert content.count("\n") >= len(lessons) + 1
    for lesson in lessons:
        assert lesson.title.split(",")[0] in content


@pytest.mark.parametrize(
    "size",
    [{"width": 390, "height": 844}, {"width": 1280, "height": 800}],
    ids=["phone", "desktop"],
)
def test_a_finished_course_gives_a_certificate_worth_sharing(
    browser, live_server, starter_library, size
):
    learner = UserFactory(email="amrit.kaur@example.org", first_name="Amrit", last_name="Kaur")
    course = CoursePage.objects.get(slug="virtual-production-and-simulation")
    lessons = list(LessonPage.objects.child_of(course).live().order_by("path"))
    for lesson in lessons[:-1]:
        complete_lesson(learner, lesson)
    context, page = open_context(browser, live_server, size, learner)
    page.goto(f"{live_server.url}{lessons[-1].url}")
    page.get_by_role("button", name="Mark complete").click()

    # Focus moves to the next step, the certificate; Enter opens it.
    page.locator("#lesson-complete .lesson-actions__status").wait_for()
    expect(page.get_by_role("link", name="View your certificate")).to_be_focused()
    assert_accessible(page)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/certificates/[0-9a-f-]+/$"))
    assert_accessible(page)
    assert_fits_small_screen(page)
    certificate = Certificate.objects.get(user=learner, course=course)
    text = page.locator("article.certificate").inner_text()
    day = completed_on(certificate)
    date = f"{day.day} {day:%B %Y}"
    minutes = f"{course.total_minutes} minutes"
    for fact in ("Amrit Kaur", course.title, course.partner.name, date, minutes):
        assert fact in text, fact
    verify_url = f"{live_server.url}/certificates/{certificate.code}/verify/"
    assert verify_url in text

    link = page.get_by_role("link", name="Add to LinkedIn profile").get_attribute("href")
    query = parse_qs(urlsplit(link).query)
    assert link.startswith("https://www.linkedin.com/profile/add?")
    assert query["startTask"] == ["CERTIFICATION_NAME"]
    assert query["name"] == [course.title]
    assert query["organizationName"] == [course.partner.name]
    assert query["issueYear"] == [str(day.year)]
    assert query["issueMonth"] == [str(day.month)]
    assert query["certUrl"] == [verify_url]
    assert query["certId"] == [str(certificate.code)]

    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    reader = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert len(reader.pages) == 1
    pdf_text = " ".join(reader.pages[0].extract_text().split())
    for fact in ("Amrit Kaur", course.title, course.partner.name, date, minutes, verify_url):
        assert fact in pdf_text, fact
    assert page.console_errors == []
    context.close()

    # Anyone with the link can verify it, without signing in; the holder's page
    # sends them there; a made-up number is not found.
    context, page = open_context(browser, live_server, size)
    page.goto(f"{live_server.url}/certificates/{certificate.code}/")
    page.wait_for_url(verify_url)
    assert_accessible(page)
    assert_fits_small_screen(page)
    text = page.locator("main").inner_text()
    assert "This certificate is genuine" in text
    for fact in (str(certificate.code), "Amrit Kaur", course.title, course.partner.name, date):
        assert fact in text, fact
    assert "amrit.kaur@" not in page.content()
    assert page.get_by_role("link", name="Download PDF").count() == 0
    missing = page.goto(f"{live_server.url}/certificates/{uuid.uuid4()}/verify/")
    assert missing.status == 404
    assert_accessible(page)
    context.close()
