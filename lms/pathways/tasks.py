from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from courses.models import LessonPage

from .services import extend_personal_pathways as extend


@shared_task(ignore_result=True, acks_late=True)
def extend_personal_pathways(lesson_id: int) -> int:
    return extend(lesson_id)


@shared_task(ignore_result=True)
def extend_recently_published() -> int:
    """Idempotent catch-up for lessons whose publish-time task never ran."""
    since = timezone.now() - timedelta(hours=26)
    ids = (
        LessonPage.objects.live().filter(last_published_at__gte=since).values_list("pk", flat=True)
    )
    return sum(extend(lesson_id) for lesson_id in ids)
