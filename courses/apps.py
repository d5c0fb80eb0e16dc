from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Courses"

    def ready(self):
        # personal_data registers what authoring in the admin holds about a person.
        from . import personal_data, review, signals  # noqa: F401

        review.connect_notifications()
