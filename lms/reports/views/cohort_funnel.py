"""Cohort reports in the Wagtail admin (funnel, breakdowns), limited to the
cohorts each viewer may see (lms.cohorts.access.cohorts_for_user).

"Cohort funnel" in the Reports menu: invited → joined → activated → engaged →
completed and minutes learned, across the viewer's cohorts and per cohort
(one grouped query for every cohort's row, lms.reports.cohort_metrics.
cohort_funnels); the funnel and the lessons completed per week as two charts
side by side (server-rendered SVG, lms.reports.charts, each figure written
on its bar and in a table); breakdowns by sector, seniority, organisation size band
and local area. Every count of learners, and the weekly completions, is
perturbed by the cell key method (lms.reports.disclosure.perturb: the same
people always give the same figure, in this report and in the equity
dashboard, so subtracting two date ranges or two cohorts gives nothing
exact). The funnel's figures are otherwise shown as they are, for the people
who run the cohort; invitations (addresses, not learners) and minutes are
not perturbed. The breakdowns go through the same disclosure control as the
equity dashboard (suppression and rounding too), since a small group in one
local area or sector could single someone out.

A Wagtail ReportView (lms.reports.views.cohort_report): the page shows every
table; the "Table to download" filter (`?section=`) chooses which one is the
object list that "Download CSV" / "Download XLSX" export: `stages` (the
funnel: one row a stage, then minutes learned; the default), `weeks`,
`cohorts` (per cohort), or one breakdown (`sector`, `seniority`,
`organisation_size`, `local_area`, as disclosed). Each table on the page
links to its own download.

Programme admins see every cohort; cohort managers only their own (another
cohort's id in the query string is an invalid choice and shows nothing);
anyone else with admin access gets a 403; learners and anonymous visitors
are turned away by Wagtail's admin gate (to the login page)."""

from datetime import date

from django.utils.functional import cached_property

from lms.cohorts.access import is_programme_admin
from lms.equity.models import RecordKey

from ..charts import bar_chart
from ..cohort_metrics import DIMENSIONS, breakdown, cohort_funnels, funnel, learners_in
from ..disclosure import (
    disclose,
    min_count,
    min_group_for_rates,
    perturb,
    round_to,
)
from ..filters import CohortReportFilterSet, describe_filters, scope_for, section_filter
from .cohort_report import CohortReportView, ForCohortManagers, Section, disclosed_section

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


def stage_section(stages, minutes) -> Section:
    rows = [{"stage": label, "learners": value} for label, value in stages]
    rows.append({"stage": "Minutes learned", "learners": minutes})
    return Section("stages", "Funnel", [("stage", "Stage"), ("learners", "Learners")], rows)


def week_section(weeks) -> Section:
    return Section(
        "weeks",
        "Lessons completed per week",
        [("week", "Week beginning"), ("completed", "Lessons completed")],
        [{"week": monday, "completed": count} for monday, count in weeks],
    )


def cohort_section(per_cohort) -> Section:
    columns = [("cohort", "Cohort")]
    columns += [(key, label) for key, label in FUNNEL_STAGES]
    columns.append(("minutes", "Minutes learned"))
    rows = []
    for item in per_cohort:
        row = {"cohort": item["cohort"].name, "minutes": item["minutes"]}
        row.update(
            (key, value) for (key, _), (_, value) in zip(FUNNEL_STAGES, item["stages"], strict=True)
        )
        rows.append(row)
    return Section("cohorts", "Per cohort", columns, rows)


SECTIONS = [
    ("stages", "Funnel"),
    ("weeks", "Lessons completed per week"),
    ("cohorts", "Per cohort"),
    *[(key, f"By {DIMENSION_LABELS[key].lower()}") for key in DIMENSIONS],
]


# -- the funnel view ------------------------------------------------------------


class FunnelFilterSet(CohortReportFilterSet):
    section = section_filter(SECTIONS)


class FunnelReportView(ForCohortManagers, CohortReportView):
    page_title = "Cohort funnel"
    header_icon = "group"
    index_url_name = "cohort_funnel"
    index_results_url_name = "cohort_funnel_results"
    results_template_name = "reports/cohort_funnel_results.html"
    filterset_class = FunnelFilterSet
    filename = "cohort-funnel"

    @cached_property
    def sees_all(self) -> bool:
        return is_programme_admin(self.request.user)

    def build_report(self, data):
        scope = scope_for(self.cohorts, data, everyone=self.sees_all)
        RecordKey.objects.ensure_for(learners_in(scope))
        overall = funnel(scope)
        per_cohort = []
        chosen = data.get("cohort")
        cohorts = (
            [chosen] if chosen else list(self.cohorts.order_by("-starts_on")[:MAX_COHORT_ROWS])
        )
        by_cohort = cohort_funnels([cohort.pk for cohort in cohorts], scope.since, scope.until)
        for cohort in cohorts:
            figures = by_cohort[cohort.pk]
            per_cohort.append(
                {"cohort": cohort, "stages": served_stages(figures), "minutes": figures.minutes}
            )
        breakdowns = []
        for dimension in DIMENSIONS:
            label = DIMENSION_LABELS.get(dimension, dimension)
            table = disclose(breakdown(scope, dimension), gaps=False)
            breakdowns.append(disclosed_section(dimension, f"By {label.lower()}", label, table))
        weeks = served_weeks(overall)
        filters = describe_filters(data)
        chart = bar_chart(
            "completions-per-week",
            "Lessons completed per week",
            f"Bar chart of lessons completed by learners in {filters['cohort_name']}"
            f", per week, over {len(weeks)} weeks. The same figures are in the table below.",
            [(f"w/c {monday:%d %b %Y}", count) for monday, count in weeks],
        )
        stages = served_stages(overall)
        minutes = overall.minutes
        funnel_chart = bar_chart(
            "funnel-stages",
            f"Funnel: {filters['cohort_name']}",
            "Bar chart of how many people reached each stage: "
            + ", ".join(f"{label} {value}" for label, value in stages)
            + ". The same figures are in the table beside it.",
            stages,
            label_width=100,
            bar_width=260,
        )
        report = {
            "scope": scope,
            "filters": filters,
            "stages": stages,
            "minutes": minutes,
            "per_cohort": per_cohort,
            "more_cohorts": not chosen and self.cohorts.count() > MAX_COHORT_ROWS,
            "weeks": weeks,
            "chart": chart if weeks else None,
            "funnel_chart": funnel_chart,
            "breakdowns": breakdowns,
            "min_count": min_count(),
            "round_to": round_to(),
            "min_group": min_group_for_rates(),
        }
        sections = [
            stage_section(stages, minutes),
            week_section(weeks),
            cohort_section(per_cohort),
            *breakdowns,
        ]
        return report, sections
