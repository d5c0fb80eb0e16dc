from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/reviews/<int:card_id>/answer/", views.answer_review, name="answer_review"),
]
