from django.apps import AppConfig


class NudgesConfig(AppConfig):
    name = "lms.nudges"
    label = "nudges"
    verbose_name = "Nudges"
