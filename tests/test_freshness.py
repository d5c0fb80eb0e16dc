"""Lesson freshness: review-by dates set on publishing, the weekly reminder to
each partner's authors, the "Lessons due for review" admin report and the
"Last reviewed" line learners see."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from wagtail.models import Page

from content.models import Partner
from courses import freshness
from courses.models import CoursePage, LessonPage, six_months_from
from tests.factories import signed_in, staff_user

pytestmark = pytest.mark.django_db

REPORT = "/admin/reports/review-due/"
RESULTS = "/admin/reports/review-due/results/"
LOGIN = reverse_lazy("account_login")


def today() -> date:
    return timezone.localdate()


@pytest.fixture(autouse=True)
def a_day_after_the_facts_were_checked():
    """The starter library's facts were checked on 1 December 2026 and fall
    due for review a year later: these tests run on a day when none is due
    yet, whatever the real date is."""
    with time_machine.travel(datetime(2026, 12, 2, 9, 0, tzinfo=UTC), tick=True):
        yield


@pytest.fixture
def northfield(library):
    return Partner.objects.get(slug="northfield-college")


@pytest.fixture
def meridian(library):
    return Partner.objects.get(slug="meridian-university")


def lessons_of(partner) -> list[LessonPage]:
    return list(
        LessonPage.objects.live().filter(path__startswith=partner.shelf.path).order_by("path")
    )


def retitle(lesson: LessonPage, title: str) -> LessonPage:
    Page.objects.filter(pk=lesson.pk).update(title=title)
    lesson.title = title
    return lesson


def due_on(lesson: LessonPage, day: date, title: str) -> LessonPage:
    LessonPage.objects.filter(pk=lesson.pk).update(review_by=day)
    lesson.review_by = day
    return retitle(lesson, title)


# Publishing


def test_publishing_sets_last_reviewed_today_and_review_by_six_months_on(northfield):
    lesson = lessons_of(northfield)[0]
    LessonPage.objects.filter(pk=lesson.pk).update(review_by=None, last_reviewed=None)
    lesson.refresh_from_db()
    lesson.review_by = None
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    assert lesson.last_reviewed == today()
    assert lesson.review_by == six_months_from(today())


def test_a_later_review_by_the_author_chose_is_kept(northfield):
    lesson = lessons_of(northfield)[0]
    chosen = six_months_from(today()) + timedelta(days=60)
    lesson.review_by = chosen
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    assert (lesson.review_by, lesson.last_reviewed) == (chosen, today())


@pytest.mark.parametrize("offset", [-400, -1, 0, 10, 120])
def test_an_earlier_or_past_review_by_is_replaced_by_six_months_on(northfield, offset):
    """Republishing after review restarts the clock, even if the date the
    revision carries is still in the future."""
    lesson = lessons_of(northfield)[0]
    lesson.review_by = today() + timedelta(days=offset)
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    assert lesson.review_by == six_months_from(today())
    assert lesson.last_reviewed == today()


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2026, 8, 31), date(2027, 2, 28)),
        (date(2027, 8, 31), date(2028, 2, 29)),  # leap year
        (date(2026, 8, 29), date(2027, 2, 28)),
        (date(2027, 8, 29), date(2028, 2, 29)),
        (date(2026, 8, 28), date(2027, 2, 28)),
        (date(2026, 12, 31), date(2027, 6, 30)),
        (date(2026, 3, 31), date(2026, 9, 30)),
        (date(2026, 7, 1), date(2027, 1, 1)),
        (date(2026, 6, 30), date(2026, 12, 30)),
        (date(2026, 1, 15), date(2026, 7, 15)),
    ],
)
def test_six_months_from_clamps_to_the_end_of_shorter_months(day, expected):
    assert six_months_from(day) == expected


# The weekly reminder


@pytest.fixture
def authors(northfield, meridian, django_user_model):
    users = {
        "north_1": staff_user(northfield.author_group, email="n1@northfield.example.com"),
        "north_2": staff_user(northfield.author_group, email="n2@northfield.example.com"),
        "north_gone": staff_user(
            northfield.author_group, email="gone@northfield.example.com", is_active=False
        ),
        "north_no_email": staff_user(
            northfield.author_group, email="noemail@northfield.example.com"
        ),
        "meridian": staff_user(meridian.author_group, email="m1@meridian.example.com"),
        "editor": staff_user("editor", email="editor@platform.example.com"),
    }
    django_user_model.objects.filter(pk=users["north_no_email"].pk).update(email="")
    return users


@pytest.fixture
def due(northfield, meridian):
    """Northfield: one due in 10 days, one overdue, one due in 45 days, one due
    tomorrow but unpublished. Meridian: one due in 5 days."""
    north = lessons_of(northfield)
    drafted = due_on(north[3], today() + timedelta(days=1), "Northfield unpublished draft")
    drafted.unpublish()
    return {
        "soon": due_on(north[0], today() + timedelta(days=10), "Northfield due soon"),
        "overdue": due_on(north[1], today() - timedelta(days=3), "Northfield overdue"),
        "later": due_on(north[2], today() + timedelta(days=45), "Northfield due in 45 days"),
        "draft": drafted,
        "meridian": due_on(lessons_of(meridian)[0], today() + timedelta(days=5), "Meridian soon"),
    }


def test_each_partners_authors_get_one_email_listing_only_their_due_lessons(authors, due):
    mail.outbox.clear()
    run = freshness.send_review_reminders()
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_recipient) == [
        "m1@meridian.example.com",
        "n1@northfield.example.com",
        "n2@northfield.example.com",
    ]
    assert (run.emails, run.failed) == (3, 0)

    north = by_recipient["n1@northfield.example.com"]
    assert north.subject == "2 Northfield College lessons due for review"
    html = north.alternatives[0][0]
    for body in (north.body, html):
        assert "Northfield due soon" in body and "Northfield overdue" in body
        assert "Northfield due in 45 days" not in body
        assert "Northfield unpublished draft" not in body
        assert "Meridian soon" not in body
        assert reverse("wagtailadmin_pages:edit", args=[due["soon"].pk]) in body
        assert settings.WAGTAILADMIN_BASE_URL + REPORT in body
    assert north.body.index("Northfield overdue") < north.body.index("Northfield due soon")
    assert "(overdue)" in north.body

    meridian = by_recipient["m1@meridian.example.com"]
    assert meridian.subject == "1 Meridian University lesson due for review"
    assert "Meridian soon" in meridian.body and "Northfield" not in meridian.body


def test_no_email_when_nothing_is_due(authors):
    mail.outbox.clear()
    run = freshness.send_review_reminders()
    assert (run.emails, mail.outbox) == (0, [])


def test_one_refused_address_does_not_stop_the_others(authors, due, monkeypatch):
    import smtplib

    from django.core.mail import EmailMultiAlternatives

    send = EmailMultiAlternatives.send

    def refuse_n1(message, *args, **kwargs):
        if message.to == ["n1@northfield.example.com"]:
            raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"no such user")})
        return send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse_n1)
    mail.outbox.clear()
    run = freshness.send_review_reminders()
    assert (run.emails, run.failed) == (2, 1)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "m1@meridian.example.com",
        "n2@northfield.example.com",
    ]


def test_the_celery_task_sends_the_reminders(authors, due):
    from courses.tasks import send_review_reminders

    mail.outbox.clear()
    result = send_review_reminders.delay()
    assert result.get() == 3
    assert len(mail.outbox) == 3


def test_beat_runs_the_reminders_weekly_on_monday_morning():
    from courses.tasks import send_review_reminders

    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "courses.tasks.send_review_reminders"
    ]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert isinstance(schedule, crontab)
    assert (schedule.day_of_week, schedule.hour, schedule.minute) == ({1}, {7}, {0})
    assert send_review_reminders.name == "courses.tasks.send_review_reminders"


# The report


@pytest.fixture
def people(northfield, django_user_model):
    staff = staff_user(email="staff@platform.example.com", is_staff=True)
    staff.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    return {
        "author": staff_user(northfield.author_group, email="a@northfield.example.com"),
        "editor": staff_user("editor", email="editor@platform.example.com"),
        "staff": staff,
        "learner": django_user_model.objects.create_user("learner@example.com", "pw-learner"),
    }


@pytest.fixture
def overdue(northfield, meridian):
    north, south = lessons_of(northfield), lessons_of(meridian)
    return {
        "north": due_on(north[0], today() - timedelta(days=12), "Northfield stale lesson"),
        "north_soon": due_on(north[1], today() + timedelta(days=9), "Northfield nearly due"),
        "meridian": due_on(south[0], today() - timedelta(days=40), "Meridian stale lesson"),
    }


def test_an_author_sees_only_their_partners_overdue_lessons(people, overdue, meridian):
    client = signed_in(people["author"])
    response = client.get(REPORT)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lessons due for review" in html
    assert "Northfield stale lesson" in html
    assert reverse("wagtailadmin_pages:edit", args=[overdue["north"].pk]) in html
    assert "Northfield nearly due" not in html
    assert "Meridian stale lesson" not in html
    assert ">12<" in html.replace(" ", "").replace("\n", "")  # days overdue
    # Asking for another partner's lessons shows nothing of theirs.
    other = client.get(REPORT, {"partner": meridian.pk}).content.decode()
    assert "Meridian stale lesson" not in other
    soon = client.get(RESULTS, {"due": "soon"})
    assert soon.status_code == 200 and "<html" not in soon.content.decode()
    assert "Northfield nearly due" in soon.content.decode()
    assert "Northfield stale lesson" not in soon.content.decode()


def test_an_editor_sees_every_partner_and_can_filter_by_partner(people, overdue, meridian):
    client = signed_in(people["editor"])
    html = client.get(REPORT).content.decode()
    assert "Northfield stale lesson" in html and "Meridian stale lesson" in html
    assert "Northfield College" in html and "Meridian University" in html
    assert html.index("Meridian stale lesson") < html.index("Northfield stale lesson")
    filtered = client.get(REPORT, {"partner": meridian.pk}).content.decode()
    assert "Meridian stale lesson" in filtered and "Northfield stale lesson" not in filtered
    both = client.get(REPORT, {"due": "all"}).content.decode()
    assert all(title in both for title in ("Northfield nearly due", "Meridian stale lesson"))


def test_the_csv_export_lists_the_same_lessons(people, overdue):
    response = signed_in(people["author"]).get(REPORT, {"export": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = body.strip().splitlines()
    assert header.startswith("Lesson,Course,Partner,Review by,Last reviewed,Days overdue")
    assert len(rows) == 1
    course = CoursePage.objects.get(pk=overdue["north"].get_parent().pk)
    review_by = (today() - timedelta(days=12)).isoformat()
    assert rows[0].startswith(
        f"Northfield stale lesson,{course.title},Northfield College,{review_by},"
    )
    assert ",12," in rows[0]
    assert rows[0].endswith(reverse("wagtailadmin_pages:edit", args=[overdue["north"].pk]))


def test_with_nothing_overdue_the_report_says_so(people):
    client = signed_in(people["editor"])
    assert "No lessons are overdue for review." in client.get(REPORT).content.decode()
    xlsx = client.get(REPORT, {"export": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Disposition"].startswith('attachment; filename="lessons-due-for-review-')


@pytest.mark.parametrize("url", [REPORT, RESULTS, REPORT + "?export=csv"])
def test_staff_with_no_partner_get_403_and_nothing_else(people, overdue, url):
    response = signed_in(people["staff"]).get(url)
    assert response.status_code == 403
    assert b"stale lesson" not in response.content


def test_learners_without_admin_access_get_the_staff_only_page(people, overdue):
    """Every admin URL answers a signed-in person without admin access with
    the 403 page saying the area is for staff (lms.accounts.middleware),
    before the report's own check."""
    response = signed_in(people["learner"]).get(REPORT)
    assert response.status_code == 403 and "Location" not in response
    assert b"This area is for partner authors and programme staff" in response.content
    assert b"stale lesson" not in response.content


def test_anonymous_visitors_are_sent_to_sign_in(client, overdue):
    response = client.get(REPORT)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")


def test_the_reports_menu_shows_the_report_only_to_people_with_a_partner(people):
    assert REPORT in signed_in(people["author"]).get("/admin/").content.decode()
    assert REPORT in signed_in(people["editor"]).get("/admin/").content.decode()
    assert REPORT not in signed_in(people["staff"]).get("/admin/").content.decode()


def test_report_queries_do_not_grow_with_the_number_of_lessons(people, northfield, meridian):
    client = signed_in(people["editor"])
    lessons = lessons_of(northfield) + lessons_of(meridian)
    assert len(lessons) >= 8

    def queries_with(count):
        for index, lesson in enumerate(lessons[:count]):
            due_on(lesson, today() - timedelta(days=index + 1), f"Stale {index}")
        client.get(REPORT)  # warm per-process caches (site, permissions)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(REPORT)
        assert response.status_code == 200
        assert f"Stale {count - 1}" in response.content.decode()
        return len(captured)

    assert queries_with(2) == queries_with(8)


# What learners see


def test_the_lesson_page_shows_when_it_was_last_reviewed(client, northfield):
    lesson = lessons_of(northfield)[0]
    LessonPage.objects.filter(pk=lesson.pk).update(last_reviewed=date(2026, 11, 27))
    html = client.get(lesson.url).content.decode()
    assert (
        '<p class="meta lesson__reviewed">Last reviewed '
        '<time datetime="2026-11-27">27 November 2026</time></p>'
    ) in html


def test_without_a_review_date_the_lesson_page_falls_back_to_last_published(client, northfield):
    lesson = lessons_of(northfield)[0]
    published = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    LessonPage.objects.filter(pk=lesson.pk).update(last_reviewed=None)
    Page.objects.filter(pk=lesson.pk).update(last_published_at=published)
    html = client.get(lesson.url).content.decode()
    assert 'Last reviewed <time datetime="2026-03-04">4 March 2026</time>' in html


def test_publishing_never_pushes_review_past_when_the_facts_fall_due(library, settings):
    settings.FMA_FACTS_REVIEW_MONTHS = 12
    lesson = LessonPage.objects.live().order_by("path").first()
    lesson.facts_checked = date(2026, 3, 1)
    lesson.review_by = None
    freshness.record_review(lesson, today=date(2026, 12, 1))
    lesson.refresh_from_db()
    assert lesson.review_by == date(2027, 3, 1)  # not 1 June 2027, six months on
    lesson.facts_checked = None
    freshness.record_review(lesson, today=date(2026, 12, 1))
    lesson.refresh_from_db()
    assert lesson.review_by == date(2027, 6, 1)
