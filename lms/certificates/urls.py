from django.urls import path

from . import views

urlpatterns = [
    path("certificates/<uuid:code>/", views.certificate, name="certificate"),
]
