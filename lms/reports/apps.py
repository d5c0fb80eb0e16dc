from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The reports layer: course analytics, cohort and equity metrics, their
    admin reports and the one disclosure-control module. Its one table,
    LearnerDay, holds per-learner facts kept by lms.reports.facts."""

    name = "lms.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self):
        from . import facts, personal_data  # noqa: F401  (its receivers; its personal data)
