import logging

from django.db import transaction
from django.dispatch import receiver
from kombu.exceptions import OperationalError
from wagtail.signals import page_published

from courses.models import LessonPage

log = logging.getLogger(__name__)


def publish_quietly(lesson_id: int) -> None:
    """Publishing a lesson must not wait on, or fail with, the broker. If it is
    down, the hourly `extend_recently_published` sweep adds the lesson later."""
    from .tasks import extend_personal_pathways

    try:
        extend_personal_pathways.apply_async(args=[lesson_id], retry=False)
    except (OperationalError, OSError) as error:
        log.warning(
            "Broker unreachable; lesson %s joins pathways on the next sweep: %s", lesson_id, error
        )


@receiver(page_published, sender=LessonPage)
def lesson_published(sender, instance, **kwargs):
    transaction.on_commit(lambda: publish_quietly(instance.pk))
