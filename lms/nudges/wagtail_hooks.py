from lms.core.admin_access import AdminReport

from .admin_views import NudgeReportView


def may_see_nudges(user) -> bool:
    return user.has_perm("nudges.view_nudge")


nudge_report = AdminReport(
    NudgeReportView,
    "reports/nudges/",
    "Nudges",
    menu_name="nudges",
    icon="mail",
    order=950,
    shown_to=may_see_nudges,
).register()
