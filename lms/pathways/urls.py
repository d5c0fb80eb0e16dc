"""A learner's pathway pages: a curated pathway and their personal one."""

from django.urls import path

from . import views

urlpatterns = [
    path("me/pathway/", views.personal_pathway, name="personal_pathway"),
    path("pathways/<slug:slug>/", views.pathway, name="pathway"),
]
