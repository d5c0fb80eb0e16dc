from django.urls import path

from . import views

urlpatterns = [
    path("nudges/settings/", views.preferences, name="nudge_preferences"),
    path("nudges/unsubscribe/<str:token>/", views.unsubscribe, name="nudge_unsubscribe"),
    path("n/<str:token>/", views.click, name="nudge_click"),
]
