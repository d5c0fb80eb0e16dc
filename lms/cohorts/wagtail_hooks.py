from . import admin_cohorts  # noqa: F401
