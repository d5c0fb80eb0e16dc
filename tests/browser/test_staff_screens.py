"""Staff screens in a real browser (issue 14), axe-clean: the editor's live
preview shows the lesson."""

import re
from datetime import date

import pytest
from django.urls import reverse
from wagtail.models import Workflow

from content.models import Partner
from courses.models import CoursePage, LessonPage
from courses.review import WORKFLOW_NAME
from lms.cohorts.models import Cohort, Programme
from lms.pathways.models import Pathway
from tests.browser.conftest import assert_accessible
from tests.browser.test_partner_authoring import admin_account, sign_in

pytestmark = pytest.mark.browser


def test_the_live_preview_panel_shows_the_lesson(page, live_server, starter_library):
    editor, secret = admin_account("editor.preview@example.com", "editor")
    lesson = LessonPage.objects.live().order_by("path").first()
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, editor, secret)
    page.goto(f"{live_server.url}/admin/pages/{lesson.pk}/edit/")
    page.get_by_role("button", name=re.compile("Toggle preview", re.I)).click()
    page.locator("iframe.w-preview__proxy").wait_for(state="detached", timeout=15_000)
    frame = page.frame_locator("#w-preview-iframe")
    heading = frame.get_by_role("heading", level=1)
    heading.wait_for(timeout=15_000)
    assert heading.inner_text() == lesson.title
    assert_accessible(page)


def assert_a_labelled_button(button):
    """A button of normal height whose label shows beside a small icon."""
    box = button.bounding_box()
    icon = button.locator("svg").bounding_box()
    assert box["height"] < 60 and icon["width"] <= 24 and icon["height"] <= 24, (box, icon)
    label = button.inner_text().strip()
    assert label and box["width"] > icon["width"] + 8 * len(label) * 0.5, (label, box)


def test_the_import_and_invite_buttons_show_their_labels(page, live_server, starter_library):
    partner = Partner.objects.get(slug="northfield-college")
    author, secret = admin_account("author.buttons@example.com", partner)
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, author, secret)
    page.goto(f"{live_server.url}{reverse('import_course')}")
    assert_a_labelled_button(page.get_by_role("link", name="Download the course template (.zip)"))
    assert_accessible(page)

    admin, admin_secret = admin_account("programme.buttons@example.com", "programme_admin")
    cohort = Cohort.objects.create(
        name="Buttons cohort",
        programme=Programme.objects.create(name="Buttons programme"),
        starts_on=date(2026, 1, 5),
        ends_on=date(2026, 3, 30),
        pathway=Pathway.objects.filter(live=True).first(),
    )
    page.context.clear_cookies()
    sign_in(page, live_server, admin, admin_secret)
    page.goto(f"{live_server.url}{reverse('cohorts:members', args=[cohort.pk])}")
    assert_a_labelled_button(page.get_by_role("link", name="Invite by CSV"))
    assert_accessible(page)


def test_the_reviewers_workflow_preview_lists_the_draft_lessons(page, live_server, starter_library):
    """A course submitted with three draft lessons: the platform editor's
    workflow preview (the screen Wagtail opens from the review task) lists
    all three, in order, with their minutes added up."""
    partner = Partner.objects.get(slug="northfield-college")
    author, _ = admin_account("author.review@example.com", partner)
    course = CoursePage(
        title="Scaling a pilot",
        slug="scaling-a-pilot",
        summary="From a pilot to the whole organisation.",
        learning_outcomes=[("outcome", "Plan the move from pilot to scale")],
        partner=partner,
        live=False,
    )
    partner.shelf.add_child(instance=course)
    drafts = []
    for number in (1, 2, 3):
        lesson = LessonPage(
            title=f"Scaling step {number:02d}",
            slug=f"scaling-step-{number:02d}",
            summary="A draft lesson.",
            body=[("markdown", "Words of the lesson. " * 60 * number)],
            live=False,
        )
        course.add_child(instance=lesson)
        lesson.save_revision(user=author)
        drafts.append(lesson)
    course.save_revision(user=author)
    workflow = Workflow.objects.get(name=WORKFLOW_NAME)
    state = workflow.start(course, author)
    task = state.current_task_state.task

    editor, secret = admin_account("editor.review@example.com", "editor")
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, editor, secret)
    preview = reverse("wagtailadmin_pages:workflow_preview", args=[course.pk, task.pk])
    page.goto(f"{live_server.url}{preview}")
    items = page.locator(".lesson-list > li > a")
    assert items.all_inner_texts() == [lesson.title for lesson in drafts]
    minutes = sum(lesson.reading_minutes for lesson in drafts)
    assert " ".join(page.locator(".course-length").inner_text().split()) == (
        f"3 lessons · {minutes} minutes"
    )
    assert_accessible(page)
