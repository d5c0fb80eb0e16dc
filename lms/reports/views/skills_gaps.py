"""Skills gaps and content gaps in the Wagtail admin (URLs and menu items in
lms.reports.wagtail_hooks); the figures are lms.reports.skills_gaps', every
one disclosed there (lms.reports.disclosure) before it reaches a view.

Reports → Skills gaps, for programme admins and cohort managers (the cohort
funnel's permission, lms.cohorts.access.can_manage_cohorts): a heat map of
the average self-rating now (rows: sector, local area or seniority; columns:
skills), the skills over everyone in the selection (first vs now, rating
1–2, change for re-raters, lessons completed) and the biggest gaps in
sentences; filters: programme, cohort, period, seniority, breakdown.
Programme admins see every learner (and every cohort); cohort managers the
members of their cohorts only. The "Table to download" filter chooses what
"Download CSV / XLSX" export (`skills`, `map`, `gaps`), as shown.

Reports → Content gaps, for platform editors and partner authors (Course
analytics' rule, courses.workspace.has_partner): sector × seniority × skill
ranked by how low learners rate themselves and how few live lessons the
library has for them, disclosed figures only; CSV / XLSX of the list."""

import django_filters
from django import forms
from django.utils.functional import cached_property
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.views.reports import ReportView

from content.models import SeniorityLevel
from courses.workspace import has_partner
from lms.cohorts.access import is_programme_admin
from lms.cohorts.models import Programme
from lms.core.admin_access import CleanedFilters, RoleRequired

from .. import disclosure, skills_gaps
from ..filters import CohortReportFilterSet, DateRangeForm, date_filter, section_filter
from .cohort_report import CohortReportView, ForCohortManagers, Section

SECTIONS = [
    ("skills", "Skills: first and now"),
    ("map", "Heat map"),
    ("gaps", "Biggest gaps"),
]
BREAKDOWNS = [(key, skills_gaps.DIMENSION_LABELS[key]) for key in skills_gaps.DIMENSIONS]

# The heat map's colour bands (the average now, out of 5), lowest first. Every
# cell also shows its number; the legend lists the bands.
BANDS = (
    ("1.0", "2.0", "below 2.0"),
    ("2.0", "2.5", "2.0 to 2.4"),
    ("2.5", "3.0", "2.5 to 2.9"),
    ("3.0", "3.5", "3.0 to 3.4"),
    ("3.5", "5.1", "3.5 or more"),
)


def band(cell) -> int | None:
    """The colour band (1–5) of a shown average; None for a hidden one."""
    if not cell.shown:
        return None
    for n, (low, high, _) in enumerate(BANDS, start=1):
        if float(low) <= float(cell.value) < float(high):
            return n
    return len(BANDS)


class SkillsGapForm(DateRangeForm):
    """“From” on or before “To”; a cohort of the chosen programme."""

    def clean(self):
        data = super().clean()
        programme, cohort = data.get("programme"), data.get("cohort")
        if programme and cohort and cohort.programme_id != programme.pk:
            raise forms.ValidationError(
                f"The cohort “{cohort.name}” is not in the programme “{programme.name}”. "
                "Choose one of its cohorts, or all of them."
            )
        return data


class SkillsGapFilterSet(CohortReportFilterSet):
    programme = django_filters.ModelChoiceFilter(
        label="Programme",
        queryset=Programme.objects.none(),
        empty_label="All programmes",
        method="keep",
    )
    seniority = django_filters.ModelChoiceFilter(
        label="Seniority",
        queryset=SeniorityLevel.objects.all(),
        empty_label="Every seniority level",
        method="keep",
    )
    breakdown = django_filters.ChoiceFilter(
        label="Heat map rows", choices=BREAKDOWNS, empty_label=None, method="keep"
    )
    section = section_filter(SECTIONS)

    class Meta(CohortReportFilterSet.Meta):
        form = SkillsGapForm

    def __init__(self, *args, cohorts, **kwargs):
        super().__init__(*args, cohorts=cohorts, **kwargs)
        self.filters["programme"].queryset = Programme.objects.filter(
            pk__in=cohorts.values("programme_id")
        ).order_by("name")
        self.filters["cohort"].extra["empty_label"] = "All cohorts"
        order = ["programme", "cohort", "since", "until", "seniority", "breakdown", "section"]
        self.filters = {name: self.filters[name] for name in order}


def skills_section(averages) -> Section:
    columns = [("skill", "Skill"), *skills_gaps.CELL_COLUMNS]
    return Section("skills", "Skills: first and now", columns, [a.row() for a in averages])


def map_section(gap_map, label: str) -> Section:
    columns = [("group", label)] + [(f"s{skill.pk}", skill.name) for skill in gap_map.skills]
    rows = []
    for row in [*gap_map.rows, gap_map.total]:
        item = {"group": row.label}
        for skill in gap_map.skills:
            item[f"s{skill.pk}"] = gap_map.cell(row, skill, "average_latest").text
        rows.append(item)
    return Section("map", "Heat map", columns, rows)


def gaps_section(sentences) -> Section:
    rows = [{"gap": sentence} for sentence in sentences]
    return Section("gaps", "Biggest gaps", [("gap", "Biggest gap")], rows)


def heat_rows(gap_map) -> list[dict]:
    """The heat map for the template: per row its label and, per skill, the
    cell's text and colour band."""
    rows = []
    for row in [*gap_map.rows, gap_map.total]:
        cells = []
        for skill in gap_map.skills:
            cell = gap_map.cell(row, skill, "average_latest")
            rated = gap_map.cell(row, skill, "rated")
            cells.append({"cell": cell, "band": band(cell), "rated": rated})
        rows.append({"label": row.label, "cells": cells, "total": row is gap_map.total})
    return rows


class SkillsGapView(ForCohortManagers, CohortReportView):
    page_title = "Skills gaps"
    header_icon = "table"
    index_url_name = "skills_gaps"
    index_results_url_name = "skills_gaps_results"
    results_template_name = "reports/skills_gaps_results.html"
    filterset_class = SkillsGapFilterSet
    filename = "skills-gaps"

    @cached_property
    def built(self):
        # A programme admin sees every learner, with or without cohorts yet.
        if is_programme_admin(self.request.user) and self.filters.is_valid():
            report, sections = self.build_report(self.cleaned_filters)
            return report, {section.key: section for section in sections}
        return super().built

    def cohort_ids(self, data):
        """The cohorts whose members are counted; None: every learner (a
        programme admin with no programme or cohort chosen)."""
        if data.get("cohort"):
            return (data["cohort"].pk,)
        cohorts = self.cohorts
        if data.get("programme"):
            cohorts = cohorts.filter(programme=data["programme"])
        elif is_programme_admin(self.request.user):
            return None
        return tuple(cohorts.values_list("pk", flat=True))

    def build_report(self, data):
        dimension = data.get("breakdown") or "sector"
        people = skills_gaps.people_in(self.cohort_ids(data), data.get("seniority"))
        report = skills_gaps.gap_report(
            people, dimension=dimension, since=data.get("since"), until=data.get("until")
        )
        label = skills_gaps.DIMENSION_LABELS[dimension]
        sections = [
            skills_section(report.averages),
            map_section(report.map, label),
            gaps_section(report.sentences),
        ]
        context = {
            "dimension_label": label,
            "skills": report.map.skills,
            "heat_rows": heat_rows(report.map),
            "averages": report.averages,
            "columns": skills_gaps.CELL_COLUMNS,
            "sentences": report.sentences,
            "bands": [(n, text) for n, (_, _, text) in enumerate(BANDS, start=1)],
            "programme": data.get("programme"),
            "cohort": data.get("cohort"),
            "seniority": data.get("seniority"),
            "since": data.get("since"),
            "until": data.get("until"),
            "min_count": disclosure.min_count(),
            "round_to": disclosure.round_to(),
            "min_group": disclosure.min_group_for_rates(),
        }
        return context, sections


# -- content gaps ---------------------------------------------------------------------


class ContentGapFilterSet(WagtailFilterSet):
    since = date_filter("Ratings from")
    until = date_filter("Ratings to")

    class Meta:
        model = Programme  # the filterset needs a model; nothing filters it
        fields = []
        form = DateRangeForm

    def keep(self, queryset, name, value):
        return queryset


class ContentGapView(RoleRequired, CleanedFilters, ReportView):
    page_title = "Content gaps"
    header_icon = "doc-full"
    index_url_name = "content_gaps"
    index_results_url_name = "content_gaps_results"
    results_template_name = "reports/content_gaps_results.html"
    filterset_class = ContentGapFilterSet
    paginate_by = None
    list_export = [name for name, _ in skills_gaps.CONTENT_GAP_COLUMNS]
    export_headings = dict(skills_gaps.CONTENT_GAP_COLUMNS)

    forbidden_heading = "You cannot see this report"
    forbidden_reason = (
        "Content gaps are for platform editors and partner authors, to choose what to write "
        "next. Your account is neither. Ask a platform editor if you need access."
    )

    def allowed(self, user) -> bool:
        return has_partner(user)

    def get_filename(self):
        return "content-gaps"

    @cached_property
    def gaps(self):
        if not self.filters.is_valid():
            return [], 0
        data = self.cleaned_filters
        return skills_gaps.content_gaps(since=data.get("since"), until=data.get("until"))

    def get_queryset(self):
        return [gap.row() for gap in self.gaps[0]]

    def filter_queryset(self, queryset):
        return queryset

    @cached_property
    def no_results_message(self):
        if not self.filters.is_valid():
            return " ".join(self.filters.form.non_field_errors()) or "Check the dates."
        return (
            "No group of learners is large enough to show yet: each needs at least "
            f"{disclosure.min_count()} people who rated the skill."
        )

    def render_to_response(self, context, **response_kwargs):
        if self.is_export and not self.filters.is_valid():
            self.is_export = False  # the page says why
        return super().render_to_response(context, **response_kwargs)

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["gaps"] = self.gaps[0]
        context["hidden_groups"] = self.gaps[1]
        context["columns"] = skills_gaps.CONTENT_GAP_COLUMNS
        context["min_count"] = disclosure.min_count()
        return context
