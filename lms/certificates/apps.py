from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "lms.certificates"
    label = "certificates"
    verbose_name = "Certificates"

    def ready(self):
        from . import personal_data  # noqa: F401  (registers its export and eraser)
