"""The anonymous page cache (lms/core/page_cache.py): anonymous GETs of the
home page, the catalogue (each filtered or paged URL), courses and lessons are
served from the shared cache without a query; every change to what they show
purges them in every process; a signed-in visitor, a visitor with a session,
htmx and non-200 responses never meet it; a cached page sets no cookie and
carries no CSRF or attempt token, and its forms still work."""

import os
import re
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from wagtail.models import PageViewRestriction, Site

from content.models import Brand, Sector
from courses.models import CoursePage, LessonPage
from lms.core import page_cache
from tests.celery_worker import database_url
from tests.conftest import need, using_postgres
from tests.factories import UserFactory, password_for

pytestmark = pytest.mark.django_db
CATALOGUE = "/courses/"


@pytest.fixture
def course(library):
    return CoursePage.objects.get(slug="ai-for-the-board")


@pytest.fixture
def lessons(course):
    return list(LessonPage.objects.child_of(course).live().order_by("path"))


def cached(response) -> str | None:
    return response.get("X-Page-Cache")


def twice(client, url, **kwargs):
    return client.get(url, **kwargs), client.get(url, **kwargs)


def check_of(lesson):
    return next(block for block in lesson.body if block.block_type == "knowledge_check")


def republish(page, **fields):
    for name, value in fields.items():
        setattr(page, name, value)
    page.save_revision().publish()


# A hit: the same bytes, no query


def test_a_hit_serves_the_same_bytes_without_a_query(client, lessons, django_assert_num_queries):
    urls = ["/", CATALOGUE, lessons[0].get_parent().url, lessons[0].url]
    for url in urls:
        first = client.get(url)
        assert (first.status_code, cached(first)) == (200, "miss"), url
        with django_assert_num_queries(0):
            again = client.get(url)
        assert cached(again) == "hit", url
        assert again.content == first.content, url
        assert again["Content-Type"] == first["Content-Type"]
        assert again["Content-Security-Policy"] == first["Content-Security-Policy"]
        # A hit answers before the clickjacking and CSP middleware run: the
        # headers they set come from the stored copy, all of them.
        for header in ("X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"):
            assert again.get(header) == first.get(header) is not None, (url, header)


def test_each_filtered_or_paged_catalogue_url_is_a_copy_of_its_own(client, library):
    health = twice(client, CATALOGUE + "?sector=health-tech")[1]
    assert cached(health) == "hit"
    first_page, second_page = client.get(CATALOGUE + "?page=1"), client.get(CATALOGUE + "?page=2")
    assert (cached(first_page), cached(second_page)) == ("miss", "miss")
    assert first_page.content != second_page.content
    assert client.get(CATALOGUE + "?q=MHRA").content != health.content
    # The same parameters in another order are the same copy.
    one = client.get(CATALOGUE + "?sector=health-tech&length=short")
    other = client.get(CATALOGUE + "?length=short&sector=health-tech")
    assert (cached(one), cached(other)) == ("miss", "hit")
    assert one.content == other.content


# What a cached page carries


def test_an_anonymous_cached_page_sets_no_cookie_and_carries_no_token(client, lessons):
    for response in twice(client, lessons[0].url):
        html = response.content.decode()
        assert not response.cookies
        assert "csrfmiddlewaretoken" not in html and "X-CSRFToken" not in html
        assert 'name="attempt" value=""' in html
        assert "public" in response["Cache-Control"]
        assert f"s-maxage={settings.PAGE_CACHE_PROXY_SECONDS}" in response["Cache-Control"]
        # A proxy keeps it only for requests with the same (no) cookies.
        assert {"Cookie", "HX-Request"} <= {v.strip() for v in response["Vary"].split(",")}
    assert not client.cookies


def test_a_visitor_with_only_a_csrf_cookie_still_gets_the_cached_page(client, lessons):
    sign_in = client.get("/accounts/login/")
    assert cached(sign_in) is None and "csrfmiddlewaretoken" in sign_in.content.decode()
    assert settings.CSRF_COOKIE_NAME in client.cookies
    first, again = twice(client, lessons[0].url)
    assert (cached(first), cached(again)) == ("miss", "hit")
    assert "csrfmiddlewaretoken" not in again.content.decode()


def test_the_switch_turns_it_off(client, lessons, settings):
    settings.PAGE_CACHE_ENABLED = False
    for response in twice(client, lessons[0].url):
        assert cached(response) is None
        assert "csrfmiddlewaretoken" in response.content.decode()


# Who never meets it


def test_a_signed_in_learner_never_gets_the_anonymous_copy(client, lessons):
    url = lessons[0].url
    anonymous = twice(client, url)[1]
    assert cached(anonymous) == "hit"
    client.force_login(UserFactory())
    for response in twice(client, url):
        html = response.content.decode()
        assert cached(response) is None
        assert "Mark complete" in html and "Sign out" in html
        assert "private" in response["Cache-Control"]
        assert re.search(r'name="attempt" value="[0-9a-f]{32}"', html)
        assert "csrfmiddlewaretoken" in html


def test_no_one_gets_another_learners_state(lessons):
    url = lessons[0].url
    ada, bob, anonymous = Client(), Client(), Client()
    ada.force_login(UserFactory())
    bob.force_login(UserFactory())
    done = ada.post(reverse("progress:complete_lesson", args=[lessons[0].pk]))
    assert done.status_code == 302
    assert "Lesson complete." in ada.get(url).content.decode()
    for response in twice(anonymous, url):
        html = response.content.decode()
        assert "Lesson complete." not in html and "Mark complete" not in html
    bobs = bob.get(url).content.decode()
    assert "Mark complete" in bobs and "Lesson complete." not in bobs
    assert "Lesson complete." in ada.get(url).content.decode()


def test_a_visitor_with_a_session_or_a_message_is_served_afresh(client, lessons):
    url = lessons[0].url
    twice(Client(), url)  # cached for others
    session = client.session
    session["half_way_through_sign_up"] = True
    session.save()
    for response in twice(client, url):
        assert cached(response) is None
        assert "csrfmiddlewaretoken" in response.content.decode()
    with_message = Client()
    with_message.cookies["messages"] = "anything"
    assert cached(with_message.get(url)) is None


def test_htmx_posts_and_errors_are_never_cached(client, lessons):
    fragment = twice(client, CATALOGUE, headers={"HX-Request": "true"})[1]
    assert cached(fragment) is None and "<html" not in fragment.content.decode()
    page = client.get(CATALOGUE)
    assert cached(page) == "miss" and "<html" in page.content.decode()
    missing = twice(client, "/courses/no-such-course/")[1]
    assert (missing.status_code, cached(missing)) == (404, None)
    check = check_of(lessons[0])
    answer = {"check": check.id, "answer": 1}
    posted = client.post(reverse("progress:answer_check", args=[lessons[0].pk]), answer)
    assert cached(posted) is None


def test_a_preview_is_neither_served_from_nor_stored_in_the_cache(client, lessons):
    url = lessons[0].url
    twice(client, url)
    draft = LessonPage.objects.get(pk=lessons[0].pk)
    draft.title = "Only in the preview"
    preview = draft.make_preview_request()
    assert cached(preview) is None
    assert "Only in the preview" in preview.content.decode()
    response = client.get(url)
    assert cached(response) == "hit" and "Only in the preview" not in response.content.decode()


def test_a_password_protected_page_keeps_its_form_token_and_is_not_stored(client, course):
    PageViewRestriction.objects.create(
        page=course, restriction_type=PageViewRestriction.PASSWORD, password="sesame"
    )
    for response in twice(client, course.url):
        assert cached(response) is None
        assert "csrfmiddlewaretoken" in response.content.decode()


# Forms on cached pages


def test_an_anonymous_answer_needs_no_csrf_cookie_a_signed_in_one_does(lessons):
    lesson = lessons[0]
    check = check_of(lesson)
    url = reverse("progress:answer_check", args=[lesson.pk])
    visitor = Client(enforce_csrf_checks=True)
    page = twice(visitor, lesson.url)[1]
    assert cached(page) == "hit" and not visitor.cookies
    answered = visitor.post(url, {"check": check.id, "answer": 1})
    assert answered.status_code in (200, 422)
    assert "check__feedback" in answered.content.decode()

    learner = Client(enforce_csrf_checks=True)
    learner.force_login(UserFactory())
    assert learner.post(url, {"check": check.id, "answer": 1}).status_code == 403
    learner.get(lesson.url)  # a signed-in page: sets the CSRF cookie
    token = learner.cookies[settings.CSRF_COOKIE_NAME].value
    answered = learner.post(url, {"check": check.id, "answer": 1}, headers={"X-CSRFToken": token})
    assert answered.status_code == 200


def test_a_visitor_from_a_cached_page_signs_in_with_the_sign_in_forms_token(lessons):
    user = UserFactory(verified=True)
    visitor = Client(enforce_csrf_checks=True)
    assert cached(twice(visitor, lessons[0].url)[1]) == "hit"
    sign_in = visitor.get("/accounts/login/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', sign_in).group(1)
    response = visitor.post(
        "/accounts/login/",
        {"login": user.email, "password": password_for(user.email), "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    page = visitor.get(lessons[0].url)
    assert cached(page) is None and "Mark complete" in page.content.decode()


# Purges


def test_publishing_unpublishing_moving_and_deleting_purge(client, course, lessons):
    first, last = lessons[0], lessons[-1]
    twice(client, first.url), twice(client, course.url), twice(client, CATALOGUE)

    republish(first, title="A title just published")
    assert cached(page := client.get(first.url)) == "miss"
    assert "A title just published" in page.content.decode()
    assert "A title just published" in client.get(course.url).content.decode()

    twice(client, last.url)
    last.unpublish()
    assert client.get(last.url).status_code == 404
    card = client.get(CATALOGUE).content.decode()
    assert f"{len(lessons) - 1} lessons" in card

    other = CoursePage.objects.live().exclude(pk=course.pk).first()
    twice(client, first.url)
    old_url = first.url
    LessonPage.objects.get(pk=first.pk).move(other, pos="last-child")
    moved_away = client.get(old_url)  # Wagtail redirects a moved page's old URL
    assert (moved_away.status_code, cached(moved_away)) == (301, None)

    moved = LessonPage.objects.get(pk=first.pk)
    twice(client, moved.url)
    moved.delete()
    assert client.get(moved.url).status_code == 404


def test_editing_a_snippet_or_the_brand_purges(client, library):
    sector = Sector.objects.get(slug="health-tech")
    twice(client, CATALOGUE), twice(client, "/")
    sector.name = "Health and care technology"
    sector.save()
    assert "Health and care technology" in client.get(CATALOGUE).content.decode()

    brand = Brand.for_site(Site.objects.get(is_default_site=True))
    twice(client, "/")
    brand.name = "Skills Hub North"
    brand.save()
    assert "Skills Hub North" in client.get("/").content.decode()


def test_making_a_page_private_purges(client, course):
    twice(client, course.url)
    PageViewRestriction.objects.create(page=course, restriction_type=PageViewRestriction.LOGIN)
    assert client.get(course.url).status_code == 302


def test_saving_a_draft_does_not_purge(client, lessons):
    twice(client, lessons[0].url)
    lesson = LessonPage.objects.get(pk=lessons[0].pk)
    lesson.title = "Draft only"
    lesson.save_revision()
    response = client.get(lessons[0].url)
    assert cached(response) == "hit" and "Draft only" not in response.content.decode()


# On a second process, through Redis


def in_another_process(code: str) -> str:
    """Run `code` in a new Python process on the test database, with the
    cache on the same Redis (lms.settings.test, FMA_TEST_SHARED_CACHE)."""
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="lms.settings.test",
        DATABASE_URL=database_url(),
        FMA_TEST_SHARED_CACHE="1",
    )
    script = "import django\ndjango.setup()\n" + textwrap.dedent(code)
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def lesson_count_on_card(html: str, course) -> int:
    found = re.search(
        rf"{re.escape(escape(course.title))}</a></h3>\s*<p class=\"card__meta\">(\d+) lesson", html
    )
    assert found, "the course's card is not in the catalogue"
    return int(found.group(1))


def test_publishing_in_another_process_changes_the_cached_pages_here_at_once(
    starter_library, settings
):
    need(using_postgres(), "a second process needs the test database on PostgreSQL")
    need(bool(os.environ.get("REDIS_URL")), "the shared cache is Redis: set REDIS_URL")
    settings.CACHES = {
        "default": {
            "BACKEND": "lms.core.cache.ResilientRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
    page_cache.purge()
    course = CoursePage.objects.get(slug="ai-for-the-board")
    last = LessonPage.objects.child_of(course).live().order_by("path").last()
    count = course.lesson_count
    client = Client()
    for url in (CATALOGUE, last.url):
        assert [cached(r) for r in twice(client, url)] == ["miss", "hit"]
    assert lesson_count_on_card(client.get(CATALOGUE).content.decode(), course) == count

    # An editor's process publishes a new lesson at the end of the course.
    in_another_process(
        f"""
        from courses.models import LessonPage
        last = LessonPage.objects.get(pk={last.pk})
        new = last.copy(update_attrs={{"slug": "published-elsewhere",
                                       "title": "Published elsewhere"}}, keep_live=False)
        new.save_revision().publish()
        """
    )
    catalogue = client.get(CATALOGUE)
    assert cached(catalogue) == "miss"
    assert lesson_count_on_card(catalogue.content.decode(), course) == count + 1
    lesson = client.get(last.url)
    assert cached(lesson) == "miss"
    html = lesson.content.decode()
    assert f"Lesson {count} of {count + 1}" in html and "Published elsewhere" in html

    # And the copy this process stored is the one the other process serves.
    served = in_another_process(
        f"""
        from django.test import Client
        response = Client().get("{last.url}")
        print(response["X-Page-Cache"], "Published elsewhere" in response.content.decode())
        """
    )
    assert served.split() == ["hit", "True"]

    # A title edited and published there shows here at once.
    in_another_process(
        f"""
        from courses.models import LessonPage
        lesson = LessonPage.objects.get(pk={last.pk})
        lesson.title = "Retitled elsewhere"
        lesson.save_revision().publish()
        """
    )
    assert "Retitled elsewhere" in client.get(last.url).content.decode()
