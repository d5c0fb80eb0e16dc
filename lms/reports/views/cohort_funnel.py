"""Cohort reports in the Wagtail admin (funnel, breakdowns), limited to the
cohorts each viewer may see (lms.cohorts.access.cohorts_for_user).

"Cohort funnel" in the Reports menu: invited → joined → activated → engaged →
completed and minutes learned, across the viewer's cohorts and per cohort;
lessons completed per week as a chart (server-rendered SVG, with the same
figures as a table); breakdowns by sector, seniority, organisation size band
and local area. Every count of learners, and the weekly completions, is
perturbed by the cell key method (lms.reports.disclosure.perturb: the same
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

from django.http import HttpResponse
from django.utils.functional import cached_property
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from lms.cohorts.access import can_manage_cohorts, cohorts_for_user, is_programme_admin
from lms.core.admin_access import RoleRequired
from lms.core.spreadsheet import safe_cell
from lms.equity.models import RecordKey

from ..charts import bar_chart
from ..cohort_metrics import DIMENSIONS, Scope, breakdown, funnel, learners_in
from ..disclosure import (
    csv_rows,
    disclose,
    min_count,
    min_group_for_rates,
    perturb,
    round_to,
    screen_rows,
)
from ..filters import ReportFilterForm, describe_filters, scope_for

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
        return can_manage_cohorts(user)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    @cached_property
    def cohorts(self):
        return cohorts_for_user(self.request.user)

    @cached_property
    def sees_all(self) -> bool:
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
