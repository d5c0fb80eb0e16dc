"""Review before publishing: Wagtail's own workflow, set up for partners.

Partner authors can add and change pages on their shelf but never publish;
saving offers "Submit to Platform editor review". A platform editor approves (which
publishes) or requests changes with a comment. Approving a course also
publishes its lessons' drafts, so an imported course is reviewed as one unit.

Wagtail sends its workflow emails synchronously inside the request. Here the
same notifiers run in a Celery task after the transaction commits: the
handlers in courses.signals are connected under Wagtail's own dispatch_uids before Wagtail
connects its handlers (this app loads first), and a signal keeps the first
receiver registered under a uid, so Wagtail's synchronous ones never run.
"""

import logging

from django.contrib.auth import get_user_model
from wagtail.admin import signal_handlers as wagtail_mail
from wagtail.models import (
    GroupApprovalTask,
    TaskState,
    Workflow,
    WorkflowPage,
    WorkflowState,
    WorkflowTask,
)
from wagtail.signals import task_submitted, workflow_approved, workflow_rejected, workflow_submitted

from . import publish_checks
from .models import CoursePage, LessonPage

log = logging.getLogger(__name__)

# One name for the workflow and its one task, so the editor's button ("Submit
# to Platform editor review") and the emails ("Platform editor review") agree.
WORKFLOW_NAME = "Platform editor review"
TASK_NAME = "Platform editor review"

NOTIFIERS = {
    # event: (signal, sender, Wagtail's dispatch_uid, notifier)
    "task_submitted": (
        task_submitted,
        TaskState,
        "group_approval_task_submitted_email_notification",
        wagtail_mail.task_submission_email_notifier,
    ),
    "workflow_submitted": (
        workflow_submitted,
        WorkflowState,
        "workflow_state_submitted_email_notification",
        wagtail_mail.workflow_submission_email_notifier,
    ),
    "workflow_rejected": (
        workflow_rejected,
        WorkflowState,
        "workflow_state_rejected_email_notification",
        wagtail_mail.workflow_rejection_email_notifier,
    ),
    "workflow_approved": (
        workflow_approved,
        WorkflowState,
        "workflow_state_approved_email_notification",
        wagtail_mail.workflow_approval_email_notifier,
    ),
}


def ensure_review_workflow(catalogue, editors_group) -> Workflow:
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME)
    task.groups.add(editors_group)
    # WorkflowTask rows are cluster children: create them directly, not through
    # the workflow's deferring manager (which would only save with the workflow).
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowPage.objects.update_or_create(page=catalogue, defaults={"workflow": workflow})
    return workflow


def publish_course_lessons(course: CoursePage, user) -> list[LessonPage]:
    published = []
    for lesson in course.lessons_to_publish_with():
        revision = lesson.latest_revision
        draft = revision.as_object()
        if publish_checks.lesson_errors(body=draft.body, summary=draft.summary):
            log.info("Lesson %s left as a draft: it fails its publish checks", lesson.pk)
            continue
        revision.publish(user=user)
        published.append(lesson)
    return published


def send_notification(event: str, state_id: int, user_id: int | None) -> bool:
    """What the Celery task runs: Wagtail's notifier for the event, with its
    templates and each user's notification preferences."""
    _, sender, _, notifier = NOTIFIERS[event]
    instance = sender.objects.filter(pk=state_id).first()
    if instance is None:
        return False
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return bool(
        notifier(instance=instance.specific if event == "task_submitted" else instance, user=user)
    )
