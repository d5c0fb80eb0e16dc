from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "lms.learners"
    label = "learners"
    verbose_name = "Learners"
