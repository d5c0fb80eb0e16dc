from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .admin_views import NudgeReportView


@hooks.register("register_admin_urls")
def nudge_report_urls():
    return [
        path("reports/nudges/", NudgeReportView.as_view(), name="nudge_report"),
        path(
            "reports/nudges/results/",
            NudgeReportView.as_view(results_only=True),
            name="nudge_report_results",
        ),
    ]


class NudgeReportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("nudges.view_nudge")


@hooks.register("register_reports_menu_item")
def nudge_report_menu_item():
    return NudgeReportMenuItem(
        "Nudges", reverse("nudge_report"), name="nudges", icon_name="mail", order=950
    )
