import re

import pytest

pytestmark = pytest.mark.django_db

URL = "/courses/"


def titles(response):
    return [course.title for course in response.context["courses_page"].object_list]


def test_catalogue_lists_every_live_course(client, library):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["courses_page"].paginator.count >= 8
    assert b"<html" in response.content


def test_filter_by_sector_shows_only_that_sector(client, library):
    response = client.get(URL, {"sector": "health-tech"})
    courses = response.context["courses_page"].object_list
    assert courses
    for course in courses:
        assert "health-tech" in [sector.slug for sector in course.sectors.all()]


def test_filters_combine_and_stay_checked_in_the_form(client, library):
    response = client.get(URL, {"sector": "cross-sector", "seniority": "board"})
    for course in response.context["courses_page"].object_list:
        assert "board" in [level.slug for level in course.seniority_levels.all()]
        assert "cross-sector" in [sector.slug for sector in course.sectors.all()]
    html = response.content.decode()
    # Only the two chosen boxes are ticked (course summaries may say "checked" too).
    assert len(re.findall(r"<input[^>]*\schecked[\s>]", html)) == 2
    assert 'value="board"' in html


def test_filter_by_skill_partner_and_length(client, library):
    by_skill = titles(client.get(URL, {"skill": "buying-ai"}))
    assert by_skill and len(by_skill) < len(titles(client.get(URL)))
    by_partner = client.get(URL, {"partner": "northfield-college"}).context["courses_page"]
    assert all(course.partner.slug == "northfield-college" for course in by_partner.object_list)
    short = client.get(URL, {"length": "short"}).context["courses_page"].object_list
    assert all(course.total_seconds <= 600 for course in short)
    long = client.get(URL, {"length": "long"}).context["courses_page"].object_list
    assert all(course.total_seconds > 1200 for course in long)


def test_search_finds_courses_by_words_inside_their_lessons(client, library):
    found = titles(client.get(URL, {"q": "MHRA"}))
    assert "AI in diagnostics and care pathways" in found
    assert titles(client.get(URL, {"q": "zzzunfindablezzz"})) == []


def test_htmx_request_gets_only_the_results_fragment(client, library):
    response = client.get(URL, {"sector": "health-tech"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="results"')
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]


def test_history_restore_gets_the_full_page(client, library):
    response = client.get(
        URL,
        {"sector": "health-tech"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert b"<html" in response.content


def test_unknown_filter_value_is_explained_and_the_rest_still_applies(client, library):
    response = client.get(URL, {"sector": ["health-tech", "space-tech"], "seniority": "board"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Some filters were not recognised" in html
    assert "space-tech is not one of the available choices" in html


def test_filter_form_works_without_javascript(client, library):
    html = client.get(URL).content.decode()
    assert 'method="get" action="/courses/"' in html
    assert '<button type="submit" class="button">Apply filters</button>' in html


def test_search_uses_postgresql_full_text_under_postgresql():
    from django.db import connection
    from wagtail.search.backends import get_search_backend

    from tests.conftest import need

    need(connection.vendor == "postgresql", "DATABASE_URL does not point at PostgreSQL")
    backend = get_search_backend()
    assert "postgres" in type(backend).__module__, type(backend)
