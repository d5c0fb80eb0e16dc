"""Learner-facing equity profile URLs: only ever the signed-in learner's own."""

from django.urls import path

from . import views

urlpatterns = [
    path("me/equity/", views.equity_profile, name="equity_profile"),
    path("me/equity/not-now/", views.not_now, name="equity_not_now"),
    path("me/equity/withdraw/", views.withdraw, name="equity_withdraw"),
]
