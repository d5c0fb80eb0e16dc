"""Catalogue search through the search index, on whichever database the tests
run on: PostgreSQL's stored tsvectors under DATABASE_URL, SQLite's FTS5 table
without. Courses that match come first, then the courses of matching lessons,
found by words anywhere in a lesson's body; the ranking is the search
backend's own; and a cached search is dropped when a page changes."""

from datetime import date

import pytest
from django.db import connection

from courses.catalogue import ranked_paths
from courses.models import CoursePage, LessonPage
from courses.services import refresh_course_totals
from courses.synthetic import ensure_taxonomy, lesson_body
from tests.conftest import need

pytestmark = pytest.mark.django_db
URL = "/courses/"


def add_course(slug: str, title: str, lessons: list[str], summary: str = "A course.") -> CoursePage:
    """A live course whose lessons each carry one extra Markdown paragraph."""
    terms = ensure_taxonomy()
    course = CoursePage(
        title=title, slug=slug, summary=summary, partner=terms["partners"][0],
        review_by=date(2030, 1, 1),
    )  # fmt: skip
    course.sectors.set([terms["sectors"][0]])
    course.seniority_levels.set([terms["levels"][0]])
    terms["partners"][0].shelf.add_child(instance=course)
    for number, text in enumerate(lessons):
        body = [{"type": "markdown", "value": text}, *lesson_body(number)]
        course.add_child(
            instance=LessonPage(
                title=f"{title}, part {number}", slug=f"part-{number}",
                summary="A lesson.", body=body,
            )
        )  # fmt: skip
    refresh_course_totals(course)
    return course


def titles(client, query: str) -> list[str]:
    page = client.get(URL, {"q": query}).context["courses_page"]
    titles = dict(CoursePage.objects.values_list("pk", "title"))
    return [titles[card.pk] for card in page.object_list]


def test_a_word_only_in_a_lesson_body_finds_its_course(client, library):
    add_course("fens", "Wetland records", ["Plain words.", "The bittern booms at dusk."])
    add_course("hills", "Upland records", ["Nothing about birds here."])
    assert titles(client, "bittern") == ["Wetland records"]
    assert titles(client, "bittern dusk") == ["Wetland records"]  # every word, in one lesson
    assert titles(client, "bittern upland") == []


def test_courses_that_match_come_before_courses_whose_lessons_match(client, library):
    add_course("by-lesson", "Reading the sky", ["A note on the heronry by the lake."])
    add_course("by-title", "The heronry survey", ["Counting nests."])
    add_course("by-summary", "Nesting season", ["Eggs."], summary="Walk to the heronry.")
    found = titles(client, "heronry")
    assert found[-1] == "Reading the sky"
    assert set(found[:2]) == {"The heronry survey", "Nesting season"}


def test_ranking_is_the_search_backends_own(library):
    """The ids-and-paths query ranks exactly as Wagtail's search of the same
    live pages (whose results are whole page objects)."""
    add_course("one", "Heronry one", ["Heronry heronry heronry in the body."])
    add_course("two", "Heronry two", ["Once: heronry."], summary="Heronry again.")
    add_course("three", "Other", ["A heronry, and decisions."])
    for query in ("heronry", "decision", "heronry decisions", "AI", "MHRA", "zzzunfindable"):
        for model in (CoursePage, LessonPage):
            expected = [page.path for page in model.objects.live().search(query)[:200]]
            assert ranked_paths(model, query) == expected, (model.__name__, query)


def test_an_unpublished_lesson_is_no_longer_found_even_when_the_search_was_cached(
    client, library, django_capture_on_commit_callbacks
):
    course = add_course("fens", "Wetland records", ["The bittern booms at dusk."])
    with django_capture_on_commit_callbacks(execute=True):
        assert titles(client, "bittern") == ["Wetland records"]  # and cached
    LessonPage.objects.child_of(course).get().unpublish()
    assert titles(client, "bittern") == []


def test_search_uses_the_gin_index_on_title_and_body_under_postgresql():
    need(connection.vendor == "postgresql", "DATABASE_URL does not point at PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'wagtailsearch_indexentry'"
        )
        definitions = [row[0] for row in cursor.fetchall()]
    assert any("gin" in d and "(title || body)" in d for d in definitions), definitions
