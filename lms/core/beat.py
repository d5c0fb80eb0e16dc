"""Celery beat that schedules only while it holds a lock, so two beats started
by mistake (two deploys, a stuck old container) never both schedule. With Redis
the lock is a key with a time-out that the holder renews on every tick; if the
holder dies, another beat takes over once the key expires. Without Redis (the
embedded default, one machine) it is an exclusive lock on a file under var/."""

import contextlib
import fcntl
import logging
import os

import redis
from celery.beat import PersistentScheduler
from django.conf import settings
from redis.exceptions import LockError, RedisError

log = logging.getLogger(__name__)
LOCK_NAME = "fma:celery-beat"


class RedisBeatLock:
    def __init__(self, url: str, seconds: int):
        self.client = redis.Redis.from_url(url)
        self.lock = self.client.lock(LOCK_NAME, timeout=seconds, thread_local=False)
        self.held = False

    def hold(self) -> bool:
        try:
            if self.held:
                self.lock.reacquire()
            else:
                self.held = self.lock.acquire(blocking=False)
        except LockError:
            self.held = False  # expired and perhaps taken by another beat
        except RedisError as error:
            log.warning("Beat lock unavailable (%s); not scheduling", error)
            self.held = False
        return self.held

    def release(self):
        if self.held:
            with contextlib.suppress(LockError, RedisError):
                self.lock.release()
            self.held = False


class FileBeatLock:
    def __init__(self, path):
        self.path = path
        self.handle = None

    def hold(self) -> bool:
        if self.handle:
            return True
        handle = open(self.path, "a+")  # noqa: SIM115  (kept open while held)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self.handle = handle
        return True

    def release(self):
        if self.handle:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None


def beat_lock():
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        return RedisBeatLock(url, settings.CELERY_BEAT_LOCK_SECONDS)
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    return FileBeatLock(settings.VAR_DIR / "celerybeat.lock")


class LockedScheduler(PersistentScheduler):
    def __init__(self, *args, **kwargs):
        self.beat_lock = beat_lock()
        self.waiting_logged = False
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs):
        renew_every = max(1, settings.CELERY_BEAT_LOCK_SECONDS // 3)
        if not self.beat_lock.hold():
            if not self.waiting_logged:
                log.warning("Another beat holds the lock; this one waits.")
                self.waiting_logged = True
            return renew_every
        self.waiting_logged = False
        return min(super().tick(*args, **kwargs), renew_every)

    def close(self):
        try:
            super().close()
        finally:
            self.beat_lock.release()
