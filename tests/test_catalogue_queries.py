"""The catalogue's queries, unfiltered, filtered and searched: the same number
for a catalogue of 12 synthetic courses as for one of 32, whether the
filter form's choices and the search are cached yet or not, and what the
caches save. A test's transaction never commits, so nothing reaches the
caches unless the test runs the on-commit callbacks (as a committed request
would)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.synthetic import build_catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rendered_pages(settings):
    """These tests count what rendering the catalogue costs: the anonymous
    page cache (tests/test_page_cache.py) would answer them with no query."""
    settings.PAGE_CACHE_ENABLED = False


URL = "/courses/"
SECTOR = "synthetic-sector-1"  # the catalogue builder deals sectors out in turn
PAGES = {
    "catalogue": {},
    "filtered": {"sector": SECTOR, "seniority": "synthetic-level-1"},
    "searched": {"q": "synthetic"},
    "filtered and searched": {"sector": SECTOR, "q": "decision"},
}
TERM_MODELS = 4  # sectors, seniority levels, skills, partners
RANKING_QUERIES = 2  # courses, then lessons


def queries(client, params) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def measure(client, capture_on_commit) -> tuple[dict, dict]:
    """Queries per page with nothing cached, then with the caches filled."""
    cache.clear()
    client.get(URL)  # Wagtail caches its site lookup at once, like any running server
    cold = {name: queries(client, params)[0] for name, params in PAGES.items()}
    with capture_on_commit(execute=True):
        for params in PAGES.values():
            client.get(URL, params)
    warm = {name: queries(client, params)[0] for name, params in PAGES.items()}
    return cold, warm


def test_catalogue_queries_are_the_same_for_12_courses_as_for_32(
    client, library, django_capture_on_commit_callbacks
):
    build_catalogue(lessons=12, lessons_per_course=1)
    small = measure(client, django_capture_on_commit_callbacks)
    build_catalogue(lessons=40, lessons_per_course=2)
    large = measure(client, django_capture_on_commit_callbacks)
    assert large == small
    cold, warm = small
    # Cached, a search costs what the filtered catalogue costs: the courses
    # on the page and what their cards show, nothing per course or lesson.
    # The unfiltered first page shows a starter course with an uploaded
    # cover, whose renditions take one more query.
    first_page = client.get(URL).context["courses_page"].object_list
    covers = int(any(course.cover_image_id for course in first_page))
    assert warm["filtered"] == warm["searched"] == warm["filtered and searched"], warm
    assert warm["catalogue"] == warm["filtered"] + covers
    for name in PAGES:
        ranking = RANKING_QUERIES if "q" in PAGES[name] else 0
        assert cold[name] == warm[name] + TERM_MODELS + ranking, name
    assert warm["catalogue"] <= 13, warm


def test_a_full_page_of_cards_costs_what_two_cards_cost(
    client, library, django_capture_on_commit_callbacks
):
    build_catalogue(lessons=2, lessons_per_course=1, prefix="two")
    with django_capture_on_commit_callbacks(execute=True):
        client.get(URL, {"sector": SECTOR, "q": "synthetic"})
    two, html = queries(client, {"q": "synthetic"})
    assert html.count('<li class="card">') == 2
    build_catalogue(lessons=30, lessons_per_course=1, prefix="more")
    with django_capture_on_commit_callbacks(execute=True):
        client.get(URL, {"q": "synthetic"})
    twelve, html = queries(client, {"q": "synthetic"})
    assert html.count('<li class="card">') == 12
    assert twelve == two


def test_the_view_fetches_what_the_template_shows(
    client, library, django_capture_on_commit_callbacks
):
    """The page of courses is a list, fetched with what each card shows, and
    the form's choices are lists too: the template makes no catalogue query."""
    with django_capture_on_commit_callbacks(execute=True):
        client.get(URL)
    for params in [*PAGES.values(), {"q": "AI"}]:
        context = client.get(URL, params).context
        courses = context["courses_page"].object_list
        assert isinstance(courses, list), params
        with CaptureQueriesContext(connection) as captured:
            for course in courses:
                shown = (course.partner.name, course.cover_image)
                shown += (list(course.sectors.all()), list(course.seniority_levels.all()))
            for field in context["filter_form"]:
                list(field)
        assert [query["sql"] for query in captured] == [], params
