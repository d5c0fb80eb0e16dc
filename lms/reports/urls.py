"""The reports' site pages (outside the Wagtail admin): the employer
sponsor's team report (lms.reports.team_views)."""

from django.urls import path

from . import team_views

urlpatterns = [
    path("team/", team_views.team_index, name="team_index"),
    path("team/<int:pk>/", team_views.team_report_page, name="team_report"),
    path("team/<int:pk>/team-report.csv", team_views.team_report_csv, name="team_report_csv"),
]
