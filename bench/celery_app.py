"""The project's Celery app plus the bench's no-op task, for the bench worker."""

from celery import shared_task

from lms.celery import app

__all__ = ["app", "noop"]


@shared_task(name="bench.noop", ignore_result=True)
def noop(counter_url: str) -> None:
    """Does nothing but count itself done, so the bench knows when all ran."""
    import redis

    redis.Redis.from_url(counter_url).incr("bench:noop")
