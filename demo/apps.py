from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo content and demo learners (`seed_demo`), and a synthetic catalogue
    for benchmarks (`seed_synthetic`). It sits above every other app, which is
    what lets it use them all."""

    name = "demo"
    verbose_name = "Demo data"
