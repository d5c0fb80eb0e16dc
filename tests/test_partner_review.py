"""Review before publishing, through the Wagtail admin: a partner author
submits, a platform editor requests changes with a comment or approves; the
author hears of it by email (sent by a Celery task) and in the admin."""

from unittest import mock

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from wagtail.models import TaskState, WorkflowState
from wagtail.signals import workflow_approved

from courses import review
from courses.models import CoursePage, LessonPage

from .partner_fixtures import lesson_form

pytestmark = pytest.mark.django_db


def new_lesson(client, course, title="Pilots that pay back", **extra):
    slug = title.lower().replace(" ", "-")
    url = reverse("wagtailadmin_pages:add", args=["courses", "lessonpage", course.pk])
    response = client.post(url, lesson_form(title, slug, action="action-submit", **extra))
    assert response.status_code == 302, response.content.decode()[:2000]
    return LessonPage.objects.get(slug=slug)


def act(client, page, action, comment=""):
    state = WorkflowState.objects.active().get(object_id=str(page.pk))
    task_state = state.current_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, action, task_state.pk])
    response = client.post(url, {"comment": comment})
    assert response.status_code in (200, 302)
    return state


@pytest.fixture(autouse=True)
def commit_callbacks_run(monkeypatch):
    """Each test runs in a transaction that never commits: queue the
    notification as soon as the request's commit would."""
    monkeypatch.setattr("courses.signals.on_commit", lambda callback: callback())


@pytest.fixture
def course_a(partners):
    return CoursePage.objects.child_of(partners[0].shelf).order_by("path").first()


def test_submit_reject_with_comment_resubmit_approve(clients, people, course_a):
    mail.outbox.clear()
    lesson = new_lesson(clients["author_a"], course_a)
    assert not lesson.live
    state = WorkflowState.objects.active().get(object_id=str(lesson.pk))
    assert state.workflow.name == review.WORKFLOW_NAME
    # Editors hear of the submission; authors of other partners do not.
    to = {address for message in mail.outbox for address in message.to}
    assert people["editor"].email in to
    assert people["author_b"].email not in to

    mail.outbox.clear()
    act(clients["editor"], lesson, "reject", "Cite the 2024 evaluation, please.")
    lesson.refresh_from_db()
    assert not lesson.live
    [message] = [m for m in mail.outbox if people["author_a"].email in m.to]
    assert "Cite the 2024 evaluation, please." in message.body
    home = clients["author_a"].get(reverse("wagtailadmin_home")).content.decode()
    assert "Review decisions on your work" in home
    assert "Changes requested" in home
    assert "Cite the 2024 evaluation, please." in home

    # Author fixes and resubmits; the editor approves, which publishes.
    edit = reverse("wagtailadmin_pages:edit", args=[lesson.pk])
    response = clients["author_a"].post(
        edit, lesson_form(lesson.title, lesson.slug, action="action-submit")
    )
    assert response.status_code == 302
    mail.outbox.clear()
    act(clients["editor"], lesson, "approve", "Thanks.")
    lesson.refresh_from_db()
    assert lesson.live
    assert lesson.last_reviewed is not None and lesson.review_by > lesson.last_reviewed
    assert any(people["author_a"].email in m.to for m in mail.outbox)
    home = clients["author_a"].get(reverse("wagtailadmin_home")).content.decode()
    assert "Approved and published" in home
    # It is in the catalogue now.
    assert clients["learner"].get(lesson.url).status_code == 200


def test_submitting_with_failing_checks_is_refused(clients, course_a):
    url = reverse("wagtailadmin_pages:add", args=["courses", "lessonpage", course_a.pk])
    response = clients["author_a"].post(
        url, lesson_form("Far too long", "far-too-long", words=1500, action="action-submit")
    )
    assert response.status_code == 200
    assert "a lesson must take five minutes or less" in response.content.decode()
    assert not WorkflowState.objects.exists()


def test_approving_a_course_publishes_its_draft_lessons(clients, partners):
    shelf = partners[0].shelf
    course = CoursePage(
        title="Pilot to scale",
        slug="pilot-to-scale",
        summary="From pilot to scale.",
        learning_outcomes=[("outcome", "Plan a pilot")],
    )
    shelf.add_child(instance=course)
    course.sectors.set([partners[0].courses.first().sectors.first()])
    course.seniority_levels.set([partners[0].courses.first().seniority_levels.first()])
    course.save_revision()
    course.unpublish()
    draft = new_lesson(clients["author_a"], course, "Choosing the pilot")
    # The lesson is in its own review; cancel that so the course review covers it.
    WorkflowState.objects.active().get(object_id=str(draft.pk)).cancel()
    response = clients["author_a"].post(
        reverse("wagtailadmin_pages:edit", args=[course.pk]),
        {
            "title": course.title,
            "slug": course.slug,
            "summary": course.summary,
            "introduction": "",
            "learning_outcomes-count": "1",
            "learning_outcomes-0-type": "outcome",
            "learning_outcomes-0-value": "Plan a pilot",
            "learning_outcomes-0-deleted": "",
            "learning_outcomes-0-order": "0",
            "sectors": [s.pk for s in course.sectors.all()],
            "seniority_levels": [s.pk for s in course.seniority_levels.all()],
            "review_by": "2027-06-30",
            "action-submit": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    act(clients["editor"], course, "approve")
    course.refresh_from_db()
    draft.refresh_from_db()
    assert course.live and draft.live


def test_authors_cannot_act_on_reviews(clients, course_a):
    lesson = new_lesson(clients["author_a"], course_a)
    state = WorkflowState.objects.active().get(object_id=str(lesson.pk))
    url = reverse(
        "wagtailadmin_pages:workflow_action",
        args=[lesson.pk, "approve", state.current_task_state.pk],
    )
    for name in ("author_a", "author_b", "learner"):
        response = clients[name].post(url, {"comment": "self-approved"})
        assert response.status_code in (302, 403), name
    lesson.refresh_from_db()
    assert not lesson.live
    assert TaskState.objects.get(pk=state.current_task_state.pk).status == "in_progress"


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_notifications_leave_the_request_for_celery(clients, course_a):
    """Wagtail's own handlers would send in the request; ours only queue a task."""
    mail.outbox.clear()
    with mock.patch("courses.tasks.send_review_notification.apply_async") as queued:
        from celery import current_app

        current_app.conf.task_always_eager = False
        try:
            lesson = new_lesson(clients["author_a"], course_a)
            act(clients["editor"], lesson, "approve")
        finally:
            current_app.conf.task_always_eager = True
    assert mail.outbox == []
    events = [call.kwargs["args"][0] for call in queued.call_args_list]
    assert "task_submitted" in events and "workflow_approved" in events


def test_wagtails_synchronous_notifiers_are_not_connected():
    uid = review.NOTIFIERS["workflow_approved"][2]
    receivers = [r for (key, _), r, *_ in workflow_approved.receivers if key == uid]
    assert len(receivers) == 1
    assert receivers[0] is not review.NOTIFIERS["workflow_approved"][3]
