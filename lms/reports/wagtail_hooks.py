"""The reports in the Wagtail admin's Reports menu, each one AdminReport
owning its URLs and its menu item: course analytics, content gaps, the cohort
funnel, skills gaps, the equity dashboard and its audit log, and whether
nudges help (beside the Nudges report of lms.nudges)."""

from courses.workspace import has_partner
from lms.cohorts.access import can_manage_cohorts
from lms.core.admin_access import AdminReport
from lms.equity.access import can_read_audit_log, can_view_equity
from lms.nudges.wagtail_hooks import may_see_nudges

from .views.cohort_funnel import FunnelReportView
from .views.course_analytics import CourseAnalyticsView
from .views.equity import AuditLogView, EquityDashboardView
from .views.nudge_comparison import NudgeComparisonView
from .views.skills_gaps import ContentGapView, SkillsGapView

course_analytics = AdminReport(
    CourseAnalyticsView,
    "reports/course-analytics/",
    "Course analytics",
    menu_name="course-analytics",
    icon="table",
    order=900,
    shown_to=has_partner,
).register()

cohort_funnel = AdminReport(
    FunnelReportView,
    "reports/cohort-funnel/",
    "Cohort funnel",
    menu_name="cohort-funnel",
    icon="group",
    order=960,
    shown_to=can_manage_cohorts,
).register()

equity_dashboard = AdminReport(
    EquityDashboardView,
    "reports/equity/",
    "Equity metrics",
    menu_name="equity",
    icon="table",
    order=970,
    shown_to=can_view_equity,
).register()

equity_audit_log = AdminReport(
    AuditLogView,
    "reports/equity/audit/",
    "Equity audit log",
    menu_name="equity-audit-log",
    icon="history",
    order=980,
    shown_to=can_read_audit_log,
).register()

nudge_comparison = AdminReport(
    NudgeComparisonView,
    "reports/nudges/do-they-help/",
    "Nudges: do they help?",
    menu_name="nudge-comparison",
    icon="mail",
    order=951,
    shown_to=may_see_nudges,
).register()

skills_gaps = AdminReport(
    SkillsGapView,
    "reports/skills-gaps/",
    "Skills gaps",
    menu_name="skills-gaps",
    icon="table",
    order=965,
    shown_to=can_manage_cohorts,
).register()

content_gaps = AdminReport(
    ContentGapView,
    "reports/content-gaps/",
    "Content gaps",
    menu_name="content-gaps",
    icon="doc-full",
    order=905,
    shown_to=has_partner,
).register()
