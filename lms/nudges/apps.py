from django.apps import AppConfig


class NudgesConfig(AppConfig):
    name = "lms.nudges"
    label = "nudges"
    verbose_name = "Nudges"

    def ready(self):
        from . import personal_data  # noqa: F401  (registers its export and eraser)
