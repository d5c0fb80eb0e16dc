from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The reports layer: course analytics, cohort and equity metrics, their
    admin reports and the one disclosure-control module. No models."""

    name = "lms.reports"
    label = "reports"
    verbose_name = "Reports"
