"""The lesson page's knowledge checks and its end, over HTTP: an empty answer
is named with and without JavaScript, a wrong answer says so before the right
one, focus is sent to what changed, and the title names the site once."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from courses.models import CoursePage, LessonPage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def lessons(library):
    course = CoursePage.objects.get(slug="ai-for-the-board")
    return list(LessonPage.objects.child_of(course).live().order_by("path"))


@pytest.fixture
def learner(client):
    user = UserFactory(first_name="Ada", last_name="Lovelace")
    client.force_login(user)
    return user


def answer_url(lesson):
    return reverse("progress:answer_check", args=[lesson.pk])


def complete_url(lesson):
    return reverse("progress:complete_lesson", args=[lesson.pk])


def check_of(lesson):
    return next(block for block in lesson.body if block.block_type == "knowledge_check")


def wrong_and_right(check):
    right = sorted(check.value.correct_options())
    wrong = next(n for n in range(1, len(check.value["options"]) + 1) if n not in right)
    return wrong, right


def feedback_of(html, check):
    """The feedback element of this check: its opening tag and its content."""
    match = re.search(
        rf'<div class="check__feedback" id="feedback-{check.id}"[^>]*>(.*?)</div>\s*'
        r'<div class="check__option',
        html,
        re.S,
    )
    assert match, "the check has no feedback element before its options"
    return match.group(0), match.group(1)


def test_an_empty_answer_with_htmx_is_swapped_in_with_its_message(client, lessons):
    lesson = lessons[0]
    check = check_of(lesson)

    response = client.post(answer_url(lesson), {"check": check.id}, headers=HTMX)

    # htmx 2 swaps only 2xx responses by default: a 422 would be dropped silently.
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    element, content = feedback_of(html, check)
    assert "Choose an answer, then check it." in content
    assert "autofocus" in element
    assert f'aria-describedby="feedback-{check.id}"' in html


def test_an_empty_answer_without_javascript_shows_the_page_with_the_message_at_the_question(
    client, lessons
):
    lesson = lessons[0]
    check = check_of(lesson)

    response = client.post(answer_url(lesson), {"check": check.id})

    assert response.status_code == 422
    html = response.content.decode()
    assert "<html" in html
    element, content = feedback_of(html, check)
    assert "Choose an answer, then check it." in content
    assert "autofocus" in element
    # The question comes just before the message.
    assert html.index(escape(check.value["question"])) < html.index("Choose an answer")
    # The form posts back to its feedback, so the browser lands there.
    assert f'action="{answer_url(lesson)}#feedback-{check.id}"' in html


def test_a_wrong_answer_says_it_is_wrong_before_naming_the_right_one(client, lessons):
    lesson = lessons[0]
    check = check_of(lesson)
    wrong, right = wrong_and_right(check)
    options = check.value["options"]

    for headers in (HTMX, {}):
        response = client.post(
            answer_url(lesson), {"check": check.id, "answer": wrong}, headers=headers
        )
        html = response.content.decode()
        _, content = feedback_of(html, check)
        chosen = escape(options[wrong - 1]["text"])
        right_text = escape(options[right[0] - 1]["text"])
        assert f"Not quite — you chose “{chosen}”." in content
        assert f"The right answer is “{right_text}”." in content
        assert content.index("Not quite") < content.index("The right answer")
        # The options, marked in words, come after the verdict.
        assert html.index("Not quite") < html.index(">Right answer</span>")
        assert html.index("Not quite") < html.index(">Your answer</span>")
        assert check.value["explanation"][:40] in content


def test_a_right_answer_says_correct_and_focuses_its_feedback(client, lessons):
    lesson = lessons[0]
    check = check_of(lesson)
    _, right = wrong_and_right(check)

    html = client.post(
        answer_url(lesson), {"check": check.id, "answer": right}, headers=HTMX
    ).content.decode()

    element, content = feedback_of(html, check)
    assert "<strong>Correct.</strong>" in content and "Not quite" not in content
    assert 'tabindex="-1"' in element and 'role="status"' in element and "autofocus" in element


def test_an_unanswered_lesson_page_moves_focus_nowhere(client, lessons, learner):
    html = client.get(lessons[0].url).content.decode()
    assert "autofocus" not in html


def test_without_javascript_only_the_answered_check_shows_feedback(client, lessons):
    lesson = lessons[0]
    first = check_of(lesson)
    lesson.body.append(
        (
            "knowledge_check",
            {
                "question": "Which of these is a second question?",
                "options": [
                    {"text": "This one", "is_correct": True},
                    {"text": "Not this one", "is_correct": False},
                ],
                "explanation": "It is the second.",
            },
        )
    )
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    second = [block for block in lesson.body if block.block_type == "knowledge_check"][1]

    html = client.post(answer_url(lesson), {"check": second.id, "answer": "2"}).content.decode()

    assert "Not quite" in feedback_of(html, second)[1]
    element, content = feedback_of(html, first)
    assert content.strip() == "" and "autofocus" not in element
    assert html.count("autofocus") == 1


def test_completing_with_htmx_focuses_the_next_lesson(client, lessons, learner):
    response = client.post(complete_url(lessons[0]), headers=HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<section class="lesson-actions" id="lesson-complete"')
    assert "Lesson complete." in html
    link = re.search(r'<a class="button lesson-actions__next"[^>]*>', html).group(0)
    assert f'href="{lessons[1].url}"' in link and "autofocus" in link
    assert 'aria-describedby="lesson-status"' in link
    # Opening a completed lesson later does not steal focus.
    assert "autofocus" not in client.get(lessons[0].url).content.decode()


def test_completing_the_last_lesson_with_htmx_focuses_the_certificate(client, lessons, learner):
    for lesson in lessons[:-1]:
        client.post(complete_url(lesson))

    html = client.post(complete_url(lessons[-1]), headers=HTMX).content.decode()

    link = re.search(r'<a class="button lesson-actions__next"[^>]*>View your certificate', html)
    assert link and "autofocus" in link.group(0)
    assert "You finished the course." in html


def test_the_end_of_the_lesson_offers_mark_complete_and_the_next_lesson(client, lessons, learner):
    html = client.get(lessons[0].url).content.decode()

    end = html[html.index('id="lesson-complete"') :]
    assert end.index("Mark complete") < end.index("Next lesson")
    assert f'href="{lessons[1].url}" rel="next">Next lesson' in end
    # After every block of the lesson.
    assert html.index('id="lesson-complete"') > html.index(f'id="check-{check_of(lessons[0]).id}"')


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_lesson_page_title_names_the_lesson_and_the_site_once(
    client, lessons, signed_in, django_user_model
):
    if signed_in:
        client.force_login(UserFactory())
    html = client.get(lessons[0].url).content.decode()

    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()
    site = settings.WAGTAIL_SITE_NAME
    assert title.count(site) == 1
    assert title.startswith(escape(lessons[0].title))
