from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.db.transaction import on_commit
from django.dispatch import receiver
from wagtail.images import get_image_model
from wagtail.models import Page, PageViewRestriction, ReferenceIndex, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from content.models import Partner
from lms.core import page_cache
from lms.core.queue import enqueue_quietly

from .freshness import record_review
from .models import CoursePage, LessonPage
from .review import NOTIFIERS, publish_course_lessons
from .services import refresh_course_totals
from .tasks import send_review_notification
from .workspace import provision_partner


@receiver(page_published, sender=LessonPage)
@receiver(page_unpublished, sender=LessonPage)
@receiver(post_delete, sender=LessonPage)
def lesson_changed(sender, instance, **kwargs):
    course = CoursePage.objects.filter(path=instance.parent_path).first()
    if course is not None:
        refresh_course_totals(course)


@receiver(page_published, sender=LessonPage)
def lesson_reviewed(sender, instance, **kwargs):
    record_review(instance)


@receiver(post_save, sender=get_image_model())
@receiver(post_delete, sender=get_image_model())
def image_changed(sender, instance, **kwargs):
    """A lesson body kept in the cache (LessonPage.body_parts) holds its
    images' rendition URLs: a changed or deleted image drops the bodies of
    the lessons that show it (Wagtail's reference index knows which)."""
    showing = ReferenceIndex.get_references_to(instance).filter(
        content_type=ContentType.objects.get_for_model(LessonPage)
    )
    lesson_ids = [int(pk) for pk in showing.values_list("object_id", flat=True)]
    keys = [page.body_cache_key() for page in LessonPage.objects.filter(pk__in=lesson_ids)]
    cache.delete_many([key for key in keys if key])


@receiver(post_save, sender=Partner)
def partner_saved(sender, instance, raw=False, **kwargs):
    """Creating a partner sets up its shelf, authors' group and collection."""
    if not raw:
        provision_partner(instance)


# The anonymous page cache (lms.core.page_cache): any change to what a page
# shows purges it. A draft saved, a page locked: not a change to a live page.
DRAFT_BOOKKEEPING = frozenset(
    {
        "wagtail_admin_comments",
        "latest_revision",
        "latest_revision_created_at",
        "draft_title",
        "has_unpublished_changes",
        "locked",
        "locked_at",
        "locked_by",
    }
)


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
def page_changed(sender, **kwargs):
    page_cache.purge_after_change()


# post_delete by sender, never for every model: a receiver for every model
# would turn every bulk delete in the product into a select and a row-by-row
# delete (Django's fast delete needs no receivers). Deleting a page deletes its
# base Page row, so sender=Page sees every page type.
@receiver(post_save, dispatch_uid="page-cache-page-saved")
@receiver(post_delete, sender=Page, dispatch_uid="page-cache-page-deleted")
@receiver(post_delete, sender=Site, dispatch_uid="page-cache-site-deleted")
@receiver(post_delete, sender=PageViewRestriction, dispatch_uid="page-cache-privacy-deleted")
def page_row_changed(sender, instance, update_fields=None, **kwargs):
    """A page's row written (by publishing, or directly), a page deleted, the
    site or a page's privacy changed."""
    if not isinstance(instance, Page | Site | PageViewRestriction):
        return
    if update_fields and set(update_fields) <= DRAFT_BOOKKEEPING:
        return
    page_cache.purge_after_change()


# Review: Wagtail's workflow notifications, sent by a Celery task after the
# transaction commits (courses.review explains why).


def _notify_later(event):
    def receiver(sender, instance, user=None, **kwargs):
        if event == "workflow_approved":
            page = getattr(instance.content_object, "specific", None)
            if isinstance(page, CoursePage):
                publish_course_lessons(page, user)
        user_id = getattr(user, "pk", None)
        on_commit(lambda: _send(event, instance.pk, user_id))

    return receiver


def _send(event, state_id, user_id):
    enqueue_quietly(
        send_review_notification,
        event,
        state_id,
        user_id,
        why_it_can_wait="the decision is also shown in the admin",
    )


def connect_review_notifications() -> None:
    for event, (signal, sender, uid, _) in NOTIFIERS.items():
        signal.connect(_notify_later(event), sender=sender, dispatch_uid=uid, weak=False)
