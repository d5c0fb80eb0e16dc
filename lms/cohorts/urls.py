"""Learner-facing cohort URLs: join links and the learner's cohort page."""

urlpatterns: list = []
