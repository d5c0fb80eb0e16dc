"""The reports' admin URLs and their items in the Wagtail admin's Reports
menu: course analytics, the cohort funnel, the equity dashboard and its
audit log."""

from django.urls import path, reverse
from wagtail import hooks

from courses.workspace import has_partner
from lms.cohorts.access import can_manage_cohorts
from lms.core.admin_access import MenuItemFor
from lms.equity.access import can_read_audit_log, can_view_equity

from .views.cohort_funnel import FunnelReportView
from .views.course_analytics import CourseAnalyticsView
from .views.equity import AuditLogView, EquityDashboardView


@hooks.register("register_admin_urls")
def course_analytics_urls():
    return [
        path("reports/course-analytics/", CourseAnalyticsView.as_view(), name="course_analytics"),
        path(
            "reports/course-analytics/results/",
            CourseAnalyticsView.as_view(results_only=True),
            name="course_analytics_results",
        ),
    ]


@hooks.register("register_reports_menu_item")
def course_analytics_menu_item():
    return MenuItemFor(
        "Course analytics",
        reverse("course_analytics"),
        name="course-analytics",
        icon_name="table",
        order=900,
        shown_to=has_partner,
    )


@hooks.register("register_admin_urls")
def funnel_report_urls():
    return [path("reports/cohort-funnel/", FunnelReportView.as_view(), name="cohort_funnel")]


@hooks.register("register_reports_menu_item")
def funnel_menu_item():
    return MenuItemFor(
        "Cohort funnel",
        reverse("cohort_funnel"),
        name="cohort-funnel",
        icon_name="group",
        order=960,
        shown_to=can_manage_cohorts,
    )


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
