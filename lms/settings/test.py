"""Tests: PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set (CI),
SQLite and in-memory everything otherwise."""

from .base import *  # noqa: F403
from .env import env_bool, env_str

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
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tasks run inline in tests; tests/test_celery_worker.py sends to a real worker
# with send_task, which this setting does not affect.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
WHITENOISE_AUTOREFRESH = True
# A file for the SQLite test database instead of memory, so `pytest --reuse-db`
# keeps it between runs (`make mutation` runs the tests once per mutant).
if TEST_DATABASE_NAME := env_str("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": TEST_DATABASE_NAME}  # noqa: F405
