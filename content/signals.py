"""Purging the anonymous page cache (lms.core.page_cache) when a snippet that
pages show, the Brand setting or an image changes."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from wagtail.images import get_image_model

from lms.core import page_cache

from .models import Brand, LocalArea, Partner, Sector, SeniorityLevel, Skill, SupportProgramme

SHOWN_ON_PAGES = (Brand, LocalArea, Partner, Sector, SeniorityLevel, Skill, SupportProgramme)
# Image fields Wagtail fills in lazily while pages render: not a change.
IMAGE_BOOKKEEPING = frozenset({"file_size", "file_hash"})


def shown_thing_changed(sender, action=None, **kwargs):
    if action is None or action.startswith("post_"):  # m2m_changed: once, after
        page_cache.purge_after_change()


def image_changed(sender, instance, update_fields=None, **kwargs):
    if update_fields and set(update_fields) <= IMAGE_BOOKKEEPING:
        return
    page_cache.purge_after_change()


def connect() -> None:
    for model in SHOWN_ON_PAGES:
        for signal in (post_save, post_delete):
            signal.connect(shown_thing_changed, sender=model, dispatch_uid=f"page-cache-{model}")
    for through in (SupportProgramme.sectors.through, SupportProgramme.local_areas.through):
        uid = f"page-cache-{through}"
        m2m_changed.connect(shown_thing_changed, sender=through, dispatch_uid=uid)
    image = get_image_model()
    post_save.connect(image_changed, sender=image, dispatch_uid="page-cache-image-saved")
    post_delete.connect(image_changed, sender=image, dispatch_uid="page-cache-image-deleted")
