"""Publish checks through the Wagtail editor's own URLs."""

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, streamfield

from content.models import Partner, Sector, SeniorityLevel
from courses.models import CoursePage, LessonPage

pytestmark = pytest.mark.django_db


def lesson_form(words: int, action: str, sources: bool = True):
    blocks = [("markdown", "word " * words)]
    if sources:
        blocks.append(("sources", {"sources": streamfield([])}))
    data = nested_form_data(
        {
            "title": "A long lesson",
            "slug": "a-long-lesson",
            "summary": "Too long to read in five minutes.",
            "body": streamfield(blocks),
        }
    )
    if sources:
        data.update(
            {
                "body-1-value-sources-count": "1",
                "body-1-value-sources-0-value-title": "AI Playbook for the UK Government",
                "body-1-value-sources-0-value-url": "https://www.gov.uk/",
                "body-1-value-sources-0-value-publisher": "UK Government",
                "body-1-value-sources-0-deleted": "",
                "body-1-value-sources-0-order": "0",
            }
        )
    data[action] = "1"
    return data


@pytest.fixture
def course(library):
    return CoursePage.objects.get(slug="ai-for-the-board")


def add_url(parent, model):
    return reverse("wagtailadmin_pages:add", args=("courses", model, parent.pk))


def test_lesson_over_five_minutes_cannot_be_published(admin_client, course):
    response = admin_client.post(add_url(course, "lessonpage"), lesson_form(1200, "action-publish"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "a lesson must read in five minutes or less" in html
    assert "Cut about" in html
    assert not LessonPage.objects.filter(slug="a-long-lesson").exists()


def test_lesson_over_five_minutes_can_be_saved_as_a_draft(admin_client, course):
    response = admin_client.post(add_url(course, "lessonpage"), lesson_form(1200, "action-draft"))
    assert response.status_code == 302
    lesson = LessonPage.objects.get(slug="a-long-lesson")
    assert not lesson.live
    assert lesson.reading_seconds > 300


def test_short_lesson_publishes(admin_client, course):
    response = admin_client.post(add_url(course, "lessonpage"), lesson_form(300, "action-publish"))
    assert response.status_code == 302
    assert LessonPage.objects.get(slug="a-long-lesson").live


def test_course_without_sector_or_seniority_cannot_be_published(admin_client, library):
    data = nested_form_data(
        {
            "title": "Untagged",
            "slug": "untagged",
            "summary": "No tags.",
            "introduction": "",
            "learning_outcomes": streamfield([("outcome", "Something")]),
            "partner": Partner.objects.first().pk,
            "review_by": "2027-06-30",
        }
    )
    data["action-publish"] = "1"
    response = admin_client.post(add_url(library, "coursepage"), data)
    html = response.content.decode()
    assert "Choose at least one sector before publishing this course." in html
    assert "Choose at least one seniority level before publishing this course." in html
    data["sectors"] = [Sector.objects.first().pk]
    data["seniority_levels"] = [SeniorityLevel.objects.first().pk]
    assert admin_client.post(add_url(library, "coursepage"), data).status_code == 302
    assert CoursePage.objects.get(slug="untagged").live


def test_knowledge_check_without_a_correct_answer_is_refused(admin_client, course):
    data = nested_form_data(
        {
            "title": "Check",
            "slug": "check",
            "summary": "s",
            "body": streamfield(
                [
                    (
                        "knowledge_check",
                        {
                            "question": "Q?",
                            "options": streamfield([]),
                            "explanation": "E",
                        },
                    )
                ]
            ),
        }
    )
    data.update(
        {
            "body-0-value-options-count": "2",
            "body-0-value-options-0-value-text": "A",
            "body-0-value-options-0-deleted": "",
            "body-0-value-options-0-order": "0",
            "body-0-value-options-1-value-text": "B",
            "body-0-value-options-1-deleted": "",
            "body-0-value-options-1-order": "1",
            "action-draft": "1",
        }
    )
    response = admin_client.post(add_url(course, "lessonpage"), data)
    assert response.status_code == 200
    assert "Mark at least one option as the correct answer." in response.content.decode()
    assert not LessonPage.objects.filter(slug="check").exists()


def test_lesson_without_sources_cannot_be_published(admin_client, course):
    form = lesson_form(200, "action-publish", sources=False)
    response = admin_client.post(add_url(course, "lessonpage"), form)
    assert "Add a Sources block: every lesson cites where its facts come from." in (
        response.content.decode()
    )
    assert not LessonPage.objects.filter(slug="a-long-lesson").exists()
