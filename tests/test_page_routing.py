"""Course and lesson pages served with few queries keep Wagtail's rules:
routing by url_path finds what Wagtail's walk down the tree finds (drafts
are 404s), view restrictions still hold, the site kept per process follows
a change to it, and Markdown is rendered when a page is saved, not when it
is shown."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.http import Http404
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page, PageViewRestriction, Site

from content import markdown
from courses.models import CoursePage, LessonPage
from courses.routing import pages_by_url_path
from home.models import HomePage
from lms.core.sites import SiteCache
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(library):
    return CoursePage.objects.get(slug="ai-for-the-board")


@pytest.fixture
def lessons(course):
    return list(LessonPage.objects.child_of(course).live().order_by("path"))


def routed(route, home, path):
    request = RequestFactory().get(path)
    try:
        page = route(home, request, [part for part in path.split("/") if part]).page
    except Http404:
        return None
    return page.pk, type(page)


def test_routing_in_one_query_finds_what_wagtails_walk_finds(course, lessons):
    draft = LessonPage(title="Draft", slug="a-draft", summary="Draft.", body=[], live=False)
    course.add_child(instance=draft)
    hidden_course = CoursePage.objects.exclude(pk=course.pk).live().first()
    hidden_lesson = LessonPage.objects.child_of(hidden_course).live().first()
    hidden_course.unpublish()  # Wagtail still serves its live lessons
    home = HomePage.objects.get()
    paths = ["/", "/courses/", course.get_parent().url, course.url, lessons[0].url, draft.url]
    paths += [hidden_course.url, hidden_lesson.url, "/courses/nowhere/", course.url + "nope/"]
    paths += [lessons[0].url + "deeper/", "/nowhere/at/all/"]
    for path in paths:
        ours = routed(type(home).route, home, path)
        assert ours == routed(Page.route, home, path), path
    assert routed(type(home).route, home, draft.url) is None
    assert routed(type(home).route, home, hidden_lesson.url)[0] == hidden_lesson.pk
    assert Client().get(draft.url).status_code == 404
    assert Client().get(hidden_course.url).status_code == 404


def test_a_routed_lesson_reuses_its_routed_course(client, lessons):
    request = RequestFactory().get(lessons[1].url)
    request._wagtail_site = Site.objects.get(is_default_site=True)
    page = Page.find_for_request(request, lessons[1].url)
    course = page.course
    assert course is page.get_parent() and course.pk == lessons[1].get_parent().pk
    assert course.title and course.total_minutes  # every field, not a deferred stand-in


def test_a_restricted_course_keeps_its_lessons_from_those_not_allowed(client, course, lessons):
    restriction = PageViewRestriction.objects.create(
        page=course, restriction_type=PageViewRestriction.GROUPS
    )
    board = Group.objects.create(name="Board members")
    restriction.groups.add(board)
    assert client.get(lessons[0].url).status_code == 302  # to sign in, as Wagtail does
    assert client.get(course.url).status_code == 302
    client.force_login(UserFactory())
    assert client.get(lessons[0].url).status_code == 302
    client.force_login(UserFactory(groups=[board]))
    response = client.get(lessons[1].url)
    assert response.status_code == 200
    # A lesson in a private section is not public: no previous or next one.
    assert 'rel="prev"' not in response.content.decode()
    assert client.get(course.url).status_code == 200


def test_a_password_on_a_lesson_asks_for_it_and_its_siblings_leave_it_out(client, lessons):
    PageViewRestriction.objects.create(
        page=lessons[1], restriction_type=PageViewRestriction.PASSWORD, password="s3cret"
    )
    response = client.get(lessons[1].url)
    assert response.status_code == 200 and 'name="password"' in response.content.decode()
    assert 'id="lesson-complete"' not in response.content.decode()  # not the lesson itself
    html = client.get(lessons[0].url).content.decode()
    assert f'href="{lessons[1].url}"' not in html  # public() leaves it out of navigation
    assert f'href="{lessons[2].url}" rel="next"' in html


def test_the_kept_site_follows_a_change_in_this_process_and_in_another():
    site = Site.objects.get(is_default_site=True)
    here, elsewhere = SiteCache(), SiteCache()
    assert here.site_for("localhost", 80).site_name == site.site_name
    assert elsewhere.site_for("localhost", 80).site_name == site.site_name
    Site.objects.filter(pk=site.pk).update(site_name="Renamed quietly")
    assert elsewhere.site_for("localhost", 80).site_name == site.site_name  # kept
    site.site_name = "Renamed"
    site.save()  # the signal tells every process through the shared cache
    assert here.site_for("localhost", 80).site_name == "Renamed"
    assert elsewhere.site_for("localhost", 80).site_name == "Renamed"
    home = HomePage.objects.get()
    assert elsewhere.site_for("localhost", 80).root_page.headline == home.headline
    home.headline = "A new headline"
    home.save_revision().publish()  # the root page is kept with the site
    assert elsewhere.site_for("localhost", 80).root_page.headline == "A new headline"


def test_the_kept_site_is_a_copy_per_request():
    kept = SiteCache()
    first, second = kept.site_for("localhost", 80), kept.site_for("localhost", 80)
    assert first is not second and first.root_page is not second.root_page
    assert first.root_page.specific is first.root_page
    first.root_page.title = "Changed by a request"
    assert second.root_page.title != "Changed by a request"


def test_markdown_is_rendered_when_the_lesson_is_saved_not_when_it_is_shown(
    client, course, monkeypatch
):
    lesson = LessonPage(
        title="Stored", slug="stored", summary="Stored.",
        body=[("markdown", "## Stored heading\n\nSome **bold** words.")],
    )  # fmt: skip
    course.add_child(instance=lesson)
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    assert "<h2>Stored heading</h2>" in str(lesson.rendered_markdown["html"])

    def refuse(text):
        raise AssertionError("Markdown rendered while serving a page")

    monkeypatch.setattr(markdown, "render_markdown", refuse)
    cache.delete(lesson.body_cache_key())
    html = client.get(lesson.url).content.decode()
    assert "<h2>Stored heading</h2>" in html and "<strong>bold</strong>" in html
    assert client.get(course.url).status_code == 200

    # A draft's revision carries its own stored HTML, which the preview shows.
    monkeypatch.undo()
    lesson.body = [("markdown", "## Draft heading")]
    lesson.save_revision()
    draft = LessonPage.objects.get(pk=lesson.pk).get_latest_revision_as_object()
    assert "<h2>Draft heading</h2>" in str(draft.rendered_markdown["html"])
    monkeypatch.setattr(markdown, "render_markdown", refuse)
    preview = draft.make_preview_request()
    assert "<h2>Draft heading</h2>" in preview.content.decode()
    assert "<h2>Draft heading</h2>" not in client.get(lesson.url).content.decode()


def test_a_new_body_is_shown_at_once_though_the_old_one_was_kept(client, lessons):
    lesson = lessons[0]
    client.get(lesson.url)  # keeps the body's HTML
    lesson.body.append(("markdown", "A paragraph added later."))
    lesson.save_revision().publish()
    assert "A paragraph added later." in client.get(lesson.url).content.decode()


def test_store_rendered_markdown_fills_pages_that_lack_it(course, lessons):
    LessonPage.objects.filter(pk=lessons[0].pk).update(rendered_markdown={})
    CoursePage.objects.filter(pk=course.pk).update(rendered_markdown={"version": "old"})
    call_command("store_rendered_markdown", stdout=StringIO())
    lesson = LessonPage.objects.get(pk=lessons[0].pk)
    assert lesson.rendered_markdown["version"] == markdown.RENDERING
    assert lesson.rendered_markdown["html"]
    assert CoursePage.objects.get(pk=course.pk).rendered_markdown["version"] == markdown.RENDERING


def test_changing_an_image_drops_the_kept_bodies_of_the_lessons_showing_it(client, course):
    image = get_image_model().objects.create(title="Chart", file=get_test_image_file())
    lesson = LessonPage(
        title="With a chart", slug="with-a-chart", summary="A chart.",
        body=[("image", {"image": image, "alt_text": "A chart", "caption": "Chart"})],
    )  # fmt: skip
    course.add_child(instance=lesson)
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    assert 'alt="A chart"' in client.get(lesson.url).content.decode()
    assert cache.get(lesson.body_cache_key()) is not None
    image.title = "Chart, redrawn"
    image.save()
    assert cache.get(lesson.body_cache_key()) is None


def test_the_route_statement_reads_each_page_as_the_orm_does(library):
    """Every field of every page, as its own type, equal to what the ORM reads
    (dates, booleans and StreamField bodies through the same converters)."""
    pages = Page.objects.filter(depth__gt=1).specific()
    read = {page.pk: page for page in pages_by_url_path([page.url_path for page in pages])}
    assert len(read) == len(pages) > 10
    for page in pages:
        got = read[page.pk]
        assert type(got) is type(page)
        for field in type(page)._meta.concrete_fields:
            assert field.value_from_object(got) == field.value_from_object(page), (
                page.url_path,
                field.name,
            )
        assert got.has_view_restriction is False


def test_a_lessons_neighbours_follow_a_publish_though_they_were_kept(client, course, lessons):
    last = lessons[-1]
    html = client.get(last.url, {"first": 1}).content.decode()
    assert 'rel="next"' not in html  # the last lesson: kept with no next one
    added = LessonPage(title="A lesson added later", slug="added-later", summary="Later.")
    course.add_child(instance=added)
    added.save_revision().publish()
    html = client.get(last.url, {"second": 1}).content.decode()
    assert f'href="{added.url}" rel="next"' in html
    added.unpublish()
    assert added.url not in client.get(last.url, {"third": 1}).content.decode()


def test_a_lesson_missed_by_the_page_cache_reads_only_its_route(client, lessons):
    """With its neighbours and the brand kept, a lesson rendered for a new URL
    (a query string the page cache has not seen) reads one row set: its route."""
    client.get(lessons[1].url, {"warm": 1})
    for lesson in lessons[1:3]:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(lesson.url, {"new": lesson.pk}).status_code == 200
        assert len(captured) == 1, [query["sql"][:80] for query in captured]
