from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "lms.pathways"
    label = "pathways"
    verbose_name = "Pathways"

    def ready(self):
        # personal_data registers the personal pathway's export and eraser.
        from . import personal_data, signals  # noqa: F401
