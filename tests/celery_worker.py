"""A real Celery worker process for tests, on the test database (PostgreSQL)
and the broker in REDIS_URL, unless `env` says otherwise."""

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.db import connection


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    def __init__(self, **env: str):
        self.env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="lms.settings.test",
            DATABASE_URL=database_url(),
            **env,
        )
        self.process = None

    def start(self) -> "Worker":
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "lms", "worker", "--pool=solo",
             "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--loglevel=WARNING"],
            cwd=settings.BASE_DIR, env=self.env,
        )  # fmt: skip
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self):
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
