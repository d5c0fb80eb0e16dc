""" "Nudges: do they help?" in the Wagtail admin's Reports menu (its URLs and
menu item are in lms.reports.wagtail_hooks): per kind of nudge, the nudged
against the randomly held-out learners (lms.reports.nudge_comparison), with
the same rows in the CSV and XLSX downloads. For the same people as the
Nudges report (the view permission on nudges); it links to it and back."""

from django.conf import settings
from django.urls import reverse
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView
from wagtail.admin.widgets import HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy

from lms.core.admin_access import CleanedFilters
from lms.nudges.admin_views import NudgeReportFilterSet
from lms.nudges.models import HoldoutAssignment, Nudge

from ..disclosure import min_count
from ..nudge_comparison import measure_rows

COLUMNS = [
    ("kind_label", "Kind"),
    ("measure", "Measure"),
    ("nudged", "Nudged"),
    ("held_out", "Held out"),
    ("difference", "Nudged − held out (95% CI)"),
]


class NudgeComparisonFilterSet(NudgeReportFilterSet):
    """The Nudges report's filters (kind, period), over the holdout draws."""

    class Meta(NudgeReportFilterSet.Meta):
        model = HoldoutAssignment


class NudgeComparisonView(CleanedFilters, ReportView):
    page_title = "Nudges: do they help?"
    header_icon = "mail"
    index_url_name = "nudge_comparison_report"
    index_results_url_name = "nudge_comparison_report_results"
    results_template_name = "reports/nudge_comparison_results.html"
    filterset_class = NudgeComparisonFilterSet
    permission_policy = ModelPermissionPolicy(Nudge)
    permission_required = "view"
    paginate_by = 100
    columns = [Column(name, label=label) for name, label in COLUMNS]
    list_export = [name for name, _ in COLUMNS]
    export_headings = dict(COLUMNS)

    @property
    def header_buttons(self):
        return [HeaderButton("Nudges by week", url=reverse("nudge_report"), icon_name="mail")]

    def get_context_data(self, *args, **kwargs):
        return super().get_context_data(
            *args,
            holdout_percent=settings.NUDGE_HOLDOUT_PERCENT,
            holdout_days=settings.NUDGE_HOLDOUT_DAYS,
            min_count=min_count(),
            **kwargs,
        )

    def get_filename(self):
        return "nudges-nudged-against-held-out"

    def get_queryset(self):
        weeks = int(self.cleaned_filters.get("weeks") or 12)
        return measure_rows(weeks=weeks, kind=self.cleaned_filters.get("kind") or None)

    def filter_queryset(self, queryset):
        return queryset
