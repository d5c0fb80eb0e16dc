from django.urls import path

from . import views

urlpatterns = [
    path("certificates/<uuid:code>/", views.certificate, name="certificate"),
    path("certificates/<uuid:code>/verify/", views.verify, name="certificate_verify"),
    path(
        "certificates/<uuid:code>/certificate.pdf",
        views.certificate_pdf_download,
        name="certificate_pdf",
    ),
]
