import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils.html import escape

from content.models import Sector, SeniorityLevel
from courses.models import CoursePage, LessonPage

pytestmark = pytest.mark.django_db

URL = "/courses/"


def shown(response) -> list[CoursePage]:
    """The courses whose cards the page shows, in order."""
    ids = [card.pk for card in response.context["courses_page"].object_list]
    found = CoursePage.objects.in_bulk(ids)
    return [found[pk] for pk in ids]


def ids(response) -> list[int]:
    """Every course the filters found, on every page."""
    return response.context["courses_page"].paginator.object_list


def titles(response):
    return [course.title for course in shown(response)]


def test_catalogue_lists_every_live_course(client, library):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["courses_page"].paginator.count >= 8
    assert b"<html" in response.content


def test_filter_by_sector_shows_only_that_sector(client, library):
    response = client.get(URL, {"sector": "health-tech"})
    courses = shown(response)
    assert courses
    for course in courses:
        assert "health-tech" in [sector.slug for sector in course.sectors.all()]


def test_filters_combine_and_stay_checked_in_the_form(client, library):
    response = client.get(URL, {"sector": "cross-sector", "seniority": "board"})
    for course in shown(response):
        assert "board" in [level.slug for level in course.seniority_levels.all()]
        assert "cross-sector" in [sector.slug for sector in course.sectors.all()]
    html = response.content.decode()
    # Only the two chosen boxes are ticked (course summaries may say "checked" too).
    assert len(re.findall(r"<input[^>]*\schecked[\s>]", html)) == 2
    assert 'value="board"' in html


def test_filter_by_skill_partner_and_length(client, library):
    by_skill = titles(client.get(URL, {"skill": "buying-ai"}))
    assert by_skill and len(by_skill) < len(titles(client.get(URL)))
    by_partner = shown(client.get(URL, {"partner": "northfield-college"}))
    assert all(course.partner.slug == "northfield-college" for course in by_partner)
    short = shown(client.get(URL, {"length": "short"}))
    assert all(course.total_minutes <= 10 for course in short)
    long = shown(client.get(URL, {"length": "long"}))
    assert all(course.total_minutes > 20 for course in long)


def test_length_filter_counts_the_minutes_the_course_shows(client, library):
    """The length buckets use the course's minutes as listed (the sum of its
    lessons' rounded minutes), the figure on its card and its page."""
    by_bucket = {
        key: set(
            CoursePage.objects.filter(pk__in=ids(client.get(URL, {"length": key}))).values_list(
                "title", flat=True
            )
        )
        for key in ("short", "medium", "long")
    }
    for course in CoursePage.objects.live():
        lessons = LessonPage.objects.child_of(course).live()
        listed = sum(lesson.reading_minutes for lesson in lessons)
        assert course.total_minutes == listed, course.title
        expected = "short" if listed <= 10 else "medium" if listed <= 20 else "long"
        assert [key for key, found in by_bucket.items() if course.title in found] == [expected]


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


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def hrefs(html: str, text: str) -> list[str]:
    """The href of every link whose text (tags stripped) contains `text`."""
    found = []
    for href, inner in re.findall(r'<a[^>]*href="([^"]*)"[^>]*>(.*?)</a>', html, re.S):
        if text in text_of(inner):
            found.append(href.replace("&amp;", "&"))
    return found


def test_empty_facet_value_is_ignored_without_an_error(client, library):
    everything = client.get(URL).context["courses_page"].paginator.count
    for facet in ("partner", "sector", "seniority", "skill", "length"):
        response = client.get(f"{URL}?{facet}=")
        html = response.content.decode()
        assert response.status_code == 200
        assert "not recognised" not in html and 'role="alert"' not in html, facet
        assert response.context["courses_page"].paginator.count == everything
        assert response.context["filter_count"] == 0


def test_results_come_before_the_filters_behind_a_disclosure_counting_them(client, library):
    html = client.get(URL, {"sector": "health-tech", "seniority": "board"}).content.decode()
    results, disclosure = html.index('<section id="results"'), html.index("<details")
    assert html.index('id="id_q"') < results < disclosure < html.index('name="sector"')
    summary = re.search(r"<summary[^>]*>(.*?)</summary>", html, re.S).group(1)
    assert text_of(summary).strip() == "Filters (2)"
    assert "<details" in html and "<details open" not in html  # closed until asked for
    heading = text_of(re.search(r'<h2 id="results-heading".*?</h2>', html, re.S).group(0))
    assert re.fullmatch(r" ?\d+ courses? match(es)? your 2 filters ?", heading), heading


def test_each_chip_removes_exactly_its_own_filter(client, library):
    params = {"sector": ["health-tech", "cross-sector"], "seniority": "board", "q": "AI"}
    html = client.get(URL, params).content.decode()
    chips = {
        text_of(label).strip(): parse_qs(urlsplit(href.replace("&amp;", "&")).query)
        for href, label in re.findall(r'<a class="chip" href="([^"]*)">(.*?)</a>', html, re.S)
    }
    health, cross = (Sector.objects.get(slug=slug).name for slug in ("health-tech", "cross-sector"))
    board = SeniorityLevel.objects.get(slug="board").name
    assert set(chips) == {f"Remove filter: {name} ×" for name in (health, cross, board)}
    assert chips[f"Remove filter: {health} ×"] == {
        "q": ["AI"],
        "sector": ["cross-sector"],
        "seniority": ["board"],
    }
    assert chips[f"Remove filter: {cross} ×"] == {
        "q": ["AI"],
        "sector": ["health-tech"],
        "seniority": ["board"],
    }
    assert chips[f"Remove filter: {board} ×"] == {
        "q": ["AI"],
        "sector": ["health-tech", "cross-sector"],
    }
    assert hrefs(html, "Clear all filters") == [f"{URL}?q=AI"] * 2  # by the chips and the form


def test_empty_search_names_what_was_searched_and_offers_to_clear_it(client, library):
    params = {"q": "zzzunfindablezzz", "sector": "health-tech", "seniority": "board"}
    html = client.get(URL, params).content.decode()
    assert "No course matches “zzzunfindablezzz” with 2 filters." in text_of(html)
    assert hrefs(html, "Clear the search") == [f"{URL}?sector=health-tech&seniority=board"]
    assert hrefs(html, "Clear the filters") == [f"{URL}?q=zzzunfindablezzz"]
    only_search = client.get(URL, {"q": "zzzunfindablezzz"}).content.decode()
    assert "No course matches “zzzunfindablezzz”." in text_of(only_search)
    assert hrefs(only_search, "Clear the search") == [URL]


def test_searched_words_are_escaped(client, library):
    html = client.get(URL, {"q": '<b>"x"</b>'}).content.decode()
    assert "<b>" not in html.split('id="results"')[1]
    assert escape('<b>"x"</b>') in html


def test_htmx_fragment_updates_the_filter_count_out_of_band(client, library):
    response = client.get(
        URL, {"sector": "health-tech", "length": "short"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert '<span id="filter-count" hx-swap-oob="true">(2)</span>' in html
    assert 'class="chip"' in html
    full = client.get(URL, {"sector": "health-tech"}).content.decode()
    assert "hx-swap-oob" not in full
