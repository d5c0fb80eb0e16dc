"""Settings shared by every environment. Everything that differs per deployment
comes from environment variables; see docs/operations.md for the full list."""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from .env import env_bool, env_int, env_list, env_str
from .sso import single_sign_on

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("FMA_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "home",
    "demo",
    "courses",
    "content",
    "lms.core",
    "lms.accounts",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "lms.learners",
    "lms.progress",
    "lms.pathways",
    "lms.certificates",
    "lms.reviews",
    "lms.nudges",
    "lms.cohorts",
    "lms.equity",
    "lms.reports",
    "lms.personal_data",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_htmx",
    "template_partials",
    "csp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous pages from the shared cache: outside every middleware that may
    # set a cookie, so it sees them (lms/core/page_cache.py).
    "lms.core.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "lms.core.sites.SiteMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "lms.accounts.middleware.StaffAreaMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "lms.core.middleware.PreviewFramingMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                # After Django's own csrf processor: blanks the token on cached pages.
                "lms.core.page_cache.anonymous_page",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif "postgresql" in DATABASES["default"]["ENGINE"] and not env_bool("DATABASE_JIT", False):
    # PostgreSQL compiles a query to machine code when its estimated cost is
    # high, which the reports' correlated subqueries always are: compiling
    # took 1.2–1.9 s per report query on a few dozen rows (0.003 s without).
    # Our queries are short; the compile never pays for itself.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files browsers ask for at the site's root (/favicon.ico, /apple-touch-icon.png).
WHITENOISE_ROOT = BASE_DIR / "public"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
SERVE_MEDIA = env_bool("SERVE_MEDIA", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

CACHES = {
    "default": (
        {
            "BACKEND": "lms.core.cache.ResilientRedisCache",
            "LOCATION": env_str("REDIS_URL"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if env_str("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# The anonymous page cache (lms/core/page_cache.py, docs/performance.md "Page
# cache"): how long a copy lives in CACHES (publishing purges it at once), and
# how long a CDN or reverse proxy may keep it (s-maxage; nothing purges a proxy).
# Sessions read from the cache (Redis in the full stack), written through to
# the database: a signed-in page reads no session row.
SESSION_ENGINE = env_str("SESSION_ENGINE", "django.contrib.sessions.backends.cached_db")
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE_ENABLED", True)
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300)
PAGE_CACHE_PROXY_SECONDS = env_int("PAGE_CACHE_PROXY_SECONDS", 60)

# Email: SMTP when EMAIL_HOST is set, otherwise files in var/outbox.
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = VAR_DIR / "outbox"
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Five Minute AI <hello@localhost>")

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport,
# which needs no server (the embedded default of `make run`).
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", env_str("REDIS_URL")) or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # A task a dead worker had taken (acks late) is handed out again after this.
    # No task uses an ETA or countdown: nudges wait in the database until due.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# One beat at a time: a second one started by mistake waits for the lock.
CELERY_BEAT_SCHEDULER = "lms.core.beat:LockedScheduler"
CELERY_BEAT_LOCK_SECONDS = env_int("CELERY_BEAT_LOCK_SECONDS", 60)
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "lms.core.tasks.record_heartbeat", "schedule": 60.0},
    "plan-nudges": {"task": "lms.nudges.tasks.plan_nudges", "schedule": 60.0},
    "dispatch-nudges": {"task": "lms.nudges.tasks.dispatch_nudges", "schedule": 30.0},
    "send-pending-invitations": {
        "task": "lms.cohorts.tasks.send_pending_invitations",
        "schedule": 300.0,
    },
    "extend-pathways": {
        "task": "lms.pathways.tasks.extend_recently_published",
        "schedule": 3600.0,
    },
    # Lessons due for review: each partner's authors, Mondays 07:00 (CELERY_TIMEZONE).
    "review-reminders": {
        "task": "courses.tasks.send_review_reminders",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
}

# Nudges (lms.nudges): see docs/operations.md.
NUDGE_PLAN_WINDOW_HOURS = env_int("NUDGE_PLAN_WINDOW_HOURS", 6)
NUDGE_STREAK_WEEKDAY = env_int("NUDGE_STREAK_WEEKDAY", 4)  # Friday
NUDGE_CHUNK_SIZE = env_int("NUDGE_CHUNK_SIZE", 100)
NUDGE_DISPATCH_LIMIT = env_int("NUDGE_DISPATCH_LIMIT", 50_000)
NUDGE_REDISPATCH_SECONDS = env_int("NUDGE_REDISPATCH_SECONDS", 900)
NUDGE_CLAIM_LEASE_SECONDS = env_int("NUDGE_CLAIM_LEASE_SECONDS", 600)
NUDGE_MAX_ATTEMPTS = env_int("NUDGE_MAX_ATTEMPTS", 5)
NUDGE_RETRY_BASE_SECONDS = env_int("NUDGE_RETRY_BASE_SECONDS", 120)
NUDGE_SIGN_IN_LINK_HOURS = env_int("NUDGE_SIGN_IN_LINK_HOURS", 72)
# The holdout (lms.nudges.holdout): this percentage of learners, drawn once per
# kind of nudge when they first choose to receive nudges, gets none of that
# kind for this many days, so the Nudges report can compare (docs/calendar-and-holdout.md).
NUDGE_HOLDOUT_PERCENT = env_int("NUDGE_HOLDOUT_PERCENT", 10)
NUDGE_HOLDOUT_DAYS = env_int("NUDGE_HOLDOUT_DAYS", 90)

# Spaced retrieval (lms.reviews): a right answer in a review within this many
# seconds of the question being shown grades Easy, else Good (docs/architecture.md,
# "Reviews").
FMA_REVIEW_EASY_SECONDS = env_int("FMA_REVIEW_EASY_SECONDS", 15)
# The dashboard offers "Rate yourself again" once the latest self-check is this old.
FMA_SELF_CHECK_EVERY_DAYS = env_int("FMA_SELF_CHECK_EVERY_DAYS", 56)

# `seed_demo` adds the synthetic demo programme (demo.programme: invented
# learners under @synthetic.example) only when this is on: off here and in
# production, on in lms.settings.dev (`make run`); `seed_demo --synthetic` /
# `--no-synthetic` decide for one run. See docs/operations.md.
FMA_DEMO_SYNTHETIC = env_bool("FMA_DEMO_SYNTHETIC", False)

# Disclosure control of the equity dashboard and the cohort reports
# (lms.reports.disclosure): see "Disclosure control for funders" in
# docs/operations.md.
EQUITY_MIN_COUNT = env_int("EQUITY_MIN_COUNT", 10)
EQUITY_ROUND_TO = env_int("EQUITY_ROUND_TO", 5)
EQUITY_MIN_GROUP_FOR_RATES = env_int("EQUITY_MIN_GROUP_FOR_RATES", 23)
EQUITY_RATE_EDGE = env_int("EQUITY_RATE_EDGE", 2)
EQUITY_PTABLE = env_str("EQUITY_PTABLE", "fma-2")  # a design in lms.reports.ptable.DESIGNS

# Wagtail
WAGTAIL_SITE_NAME = env_str("SITE_NAME", "Five Minute AI")
WAGTAILADMIN_BASE_URL = env_str("BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {
    # Uses PostgreSQL full-text search under PostgreSQL, and SQLite FTS otherwise.
    "default": {"BACKEND": "wagtail.search.backends.database"}
}
# The catalogue's search caches each query's ranked results this long
# (courses.catalogue); saving (publishing, unpublishing), moving or deleting
# any page drops them at once.
SEARCH_CACHE_SECONDS = env_int("SEARCH_CACHE_SECONDS", 60)
# The catalogue filter form's choices (sectors, seniority levels, skills,
# partners), dropped at once when one of them is saved or deleted.
CATALOGUE_CHOICES_CACHE_SECONDS = env_int("CATALOGUE_CHOICES_CACHE_SECONDS", 3600)
# Raster formats only: an uploaded SVG can carry script, so it is refused.
WAGTAILIMAGES_EXTENSIONS = ["avif", "gif", "jpg", "jpeg", "png", "webp"]
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx"]
# Documents are always served by Wagtail's view, which checks collection view
# restrictions (partners' collections are private), never straight from storage.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAIL_ENABLE_UPDATE_CHECK = False
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Accounts (django-allauth). Email is the login: sign up with an email address
# alone and verify it with an emailed code; sign in with an emailed code or a
# password (set one any time in account settings); optional two-factor (TOTP and
# recovery codes), which staff must set up before they reach either admin
# (lms.accounts.middleware); SSO with Google or Microsoft when configured. The
# admins' own sign-in forms redirect here (lms/urls.py).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/dashboard/"
WAGTAILADMIN_LOGIN_URL = "account_login"
# Wagtail's page privacy ("private, accessible to logged-in users") signs in here.
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
WAGTAIL_PASSWORD_RESET_ENABLED = False
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
# Sign-up also asks the learner's first and last name (lms/accounts/signup.py).
ACCOUNT_SIGNUP_FORM_CLASS = "lms.accounts.signup.NameFields"
ACCOUNT_FORMS = {
    "login": "lms.accounts.forms.LoginForm",
    "request_login_code": "lms.accounts.forms.RequestLoginCodeForm",
}
# Account emails greet by first name (lms/accounts/adapter.py).
ACCOUNT_ADAPTER = "lms.accounts.adapter.AccountAdapter"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_PREVENT_ENUMERATION = True
# allauth's default rate limits, kept in the shared cache (CACHES above).
ACCOUNT_RATE_LIMITS = {}
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{WAGTAIL_SITE_NAME}] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = WAGTAIL_SITE_NAME
SSO_APPS, SOCIALACCOUNT_PROVIDERS = single_sign_on(os.environ)
INSTALLED_APPS += SSO_APPS
# An SSO sign-in never takes over an existing account just because the emails match.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False

# Content Security Policy: no inline script or style on learner pages. The
# Wagtail and Django admins are excluded: they are staff-only and ship their own
# inline configuration.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/django-admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Lessons are five minutes at most; reading time is estimated from content.
FMA_READING_WORDS_PER_MINUTE = env_int("FMA_READING_WORDS_PER_MINUTE", 200)
# How long a lesson body's shared HTML stays in the cache (courses.models,
# LessonPage.body_parts); its key changes with the body, so this only bounds
# how long an entry nobody asks for takes room.
FMA_LESSON_BODY_CACHE_SECONDS = env_int("FMA_LESSON_BODY_CACHE_SECONDS", 24 * 3600)
FMA_SECONDS_PER_IMAGE = 12
FMA_SECONDS_PER_KNOWLEDGE_CHECK = 20
FMA_MAX_LESSON_SECONDS = 300
FMA_LIBRARY_DIR = BASE_DIR / "content" / "library"
# An imported lesson's review-by date is its facts_checked date plus this many
# months, unless its front matter gives an earlier review_by.
FMA_FACTS_REVIEW_MONTHS = env_int("FMA_FACTS_REVIEW_MONTHS", 12)
# What one course import may hold (docs/authoring.md, "What the importer refuses").
FMA_IMPORT_MAX_FILE_BYTES = env_int("FMA_IMPORT_MAX_FILE_BYTES", 64 * 1024)
FMA_IMPORT_MAX_LIBRARY_BYTES = env_int("FMA_IMPORT_MAX_LIBRARY_BYTES", 50 * 1024 * 1024)
FMA_IMPORT_MAX_YAML_BYTES = env_int("FMA_IMPORT_MAX_YAML_BYTES", 1024 * 1024)
FMA_IMPORT_MAX_IMAGE_BYTES = env_int("FMA_IMPORT_MAX_IMAGE_BYTES", 5 * 1024 * 1024)
# What one zip uploaded to "Import a course" may hold (courses.importer.zip_upload).
FMA_IMPORT_MAX_UPLOAD_BYTES = env_int("FMA_IMPORT_MAX_UPLOAD_BYTES", 2 * 1024 * 1024)
FMA_IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("FMA_IMPORT_MAX_UNCOMPRESSED_BYTES", 10 * 1024 * 1024)
FMA_IMPORT_MAX_COMPRESSION_RATIO = env_int("FMA_IMPORT_MAX_COMPRESSION_RATIO", 100)
FMA_IMPORT_MAX_ENTRIES = env_int("FMA_IMPORT_MAX_ENTRIES", 200)
# Course analytics for partners: counts below this show as "<N".
PARTNER_ANALYTICS_MIN_LEARNERS = env_int("PARTNER_ANALYTICS_MIN_LEARNERS", 5)
# Cohort invitations: the largest CSV; when a claimed invitation is stale, and
# how its email is retried (lms.cohorts.invitation_emails, docs/operations.md).
COHORT_CSV_MAX_ROWS = env_int("COHORT_CSV_MAX_ROWS", 5000)
COHORT_INVITE_LEASE_SECONDS = env_int("COHORT_INVITE_LEASE_SECONDS", 600)
COHORT_INVITE_MAX_ATTEMPTS = env_int("COHORT_INVITE_MAX_ATTEMPTS", 5)
COHORT_INVITE_RETRY_BASE_SECONDS = env_int("COHORT_INVITE_RETRY_BASE_SECONDS", 300)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Per-task and per-page chatter; warnings still show.
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}
