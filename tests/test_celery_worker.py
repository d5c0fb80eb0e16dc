"""A real Celery worker, on the real Redis broker and the test database,
runs the scheduled heartbeat task that /healthz reports."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from lms.celery import app as celery_app
from lms.core.models import WorkerHeartbeat
from lms.core.tasks import record_heartbeat
from tests.conftest import need, using_postgres


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(transactional_db):
    need(using_postgres(), "a worker process needs a shared database (PostgreSQL)")
    need(settings.CELERY_BROKER_URL.startswith("redis://"), "REDIS_URL is not set")
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="lms.settings.test", DATABASE_URL=database_url())
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "lms", "worker", "--pool=solo",
         "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        cwd=settings.BASE_DIR, env=env,
    )  # fmt: skip
    yield process
    process.terminate()
    process.wait(timeout=30)


def test_worker_runs_the_heartbeat_task_from_redis(worker):
    celery_app.send_task(record_heartbeat.name)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not WorkerHeartbeat.objects.exists():
        assert worker.poll() is None, "the worker exited"
        time.sleep(0.5)
    assert WorkerHeartbeat.objects.count() == 1
