from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "lms.certificates"
    label = "certificates"
    verbose_name = "Certificates"

    def ready(self):
        # personal_data registers its export and eraser; signals issues certificates.
        from . import personal_data, signals  # noqa: F401
