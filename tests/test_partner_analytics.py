"""The partner analytics report: figures per course, lesson and knowledge
check, small-number suppression on screen and in the CSV, and who may see
which partner's figures, through real requests to the Wagtail admin."""

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from content.models import Partner
from courses.models import CoursePage
from courses.workspace import EDITORS_GROUP
from lms.progress.services import answer_check, complete_lesson, start_lesson
from lms.reports.course_analytics import course_figures, display, suppress
from lms.reports.wagtail_hooks import course_analytics
from tests.factories import signed_in, staff_user
from tests.nudge_fixtures import lessons_of

pytestmark = pytest.mark.django_db

URL = "/admin/reports/course-analytics/"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
COURSE = "buying-ai-well"  # Northfield College, three lessons, one check each


def at(minute):
    """Run the real services as if it were `minute` minutes after T0."""
    return mock.patch("django.utils.timezone.now", return_value=T0 + timedelta(minutes=minute))


def take(user, lesson, start, minutes):
    with at(start):
        start_lesson(user, lesson)
    with at(start + minutes):
        complete_lesson(user, lesson)


def open_only(user, lesson, start):
    with at(start):
        start_lesson(user, lesson)


def answer(user, lesson, *, correct, minute):
    check = next(block for block in lesson.body if block.block_type == "knowledge_check")
    options = check.value["options"]
    right = [n for n, option in enumerate(options, 1) if option["is_correct"]]
    wrong = [n for n in range(1, len(options) + 1) if n not in right][:1]
    with at(minute):
        answer_check(
            user, lesson, check, [str(n) for n in (right if correct else wrong)], uuid.uuid4().hex
        )


def northfield():
    return Partner.objects.get(slug="northfield-college")


def meridian():
    return Partner.objects.get(slug="meridian-university")


def figures_for(slug):
    course = CoursePage.objects.get(slug=slug)
    (figures,) = course_figures(Partner.objects.filter(pk=course.partner_id), course)
    return figures


@pytest.fixture
def seven_learners(learner_factory):
    """Seven learners on Buying AI well (lessons L1-L3, checks C1-C3).

    A-E finish every lesson (minutes per lesson: A 3/4/5, B 4/5/6, C 5/6/7,
    D 6/7/8, E 10/20/30; course totals 12, 15, 18, 21, 60). F finishes L1 in
    2 minutes and opens L2. G opens L3, then L1, finishing neither.
    C1: A-E right first time, F wrong then right, G wrong. C2: A-C right
    first time, D wrong then right, E wrong. Nobody answers C3."""
    l1, l2, l3 = lessons_of(COURSE)
    users = [learner_factory(f"{name}@example.com") for name in "abcdefg"]
    a, b, c, d, e, f, g = users
    for n, (user, minutes) in enumerate(
        [(a, (3, 4, 5)), (b, (4, 5, 6)), (c, (5, 6, 7)), (d, (6, 7, 8)), (e, (10, 20, 30))]
    ):
        start = n * 1000
        take(user, l1, start, minutes[0])
        answer(user, l1, correct=True, minute=start + 1)
        take(user, l2, start + 100, minutes[1])
        answer(user, l2, correct=user in (a, b, c), minute=start + 101)
        if user is d:
            answer(user, l2, correct=True, minute=start + 102)
        take(user, l3, start + 200, minutes[2])
    take(f, l1, 6000, 2)
    answer(f, l1, correct=False, minute=6001)
    answer(f, l1, correct=True, minute=6001.5)
    open_only(f, l2, 6100)
    open_only(g, l3, 7000)
    open_only(g, l1, 7100)
    answer(g, l1, correct=False, minute=7101)
    return users


# The figures.


def test_course_figures_are_exact(seven_learners):
    course = figures_for(COURSE)
    assert (course.started, course.completed) == (7, 5)
    assert course.median_minutes == pytest.approx(18)
    assert course.partner == "Northfield College" and course.title == "Buying AI well"


def test_lesson_figures_started_completed_median_and_where_learners_stop(seven_learners):
    l1, l2, l3 = figures_for(COURSE).lessons
    assert [lesson.number for lesson in (l1, l2, l3)] == [1, 2, 3]
    assert (l1.started, l1.completed, l1.median_minutes) == (7, 6, pytest.approx(4.5))
    assert (l2.started, l2.completed, l2.median_minutes) == (6, 5, pytest.approx(6))
    assert (l3.started, l3.completed, l3.median_minutes) == (6, 5, pytest.approx(7))
    # F got as far as L2; G opened L3 before L1, and L3 is further in the course.
    assert [lesson.stopped_here for lesson in (l1, l2, l3)] == [0, 1, 1]


def test_knowledge_checks_count_learners_and_first_attempts(seven_learners):
    l1, l2, l3 = figures_for(COURSE).lessons
    (c1,), (c2,), (c3,) = l1.checks, l2.checks, l3.checks
    assert (c1.answered, c1.first_attempt_correct) == (7, 5)
    assert (c2.answered, c2.first_attempt_correct) == (5, 3)
    assert (c3.answered, c3.first_attempt_correct) == (0, 0)
    assert c1.question and not c1.removed


def test_displayed_figures_round_from_unrounded_numbers_and_hide_small_groups(seven_learners):
    (table,) = display([figures_for(COURSE)])
    course = table.course
    assert [str(course.started), str(course.completed)] == ["7", "5"]
    assert str(course.completion_rate) == "71%"  # 5/7 = 71.4%
    assert str(course.median_minutes) == "18.0"
    l1, l2, l3 = table.lessons
    assert (str(l1.completion_rate), str(l1.median_minutes)) == ("86%", "4.5")  # 6/7
    assert (str(l2.completion_rate), str(l3.median_minutes)) == ("83%", "7.0")  # 5/6
    assert [str(lesson.stopped_here) for lesson in table.lessons] == ["<5", "<5", "<5"]
    c1, c2, c3 = table.checks
    assert (str(c1.answered), str(c1.first_attempt_rate)) == ("7", "71%")
    # 3 of 5 right first time: the rate would give away a count under five.
    assert str(c2.answered) == "5"
    assert c2.first_attempt_rate.text == "–"
    assert c2.first_attempt_rate.reason == "fewer than 5 learners"
    assert (str(c3.answered), c3.first_attempt_rate.text) == ("<5", "–")


def test_suppression_treats_every_count_under_the_threshold_alike(settings):
    assert [str(suppress(n)) for n in (0, 1, 4, 5, 12)] == ["<5", "<5", "<5", "5", "12"]
    assert str(suppress(4, 0.5, "percent")) == "– (fewer than 5 learners)"
    assert str(suppress(5, 0.125, "percent")) == "13%"  # half up, not to even
    assert str(suppress(4, 3.0, "minutes")) == "– (fewer than 5 learners)"
    settings.PARTNER_ANALYTICS_MIN_LEARNERS = 3
    assert [str(suppress(n)) for n in (2, 3)] == ["<3", "3"]
    assert suppress(2, 0.5, "percent").reason == "fewer than 3 learners"


def test_answers_to_a_removed_check_stay_in_the_figures(seven_learners):
    l1 = lessons_of(COURSE)[0]
    l1.body = [
        (block.block_type, block.value)
        for block in l1.body
        if block.block_type != "knowledge_check"
    ]
    l1.save()
    lesson = figures_for(COURSE).lessons[0]
    (check,) = lesson.checks
    assert check.removed and check.answered == 7


# The report on screen and in the CSV.


@pytest.fixture
def author(django_user_model, library):
    """A signed-in client for an author of the given partner."""

    clients = {}

    def make(partner):
        if partner.pk not in clients:
            email = f"author@{partner.slug}.example"
            clients[partner.pk] = signed_in(staff_user(partner.author_group, email=email))
        return clients[partner.pk]

    return make


@pytest.fixture
def editor(django_user_model, library):
    group = Group.objects.get(name=EDITORS_GROUP)
    return signed_in(staff_user(group, email="platform-editor@example.com"))


def csv_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_an_author_sees_the_figures_on_screen(seven_learners, author):
    response = author(northfield()).get(URL, {"course": CoursePage.objects.get(slug=COURSE).pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Buying AI well" in html and "Whole course" in html
    assert "<caption" in html and '<th scope="col">Completion rate</th>' in html
    assert '<th scope="row">Whole course' in html
    assert "71%" in html and "18.0" in html and "4.5" in html
    assert "&lt;5" in html and "fewer than 5 learners" in html
    assert "@example.com" not in html  # aggregates only
    fragment = author(northfield()).get(URL + "results/")
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()


def test_the_csv_has_the_same_rows_and_suppression(seven_learners, author):
    course = CoursePage.objects.get(slug=COURSE)
    rows = csv_rows(author(northfield()).get(URL, {"course": course.pk, "export": "csv"}))
    assert [row["Level"] for row in rows] == [
        "Course",
        "Lesson",
        "Knowledge check",
        "Lesson",
        "Knowledge check",
        "Lesson",
        "Knowledge check",
    ]
    whole, l1, c1, l2, c2, l3, c3 = rows
    assert (whole["Course"], whole["Partner"]) == ("Buying AI well", "Northfield College")
    assert (whole["Learners started"], whole["Learners completed"]) == ("7", "5")
    assert (whole["Completion rate"], whole["Median minutes to complete"]) == ("71%", "18.0")
    assert l1["Lesson"].startswith("1. ") and l1["Median minutes to complete"] == "4.5"
    assert l2["Stopped here (furthest lesson, course not finished)"] == "<5"
    assert (c1["Learners who answered"], c1["Correct on first attempt"]) == ("7", "71%")
    assert c2["Correct on first attempt"] == "– (fewer than 5 learners)"
    assert c3["Learners who answered"] == "<5" and c1["Knowledge check"]
    assert not any("@" in value for row in rows for value in row.values())
    xlsx = author(northfield()).get(URL, {"course": course.pk, "export": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].endswith("spreadsheetml.sheet")


def test_a_small_stopped_here_figure_cannot_be_worked_out_from_the_others():
    """The lessons' "stopped here" figures add up to the course's started less
    completed, so a small one is protected by hiding another figure."""
    from lms.reports.course_analytics import CourseFigures, LessonFigures
    from lms.reports.disclosure import SECONDARY, SECONDARY_TOTAL

    def course(started, completed, stopped):
        figures = CourseFigures(1, "Course", "Partner", True, started, completed)
        figures.lessons = [
            LessonFigures(n, n, f"L{n}", True, started, completed, stopped_here=count)
            for n, count in enumerate(stopped, 1)
        ]
        return figures

    # 20 started, 12 finished: 8 stopped, 6 at L1 and 2 at L2. Showing the 6
    # would give away the 2.
    (table,) = display([course(20, 12, [6, 2])])
    assert [str(lesson.stopped_here) for lesson in table.lessons] == [f"– ({SECONDARY})", "<5"]
    assert [str(table.course.started), str(table.course.completed)] == ["20", "12"]
    # One lesson: its figure is started less completed, so completed goes.
    (table,) = display([course(20, 17, [3])])
    assert [str(lesson.stopped_here) for lesson in table.lessons] == ["<5"]
    assert str(table.course.completed) == f"– ({SECONDARY_TOTAL})"
    assert table.course.completion_rate.reason == SECONDARY_TOTAL
    assert str(table.course.started) == "20"
    # Nothing to protect: every figure shown, or the small ones not solvable.
    (table,) = display([course(20, 12, [5, 3])])
    assert [str(lesson.stopped_here) for lesson in table.lessons] == [f"– ({SECONDARY})", "<5"]
    (table,) = display([course(20, 10, [6, 2, 2])])
    assert [str(lesson.stopped_here) for lesson in table.lessons] == ["6", "<5", "<5"]
    (table,) = display([course(20, 3, [12, 2, 3])])  # completed is hidden already
    assert [str(lesson.stopped_here) for lesson in table.lessons] == ["12", "<5", "<5"]


@pytest.fixture
def four_learners(learner_factory):
    """Four learners finish every lesson of Generative AI at work."""
    lessons = lessons_of("generative-ai-at-work")
    for n in range(4):
        user = learner_factory(f"few{n}@example.com")
        for m, lesson in enumerate(lessons):
            take(user, lesson, n * 1000 + m * 100, 5)
            answer(user, lesson, correct=True, minute=n * 1000 + m * 100 + 1)


def test_four_learners_are_shown_as_under_five_with_rates_hidden(four_learners, author):
    course = CoursePage.objects.get(slug="generative-ai-at-work")
    client = author(northfield())
    html = client.get(URL, {"course": course.pk}).content.decode()
    assert "Generative AI at work" in html
    assert ">4<" not in html and "100%" not in html and "5.0" not in html
    assert html.count("&lt;5") >= 4 and "– <small>(fewer than 5 learners)</small>" in html
    rows = csv_rows(client.get(URL, {"course": course.pk, "export": "csv"}))
    for row in rows:
        for heading in ("Learners started", "Learners completed", "Learners who answered"):
            assert row[heading] in ("", "<5")
        for heading in (
            "Completion rate",
            "Median minutes to complete",
            "Correct on first attempt",
        ):
            assert row[heading] in ("", "– (fewer than 5 learners)")
    assert rows[0]["Completion rate"] == "– (fewer than 5 learners)"


def test_the_threshold_follows_the_setting(four_learners, author, settings):
    settings.PARTNER_ANALYTICS_MIN_LEARNERS = 3
    course = CoursePage.objects.get(slug="generative-ai-at-work")
    rows = csv_rows(author(northfield()).get(URL, {"course": course.pk, "export": "csv"}))
    assert (rows[0]["Learners started"], rows[0]["Completion rate"]) == ("4", "100%")
    assert rows[0]["Median minutes to complete"] == "15.0"  # three lessons of five minutes


# Who sees what.


def caption(title):
    return f"Learners by lesson: {escape(title)}</caption>"


def titles_of(partner):
    return list(CoursePage.objects.filter(partner=partner).values_list("title", flat=True))


@pytest.mark.parametrize("own, other", [(northfield, meridian), (meridian, northfield)])
def test_an_author_sees_only_their_partners_courses(seven_learners, author, own, other):
    own, other = own(), other()
    client = author(own)
    html = client.get(URL).content.decode()
    assert all(caption(title) in html for title in titles_of(own))
    assert not any(caption(title) in html for title in titles_of(other))
    # A lesson of one partner's course may share words with another's course
    # title; the choices in the course filter are the user's own courses.
    assert not any(f"{title} ({other.name})" in html for title in titles_of(other))
    assert other.name not in html  # not even as a filter choice
    exported = csv_rows(client.get(URL, {"export": "csv"}))
    assert {row["Partner"] for row in exported} == {own.name}


@pytest.mark.parametrize("own, other", [(northfield, meridian), (meridian, northfield)])
def test_another_partners_ids_in_the_query_string_give_no_data(seven_learners, author, own, other):
    own, other = own(), other()
    client = author(own)
    other_course = CoursePage.objects.filter(partner=other).first()
    for params in ({"partner": other.pk}, {"course": other_course.pk}):
        response = client.get(URL, params)
        assert response.status_code == 200
        html = response.content.decode()
        assert not any(title in html for title in titles_of(other))
        assert "not one of yours" in html and "Learners by lesson" not in html
        fragment = client.get(URL + "results/", params).content.decode()
        assert "Learners by lesson" not in fragment and other_course.title not in fragment
        assert csv_rows(client.get(URL, {**params, "export": "csv"})) == []


def test_the_seven_learners_course_is_not_in_the_other_authors_report(seven_learners, author):
    html = author(meridian()).get(URL).content.decode()
    assert "Buying AI well" not in html and "71%" not in html


def test_a_platform_editor_sees_every_partner(seven_learners, editor):
    html = editor.get(URL).content.decode()
    assert "Northfield College" in html and "Meridian University" in html
    partners = {row["Partner"] for row in csv_rows(editor.get(URL, {"export": "csv"}))}
    assert partners == {"Northfield College", "Meridian University"}
    courses = {row["Course"] for row in csv_rows(editor.get(URL, {"export": "csv"}))}
    assert courses == set(CoursePage.objects.values_list("title", flat=True))


def test_the_superuser_sees_the_report(seven_learners, admin_client):
    assert "Buying AI well" in admin_client.get(URL).content.decode()


def test_learners_are_turned_away_and_visitors_sent_to_sign_in(seven_learners):
    learner = signed_in(seven_learners[0])
    for url in (URL, URL + "results/", URL + "?export=csv"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('account_login')}?next=")
        # A signed-in learner is told the area is for staff (no redirect loop).
        response = learner.get(url)
        assert response.status_code == 403 and "Location" not in response
        assert b"Course analytics" not in response.content
    assert learner.get("/admin/").status_code == 403


def test_admin_users_without_a_partner_get_403_and_no_menu_item(seven_learners, django_user_model):
    support = Group.objects.create(name="Support")
    support.permissions.add(Permission.objects.get(codename="access_admin"))
    client = signed_in(staff_user(support, email="support@example.com"))
    for url in (URL, URL + "results/", URL + "?export=csv"):
        response = client.get(url)
        assert response.status_code == 403
        assert b"Buying AI well" not in response.content and b"71%" not in response.content
    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200
    assert "Course analytics" not in dashboard.content.decode()


def test_the_menu_item_shows_for_authors_only(seven_learners, author, django_user_model):
    dashboard = author(northfield()).get("/admin/")
    assert dashboard.status_code == 200 and "Course analytics" in dashboard.content.decode()
    item = course_analytics.get_menu_item()
    request = RequestFactory().get("/admin/")
    request.user = seven_learners[0]
    assert not item.is_shown(request)
    request.user = northfield().author_group.user_set.get()
    assert item.is_shown(request)


# The number of queries does not grow with learners, courses or lessons.


def queries_for(partners, course=None):
    with CaptureQueriesContext(connection) as queries:
        figures = course_figures(partners, course)
        display(figures)
    return len(queries), figures


def add_learners(learner_factory, count, prefix):
    for n in range(count):
        user = learner_factory(f"{prefix}{n}@example.com")
        for slug in ("buying-ai-well", "ai-for-the-board"):
            lessons = lessons_of(slug)
            for m, lesson in enumerate(lessons[: 1 + n % len(lessons)]):
                take(user, lesson, n * 1000 + m * 100, 3 + n)
                answer(user, lesson, correct=n % 2 == 0, minute=n * 1000 + m * 100 + 1)


def test_queries_do_not_grow_with_learners_or_lessons(learner_factory, author):
    everyone = Partner.objects.all()
    one_course = CoursePage.objects.get(slug=COURSE)
    add_learners(learner_factory, 2, "small")
    small, _ = queries_for(everyone)
    small_one_course, _ = queries_for(everyone, one_course)
    add_learners(learner_factory, 9, "large")
    large, figures = queries_for(everyone)
    assert sum(course.started for course in figures) == 22
    assert small == large == small_one_course
    assert large <= 8

    client = author(northfield())
    client.get(URL)  # a running server has its Site kept already (lms.core.sites)
    with CaptureQueriesContext(connection) as page_queries:
        assert client.get(URL).status_code == 200
    add_learners(learner_factory, 6, "more")
    with CaptureQueriesContext(connection) as more_page_queries:
        assert client.get(URL).status_code == 200
    assert len(more_page_queries) == len(page_queries)
