from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_analysts_group(sender, **kwargs):
    from .access import ensure_equity_analysts  # imports models: not before the registry is ready

    ensure_equity_analysts()


class EquityConfig(AppConfig):
    name = "lms.equity"
    label = "equity"
    verbose_name = "Equity monitoring"

    def ready(self):
        from . import personal_data  # noqa: F401  (registers its export and eraser)

        # After migrate (and a test database's flush): the analysts' group exists.
        post_migrate.connect(
            create_analysts_group, sender=self, dispatch_uid="equity_create_analysts"
        )
