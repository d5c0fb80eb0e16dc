from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = "Content"

    def ready(self):
        # signals purges the anonymous page cache when a snippet pages show changes.
        from . import signals

        signals.connect()
