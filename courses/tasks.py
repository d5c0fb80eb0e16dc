from celery import shared_task

from . import freshness, review


@shared_task(ignore_result=True, acks_late=True)
def send_review_notification(event: str, state_id: int, user_id: int | None) -> bool:
    return review.send_notification(event, state_id, user_id)


@shared_task(ignore_result=True)
def send_review_reminders() -> int:
    return freshness.send_review_reminders().emails
