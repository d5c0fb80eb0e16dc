"""The embedded default used by `make run`: SQLite, a file-based broker and an
email outbox under var/, no servers needed."""

from .base import *  # noqa: F403
from .env import env_bool, env_str

DEBUG = True
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-not-for-production")
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
# `make run` shows every staff report with figures: seed_demo adds the
# synthetic demo programme (demo.programme) unless FMA_DEMO_SYNTHETIC=false.
FMA_DEMO_SYNTHETIC = env_bool("FMA_DEMO_SYNTHETIC", True)
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)

# Sign-in rate limits and used two-factor codes must be shared by every web
# process: without Redis, a cache in files under var/ rather than per-process memory.
if not env_str("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",  # noqa: F405
        }
    }

# The anonymous page cache keys copies by the code a process started with, and
# the dev server reloads templates without restarting: off unless asked for.
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE_ENABLED", False)

_broker = BROKER_DIR  # noqa: F405
for folder in (VAR_DIR, _broker / "queue", _broker / "processed", _broker / "control"):  # noqa: F405
    folder.mkdir(parents=True, exist_ok=True)
