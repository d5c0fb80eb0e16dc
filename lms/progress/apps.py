from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "lms.progress"
    label = "progress"
    verbose_name = "Progress"

    def ready(self):
        from . import personal_data  # noqa: F401  (registers its export and eraser)
