"""Production settings, served by gunicorn over plain HTTP on 127.0.0.1 for `make bench`.
Everything lives under var/bench/, away from the development database."""

import os
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent.parent / "var" / "bench"

# Before production is imported: it refuses to start without a secret, and the
# base default database would otherwise be the development one.
os.environ.setdefault("SECRET_KEY", "bench-only-insecure-key-never-deploy")
os.environ.setdefault("FMA_VAR_DIR", str(BENCH_DIR))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{BENCH_DIR / 'db.sqlite3'}")
# Plain HTTP: cookies marked Secure would never come back from a browser.
os.environ.setdefault("SECURE_COOKIES", "false")

from lms.settings.production import *  # noqa: E402, F403

DEBUG = False
SECURE_SSL_REDIRECT = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.urls"
STATIC_ROOT = BENCH_DIR / "static"
MEDIA_ROOT = BENCH_DIR / "media"
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# WhiteNoise warns at start-up about a missing static root.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
