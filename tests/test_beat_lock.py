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


def test_of_two_locked_schedulers_only_the_lock_holder_schedules(tmp_path):
    need(settings.CELERY_BROKER_URL.startswith("redis://"), "REDIS_URL is not set")
    from unittest import mock

    import redis
    from celery.beat import PersistentScheduler

    from lms.celery import app
    from lms.core.beat import LockedScheduler

    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("fma:celery-beat")
    first = LockedScheduler(app, schedule_filename=str(tmp_path / "one"), lazy=True)
    second = LockedScheduler(app, schedule_filename=str(tmp_path / "two"), lazy=True)
    try:
        with mock.patch.object(PersistentScheduler, "tick", return_value=300) as scheduled:
            first.tick()
            second.tick()
            first.tick()
            assert scheduled.call_count == 2  # the first beat's two ticks only
            first.beat_lock.release()
            second.tick()
            assert scheduled.call_count == 3
    finally:
        first.beat_lock.release()
        second.beat_lock.release()
