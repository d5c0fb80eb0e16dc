"""Start the whole product in one terminal: web, Celery worker and Celery beat.
Used by `make run`; Ctrl-C stops all three. When one stops, the others are stopped."""

import os
import shlex
import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from honcho.manager import Manager


class Command(BaseCommand):
    help = "Run web, Celery worker and Celery beat together (the embedded default)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, addr, **options):
        python = shlex.quote(sys.executable)
        schedule = shlex.quote(settings.CELERY_BEAT_SCHEDULE_FILENAME)
        processes = {
            "web": f"{python} manage.py runserver {addr} --noreload",
            "worker": f"{python} -m celery -A lms worker --loglevel=INFO --pool=threads "
            "--concurrency=2 --without-gossip --without-mingle",
            "beat": f"{python} -m celery -A lms beat --loglevel=INFO --schedule={schedule}",
        }
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.stdout.write(f"Five Minute AI on http://{addr}/ (admin at /admin/). Ctrl-C stops.")
        manager = Manager()
        for name, command in processes.items():
            manager.add_process(name, command, env=env, cwd=str(settings.BASE_DIR))
        manager.loop()
        sys.exit(manager.returncode)
