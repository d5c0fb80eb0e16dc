"""Cohort reports in the Wagtail admin (funnel, breakdowns), limited to the
cohorts each viewer may see (lms.cohorts.access.cohorts_for_user).

"Cohort funnel" in the Reports menu: invited → joined → activated → engaged →
completed and minutes learned, across the viewer's cohorts and per cohort;
lessons completed per week as a chart (server-rendered SVG, with the same
figures as a table); breakdowns by sector, seniority, organisation size band
and local area. Every count of learners, and the weekly completions, is
perturbed by the cell key method (lms.equity.disclosure.perturb: the same
people always give the same figure, in this report and in the equity
dashboard, so subtracting two date ranges or two cohorts gives nothing
exact). The funnel's figures are otherwise shown as they are, for the people
who run the cohort; invitations (addresses, not learners) and minutes are
not perturbed. The breakdowns go through the same disclosure control as the
equity dashboard (suppression and rounding too), since a small group in one
local area or sector could single someone out.

Programme admins see every cohort; cohort managers only their own (another
cohort's id in the query string is an invalid choice and shows nothing);
anyone else with admin access gets a 403; learners and anonymous visitors
are turned away by Wagtail's admin gate (to the login page)."""

import csv
from datetime import date

from django import forms
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from lms.core.admin_access import MenuItemFor, RoleRequired
from lms.core.spreadsheet import safe_cell
from lms.equity.disclosure import (
    csv_rows,
    disclose,
    min_count,
    min_group_for_rates,
    perturb,
    round_to,
    screen_rows,
)
from lms.equity.models import RecordKey

DIMENSION_LABELS = {
    "sector": "Sector",
    "seniority": "Seniority",
    "organisation_size": "Organisation size",
    "local_area": "Local area",
}
FUNNEL_STAGES = (
    ("invited", "Invited"),
    ("joined", "Joined"),
    ("activated", "Activated"),
    ("engaged", "Engaged"),
    ("completed", "Completed"),
)
MAX_COHORT_ROWS = 50


# -- the chart ------------------------------------------------------------------


def bar_chart(chart_id: str, title: str, desc: str, bars, *, unit: str = "", max_value=None):
    """An accessible horizontal bar chart as inline SVG: role="img" with a
    <title> and <desc> (the figures are also in a table beside it). `bars`:
    (label, value or None); None draws no bar and says "hidden". No script,
    no inline style (presentation attributes only), so it passes a strict
    CSP."""
    bars = list(bars)
    label_width, bar_width, row_height, top = 220, 360, 26, 8
    width = label_width + bar_width + 80
    height = top * 2 + row_height * max(len(bars), 1)
    biggest = max_value or max([value for _, value in bars if value is not None] or [1]) or 1
    rows = []
    for position, (label, value) in enumerate(bars):
        y = top + position * row_height
        length = 0 if value is None else round(bar_width * value / biggest, 1)
        shown = "hidden" if value is None else f"{value}{unit}"
        rows.append(
            format_html(
                '<g><text x="{}" y="{}" text-anchor="end" fill="#1d1d1d" font-size="13">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="#1f5f99"></rect>'
                '<text x="{}" y="{}" fill="#1d1d1d" font-size="13">{}</text></g>',
                label_width - 8,
                y + 17,
                label[:32],
                label_width,
                y + 4,
                length,
                row_height - 8,
                label_width + length + 6,
                y + 17,
                shown,
            )
        )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{}-title {}-desc" '
        'viewBox="0 0 {} {}" width="100%" height="{}" class="report-chart" '
        'preserveAspectRatio="xMinYMin meet" focusable="false">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        chart_id,
        chart_id,
        width,
        height,
        height,
        chart_id,
        title,
        chart_id,
        desc,
        format_html_join("", "{}", ((row,) for row in rows)),
    )


# -- filters --------------------------------------------------------------------


class CohortChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, cohort):
        return f"{cohort.name} ({cohort.programme.name})"


class ReportFilterForm(forms.Form):
    """Cohort (only those the viewer may see), and a date range."""

    cohort = CohortChoiceField(
        queryset=None, required=False, empty_label="All your cohorts (pooled)", label="Cohort"
    )
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, cohorts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts.select_related("programme").order_by(
            "-starts_on", "name"
        )

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError("“From” must be on or before “To”.")
        return data


def scope_for(cohorts, data, *, everyone: bool):
    """The metrics Scope for the cleaned filters: the chosen cohort, or all
    the viewer's cohorts (None, i.e. every cohort, only for those who see all)."""
    from .metrics import Scope

    cohort = data.get("cohort")
    if cohort is not None:
        ids = (cohort.pk,)
    elif everyone:
        ids = None
    else:
        ids = tuple(cohorts.values_list("pk", flat=True))
    return Scope(cohort_ids=ids, since=data.get("since"), until=data.get("until"))


def describe_filters(data) -> dict:
    cohort = data.get("cohort")
    since: date | None = data.get("since")
    until: date | None = data.get("until")
    return {
        "cohort": cohort.pk if cohort else None,
        "cohort_name": cohort.name if cohort else "All cohorts (pooled)",
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
    }


# -- served figures -------------------------------------------------------------


def served_stages(figures) -> list[tuple[str, int]]:
    """(label, figure) for each funnel stage as served: invitations as
    counted, learner counts perturbed by the cell key method."""
    served = [("Invited", figures.invited)]
    for key, label in FUNNEL_STAGES[1:]:
        served.append((label, perturb(getattr(figures, key), getattr(figures, f"{key}_key"))))
    return served


def served_weeks(figures) -> list[tuple[date, int]]:
    """Lessons completed per week, each week's figure perturbed by the cell
    key method (a week without completions stays 0)."""
    return [
        (monday, perturb(count, figures.per_week_keys.get(monday, 0)))
        for monday, count in figures.per_week
    ]


# -- the funnel view ------------------------------------------------------------


class FunnelReportView(RoleRequired, WagtailAdminTemplateMixin, TemplateView):
    template_name = "cohorts/reports/funnel.html"
    page_title = "Cohort funnel"
    header_icon = "group"

    forbidden_heading = "You cannot see this report"
    forbidden_reason = (
        "Cohort reports are for programme admins and for the managers of each cohort. Your "
        "account has neither role. Ask a programme admin if you need access."
    )

    def allowed(self, user) -> bool:
        from .access import can_manage_cohorts

        return can_manage_cohorts(user)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    @cached_property
    def cohorts(self):
        from .access import cohorts_for_user

        return cohorts_for_user(self.request.user)

    @cached_property
    def sees_all(self) -> bool:
        from .access import is_programme_admin

        return is_programme_admin(self.request.user)

    @cached_property
    def form(self):
        return ReportFilterForm(self.request.GET or None, cohorts=self.cohorts)

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        if request.GET.get("export") == "csv" and context.get("report"):
            return self.csv_response(context["report"])
        return self.render_to_response(context)

    def report(self, data):

        from .metrics import DIMENSIONS, Scope, breakdown, funnel, learners_in

        scope = scope_for(self.cohorts, data, everyone=self.sees_all)
        RecordKey.objects.ensure_for(learners_in(scope))
        overall = funnel(scope)
        per_cohort = []
        chosen = data.get("cohort")
        cohorts = (
            [chosen] if chosen else list(self.cohorts.order_by("-starts_on")[:MAX_COHORT_ROWS])
        )
        for cohort in cohorts:
            figures = funnel(Scope((cohort.pk,), scope.since, scope.until))
            per_cohort.append(
                {
                    "cohort": cohort,
                    "stages": served_stages(figures),
                    "minutes": round(figures.minutes),
                }
            )
        breakdowns = []
        for dimension in DIMENSIONS:
            table = disclose(breakdown(scope, dimension), gaps=False)
            breakdowns.append(
                {
                    "key": dimension,
                    "label": DIMENSION_LABELS.get(dimension, dimension),
                    "header": [DIMENSION_LABELS.get(dimension, dimension)]
                    + [label for _, label in table.columns],
                    "rows": screen_rows(table),
                    "table": table,
                }
            )
        weeks = served_weeks(overall)
        chart = bar_chart(
            "completions-per-week",
            "Lessons completed per week",
            f"Bar chart of lessons completed by learners in {describe_filters(data)['cohort_name']}"
            f", per week, over {len(weeks)} weeks. The same figures are in the table below.",
            [(f"w/c {monday:%d %b %Y}", count) for monday, count in weeks],
        )
        return {
            "scope": scope,
            "stages": served_stages(overall),
            "minutes": round(overall.minutes),
            "per_cohort": per_cohort,
            "more_cohorts": not chosen and self.cohorts.count() > MAX_COHORT_ROWS,
            "weeks": weeks,
            "chart": chart if weeks else None,
            "breakdowns": breakdowns,
            "min_count": min_count(),
            "round_to": round_to(),
            "min_group": min_group_for_rates(),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.form
        context["form"] = form
        context["no_cohorts"] = not self.cohorts.exists()
        if context["no_cohorts"]:
            return context
        if form.is_bound and not form.is_valid():
            context["report"] = None
            return context
        data = form.cleaned_data if form.is_bound else {}
        context["report"] = self.report(data)
        context["filters"] = describe_filters(data)
        query = self.request.GET.copy()
        query["export"] = "csv"
        context["csv_url"] = f"{self.request.path}?{query.urlencode()}"
        return context

    def csv_response(self, report):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="cohort-funnel.csv"'
        writer = csv.writer(response)
        writer.writerow(["Stage", "Learners"])
        for label, value in report["stages"]:
            writer.writerow([label, value])
        writer.writerow(["Minutes learned", report["minutes"]])
        writer.writerow([])
        writer.writerow(["Week beginning", "Lessons completed"])
        for monday, count in report["weeks"]:
            writer.writerow([monday.isoformat(), count])
        for item in report["breakdowns"]:
            writer.writerow([])
            writer.writerow([safe_cell(text) for text in item["header"]])
            writer.writerows(csv_rows(item["table"]))
        return response


@hooks.register("register_admin_urls")
def funnel_report_urls():
    return [path("reports/cohort-funnel/", FunnelReportView.as_view(), name="cohort_funnel")]


@hooks.register("register_reports_menu_item")
def funnel_menu_item():
    from .access import can_manage_cohorts

    return MenuItemFor(
        "Cohort funnel",
        reverse("cohort_funnel"),
        name="cohort-funnel",
        icon_name="group",
        order=960,
        shown_to=can_manage_cohorts,
    )
