"""The equity dashboard and audit log in the Wagtail admin's Reports menu."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .access import can_read_audit_log, can_view_equity
from .admin_reports import AuditLogView, EquityDashboardView


@hooks.register("register_admin_urls")
def equity_report_urls():
    return [
        path("reports/equity/", EquityDashboardView.as_view(), name="equity_dashboard"),
        path("reports/equity/audit/", AuditLogView.as_view(), name="equity_audit_log"),
    ]


class EquityMenuItem(MenuItem):
    def is_shown(self, request):
        return can_view_equity(request.user)


class AuditLogMenuItem(MenuItem):
    def is_shown(self, request):
        return can_read_audit_log(request.user)


@hooks.register("register_reports_menu_item")
def equity_menu_item():
    return EquityMenuItem(
        "Equity metrics", reverse("equity_dashboard"), name="equity", icon_name="table", order=970
    )


@hooks.register("register_reports_menu_item")
def equity_audit_menu_item():
    return AuditLogMenuItem(
        "Equity audit log",
        reverse("equity_audit_log"),
        name="equity-audit-log",
        icon_name="history",
        order=980,
    )
