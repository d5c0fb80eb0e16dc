"""Tests: PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set (CI),
SQLite and in-memory everything otherwise."""

import os
import re

# pytest-xdist runs the suite in several processes (gw0, gw1, …). PostgreSQL
# gets a test database each from pytest-django; Redis gets a database number
# each here (gw0 → 1, gw1 → 2, …), so one process's Celery worker, broker
# queue and beat lock never meet another's. The worker processes a test starts
# inherit the environment, and with it the rewritten URL (the marker keeps them
# from rewriting it again, and leaves a URL a test set itself alone).
if (
    (_xdist := os.environ.get("PYTEST_XDIST_WORKER", ""))
    and os.environ.get("REDIS_URL")
    and not os.environ.get("FMA_REDIS_PER_WORKER")
):
    _number = int(re.sub(r"\D", "", _xdist) or 0) + 1
    os.environ["REDIS_URL"] = re.sub(
        r"(redis://[^/]+)(/\d*)?$", rf"\g<1>/{_number}", os.environ["REDIS_URL"]
    )
    os.environ["FMA_REDIS_PER_WORKER"] = "1"

from .base import *  # noqa: E402, F403
from .env import env_bool, env_str  # noqa: E402

DEBUG = False
SECRET_KEY = "test-only-key"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A worker started by a test with EMAIL_HOST set sends to that test's SMTP sink.
if not EMAIL_HOST:  # noqa: F405
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)
_shared_cache = CACHES["default"]  # noqa: F405
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The second process of a cross-process test (tests/test_page_cache.py) shares
# the test's cache on Redis, as web processes do.
if env_bool("FMA_TEST_SHARED_CACHE") and env_str("REDIS_URL"):
    CACHES = {"default": _shared_cache}
# Tasks run inline in tests; tests/test_celery_worker.py sends to a real worker
# with send_task, which this setting does not affect.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
WHITENOISE_AUTOREFRESH = True
# A file for the SQLite test database instead of memory, so `pytest --reuse-db`
# keeps it between runs (`make mutation` runs the tests once per mutant).
if TEST_DATABASE_NAME := env_str("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": TEST_DATABASE_NAME}  # noqa: F405

# A test's commit need not wait for PostgreSQL to write its log to the disk:
# nothing a test writes has to survive a crash of the server, and the
# transactional tests (live servers, worker processes) commit on every request.
if "postgresql" in DATABASES["default"]["ENGINE"]:  # noqa: F405
    _options = DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
    _options["options"] = f"{_options.get('options', '')} -c synchronous_commit=off".strip()

# No learner is held out of nudges at random in tests: a test about nudges
# would otherwise fail whenever its learner drew the holdout (one run in ten
# per kind). The holdout's own tests set the share they test
# (tests/test_nudge_holdout.py); the default for everyone else is in base.py.
NUDGE_HOLDOUT_PERCENT = 0
