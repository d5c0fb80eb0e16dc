from django.db import transaction
from django.dispatch import receiver
from wagtail.signals import page_published

from courses.models import LessonPage
from lms.core.queue import enqueue_quietly
from lms.learners.signals import self_check_saved

from .services import build_personal_pathway
from .tasks import extend_personal_pathways


def publish_quietly(lesson_id: int) -> None:
    """Publishing a lesson must not wait on, or fail with, the broker. If it is
    down, the hourly `extend_recently_published` sweep adds the lesson later."""
    enqueue_quietly(
        extend_personal_pathways, lesson_id, why_it_can_wait="the hourly sweep adds the lesson"
    )


@receiver(page_published, sender=LessonPage)
def lesson_published(sender, instance, **kwargs):
    transaction.on_commit(lambda: publish_quietly(instance.pk))


@receiver(self_check_saved, dispatch_uid="pathways.build_on_self_check")
def self_check_saved_builds_pathway(sender, user, profile, **kwargs):
    """Onboarding (a new self-check sitting) builds or extends the personal pathway."""
    build_personal_pathway(user, profile)
