from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "lms.pathways"
    label = "pathways"
    verbose_name = "Pathways"

    def ready(self):
        # personal_data registers the personal pathway's export and eraser; importer
        # loads the pathways of a library; signals extends personal pathways.
        from . import importer, personal_data, signals  # noqa: F401
