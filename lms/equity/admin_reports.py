"""The equity dashboard and its audit log in the Wagtail admin.

Equity dashboard (Reports → Equity metrics): for one characteristic at a
time, the funnel measures per group, the gap to everyone else and how many
declared, over a cohort (or all the viewer's cohorts, pooled) and a date
range, as a table, a chart and a CSV, every figure through
lms.equity.disclosure. Only members of the "Equity analysts" group
(lms.equity.access) reach it; everyone else with admin access gets a 403.
An analyst with a cohort role sees the cohorts of that role; an analyst
without one sees every cohort (the role is programme-wide).

Every view and export is written to the audit log (AuditEntry) with its
filters and the population served; a selection whose population is 1 to 9
learners away from one already served to the same person for the same
characteristic (in the last EQUITY_DIFFERENCE_DAYS, default 90) is refused,
and the refusal logged. The default is the pooled view, all cohorts and all
time, and a small selection points to it.

Audit log (Reports → Equity audit log): superusers and programme admins.

There is no per-learner view or export of equity answers: nothing here reads
an EquityProfile except through the aggregate lms.equity.metrics."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from lms.cohorts.admin_reports import ReportFilterForm, bar_chart, describe_filters, scope_for
from lms.core.admin_access import RoleRequired

from . import disclosure
from .access import can_read_audit_log, can_view_equity
from .models import AuditEntry, EquityProfile


def characteristics() -> list[tuple[str, str]]:
    """(key, label) for each characteristic the metrics offer."""
    try:
        from .metrics import CHARACTERISTICS
    except ImportError:  # the metrics module has not landed yet
        CHARACTERISTICS = EquityProfile.QUESTIONS
    items = CHARACTERISTICS.items() if isinstance(CHARACTERISTICS, dict) else CHARACTERISTICS
    choices = []
    for item in items:
        if isinstance(item, tuple | list):
            key, label = item[0], getattr(item[1], "label", item[1])
        else:
            key = item
            try:
                label = EquityProfile._meta.get_field(key).verbose_name
            except Exception:  # noqa: BLE001 - a characteristic that is not a field
                label = key.replace("_", " ")
        label = str(label)
        choices.append((key, label[:1].upper() + label[1:]))
    return choices


def difference_days() -> int:
    return int(getattr(settings, "EQUITY_DIFFERENCE_DAYS", 90))


class EquityFilterForm(ReportFilterForm):
    characteristic = forms.ChoiceField(label="Characteristic", choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["characteristic"].choices = characteristics()
        self.fields["cohort"].empty_label = "All cohorts (pooled)"

    def defaults(self):
        return {
            "cohort": None,
            "since": None,
            "until": None,
            "characteristic": characteristics()[0][0],
        }


def served_populations(user, characteristic: str) -> list[int]:
    since = timezone.now() - timedelta(days=difference_days())
    entries = AuditEntry.objects.filter(
        user=user,
        action__in=(AuditEntry.Action.VIEW, AuditEntry.Action.EXPORT),
        at__gte=since,
    ).values_list("filters", flat=True)
    return [
        int(filters["population"])
        for filters in entries
        if isinstance(filters, dict)
        and filters.get("characteristic") == characteristic
        and isinstance(filters.get("population"), int)
    ]


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

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]


class EquityDashboardView(EquityOnly, WagtailAdminTemplateMixin, TemplateView):
    template_name = "equity/admin/dashboard.html"
    page_title = "Equity metrics"
    header_icon = "table"

    @cached_property
    def cohorts(self):
        from lms.cohorts.access import can_manage_cohorts, cohorts_for_user
        from lms.cohorts.models import Cohort

        if can_manage_cohorts(self.request.user):
            return cohorts_for_user(self.request.user)
        return Cohort.objects.all()

    @cached_property
    def sees_all(self) -> bool:
        from lms.cohorts.access import can_manage_cohorts, is_programme_admin

        user = self.request.user
        return is_programme_admin(user) or not can_manage_cohorts(user)

    def get(self, request, *args, **kwargs):
        exporting = request.GET.get("export") == "csv"
        form = EquityFilterForm(request.GET or None, cohorts=self.cohorts)
        context = self.get_context_data(form=form)
        if form.is_bound and not form.is_valid():
            return self.render_to_response(context)
        data = form.cleaned_data if form.is_bound else form.defaults()
        data = {**form.defaults(), **{k: v for k, v in data.items() if v not in (None, "")}}
        result = self.build(data, exporting)
        if exporting and result.get("table") is not None:
            return self.csv_response(result)
        context.update(result)
        query = request.GET.copy()
        query["export"] = "csv"
        context["csv_url"] = f"{request.path}?{query.urlencode()}"
        return self.render_to_response(context)

    def build(self, data, exporting: bool) -> dict:
        from .metrics import equity_breakdown

        try:
            from .metrics import population
        except ImportError:  # pragma: no cover - the metrics interface provides it
            from lms.cohorts.metrics import population

        characteristic = data["characteristic"]
        labels = dict(characteristics())
        scope = scope_for(self.cohorts, data, everyone=self.sees_all)
        served = population(scope)
        filters = {
            **describe_filters(data),
            "characteristic": characteristic,
            "characteristic_label": labels.get(characteristic, characteristic),
            "population": served,
        }
        user = self.request.user
        refusal = disclosure.check_differencing(served, served_populations(user, characteristic))
        if refusal:
            audit(user, AuditEntry.Action.REFUSED, {**filters, "message": refusal})
            return {"refusal": refusal, "filters": filters, "table": None}
        table = disclosure.disclose_equity(equity_breakdown(scope, characteristic))
        audit(user, AuditEntry.Action.EXPORT if exporting else AuditEntry.Action.VIEW, filters)
        total = table.total.cells["learners"]
        declared_row = next((row for row in table.rows if row.label == "Declared"), None)
        declared = None
        if declared_row is not None:
            cell = declared_row.cells["learners"]
            declared = {
                "count": cell,
                "share": disclosure.share_cell(cell.raw, total.raw, cell, total),
            }
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
        return {
            "filters": filters,
            "table": table,
            "header": disclosure.header(table),
            "rows": disclosure.screen_rows(table),
            "declared": declared,
            "chart": chart,
            "suggest_pooled": disclosure.suggest_pooled(served)
            and (data.get("cohort") or data.get("since") or data.get("until")),
            "min_count": disclosure.min_count(),
            "round_to": disclosure.round_to(),
            "min_group": disclosure.min_group_for_rates(),
            "edge": disclosure.rate_edge(),
        }

    def csv_response(self, result):
        filters = result["filters"]
        declared = result["declared"]
        preamble = [
            [f"Equity metrics by {filters['characteristic_label'].lower()}"],
            ["Cohort", filters["cohort_name"]],
            ["From", filters["since"] or "all time"],
            ["To", filters["until"] or "all time"],
        ]
        if declared:
            preamble.append(["Declared", declared["count"].text])
            preamble.append(["Declared share", declared["share"].text])
        preamble.append(
            [
                "Disclosure control",
                f"counts under {disclosure.min_count()} hidden, others rounded to the nearest "
                f"{disclosure.round_to()}; rates for groups of at least "
                f"{disclosure.min_group_for_rates()}; every hidden figure says why",
            ]
        )
        preamble.append([])
        body = disclosure.to_csv(result["table"], preamble)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        name = f"equity-{filters['characteristic']}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class AuditLogView(EquityOnly, WagtailAdminTemplateMixin, TemplateView):
    template_name = "equity/admin/audit_log.html"
    page_title = "Equity audit log"
    header_icon = "history"
    forbidden_heading = "You cannot see the equity audit log"
    forbidden_reason = "The audit log of equity metrics is for programme admins."
    paginate_by = 50

    def allowed(self, user) -> bool:
        return can_read_audit_log(user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = Paginator(AuditEntry.objects.order_by("-at", "-pk"), self.paginate_by)
        context["page_obj"] = paginator.get_page(self.request.GET.get("p"))
        return context
