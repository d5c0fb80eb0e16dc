from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "lms.reviews"
    label = "reviews"
    verbose_name = "Reviews"

    def ready(self):
        # personal_data registers its export and eraser; signals makes review cards.
        from . import personal_data, signals  # noqa: F401
