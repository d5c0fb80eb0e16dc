"""The equity dashboard and its audit log in the Wagtail admin.

Equity dashboard (Reports → Equity metrics): for one characteristic at a
time, the funnel measures per group, the gap to everyone else and how many
declared, over a cohort (or all the viewer's cohorts, pooled) and a date
range, as a table, a chart and a CSV, every figure through
lms.reports.disclosure (the cell key method, then suppression and rounding).
Only members of the "Equity analysts" group (lms.equity.access) reach it;
everyone else with admin access gets a 403. An analyst with a cohort role
sees the cohorts of that role; an analyst without one sees every cohort (the
role is programme-wide).

Every view and export is written to the audit log (AuditEntry) with its
filters and the total as shown. Nothing is refused: any two selections may
be compared, because every figure is perturbed by the cell key method and
the same people always get the same noise, so subtracting one table from
another gives nothing exact. The default is the pooled view, all cohorts and
all time, and a small selection points to it.

Both are Wagtail ReportViews. The dashboard (lms.reports.views.cohort_report)
shows every table; its "Table to download" filter (`?section=`) chooses what
"Download CSV" / "Download XLSX" export: `groups` (the default: the table as
shown, one row a group, with the Declared subtotal and Everyone) or
`selection` (what the table is of: characteristic, cohort, dates, the
declared count and share, and the disclosure control applied). Each export
is audited as one, with the section downloaded.

Audit log (Reports → Equity audit log): superusers and programme admins see
every entry; an analyst sees only their own (the queryset is limited, so the
page, its filters and its CSV/XLSX export never hold anyone else's); filtered
by action and date, exported as it is listed.

There is no per-learner view or export of equity answers: nothing here reads
an EquityProfile except through the aggregate lms.reports.equity_metrics."""

import django_filters
from django.utils.dateformat import format as format_date
from django.utils.functional import cached_property
from django.utils.timezone import localtime
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView

from lms.cohorts.access import can_manage_cohorts, cohorts_for_user, is_programme_admin
from lms.cohorts.models import Cohort
from lms.core.admin_access import RoleRequired
from lms.equity.access import can_read_audit_log, can_view_equity, reads_whole_audit_log
from lms.equity.models import AuditEntry, RecordKey

from .. import disclosure
from ..charts import bar_chart
from ..cohort_metrics import learners_in
from ..equity_metrics import CHARACTERISTICS, equity_breakdown
from ..filters import CohortReportFilterSet, describe_filters, scope_for, section_filter
from .cohort_report import CohortReportView, Section, disclosed_section

SECTIONS = [("groups", "Equity metrics"), ("selection", "Selection and disclosure control")]


def characteristics() -> list[tuple[str, str]]:
    """(key, label) for each characteristic the metrics offer."""
    return [(key, spec.label[:1].upper() + spec.label[1:]) for key, spec in CHARACTERISTICS.items()]


class EquityFilterSet(CohortReportFilterSet):
    characteristic = django_filters.ChoiceFilter(
        label="Characteristic", choices=characteristics, empty_label=None, method="keep"
    )
    section = section_filter(SECTIONS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["cohort"].extra["empty_label"] = "All cohorts (pooled)"
        self.filters = {"characteristic": self.filters.pop("characteristic"), **self.filters}


def audit(user, action: str, filters: dict) -> AuditEntry:
    return AuditEntry.objects.create(
        user=user, user_email=user.email or user.get_username(), action=action, filters=filters
    )


class EquityOnly(RoleRequired):
    forbidden_heading = "You cannot see equity metrics"
    forbidden_reason = (
        "Equity metrics are shown only to members of the Equity analysts group, and every view "
        "is logged. Ask a programme admin if your work needs this access."
    )

    def allowed(self, user) -> bool:
        return can_view_equity(user)


def disclosure_note() -> str:
    return (
        "every count perturbed by the cell key method (the same learners always get the same "
        f"small noise); counts under {disclosure.min_count()} hidden, others rounded to the "
        f"nearest {disclosure.round_to()}; rates and gaps from the perturbed counts, for groups "
        f"of at least {disclosure.min_group_for_rates()}; every hidden figure says why"
    )


def selection_section(filters: dict, declared) -> Section:
    items = [
        ("Report", f"Equity metrics by {filters['characteristic_label'].lower()}"),
        ("Cohort", filters["cohort_name"]),
        ("From", filters["since"] or "all time"),
        ("To", filters["until"] or "all time"),
    ]
    if declared:
        items.append(("Declared", declared["count"].text))
        items.append(("Declared share", declared["share"].text))
    items.append(("Disclosure control", disclosure_note()))
    rows = [{"item": item, "value": value} for item, value in items]
    return Section("selection", SECTIONS[1][1], [("item", "Item"), ("value", "Value")], rows)


class EquityDashboardView(EquityOnly, CohortReportView):
    page_title = "Equity metrics"
    header_icon = "table"
    index_url_name = "equity_dashboard"
    index_results_url_name = "equity_dashboard_results"
    results_template_name = "reports/equity_results.html"
    filterset_class = EquityFilterSet

    @cached_property
    def cohorts(self):
        if can_manage_cohorts(self.request.user):
            return cohorts_for_user(self.request.user)
        return Cohort.objects.all()

    @cached_property
    def sees_all(self) -> bool:
        user = self.request.user
        return is_programme_admin(user) or not can_manage_cohorts(user)

    @property
    def filename(self) -> str:
        characteristic = self.report["filters"]["characteristic"] if self.report else "metrics"
        return f"equity-{characteristic}".replace("_", "-")

    def build_report(self, data):
        characteristic = data.get("characteristic") or characteristics()[0][0]
        labels = dict(characteristics())
        scope = scope_for(self.cohorts, data, everyone=self.sees_all)
        RecordKey.objects.ensure_for(learners_in(scope))
        table = disclosure.disclose_equity(equity_breakdown(scope, characteristic))
        total = table.total.cells["learners"]
        filters = {
            **describe_filters(data),
            "characteristic": characteristic,
            "characteristic_label": labels.get(characteristic, characteristic),
            "learners_shown": total.text,
        }
        declared_row = next((row for row in table.rows if row.label == "Declared"), None)
        declared = None
        if declared_row is not None:
            cell = declared_row.cells["learners"]
            declared = {"count": cell, "share": disclosure.share_cell(cell, total)}
        sections = [
            disclosed_section("groups", SECTIONS[0][1], "Group", table),
            selection_section(filters, declared),
        ]
        self.write_audit_entry(filters, sections, data.get("section"))
        bars = []
        for row in table.groups:
            rate = row.cells["completed_rate"]
            bars.append((row.label, rate.value if rate.shown else None))
        label = filters["characteristic_label"]
        chart = bar_chart(
            "equity-completion",
            f"Completion rate by {label.lower()}",
            f"Bar chart of the share of learners in each group who completed their pathway, "
            f"{filters['cohort_name']}. Groups whose rate is hidden to protect individuals have "
            "no bar. The same figures, with the reason for each hidden one, are in the table.",
            bars,
            unit="%",
            max_value=100,
        )
        report = {
            "filters": filters,
            "table": table,
            "header": sections[0].headings,
            "rows": sections[0].cells,
            "declared": declared,
            "chart": chart,
            "suggest_pooled": disclosure.suggest_pooled(total)
            and (data.get("cohort") or data.get("since") or data.get("until")),
            "min_count": disclosure.min_count(),
            "round_to": disclosure.round_to(),
            "min_group": disclosure.min_group_for_rates(),
            "edge": disclosure.rate_edge(),
        }
        return report, sections

    def write_audit_entry(self, filters, sections, chosen) -> None:
        """One entry a request: a view, or an export of the section downloaded."""
        if not self.is_export:
            audit(self.request.user, AuditEntry.Action.VIEW, filters)
            return
        keys = [section.key for section in sections]
        section = chosen if chosen in keys else keys[0]
        audit(self.request.user, AuditEntry.Action.EXPORT, {**filters, "section": section})

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context.update(self.report or {})
        return context


# -- the audit log --------------------------------------------------------------


class AuditLogFilterSet(WagtailFilterSet):
    action = django_filters.ChoiceFilter(
        label="Action", choices=AuditEntry.Action.choices, empty_label="All actions"
    )
    at = django_filters.DateFromToRangeFilter(label="Date", widget=DateRangePickerWidget)

    class Meta:
        model = AuditEntry
        fields = ["action", "at"]


def _filter(name):
    def value(entry):
        return entry.filters.get(name)

    return value


def _when(entry) -> str:
    return format_date(localtime(entry.at), "j M Y H:i")


def _characteristic(entry):
    return entry.filters.get("characteristic_label") or entry.filters.get("characteristic")


def _dates(entry):
    since = entry.filters.get("since") or "start"
    until = entry.filters.get("until") or "now"
    return f"{since} to {until}"


def _learners(entry):
    return entry.filters.get("learners_shown") or entry.filters.get("population")


class AuditLogView(EquityOnly, ReportView):
    page_title = "Equity audit log"
    header_icon = "history"
    index_url_name = "equity_audit_log"
    index_results_url_name = "equity_audit_log_results"
    results_template_name = "reports/equity_audit_log_results.html"
    filterset_class = AuditLogFilterSet
    forbidden_heading = "You cannot see the equity audit log"
    forbidden_reason = (
        "The audit log of equity metrics is for programme admins, and for equity analysts, "
        "who see their own entries."
    )
    paginate_by = 50
    verbose_name = "audit entry"
    verbose_name_plural = "audit entries"
    export_filename = "equity-audit-log"
    columns = [
        Column("at", label="When", accessor=_when),
        Column("user_email", label="Who"),
        Column("action", label="Action", accessor=lambda entry: entry.get_action_display()),
        Column("characteristic", label="Characteristic", accessor=_characteristic),
        Column("cohort", label="Cohort", accessor=_filter("cohort_name")),
        Column("dates", label="Dates", accessor=_dates),
        Column("learners", label="Learners (as shown)", accessor=_learners),
    ]
    list_export = [
        "at",
        "user_email",
        "action",
        "characteristic",
        "cohort",
        "since",
        "until",
        "section",
        "learners",
    ]
    export_headings = {
        "at": "When",
        "user_email": "Who",
        "action": "Action",
        "characteristic": "Characteristic",
        "cohort": "Cohort",
        "since": "From",
        "until": "To",
        "section": "Table downloaded",
        "learners": "Learners (as shown)",
    }

    def allowed(self, user) -> bool:
        return can_read_audit_log(user)

    @cached_property
    def sees_everyone(self) -> bool:
        return reads_whole_audit_log(self.request.user)

    @cached_property
    def no_results_message(self):
        if self.is_filtering:
            return "No audit entries match these filters."
        if not self.sees_everyone:
            return "You have not looked at the equity metrics yet."
        return "Nobody has looked at the equity metrics yet."

    def get_base_queryset(self):
        entries = AuditEntry.objects.order_by("-at", "-pk")
        if self.sees_everyone:
            return entries
        # An analyst: their own entries only, before any filter or export.
        return entries.filter(user=self.request.user)

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["own_entries_only"] = not self.sees_everyone
        return context

    def to_row_dict(self, item):
        return {
            "at": item.at,
            "user_email": item.user_email,
            "action": item.get_action_display(),
            "characteristic": _characteristic(item),
            "cohort": item.filters.get("cohort_name"),
            "since": item.filters.get("since"),
            "until": item.filters.get("until"),
            "section": item.filters.get("section"),
            "learners": _learners(item),
        }
