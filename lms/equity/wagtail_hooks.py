"""The equity dashboard and audit log in the Wagtail admin's Reports menu."""

from django.urls import path, reverse
from wagtail import hooks

from lms.core.admin_access import MenuItemFor

from .access import can_read_audit_log, can_view_equity
from .admin_reports import AuditLogView, EquityDashboardView


@hooks.register("register_admin_urls")
def equity_report_urls():
    return [
        path("reports/equity/", EquityDashboardView.as_view(), name="equity_dashboard"),
        path("reports/equity/audit/", AuditLogView.as_view(), name="equity_audit_log"),
    ]


@hooks.register("register_reports_menu_item")
def equity_menu_item():
    return MenuItemFor(
        "Equity metrics",
        reverse("equity_dashboard"),
        name="equity",
        icon_name="table",
        order=970,
        shown_to=can_view_equity,
    )


@hooks.register("register_reports_menu_item")
def equity_audit_menu_item():
    return MenuItemFor(
        "Equity audit log",
        reverse("equity_audit_log"),
        name="equity-audit-log",
        icon_name="history",
        order=980,
        shown_to=can_read_audit_log,
    )
