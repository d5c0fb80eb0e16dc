from django.db import transaction
from django.dispatch import receiver
from wagtail.signals import page_published

from courses.models import LessonPage
from lms.core.queue import enqueue_quietly


def publish_quietly(lesson_id: int) -> None:
    """Publishing a lesson must not wait on, or fail with, the broker. If it is
    down, the hourly `extend_recently_published` sweep adds the lesson later."""
    from .tasks import extend_personal_pathways

    enqueue_quietly(
        extend_personal_pathways, lesson_id, why_it_can_wait="the hourly sweep adds the lesson"
    )


@receiver(page_published, sender=LessonPage)
def lesson_published(sender, instance, **kwargs):
    transaction.on_commit(lambda: publish_quietly(instance.pk))
