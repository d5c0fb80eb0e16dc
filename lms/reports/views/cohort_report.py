"""The base of the cohort funnel and the equity dashboard: a Wagtail
ReportView over several tables (sections), with the cohort and date filters
of lms.reports.filters.

Each report builds its figures once per request (`build_report`), as a dict
for the template and a list of `Section`s. The page shows every section; the
`section` filter (`?section=`) chooses which one is the view's object list,
so Wagtail's own “Download CSV” and “Download XLSX” export that table (the
first section when none is chosen). Exports go through Wagtail's
SpreadsheetExportMixin, so the one formula guard (lms.core.spreadsheet)
covers them. When the filters are not valid (e.g. another cohort's id) there
is no report: nothing is counted, and an export request gets the page with
the reason instead of a file."""

from dataclasses import dataclass, field

from django.utils.functional import cached_property
from wagtail.admin.views.reports import ReportView

from lms.cohorts.access import can_manage_cohorts, cohorts_for_user
from lms.core.admin_access import CleanedFilters, RoleRequired

from ..disclosure import screen_rows


@dataclass
class Section:
    """One table of a report: `columns` are (field, heading); each row is a
    dict keyed by field."""

    key: str
    label: str
    columns: list[tuple[str, str]]
    rows: list[dict] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)  # its downloads, by format

    @property
    def headings(self) -> list[str]:
        return [heading for _, heading in self.columns]

    @property
    def cells(self) -> list[list]:
        return [[row.get(name) for name, _ in self.columns] for row in self.rows]


class CohortReportView(RoleRequired, CleanedFilters, ReportView):
    paginate_by = None  # every table is small (the per-cohort one is capped)
    filename = "report"

    def build_report(self, data) -> tuple[dict, list[Section]]:
        """(the template's figures, the report's sections) for the cleaned filters."""
        raise NotImplementedError

    @cached_property
    def cohorts(self):
        raise NotImplementedError

    def get_filterset_kwargs(self):
        return super().get_filterset_kwargs() | {"cohorts": self.cohorts}

    @cached_property
    def built(self) -> tuple[dict | None, dict[str, Section]]:
        if not self.cohorts.exists() or not self.filters.is_valid():
            return None, {}
        report, sections = self.build_report(self.cleaned_filters)
        return report, {section.key: section for section in sections}

    @property
    def report(self) -> dict | None:
        return self.built[0]

    @cached_property
    def section(self) -> Section | None:
        sections = self.built[1]
        chosen = self.cleaned_filters.get("section")
        return sections.get(chosen) or next(iter(sections.values()), None)

    @property
    def list_export(self) -> list[str]:
        return [name for name, _ in self.section.columns] if self.section else []

    @property
    def export_headings(self) -> dict:
        return dict(self.section.columns) if self.section else {}

    def get_queryset(self):
        return self.section.rows if self.section else []

    def filter_queryset(self, queryset):
        return queryset

    def get_filename(self):
        first = next(iter(self.built[1]), None)
        if self.section is None or self.section.key == first:
            return self.filename
        return f"{self.filename}-{self.section.key.replace('_', '-')}"

    @cached_property
    def no_results_message(self):
        if not self.cohorts.exists():
            return "You have no cohorts to report on yet."
        errors = self.filters.form.non_field_errors()
        if errors:
            return " ".join(errors)
        return "That cohort or filter is not one you can choose. Choose one from the filters."

    def add_download_urls(self) -> None:
        """Each section's CSV and XLSX download URLs, with these filters."""
        for key, section in self.built[1].items():
            query = self.request.GET.copy()
            query.pop("_w_filter_fragment", None)
            query["section"] = key
            for export_format in self.FORMATS:
                query["export"] = export_format
                section.urls[export_format] = f"{self.index_url}?{query.urlencode()}"

    def render_to_response(self, context, **response_kwargs):
        if self.is_export and self.section is None:
            self.is_export = False  # no report to export: the page says why
        return super().render_to_response(context, **response_kwargs)

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["report"] = self.report
        self.add_download_urls()
        context["sections"] = self.built[1]
        return context


def disclosed_section(key: str, label: str, first_heading: str, table) -> Section:
    """A disclosed table (lms.reports.disclosure) as a section: its first
    column the group, then each figure as the screen shows it (hidden ones
    with the reason)."""
    columns = [("group", first_heading), *table.columns]
    names = [name for name, _ in columns]
    rows = [dict(zip(names, cells, strict=True)) for cells in screen_rows(table)]
    return Section(key, label, columns, rows)


class ForCohortManagers:
    """The role of the cohort reports (the funnel, the skills gaps):
    programme admins and the managers of each cohort, who see the cohorts
    they manage. Put before CohortReportView."""

    forbidden_heading = "You cannot see this report"
    forbidden_reason = (
        "This report is for programme admins and for the managers of each cohort. Your "
        "account has neither role. Ask a programme admin if you need access."
    )

    def allowed(self, user) -> bool:
        return can_manage_cohorts(user)

    @cached_property
    def cohorts(self):
        return cohorts_for_user(self.request.user)
