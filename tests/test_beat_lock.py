"""Only one Celery beat schedules, even if two are started."""

from django.conf import settings

from lms.core.beat import FileBeatLock, RedisBeatLock
from tests.conftest import need


def test_a_second_beat_waits_while_the_first_holds_the_redis_lock():
    need(settings.CELERY_BROKER_URL.startswith("redis://"), "REDIS_URL is not set")
    import redis

    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("fma:celery-beat")
    first = RedisBeatLock(settings.CELERY_BROKER_URL, seconds=30)
    second = RedisBeatLock(settings.CELERY_BROKER_URL, seconds=30)
    try:
        assert first.hold() is True
        assert second.hold() is False
        assert first.hold() is True  # renewing keeps it
        first.release()
        assert second.hold() is True
        assert first.hold() is False
    finally:
        first.release()
        second.release()


def test_a_dead_beats_redis_lock_expires_and_another_takes_over():
    need(settings.CELERY_BROKER_URL.startswith("redis://"), "REDIS_URL is not set")
    import time

    first = RedisBeatLock(settings.CELERY_BROKER_URL, seconds=1)
    second = RedisBeatLock(settings.CELERY_BROKER_URL, seconds=30)
    try:
        assert first.hold() is True
        time.sleep(1.5)  # the first beat died without releasing
        assert second.hold() is True
        assert first.hold() is False
    finally:
        second.release()


def test_without_redis_a_file_lock_keeps_a_second_beat_waiting(tmp_path):
    first, second = FileBeatLock(tmp_path / "beat.lock"), FileBeatLock(tmp_path / "beat.lock")
    assert first.hold() is True
    assert second.hold() is False
    first.release()
    assert second.hold() is True
    second.release()


def test_beat_uses_the_locked_scheduler():
    from lms.celery import app

    assert app.conf.beat_scheduler == "lms.core.beat:LockedScheduler"
