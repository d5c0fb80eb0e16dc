"""Review notifications through a real Celery worker on Redis and PostgreSQL,
into a real SMTP server: the request only queues; the worker sends."""

import time

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from wagtail.models import WorkflowState

from content.models import Partner
from courses.models import CoursePage, LessonPage
from courses.workspace import EDITORS_GROUP
from lms.celery import app as celery_app
from tests.celery_worker import Worker
from tests.conftest import need, using_postgres
from tests.factories import signed_in, staff_user
from tests.partner_fixtures import lesson_form
from tests.smtp_sink import SmtpSink


@pytest.fixture
def services(starter_library):
    need(using_postgres(), "a worker process needs a shared database (PostgreSQL)")
    need(settings.CELERY_BROKER_URL.startswith("redis://"), "REDIS_URL is not set")
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    yield
    celery_app.conf.task_always_eager = True


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def test_editor_and_author_are_emailed_by_the_worker(services, django_user_model):
    partner = Partner.objects.get(slug="northfield-college")
    author = staff_user(partner.author_group, email="lecturer@northfield.example.com")
    editor = staff_user(
        Group.objects.get(name=EDITORS_GROUP), email="reviewer@platform.example.com"
    )
    course = CoursePage.objects.child_of(partner.shelf).order_by("path").first()
    with SmtpSink() as sink:
        worker = Worker(EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(sink.port), EMAIL_USE_TLS="false")
        worker.start()
        try:
            url = reverse("wagtailadmin_pages:add", args=["courses", "lessonpage", course.pk])
            response = signed_in(author).post(
                url, lesson_form("Costing a pilot", "costing-a-pilot", action="action-submit")
            )
            assert response.status_code == 302
            # Queued, not sent in the request: this process's own mail backend
            # (locmem in tests) got nothing, and only the worker reaches the sink.
            assert mail.outbox == []
            assert sink.handler.counts()[editor.email] == 0
            assert wait_for(lambda: sink.handler.counts()[editor.email] == 1), "editor not told"

            lesson = LessonPage.objects.get(slug="costing-a-pilot")
            task_state = WorkflowState.objects.active().get(object_id=str(lesson.pk))
            action = reverse(
                "wagtailadmin_pages:workflow_action",
                args=[lesson.pk, "reject", task_state.current_task_state_id],
            )
            signed_in(editor).post(action, {"comment": "Add the payback period."})
            assert wait_for(lambda: sink.handler.messages_to(author.email)), "author not told"
            [text] = sink.handler.messages_to(author.email)
            assert "Add the payback period." in text
            assert worker.alive()
            assert mail.outbox == []  # every email went through the worker
        finally:
            worker.stop()
