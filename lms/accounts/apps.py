from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "lms.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from . import personal_data  # noqa: F401  (registers its export and eraser)
