from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "lms.pathways"
    label = "pathways"
    verbose_name = "Pathways"

    def ready(self):
        from . import signals  # noqa: F401
