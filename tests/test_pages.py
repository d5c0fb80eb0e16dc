import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.html import escape
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import PageViewRestriction

from content.models import Partner
from courses.models import CoursePage, LessonPage
from lms.progress.models import LessonProgress

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(library):
    return CoursePage.objects.get(slug="ai-for-the-board")


@pytest.fixture
def lessons(course):
    return list(LessonPage.objects.child_of(course).live().order_by("path"))


def answer_url(lesson):
    return reverse("progress:answer_check", args=[lesson.pk])


def check_of(lesson):
    return next(block for block in lesson.body if block.block_type == "knowledge_check")


def test_course_page_lists_lessons_in_order_with_minutes(client, course, lessons):
    html = client.get(course.url).content.decode()
    positions = [html.index(escape(lesson.title)) for lesson in lessons]
    assert positions == sorted(positions)
    for lesson in lessons:
        assert f"{lesson.reading_minutes} min" in html
    assert course.partner.name in html


def test_lesson_page_renders_every_block_and_navigation(client, lessons):
    first, second = lessons[0], lessons[1]
    html = client.get(second.url).content.decode()
    assert f"{second.reading_minutes} min read" in html
    for label in ("Key takeaway", "Knowledge check", "Action for your organisation", "Sources"):
        assert label in html
    assert f'href="{first.url}" rel="prev"' in html
    assert f'href="{lessons[2].url}" rel="next"' in html
    assert 'rel="prev"' not in client.get(first.url).content.decode()


def test_knowledge_check_without_javascript_posts_and_shows_feedback(client, lessons):
    lesson = lessons[0]
    check = check_of(lesson)
    right = min(check.value.correct_options())
    wrong = next(
        n
        for n in range(1, len(check.value["options"]) + 1)
        if n not in check.value.correct_options()
    )
    response = client.post(answer_url(lesson), {"check": check.id, "answer": wrong})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html and "Not quite — you chose" in html
    assert check.value["explanation"][:40] in html
    response = client.post(answer_url(lesson), {"check": check.id, "answer": right})
    assert "Correct." in response.content.decode()


def test_knowledge_check_with_htmx_returns_only_the_check(client, lessons):
    lesson = lessons[0]
    check = check_of(lesson)
    answers = sorted(check.value.correct_options())
    response = client.post(
        answer_url(lesson), {"check": check.id, "answer": answers}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.startswith(f'<section class="check" id="check-{check.id}"')
    assert "Correct." in html and "<html" not in html


def test_knowledge_check_with_no_answer_asks_for_one(client, lessons):
    lesson = lessons[0]
    response = client.post(
        answer_url(lesson), {"check": check_of(lesson).id}, headers={"HX-Request": "true"}
    )
    # 200 so that htmx swaps the message in (it drops 4xx responses by default).
    assert response.status_code == 200
    assert "Choose an answer, then check it." in response.content.decode()
    response = client.post(answer_url(lesson), {"check": check_of(lesson).id})
    assert response.status_code == 422
    assert "Choose an answer, then check it." in response.content.decode()


def test_answer_to_an_unknown_check_is_a_bad_request(client, lessons):
    response = client.post(answer_url(lessons[0]), {"check": "nope", "answer": "1"})
    assert response.status_code == 400


def test_home_page_links_to_catalogue(client, library):
    html = client.get("/").content.decode()
    assert 'href="/courses/"' in html


def test_lesson_actions_take_posts_only_and_only_for_live_lessons(client, lessons):
    lesson = lessons[0]
    complete = reverse("progress:complete_lesson", args=[lesson.pk])
    assert client.get(answer_url(lesson)).status_code == 405
    assert client.get(complete).status_code == 405
    assert client.post(lesson.url, {"check": check_of(lesson).id}).status_code == 405
    lesson.unpublish()
    assert client.post(answer_url(lesson), {"check": check_of(lesson).id}).status_code == 404
    assert client.post(complete).status_code == 404


def test_a_lesson_restricted_to_a_group_is_neither_started_nor_answered_by_others(
    client, lessons, django_user_model
):
    lesson = lessons[0]
    restriction = PageViewRestriction.objects.create(
        page=lesson, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(Group.objects.create(name="Board members"))
    client.force_login(django_user_model.objects.create_user("outsider@example.com"))
    assert client.get(lesson.url).status_code == 302  # to sign-in, as Wagtail does
    answer = client.post(answer_url(lesson), {"check": check_of(lesson).id, "answer": "1"})
    complete = client.post(reverse("progress:complete_lesson", args=[lesson.pk]))
    assert (answer.status_code, complete.status_code) == (404, 404)
    assert not LessonProgress.objects.exists()


def test_course_page_goes_back_to_the_catalogue_not_the_partner_shelf(client, course, library):
    html = client.get(course.url).content.decode()
    back = re.search(
        r'<nav aria-label="Breadcrumb"[^>]*>\s*<a href="([^"]+)">All courses</a>', html
    )
    assert back and back.group(1) == library.url
    assert back.group(1) != course.get_parent().url


def test_course_length_is_the_sum_of_its_lessons_minutes_as_listed(client, library):
    for course in CoursePage.objects.live():
        html = client.get(course.url).content.decode()
        listed = [int(m) for m in re.findall(r'<span class="minutes">(\d+) min</span>', html)]
        assert listed, course.title
        shown = re.search(r"(\d+) lessons? · (\d+) minutes?", html)
        assert shown, course.title
        assert (int(shown.group(1)), int(shown.group(2))) == (len(listed), sum(listed))
        assert course.total_minutes == sum(listed)  # what its card and the length filter use


def test_course_page_shows_the_partner_linked_to_its_shelf(client, course):
    shelf = course.get_parent()
    html = client.get(course.url).content.decode()
    mark = re.search(r'<a class="partner-mark" href="([^"]+)">(.*?)</a>', html, re.S)
    assert mark and mark.group(1) == shelf.url
    assert escape(course.partner.name) in mark.group(2)


def test_course_page_shows_the_partner_logo_where_there_is_one(client, course):
    image = get_image_model().objects.create(title="Logo", file=get_test_image_file())
    Partner.objects.filter(pk=course.partner_id).update(logo=image)
    html = client.get(course.url).content.decode()
    mark = re.search(r'<a class="partner-mark" href="[^"]+">(.*?)</a>', html, re.S).group(1)
    assert "<img" in mark and f'alt="{escape(course.partner.name)}"' in mark
