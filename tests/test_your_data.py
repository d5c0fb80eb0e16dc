"""A learner's own data: the CPD log, the full export and account deletion.
Each shows or removes the requesting learner's data and nobody else's."""

import csv
import io
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from content.models import Sector, SeniorityLevel, Skill
from courses.models import CoursePage, LessonPage
from courses.synthetic import build_catalogue
from lms.certificates.cpd import NOTE
from lms.certificates.models import Certificate
from lms.learners.models import LearnerProfile, SelfCheck, SelfCheckRating
from lms.pathways.models import PersonalPathway, PersonalPathwayItem
from lms.progress.models import CheckAnswer, Enrolment, LearningEvent, LessonProgress
from lms.progress.services import answer_check, complete_lesson, start_lesson

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def lessons_of(slug):
    course = CoursePage.objects.get(slug=slug)
    return list(LessonPage.objects.child_of(course).live().order_by("path"))


def check_of(lesson):
    return next(block for block in lesson.body if block.block_type == "knowledge_check")


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def ada(django_user_model, library):
    """Completed the whole board course (so has a certificate), started one more
    lesson, answered a check, onboarded, and has a personal pathway."""
    user = django_user_model.objects.create_user(
        "ada@example.com", "pw-ada-12345", first_name="Ada", last_name="Lovelace"
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    LearnerProfile.objects.create(
        user=user,
        seniority=SeniorityLevel.objects.first(),
        sector=Sector.objects.first(),
        organisation_name="Analytical Engines Ltd",
        organisation_size="10-49",
    )
    sitting = SelfCheck.objects.create(user=user)
    SelfCheckRating.objects.create(self_check=sitting, skill=Skill.objects.first(), rating=2)
    board = lessons_of("ai-for-the-board")
    for lesson in board:
        complete_lesson(user, lesson)
    check = check_of(board[0])
    answer_check(user, board[0], check, ["1"], "token-ada")
    start_lesson(user, lessons_of("buying-ai-well")[0])
    pathway = PersonalPathway.objects.create(user=user)
    PersonalPathwayItem.objects.create(
        pathway=pathway, lesson=lessons_of("scan-pilot-scale")[0], position=1, reason="Your sector"
    )
    return user


@pytest.fixture
def bob(django_user_model, library):
    user = django_user_model.objects.create_user("bob@example.com", "pw-bob-12345")
    for lesson in lessons_of("generative-ai-at-work")[:2]:
        complete_lesson(user, lesson)
    return user


@pytest.fixture
def ada_client(client, ada):
    client.force_login(ada)
    return client


@pytest.mark.parametrize("url", ["/me/cpd.csv", "/me/data.json", "/me/delete/", "/me/data/"])
def test_your_data_pages_send_anonymous_visitors_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


# CPD log


def test_cpd_log_has_a_row_per_completed_lesson_of_the_learner_only(ada_client, ada, bob):
    response = ada_client.get("/me/cpd.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.now().astimezone(LONDON).date().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="cpd-log-{today}.csv"'
    rows = csv_rows(response)
    assert rows[0] == ["Date completed", "Course", "Lesson", "Partner", "CPD minutes"]
    # CPD time is nominal, and the log says so below the rows.
    assert rows[-2:] == [[], [NOTE]]
    assert NOTE.startswith("CPD time is the course's nominal learning time")
    rows = rows[:-2]
    completed = LessonProgress.objects.filter(user=ada, completed_at__isnull=False).order_by(
        "completed_at", "pk"
    )
    board = CoursePage.objects.get(slug="ai-for-the-board")
    assert rows[1:] == [
        [
            progress.completed_at.astimezone(LONDON).date().isoformat(),
            board.title,
            progress.lesson.title,
            board.partner.name,
            str(progress.lesson.reading_minutes),
        ]
        for progress in completed
    ]
    started_only = lessons_of("buying-ai-well")[0].title
    bobs = [lesson.title for lesson in lessons_of("generative-ai-at-work")[:2]]
    text = response.content.decode("utf-8-sig")
    assert started_only not in text
    assert not any(title in text for title in bobs)


def test_cpd_log_dates_are_in_the_learners_time_zone(client, django_user_model, library):
    tokyo = django_user_model.objects.create_user("kenji@example.com", "pw-kenji-123")
    london = django_user_model.objects.create_user("lucy@example.com", "pw-lucy-1234")
    LearnerProfile.objects.create(
        user=tokyo,
        seniority=SeniorityLevel.objects.first(),
        sector=Sector.objects.first(),
        organisation_name="Kaisha",
        organisation_size="1-9",
        time_zone="Asia/Tokyo",
    )
    lesson = lessons_of("ai-for-the-board")[0]
    late_evening_utc = datetime(2025, 1, 6, 16, 30, tzinfo=UTC)  # 01:30 next day in Tokyo
    summer_night_utc = datetime(2025, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 next day in London
    for user, moment in ((tokyo, late_evening_utc), (london, summer_night_utc)):
        complete_lesson(user, lesson)
        LessonProgress.objects.filter(user=user).update(completed_at=moment)

    client.force_login(tokyo)
    assert csv_rows(client.get("/me/cpd.csv"))[1][0] == "2025-01-07"
    client.force_login(london)
    assert csv_rows(client.get("/me/cpd.csv"))[1][0] == "2025-07-02"


def test_cpd_log_cells_cannot_run_as_spreadsheet_formulas(ada_client, ada):
    progress = LessonProgress.objects.filter(user=ada, completed_at__isnull=False).first()
    LessonPage.objects.filter(pk=progress.lesson_id).update(title='=HYPERLINK("http://x")')
    CoursePage.objects.filter(pk=progress.course_id).update(title="+1+1")
    progress.course.partner.__class__.objects.filter(pk=progress.course.partner_id).update(
        name="@SUM(A1)"
    )

    rows = csv_rows(ada_client.get("/me/cpd.csv"))

    row = next(row for row in rows if row[2].endswith('HYPERLINK("http://x")'))
    assert row[1:4] == ["'+1+1", '\'=HYPERLINK("http://x")', "'@SUM(A1)"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_cpd_log_queries_are_the_same_for_1_and_20_completed_lessons(
    client, django_user_model, library
):
    build_catalogue(lessons=20, lessons_per_course=10, prefix="cpd")
    lessons = list(
        LessonPage.objects.live().filter(
            pk__in=LessonPage.objects.filter(url_path__contains="/cpd-course-").values("pk")
        )
    )
    assert len(lessons) == 20
    few = django_user_model.objects.create_user("few@example.com", "pw-few-12345")
    many = django_user_model.objects.create_user("many@example.com", "pw-many-1234")
    complete_lesson(few, lessons[0])
    for lesson in lessons:
        complete_lesson(many, lesson)

    def queries_for(user):
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/me/cpd.csv")
        assert response.status_code == 200
        return len(captured), len(csv_rows(response)) - 3  # header, blank row, note

    assert queries_for(few)[1] == 1
    assert queries_for(many)[1] == 20
    assert queries_for(few)[0] == queries_for(many)[0]


# Data export


def test_data_export_is_an_attachment_with_the_learners_records(ada_client, ada):
    response = ada_client.get("/me/data.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="')
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["email"] == "ada@example.com"
    assert data["account"]["first_name"] == "Ada"
    assert data["account"]["email_addresses"] == [
        {"email": "ada@example.com", "verified": True, "primary": True}
    ]
    assert data["learner_profile"]["organisation_name"] == "Analytical Engines Ltd"
    assert data["self_checks"][0]["ratings"] == [{"skill": Skill.objects.first().name, "rating": 2}]
    board = lessons_of("ai-for-the-board")
    assert {row["lesson"] for row in data["lesson_progress"]} == {
        lesson.title for lesson in board
    } | {lessons_of("buying-ai-well")[0].title}
    assert data["knowledge_check_answers"][0]["check"] == check_of(board[0]).id
    assert {event["verb"] for event in data["learning_events"]} >= {
        "enrolled",
        "started",
        "answered",
        "completed",
        "course_completed",
    }
    assert len(data["enrolments"]) == 2
    assert data["personal_pathway"]["items"][0]["reason"] == "Your sector"
    certificate = Certificate.objects.get(user=ada)
    assert data["certificates"][0]["url"] == f"http://testserver/certificates/{certificate.code}/"


def test_data_export_holds_no_other_learners_data(ada_client, ada, bob):
    text = ada_client.get("/me/data.json").content.decode()
    data = json.loads(text)

    assert "bob@example.com" not in text
    bobs = {lesson.title for lesson in lessons_of("generative-ai-at-work")[:2]}
    assert not bobs & {row["lesson"] for row in data["lesson_progress"]}
    assert not bobs & {event["lesson"] for event in data["learning_events"]}
    assert len(data["learning_events"]) == LearningEvent.objects.filter(user=ada).count()


# Where each model of ours that points at a learner appears in the export. Models
# from Wagtail and allauth that point at a user cascade with it.
EXPORTED = {
    "learners.LearnerProfile": "learner_profile",
    "learners.SelfCheck": "self_checks",
    "progress.Enrolment": "enrolments",
    "progress.LessonProgress": "lesson_progress",
    "progress.CheckAnswer": "knowledge_check_answers",
    "progress.LearningEvent": "learning_events",
    "reviews.ReviewCard": "review_cards",
    "pathways.PersonalPathway": "personal_pathway",
    "certificates.Certificate": "certificates",
    "nudges.NudgePreference": "nudge_preferences",
    "nudges.Nudge": "nudges",
    "nudges.HoldoutAssignment": "nudge_holdout",
    "nudges.CalendarFeed": "calendar_links",
    "cohorts.Membership": "cohorts",
    "cohorts.Invitation": "cohort_invitations",
    "cohorts.Sponsorship": "organisations_sponsored",
    "equity.EquityProfile": "equity_profile",
    "equity.EquityPrompt": "equity_prompt_dismissed_at",
    "equity.AuditEntry": "equity_report_audit",
    "equity.RecordKey": "statistical_record_key",  # that it is held, never its value
    "reports.LearnerDay": "report_learning_days",
    "reports.LearnerTotals": "report_learning_totals",
    "reports.SkillFact": "report_skills",
    "reports.Member": "cohorts",  # the memberships' rows, read by the reports
}


def test_data_export_covers_every_model_that_holds_a_learners_data(ada_client):
    """Fails when a new model points at the user: its app's personal_data.py
    must export it (and erase it: tests/test_personal_data.py checks that)."""
    own_apps = ("lms.", "home", "courses", "content")
    holding = {
        model._meta.label
        for model in apps.get_models()
        if model.__module__.startswith(own_apps)
        and any(
            field.related_model is not None
            and field.related_model._meta.label == settings.AUTH_USER_MODEL
            for field in model._meta.local_fields
        )
    }
    assert holding <= set(EXPORTED), holding - set(EXPORTED)
    data = json.loads(ada_client.get("/me/data.json").content)
    assert set(EXPORTED.values()) <= set(data)


# Account deletion


def test_delete_page_explains_what_is_deleted_and_what_is_kept(ada_client):
    response = ada_client.get("/me/delete/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "What we delete" in html and "What we keep" in html
    assert "anonymous" in html
    assert '<label for="id_email">' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_wrong_typed_email_deletes_nothing_and_says_why(ada_client, ada):
    events = LearningEvent.objects.filter(user=ada).count()

    response = ada_client.post("/me/delete/", {"email": "someone@example.com"})

    assert response.status_code == 200
    assert "Nothing was deleted." in response.content.decode()
    assert "That is not this account&#x27;s email address." in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    ada.refresh_from_db()
    assert LearningEvent.objects.filter(user=ada).count() == events
    assert Certificate.objects.filter(user=ada).exists()
    assert ada_client.post("/me/delete/", {"email": ""}).status_code == 200
    assert type(ada).objects.filter(pk=ada.pk).exists()


def test_deleting_the_account_removes_the_person_and_keeps_anonymous_events(ada_client, ada, bob):
    certificate_url = Certificate.objects.get(user=ada).get_absolute_url()
    event_ids = set(LearningEvent.objects.filter(user=ada).values_list("pk", flat=True))
    bobs_events = LearningEvent.objects.filter(user=bob).count()

    response = ada_client.post("/me/delete/", {"email": " ADA@example.com "}, follow=True)

    assert response.redirect_chain[-1] == ("/", 302)
    assert [str(message) for message in response.context["messages"]] == [
        "Your account and your personal data have been deleted."
    ]
    assert not type(ada).objects.filter(email="ada@example.com").exists()
    for model in (
        LearnerProfile,
        SelfCheck,
        Enrolment,
        LessonProgress,
        CheckAnswer,
        PersonalPathway,
        Certificate,
        EmailAddress,
    ):
        assert not model.objects.filter(user_id=ada.pk).exists(), model
    assert not SelfCheckRating.objects.filter(self_check__user_id=ada.pk).exists()
    kept = LearningEvent.objects.filter(pk__in=event_ids)
    assert kept.count() == len(event_ids)
    assert not kept.filter(user__isnull=False).exists()
    assert not kept.filter(dedupe_key__isnull=False).exists()
    assert LearningEvent.objects.filter(user=bob).count() == bobs_events
    assert ada_client.get(certificate_url).status_code == 404
    assert ada_client.get("/me/data.json").status_code == 302


def test_deleting_the_account_needs_a_csrf_token(ada):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)

    response = client.post("/me/delete/", {"email": ada.email})

    assert response.status_code == 403
    assert type(ada).objects.filter(pk=ada.pk).exists()


def test_your_data_page_links_certificates_downloads_and_deletion(ada_client, ada):
    html = ada_client.get("/me/data/").content.decode()

    certificate = Certificate.objects.get(user=ada)
    assert f'href="{certificate.get_absolute_url()}"' in html
    for url in ("/me/cpd.csv", "/me/data.json", "/me/delete/"):
        assert f'href="{url}"' in html
