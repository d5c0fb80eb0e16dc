"""Staff screens (issue 14) checked from the outside."""

import pytest
from django.test import Client

from content.models import Partner
from courses.models import CoursePage, LessonPage
from courses.review import TASK_NAME, WORKFLOW_NAME

pytestmark = pytest.mark.django_db


def test_a_preview_may_be_framed_by_the_site_and_the_live_page_by_nobody(client, library):
    lesson = LessonPage.objects.live().order_by("path").first()
    live = client.get(lesson.url)
    assert "frame-ancestors 'none'" in live["Content-Security-Policy"]
    assert live["X-Frame-Options"] == "DENY"
    preview = lesson.make_preview_request()
    assert preview.status_code == 200
    policy = preview["Content-Security-Policy"]
    assert (
        "frame-ancestors 'self'" in policy
        and "'none'" not in policy.split("frame-ancestors")[1].split(";")[0]
    )
    # Only framing changes: scripts and styles stay as strict.
    assert "script-src 'self'" in policy and "style-src 'self'" in policy


def test_the_cms_carries_the_products_name_not_localhost(staff_client):
    client = staff_client("editor")
    html = client.get("/admin/").content.decode()
    assert "localhost" not in html
    assert "<title>Dashboard - Five Minute AI CMS</title>" in " ".join(html.split())
    assert "Five Minute AI CMS" in html and "img/favicon.svg" in html
    assert "wagtailadmin/images/favicon.ico" not in html


def test_the_import_page_links_to_the_authoring_guide_in_the_cms(staff_client, library):
    author = staff_client(Partner.objects.get(slug="northfield-college"))
    page = author.get("/admin/import-course/").content.decode()
    assert 'href="/admin/authoring-guide/"' in page and "docs/authoring.md" not in page
    guide = author.get("/admin/authoring-guide/")
    assert guide.status_code == 200
    html = guide.content.decode()
    assert "<h2>" in html and "front matter" in html.lower()
    assert "<script" not in html.split('class="authoring-guide')[1].split("</div>")[0]


def test_the_reviewers_preview_lists_the_draft_lessons_in_order(library):
    course = CoursePage.objects.live().order_by("path").first()
    course.save_revision()
    drafts = []
    for number in (1, 2, 3):
        lesson = LessonPage(
            title=f"Draft lesson {number:02d}",
            slug=f"draft-lesson-{number:02d}",
            summary="A draft.",
            body=[("markdown", "Words " * 250)],
            live=False,
        )
        course.add_child(instance=lesson)
        lesson.save_revision()
        drafts.append(lesson)
    html = course.make_preview_request().content.decode()
    positions = [html.index(lesson.title) for lesson in drafts]
    assert positions == sorted(positions)
    shown = LessonPage.objects.child_of(course).count()
    minutes = sum(lesson.reading_minutes for lesson in LessonPage.objects.child_of(course))
    assert f"{shown} lessons · {minutes} minutes" in " ".join(html.split())
    # The live page shows the live lessons only.
    live = Client().get(course.url).content.decode()
    assert "Draft lesson 01" not in live


def test_the_editor_lists_a_courses_lessons_in_order_and_one_name_for_review(staff_client, library):
    assert WORKFLOW_NAME == TASK_NAME
    course = CoursePage.objects.live().order_by("path").first()
    html = staff_client("editor").get(f"/admin/pages/{course.pk}/").content.decode()
    titles = [lesson.title for lesson in LessonPage.objects.child_of(course).order_by("path")]
    positions = [html.index(title) for title in titles]
    assert positions == sorted(positions)
