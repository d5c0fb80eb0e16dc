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
    assert "a lesson must take five minutes or less" in html
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


def test_course_without_sector_seniority_or_outcomes_cannot_be_published(admin_client, library):
    partner = Partner.objects.get(slug="northfield-college")
    data = nested_form_data(
        {
            "title": "Untagged",
            "slug": "untagged",
            "summary": "No tags.",
            "introduction": "",
            "learning_outcomes": streamfield([]),
            "review_by": "2027-06-30",
        }
    )
    data["action-publish"] = "1"
    response = admin_client.post(add_url(partner.shelf, "coursepage"), data)
    html = response.content.decode()
    assert "Choose at least one sector before publishing this course." in html
    assert "Choose at least one seniority level before publishing this course." in html
    assert "Add at least one learning outcome" in html
    data = nested_form_data(
        {
            **{k: v for k, v in data.items() if not k.startswith("learning_outcomes")},
            "learning_outcomes": streamfield([("outcome", "Ask better questions")]),
        }
    )
    data["sectors"] = [Sector.objects.first().pk]
    data["seniority_levels"] = [SeniorityLevel.objects.first().pk]
    assert admin_client.post(add_url(partner.shelf, "coursepage"), data).status_code == 302
    course = CoursePage.objects.get(slug="untagged")
    assert course.live
    assert course.partner == partner  # from the shelf, not from the form


def body_messages(response) -> list[str]:
    """What the editor shows on the body: the summary at the top of the field and
    each block's own messages (rendered in the browser from this error)."""
    [error] = response.context["form"].errors.as_data()["body"]
    messages = [m for e in error.non_block_errors.as_data() for m in e.messages]
    for index, block_error in error.block_errors.items():
        for field, field_error in block_error.block_errors.items():
            messages += [f"block {index + 1} {field}: {m}" for m in field_error.messages]
    return messages


def check_form(*, correct: bool, explanation: str, action: str):
    data = nested_form_data(
        {
            "title": "Check",
            "slug": "check",
            "summary": "s",
            "body": streamfield(
                [
                    (
                        "knowledge_check",
                        {"question": "Which is right?", "options": streamfield([])},
                    ),
                    ("sources", {"sources": streamfield([])}),
                ]
            ),
        }
    )
    data.update(
        {
            "body-0-value-explanation": explanation,
            "body-0-value-options-count": "2",
            "body-0-value-options-0-value-text": "A",
            "body-0-value-options-0-deleted": "",
            "body-0-value-options-0-order": "0",
            "body-0-value-options-1-value-text": "B",
            "body-0-value-options-1-deleted": "",
            "body-0-value-options-1-order": "1",
            "body-1-value-sources-count": "1",
            "body-1-value-sources-0-value-title": "AI Playbook",
            "body-1-value-sources-0-value-url": "https://www.gov.uk/",
            "body-1-value-sources-0-value-publisher": "",
            "body-1-value-sources-0-deleted": "",
            "body-1-value-sources-0-order": "0",
            action: "1",
        }
    )
    if correct:
        data["body-0-value-options-1-value-is_correct"] = "on"
    return data


@pytest.mark.parametrize(
    "correct, explanation, message",
    [
        (False, "Because B.", "mark at least one option as the correct answer."),
        (True, "", "add an explanation of why the right answer is right."),
    ],
)
def test_knowledge_check_without_answer_or_explanation_is_refused_naming_the_block(
    admin_client, course, correct, explanation, message
):
    form = check_form(correct=correct, explanation=explanation, action="action-publish")
    response = admin_client.post(add_url(course, "lessonpage"), form)
    assert response.status_code == 200
    messages = body_messages(response)
    assert f"Knowledge check 1 “Which is right?”: {message}" in messages
    field = "options" if not correct else "explanation"
    assert f"block 1 {field}: {message[0].upper()}{message[1:]}" in messages
    assert not LessonPage.objects.filter(slug="check").exists()
    # A draft keeps the work in progress.
    form = check_form(correct=correct, explanation=explanation, action="action-draft")
    assert admin_client.post(add_url(course, "lessonpage"), form).status_code == 302
    assert not LessonPage.objects.get(slug="check").live


def test_complete_knowledge_check_publishes(admin_client, course):
    form = check_form(correct=True, explanation="Because B.", action="action-publish")
    assert admin_client.post(add_url(course, "lessonpage"), form).status_code == 302
    assert LessonPage.objects.get(slug="check").live


def test_image_without_alt_text_and_video_without_transcript_are_refused(admin_client, course):
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    image = get_image_model().objects.create(title="Chart", file=get_test_image_file())
    data = nested_form_data(
        {
            "title": "Media",
            "slug": "media",
            "summary": "s",
            "body": streamfield(
                [
                    ("image", {"image": image.pk, "alt_text": "", "caption": "Sales chart"}),
                    (
                        "video",
                        {
                            "title": "How twins work",
                            "url": "https://video.example.org/twins",
                            "duration_seconds": "90",
                            "transcript": "",
                        },
                    ),
                    ("sources", {"sources": streamfield([])}),
                ]
            ),
        }
    )
    data.update(
        {
            "body-2-value-sources-count": "1",
            "body-2-value-sources-0-value-title": "AI Playbook",
            "body-2-value-sources-0-value-url": "https://www.gov.uk/",
            "body-2-value-sources-0-value-publisher": "",
            "body-2-value-sources-0-deleted": "",
            "body-2-value-sources-0-order": "0",
            "action-publish": "1",
        }
    )
    messages = body_messages(admin_client.post(add_url(course, "lessonpage"), data))
    assert "Image 1 “Sales chart”: add alt text that says what the image shows." in messages
    assert "Video 1 “How twins work”: add a transcript of the video." in messages
    assert "block 2 transcript: Add a transcript of the video." in messages
    assert not LessonPage.objects.filter(slug="media").exists()
    data["body-0-value-alt_text"] = "A rising line chart of sales"
    data["body-1-value-transcript"] = "A narrator explains digital twins."
    assert admin_client.post(add_url(course, "lessonpage"), data).status_code == 302
    lesson = LessonPage.objects.get(slug="media")
    assert lesson.live
    assert lesson.reading_seconds >= 90  # the video's length counts


def test_lesson_without_sources_cannot_be_published(admin_client, course):
    form = lesson_form(200, "action-publish", sources=False)
    response = admin_client.post(add_url(course, "lessonpage"), form)
    assert "Add a Sources block: every lesson cites where its facts come from." in (
        response.content.decode()
    )
    assert not LessonPage.objects.filter(slug="a-long-lesson").exists()
