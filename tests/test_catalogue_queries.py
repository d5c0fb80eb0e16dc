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
from django.utils.html import escape

from courses.catalogue import FACETS
from courses.models import CoursePage
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
    first_page = [card.pk for card in client.get(URL).context["courses_page"].object_list]
    covers = int(CoursePage.objects.filter(pk__in=first_page, cover_image__isnull=False).exists())
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


def test_the_view_renders_what_the_template_shows(
    client, library, django_capture_on_commit_callbacks
):
    """The page of courses is a list of rendered cards and the filter boxes
    are rendered too: the template has nothing left to query."""
    with django_capture_on_commit_callbacks(execute=True):
        client.get(URL)
    titles = dict(CoursePage.objects.values_list("pk", "title"))
    for params in [{}, {"sector": "health-tech"}, {"q": "AI"}]:
        context = client.get(URL, params).context
        cards = context["courses_page"].object_list
        assert isinstance(cards, list) and cards, params
        for card in cards:
            assert card.html.startswith('<li class="card">'), params
            assert escape(titles[card.pk]) in card.html
        assert context["filters_html"].count('<fieldset class="facet">') == len(FACETS)


def test_cards_and_filters_are_kept_until_a_publish_changes_them(
    client, library, settings, django_capture_on_commit_callbacks
):
    """With the page cache on, a catalogue URL it has not seen (another
    filter, another page) renders from the kept cards and filter boxes: the
    route, the restrictions, the ids. Publishing a course changes its card
    at once."""
    settings.PAGE_CACHE_ENABLED = True
    with django_capture_on_commit_callbacks(execute=True):  # the form's choices are kept
        client.get(URL, {"first": 1})
    with CaptureQueriesContext(connection) as captured:
        html = client.get(URL, {"second": 1}).content.decode()
    assert len(captured) == 3, [query["sql"][:90] for query in captured]
    course = CoursePage.objects.live().order_by("title").first()
    assert escape(course.title) in html
    course.title = "A retitled course"
    course.save_revision().publish()
    assert "A retitled course" in client.get(URL, {"third": 1}).content.decode()
