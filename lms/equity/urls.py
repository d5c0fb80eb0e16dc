"""Learner-facing equity profile URLs."""

urlpatterns: list = []
