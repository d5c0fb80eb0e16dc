from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lms.core"
    label = "core"
    verbose_name = "Platform core"

    def ready(self):
        # Wagtail's admin views import models, so they load once the apps have.
        from wagtail.admin.views.mixins import SpreadsheetExportMixin

        from . import sites  # noqa: F401  (the site cache's signal receivers)
        from .spreadsheet import guard_wagtail_exports

        # Every Wagtail CSV/XLSX export (ours and Wagtail's own reports) gets
        # the one formula guard.
        guard_wagtail_exports(SpreadsheetExportMixin)
