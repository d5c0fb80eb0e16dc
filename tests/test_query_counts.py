"""Queries per page do not grow with the size of the catalogue."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import CoursePage, LessonPage
from courses.synthetic import build_catalogue

pytestmark = pytest.mark.django_db


def queries_for(client, url, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, url
    return len(captured)


def page_counts(client):
    course = CoursePage.objects.get(slug="synthetic-course-1")
    lesson = LessonPage.objects.child_of(course).order_by("path")[2]
    client.get("/courses/")  # warm the site-root cache like any running server
    return {
        "catalogue": queries_for(client, "/courses/"),
        "filtered": queries_for(client, "/courses/", sector="synthetic-sector-1", length="short"),
        "search": queries_for(client, "/courses/", q="decision"),
        "course": queries_for(client, course.url),
        "lesson": queries_for(client, lesson.url),
    }


def test_page_queries_are_the_same_at_10_and_500_lessons(client, library):
    build_catalogue(lessons=10)
    small = page_counts(client)
    build_catalogue(lessons=490)
    assert LessonPage.objects.filter(slug__startswith="lesson-").count() >= 500
    large = page_counts(client)
    assert large == small
    assert max(small.values()) <= 25, small


def test_course_page_queries_do_not_grow_with_its_lessons(client, library):
    build_catalogue(lessons=3, lessons_per_course=3, prefix="few")
    build_catalogue(lessons=60, lessons_per_course=60, prefix="many")
    few = queries_for(client, CoursePage.objects.get(slug="few-course-0").url)
    many = queries_for(client, CoursePage.objects.get(slug="many-course-0").url)
    assert few == many
