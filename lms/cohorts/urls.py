"""Learner-facing cohort URLs: join links and the learner's cohort page."""

from django.urls import path

from . import views

urlpatterns = [
    path("cohorts/", views.my_cohorts, name="my_cohorts"),
    path("cohorts/<int:pk>/", views.cohort_detail, name="cohort_detail"),
    path("cohorts/join/<str:token>/", views.join_by_link, name="cohort_join"),
    path("cohorts/invitation/<str:token>/", views.join_by_invitation, name="cohort_invitation"),
]
