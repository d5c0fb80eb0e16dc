from django.apps import AppConfig


class NudgesConfig(AppConfig):
    name = "lms.nudges"
    label = "nudges"
    verbose_name = "Nudges"

    def ready(self):
        from . import (
            onboarding,  # noqa: F401  (asks how often, on the onboarding screen)
            personal_data,  # noqa: F401  (registers its export and eraser)
        )
