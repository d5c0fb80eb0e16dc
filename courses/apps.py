from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Courses"

    def ready(self):
        # personal_data registers what authoring in the admin holds about a person.
        # signals connects the page, partner and review handlers.
        from . import personal_data, signals  # noqa: F401

        signals.connect_review_notifications()
