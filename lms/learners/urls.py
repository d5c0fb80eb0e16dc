from django.urls import path

from . import views

urlpatterns = [
    path("onboarding/", views.onboarding, name="onboarding"),
    path("me/self-check/", views.self_check, name="self_check"),
]
