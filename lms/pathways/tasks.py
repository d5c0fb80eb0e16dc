from celery import shared_task

from .services import extend_personal_pathways as extend


@shared_task(ignore_result=True, acks_late=True)
def extend_personal_pathways(lesson_id: int) -> int:
    return extend(lesson_id)
