"""In the admin, the author sees the editors' decisions on what they submitted:
approved, or changes requested with the editor's comment (Wagtail's own panel
lists only reviews still in progress, without the comment)."""

from datetime import timedelta

from django.utils import timezone
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.models import TaskState, WorkflowState

DECISION_DAYS = 30


def recent_decisions(user, days: int = DECISION_DAYS) -> list[dict]:
    """The user's submissions decided in the last `days` days, newest first."""
    since = timezone.now() - timedelta(days=days)
    decided = (
        TaskState.objects.filter(
            workflow_state__requested_by=user,
            status__in=[TaskState.STATUS_APPROVED, TaskState.STATUS_REJECTED],
            finished_at__gte=since,
        )
        .select_related("workflow_state", "finished_by", "revision", "task")
        .order_by("-finished_at")[:20]
    )
    decisions = []
    for state in decided:
        page = state.revision.content_object if state.revision else None
        decisions.append(
            {
                "title": state.revision.object_str if state.revision else "",
                "page_id": getattr(page, "pk", None),
                "approved": state.status == TaskState.STATUS_APPROVED,
                "still_needs_changes": state.workflow_state.status
                == WorkflowState.STATUS_NEEDS_CHANGES,
                "comment": state.get_comment(),
                "by": state.finished_by,
                "when": state.finished_at,
            }
        )
    return decisions


class ReviewDecisionsPanel(Component):
    name = "review_decisions"
    template_name = "courses/admin/review_decisions_panel.html"
    order = 205

    def __init__(self, decisions):
        self.decisions = decisions

    def get_context_data(self, parent_context):
        return {"decisions": self.decisions, "days": DECISION_DAYS}


@hooks.register("construct_homepage_panels")
def add_review_decisions(request, panels):
    decisions = recent_decisions(request.user)
    if decisions:
        panels.append(ReviewDecisionsPanel(decisions))
