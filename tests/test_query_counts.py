"""Queries per page do not grow with what the page shows, nor with the size of
the catalogue. Each figure compares pages that show different numbers of
items (2 cards against 12, a course of 2 lessons against one of 12), and a
catalogue before and after 20 more courses, so a query made per card, per
lesson or per course shows up as a difference (20 is enough to show it; 500
real pages took half a minute and showed nothing more)."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from courses.models import CoursePage, LessonPage
from courses.synthetic import build_catalogue
from lms.cohorts.models import Cohort, Programme
from lms.cohorts.services import join
from lms.core import page_cache
from lms.pathways.models import Pathway, PathwayItem
from lms.progress.services import complete_lesson
from tests.nudge_fixtures import make_learner

pytestmark = pytest.mark.django_db
CARD = re.compile(r'<li class="card[" ]')
SECTOR = "synthetic-sector-1"  # the catalogue builder deals sectors out in turn


def measure(client, url, **params):
    page_cache.purge()  # the page as rendered, not its copy in the anonymous page cache
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, url
    return len(captured), response.content.decode()


def cards(client, **params):
    queries, html = measure(client, "/courses/", **params)
    return queries, len(CARD.findall(html))


def course_and_lesson(client, slug):
    course = CoursePage.objects.get(slug=slug)
    lessons = list(LessonPage.objects.child_of(course).order_by("path"))
    course_queries, html = measure(client, course.url)
    lesson_queries, _ = measure(client, lessons[1].url)
    return course_queries, lesson_queries, len(lessons), html.count(lessons[-1].title)


def test_pages_make_the_same_queries_for_2_items_as_for_12_and_with_20_more_courses(
    client, library
):
    build_catalogue(lessons=8, lessons_per_course=1, prefix="one")  # courses 1 and 5 in SECTOR
    build_catalogue(lessons=2, lessons_per_course=2, prefix="two")
    client.get("/courses/")  # warm the site-root cache like any running server
    small = {
        "filtered": cards(client, sector=SECTOR),
        "search": cards(client, sector=SECTOR, q="synthetic"),
        "course and lesson": course_and_lesson(client, "two-course-0"),
    }
    assert {name: shown[1] for name, shown in small.items() if name != "course and lesson"} == {
        "filtered": 2,
        "search": 2,
    }
    assert small["course and lesson"][2:] == (2, 1)

    build_catalogue(lessons=40, lessons_per_course=1, prefix="one")  # ten more in SECTOR
    build_catalogue(lessons=12, lessons_per_course=12, prefix="twelve")
    build_catalogue(lessons=20, lessons_per_course=1, prefix="bulk")
    assert CoursePage.objects.filter(slug__startswith="bulk-course-").count() == 20
    large = {
        "filtered": cards(client, sector=SECTOR),
        "search": cards(client, sector=SECTOR, q="synthetic"),
        "course and lesson": course_and_lesson(client, "twelve-course-0"),
    }
    assert large["filtered"][1] == large["search"][1] == 12  # a full page of cards
    assert large["course and lesson"][2:] == (12, 1)
    assert {name: shown[0] for name, shown in large.items()} == {
        name: shown[0] for name, shown in small.items()
    }
    assert large["course and lesson"][1] == small["course and lesson"][1]  # the lesson page
    queries = [shown[0] for shown in small.values()] + [small["course and lesson"][1]]
    assert max(queries) <= 25, small


def test_the_whole_catalogue_makes_no_more_queries_with_20_more_courses(client, library):
    client.get("/courses/")
    before = {
        "catalogue": cards(client)[0],
        "length": cards(client, length="short")[0],
        "search": cards(client, q="decision")[0],
    }
    build_catalogue(lessons=20, lessons_per_course=1)
    after = {
        "catalogue": cards(client)[0],
        "length": cards(client, length="short")[0],
        "search": cards(client, q="decision")[0],
    }
    # No more: it can be one fewer when no card on the first page has an
    # uploaded cover (Django skips the renditions prefetch); the one short
    # starter course with a cover sorts after twelve synthetic ones.
    assert {name: min(after[name], queries) for name, queries in before.items()} == after


def test_pathway_page_and_dashboard_make_the_same_queries_for_2_lessons_as_for_20(
    client, library, django_user_model
):
    """A learner in a cohort whose pathway is one course of 2 lessons (one of
    them done), then of 20 (ten done) plus a lesson step: the pathway page,
    the cohort page and the dashboard make the same number of queries."""
    build_catalogue(lessons=2, lessons_per_course=2, prefix="path-two")
    build_catalogue(lessons=20, lessons_per_course=20, prefix="path-twenty")
    learner = make_learner(django_user_model, "pathway.queries@example.com")
    client.force_login(learner)
    pathway = Pathway.objects.create(title="Measured pathway", slug="measured")
    cohort = Cohort.objects.create(
        name="Measured", programme=Programme.objects.create(name="Measured"), pathway=pathway,
        starts_on="2026-01-05", ends_on="2027-12-31",
    )  # fmt: skip
    join(cohort, learner)

    def lessons(slug):
        return list(LessonPage.objects.child_of(CoursePage.objects.get(slug=slug)).order_by("path"))

    def shown():
        pages = {
            "pathway": measure(client, "/pathways/measured/"),
            "cohort": measure(client, f"/cohorts/{cohort.pk}/"),
            "dashboard": measure(client, "/dashboard/"),
        }
        return {name: queries for name, (queries, _) in pages.items()}, pages["pathway"][1]

    two = lessons("path-two-course-0")
    PathwayItem.objects.create(pathway=pathway, course=two[0].course, sort_order=0)
    complete_lesson(learner, two[0])
    client.get("/pathways/measured/")  # warm the site-root cache like any running server
    small, html = shown()
    assert html.count('class="pathway-lesson ') == 2

    PathwayItem.objects.filter(pathway=pathway).delete()
    twenty = lessons("path-twenty-course-0")
    PathwayItem.objects.create(pathway=pathway, course=twenty[0].course, sort_order=0)
    PathwayItem.objects.create(pathway=pathway, lesson=two[1], sort_order=1)
    for lesson in twenty[:10]:
        complete_lesson(learner, lesson)
    large, html = shown()
    assert html.count('class="pathway-lesson ') == 21
    assert "10 of 21 lessons" in html
    assert large == small
    assert small["pathway"] <= 15, small


def lesson_and_course_queries(client, learner_client, slug):
    """Queries of a course page, its second lesson (anonymous, then signed in
    and already started), and the lesson again with its body not in the
    cache: each page opened once first, as on a running server."""
    course = CoursePage.objects.get(slug=slug)
    lesson = LessonPage.objects.child_of(course).order_by("path")[1]
    for each in (client, learner_client):
        each.get(course.url)
        each.get(lesson.url)
    counts = {
        "course": measure(client, course.url)[0],
        "lesson": measure(client, lesson.url)[0],
        "signed-in lesson": measure(learner_client, lesson.url)[0],
    }
    cache.delete(lesson.body_cache_key())
    counts["lesson, body not cached"] = measure(client, lesson.url)[0]
    return counts


def test_course_and_lesson_pages_make_few_queries_the_same_at_two_sizes(
    client, library, django_user_model
):
    """Routing is one query, the site is kept per process, the lesson's
    navigation and the learner's progress are two: an anonymous lesson at most
    6 queries, a signed-in one at most 9, and neither (nor the course page)
    grows with the course or the catalogue."""
    learner_client = Client()
    learner_client.force_login(make_learner(django_user_model, "counted@example.com"))
    build_catalogue(lessons=2, lessons_per_course=2, prefix="small")
    client.get("/courses/")  # warm the kept site like any running server
    small = lesson_and_course_queries(client, learner_client, "small-course-0")

    build_catalogue(lessons=12, lessons_per_course=12, prefix="large")
    build_catalogue(lessons=40, lessons_per_course=2, prefix="bulk")
    large = lesson_and_course_queries(client, learner_client, "large-course-0")

    assert large == small
    assert small["lesson"] <= 6 and small["lesson, body not cached"] <= 6, small
    assert small["signed-in lesson"] <= 9, small
