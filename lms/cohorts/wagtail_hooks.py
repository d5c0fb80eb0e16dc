from . import admin_cohorts, admin_reports  # noqa: F401
