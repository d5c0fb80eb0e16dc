"""A real Celery worker, on the real Redis broker and the test database,
runs the scheduled heartbeat task that /healthz reports."""

import time

import pytest
from django.conf import settings

from lms.celery import app as celery_app
from lms.core.models import WorkerHeartbeat
from lms.core.tasks import record_heartbeat
from tests.celery_worker import Worker
from tests.conftest import need, using_postgres


@pytest.fixture
def worker(transactional_db):
    need(using_postgres(), "a worker process needs a shared database (PostgreSQL)")
    need(settings.CELERY_BROKER_URL.startswith("redis://"), "REDIS_URL is not set")
    process = Worker().start()
    yield process
    process.stop()


def test_worker_runs_the_heartbeat_task_from_redis(worker):
    celery_app.send_task(record_heartbeat.name)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not WorkerHeartbeat.objects.exists():
        assert worker.alive(), "the worker exited"
        time.sleep(0.5)
    assert WorkerHeartbeat.objects.count() == 1
