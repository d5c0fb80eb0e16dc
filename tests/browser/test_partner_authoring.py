"""A partner author imports the course template as a zip, fixes the error an
earlier upload had, submits the course for review; a platform editor approves
it and it appears in the catalogue. Real browser, real admin, axe-core on the
author's screens."""

import re
import shutil

import pytest
from allauth.mfa.totp.internal.auth import (
    generate_totp_secret,
)

from content.models import Partner
from courses.importer.zip_upload import course_template_dir, zip_folder
from courses.models import CoursePage, LessonPage
from tests.browser.conftest import assert_accessible
from tests.factories import staff_user, totp_code

pytestmark = pytest.mark.browser
SLUG = "ai-and-your-supply-chain"


def admin_account(email, group):
    secret = generate_totp_secret()
    return staff_user(group, email=email, verified=True, two_factor=secret), secret


def sign_in(page, live_server, user, secret):
    page.goto(f"{live_server.url}/accounts/login/?next=/admin/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill("pw-" + user.email)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile("/accounts/2fa/authenticate/"))
    code = totp_code(secret, margin=6)
    page.get_by_label(re.compile("code", re.I)).fill(code)
    page.get_by_role("button", name=re.compile("Sign In|Confirm|Verify", re.I)).click()
    page.wait_for_url(re.compile("/admin/$"))


def choose_action(page, name):
    """Clicks an action in the editor's footer, opening its menu if needed."""
    button = page.get_by_role("button", name=name, exact=True)
    if not button.is_visible():
        page.locator("footer").get_by_role("button", name=re.compile("More actions")).click()
    button.click()


@pytest.fixture
def broken_and_fixed_zips(tmp_path):
    course = tmp_path / SLUG
    shutil.copytree(course_template_dir() / SLUG, course)
    lesson = course / "02-data-beyond-your-walls.md"
    good = lesson.read_text()
    lesson.write_text(re.sub(r"(?m)^explanation: .*\n", "", good))
    broken = zip_folder(course)
    lesson.write_text(good)
    return broken, zip_folder(course)


def upload(page, name, data):
    page.get_by_label(re.compile("zip", re.I)).set_input_files(
        files=[{"name": name, "mimeType": "application/zip", "buffer": data}]
    )
    page.get_by_role("button", name="Import as drafts").click()


@pytest.fixture
def desk(browser):
    """A desktop-sized browser window: authors and editors work at a desk."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_author_imports_fixes_submits_and_editor_approves(
    browser, desk, live_server, starter_library, broken_and_fixed_zips
):
    page = desk
    broken, fixed = broken_and_fixed_zips
    partner = Partner.objects.get(slug="northfield-college")
    author, author_secret = admin_account("lecturer@northfield.example.com", partner)
    editor, editor_secret = admin_account("reviewer@platform.example.com", "editor")

    sign_in(page, live_server, author, author_secret)
    page.get_by_role("link", name="Import a course").click()
    page.wait_for_url(re.compile("/admin/import-course/$"))
    assert_accessible(page)

    # An upload with a mistake: the problem is named by file and line; nothing is imported.
    upload(page, f"{SLUG}.zip", broken)
    problems = page.get_by_role("table")
    problems.wait_for()
    text = problems.inner_text()
    assert f"{SLUG}/02-data-beyond-your-walls.md" in text
    assert "explanation" in text
    assert re.search(r"\b\d+\b", text)
    assert "Nothing was imported" in page.inner_text("main")
    assert_accessible(page)
    assert not CoursePage.objects.filter(slug=SLUG).exists()

    # Fixed: the course arrives as drafts on the partner's shelf.
    upload(page, f"{SLUG}.zip", fixed)
    page.get_by_text(re.compile("as drafts")).first.wait_for()
    course = CoursePage.objects.get(slug=SLUG)
    assert course.get_parent().pk == partner.shelf.pk
    assert not course.live
    assert LessonPage.objects.child_of(course).count() == 3
    assert not LessonPage.objects.child_of(course).live().exists()

    # Submit the course (and with it, its lessons) for review.
    page.goto(f"{live_server.url}/admin/pages/{course.pk}/edit/")
    choose_action(page, re.compile("Submit to Platform editor review"))
    page.get_by_text(re.compile("submitted", re.I)).first.wait_for()

    # The editor, in a browser of their own, approves.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    editor_page = context.new_page()
    try:
        sign_in(editor_page, live_server, editor, editor_secret)
        assert "AI and your supply chain" in editor_page.inner_text("main")  # awaiting review
        editor_page.goto(f"{live_server.url}/admin/pages/{course.pk}/edit/")
        choose_action(editor_page, "Approve and Publish")
        editor_page.get_by_text("Page 'AI and your supply chain' has been updated.").wait_for()
    finally:
        context.close()

    course.refresh_from_db()
    assert course.live
    assert LessonPage.objects.child_of(course).live().count() == 3

    # In the catalogue, for anyone.
    visitor = browser.new_context()
    try:
        catalogue = visitor.new_page()
        catalogue.goto(f"{live_server.url}/courses/?q=supply+chain")
        catalogue.get_by_role("link", name="AI and your supply chain").first.click()
        catalogue.wait_for_url(re.compile(f"/{SLUG}/$"))
        assert "Where AI helps" in catalogue.inner_text("main")
    finally:
        visitor.close()

    # The author hears of it in the admin.
    page.goto(f"{live_server.url}/admin/")
    decisions = page.get_by_role("table", name=re.compile("Decisions by platform editors"))
    assert "approved and published" in decisions.inner_text().lower()
    assert editor.email in decisions.inner_text()
    assert_accessible(page)
