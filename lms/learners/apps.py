from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "lms.learners"
    label = "learners"
    verbose_name = "Learners"

    def ready(self):
        from . import personal_data  # noqa: F401  (registers its export and eraser)
