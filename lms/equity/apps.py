from django.apps import AppConfig


class EquityConfig(AppConfig):
    name = "lms.equity"
    label = "equity"
    verbose_name = "Equity monitoring"
