"""Hostile Markdown in every text block of a lesson never reaches the page:
not on the live lesson, not in the editor's preview of a draft. The sanitiser
is tested as a function in tests/test_markdown.py; this test goes through the
page, so a block that skipped it would fail here."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from courses.models import CoursePage, LessonPage

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert('owned-1')</script>",
    '<img src="x.png" onerror="alert(\'owned-2\')">',
    "[click](javascript:alert('owned-3'))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    "<a href=\"javascript:alert('owned-4')\">x</a>",
    "<p onclick=\"alert('owned-5')\">x</p>",
    "<iframe src='https://example.org/owned-6'></iframe>",
    "<svg onload=\"alert('owned-7')\"></svg>",
    "<a href=\"JaVaScRiPt:alert('owned-8')\">x</a>",
    "<style>body{background:url(javascript:alert('owned-9'))}</style>",
    '<form action="https://example.org/owned-10"><input name=x></form>',
]
HOSTILE = "\n\n".join(PAYLOADS)


def hostile_body():
    check = {
        "question": "Which is safe?",
        "options": [
            {"text": "This one", "is_correct": True},
            {"text": "That one", "is_correct": False},
        ],
        "explanation": HOSTILE,
    }
    return [
        {"type": "markdown", "value": f"## Hello\n\n{HOSTILE}"},
        {"type": "case_study", "value": {"title": "A case (illustrative)", "body": HOSTILE}},
        {"type": "key_takeaway", "value": {"text": HOSTILE}},
        {"type": "knowledge_check", "value": check},
        {"type": "action", "value": {"text": HOSTILE}},
        {
            "type": "sources",
            "value": {"sources": [{"title": "Guide", "url": "https://www.gov.uk/"}]},
        },
    ]


class Elements(HTMLParser):
    """Every element of a page with its attributes, as a browser would build them
    (text that merely looks like markup, escaped, is text and harmless)."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.found = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {name: value or "" for name, value in attrs}))


def assert_clean(html: str):
    # What authors write shows inside <main>; the site's own header carries its
    # logo as an <svg>, which no author's text can reach.
    content = html.split("<main", 1)[-1].split("</main>", 1)[0]
    for tag, attrs in Elements(content).found:
        assert tag not in {"iframe", "style", "svg", "img", "object", "embed"}, (tag, attrs)
    for tag, attrs in Elements(html).found:
        if tag == "form":  # only the page's own forms, which post
            assert attrs.get("method") == "post", attrs
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/"), attrs  # the project's own only
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            if name in {"href", "src", "action", "formaction", "xlink:href"}:
                scheme = value.strip().lower().split(":", 1)[0] if ":" in value else ""
                assert scheme in {"", "http", "https", "mailto"}, (tag, name, value)
                assert "example.org/owned" not in value, (tag, name, value)


@pytest.fixture
def hostile_lesson(library):
    course = CoursePage.objects.get(slug="ai-for-the-board")
    lesson = LessonPage(
        title="Hostile lesson", slug="hostile-lesson", summary="Safe summary.", body=hostile_body()
    )
    course.add_child(instance=lesson)
    lesson.save_revision().publish()
    return lesson


def test_a_live_lesson_with_hostile_markdown_renders_none_of_it(client, hostile_lesson):
    response = client.get(hostile_lesson.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h2>Hello</h2>" in html  # the Markdown itself was rendered
    assert html.count(">click</a>") + html.count(">click<") >= 1  # links kept, their URLs gone
    assert_clean(html)


@pytest.mark.parametrize("htmx", [False, True])
def test_answering_the_check_shows_a_clean_explanation(
    client, django_user_model, hostile_lesson, htmx
):
    client.force_login(django_user_model.objects.create_user("reader@example.com"))
    [check] = [child for child in hostile_lesson.body if child.block_type == "knowledge_check"]
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(
        reverse("progress:answer_check", args=[hostile_lesson.pk]),
        {"check": check.id, "answer": "2"},
        headers=headers,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Which is safe?" in html
    assert_clean(html)


def test_the_editors_preview_of_a_hostile_draft_renders_none_of_it(admin_client, library):
    course = CoursePage.objects.get(slug="ai-for-the-board")
    lesson = LessonPage(title="Draft", slug="hostile-draft", summary="Safe.", body=hostile_body())
    course.add_child(instance=lesson)
    lesson.save_revision()
    response = admin_client.get(reverse("wagtailadmin_pages:view_draft", args=[lesson.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h2>Hello</h2>" in html
    assert_clean(html)


def test_markdown_nested_too_deeply_to_render_is_shown_as_text_not_a_500(client, library):
    """Python-Markdown recurses once per nested definition list; text typed
    in the CMS that nests hundreds of levels must not take the page down."""
    course = CoursePage.objects.get(slug="ai-for-the-board")
    body = hostile_body()
    body[0] = {"type": "markdown", "value": "deep\n: b\n" * 1500}
    lesson = LessonPage(title="Deep lesson", slug="deep-lesson", summary="Deep.", body=body)
    course.add_child(instance=lesson)
    lesson.save_revision().publish()
    response = client.get(lesson.url)
    assert response.status_code == 200
    assert "deep" in response.content.decode()
