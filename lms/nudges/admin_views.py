import django_filters
from django.urls import reverse
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView
from wagtail.admin.widgets import HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy

from lms.core.admin_access import CleanedFilters

from .models import Kind, Nudge
from .reports import weekly_summary


class NudgeReportFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(label="Kind", choices=Kind.choices, empty_label="All kinds")
    weeks = django_filters.ChoiceFilter(
        label="Period",
        choices=[("4", "Last 4 weeks"), ("12", "Last 12 weeks"), ("52", "Last year")],
        empty_label="Last 12 weeks",
        method="keep",
    )

    class Meta:
        model = Nudge
        fields = ["kind"]

    def keep(self, queryset, name, value):
        return queryset


class NudgeReportView(CleanedFilters, ReportView):
    page_title = "Nudges"
    header_icon = "mail"
    index_url_name = "nudge_report"
    index_results_url_name = "nudge_report_results"
    filterset_class = NudgeReportFilterSet
    permission_policy = ModelPermissionPolicy(Nudge)
    permission_required = "view"
    paginate_by = 60
    columns = [
        Column("week", label="Week of"),
        Column("kind_label", label="Kind"),
        Column("sent", label="Sent"),
        Column("failed", label="Failed"),
        Column("skipped", label="Skipped"),
        Column("clicked", label="Clicked"),
        Column("unsubscribed", label="Unsubscribed"),
        Column("followed_share", label="Learned within 48 h"),
    ]
    list_export = [
        "week",
        "kind_label",
        "planned",
        "sent",
        "failed",
        "skipped",
        "clicked",
        "unsubscribed",
        "followed",
        "followed_share",
    ]
    export_headings = {
        "week": "Week of",
        "kind_label": "Kind",
        "followed": "Learned within 48 hours",
        "followed_share": "Share learned within 48 hours",
    }

    @property
    def header_buttons(self):
        # The comparison with the holdout is a report of lms.reports (it counts
        # learners, under the disclosure control), linked by its URL name.
        return [
            HeaderButton(
                "Do they help? Nudged against held out",
                url=reverse("nudge_comparison_report"),
                icon_name="mail",
            )
        ]

    def get_filename(self):
        return "nudges-by-week"

    def get_queryset(self):
        weeks = int(self.cleaned_filters.get("weeks") or 12)
        return weekly_summary(weeks=weeks, kind=self.cleaned_filters.get("kind") or None)

    def filter_queryset(self, queryset):
        return queryset
