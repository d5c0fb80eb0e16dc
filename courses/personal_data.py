"""Authoring in the Wagtail admin, for a person's export and erasure: pages
they own or lock, revisions, the admin's history and workflow rows, comments,
page subscriptions, uploads and editing sessions.

Erasing keeps the content and the history of who changed it (the audit of
editorial work), but without the person: their user becomes empty on pages,
revisions, log entries, workflow steps and uploads. Their own words
(comments and replies), subscriptions, editing sessions and unsaved form
states are deleted; a page they had locked is unlocked."""

from wagtail.admin.models import EditingSession, FormState
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import (
    Comment,
    CommentReply,
    ModelLogEntry,
    Page,
    PageLogEntry,
    PageSubscription,
    Revision,
    TaskState,
    UploadedFile,
    WorkflowState,
)

from lms.core import personal_data


def export(user, *, build_url) -> dict:
    iso = personal_data.iso
    return {
        "admin_comments": [
            {"page": comment.page.title, "text": comment.text, "at": iso(comment.created_at)}
            for comment in Comment.objects.filter(user=user)
            .select_related("page")
            .order_by("created_at", "pk")
        ]
        + [
            {"page": reply.comment.page.title, "text": reply.text, "at": iso(reply.created_at)}
            for reply in CommentReply.objects.filter(user=user)
            .select_related("comment__page")
            .order_by("created_at", "pk")
        ],
        "admin_pages_owned": list(
            Page.objects.filter(owner=user).order_by("path").values_list("title", flat=True)
        ),
    }


def erase(user) -> None:
    Page.objects.filter(locked_by=user).update(locked=False, locked_by=None, locked_at=None)
    Page.objects.filter(owner=user).update(owner=None)
    Revision.objects.filter(user=user).update(user=None)
    # Wagtail's log rows point at the user without a database constraint, so
    # they would keep a dangling id: empty it.
    PageLogEntry.objects.filter(user=user).update(user=None)
    ModelLogEntry.objects.filter(user=user).update(user=None)
    WorkflowState.objects.filter(requested_by=user).update(requested_by=None)
    TaskState.objects.filter(finished_by=user).update(finished_by=None)
    Comment.objects.filter(resolved_by=user).update(resolved_by=None)
    CommentReply.objects.filter(user=user).delete()
    Comment.objects.filter(user=user).delete()
    PageSubscription.objects.filter(user=user).delete()
    EditingSession.objects.filter(user=user).delete()
    FormState.objects.filter(user=user).delete()
    UploadedFile.objects.filter(uploaded_by_user=user).update(uploaded_by_user=None)
    get_document_model().objects.filter(uploaded_by_user=user).update(uploaded_by_user=None)
    get_image_model().objects.filter(uploaded_by_user=user).update(uploaded_by_user=None)


personal_data.register(
    "courses",
    models=[
        "wagtailcore.Page",
        "wagtailcore.Revision",
        "wagtailcore.PageLogEntry",
        "wagtailcore.ModelLogEntry",
        "wagtailcore.WorkflowState",
        "wagtailcore.TaskState",
        "wagtailcore.Comment",
        "wagtailcore.CommentReply",
        "wagtailcore.PageSubscription",
        "wagtailcore.UploadedFile",
        "wagtailadmin.EditingSession",
        "wagtailadmin.FormState",
        get_document_model(),
        get_image_model(),
    ],
    export=export,
    erase=erase,
)
