from django.db import transaction
from django.dispatch import receiver
from wagtail.signals import page_published

from courses.models import LessonPage


@receiver(page_published, sender=LessonPage)
def lesson_published(sender, instance, **kwargs):
    from .tasks import extend_personal_pathways

    transaction.on_commit(lambda: extend_personal_pathways.delay(instance.pk))
