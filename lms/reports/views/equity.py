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

Audit log (Reports → Equity audit log): superusers and programme admins.

There is no per-learner view or export of equity answers: nothing here reads
an EquityProfile except through the aggregate lms.reports.equity_metrics."""

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.utils.functional import cached_property
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from lms.cohorts.access import can_manage_cohorts, cohorts_for_user, is_programme_admin
from lms.cohorts.models import Cohort
from lms.core.admin_access import RoleRequired
from lms.equity.access import can_read_audit_log, can_view_equity
from lms.equity.models import AuditEntry, RecordKey

from .. import disclosure
from ..charts import bar_chart
from ..cohort_metrics import learners_in
from ..equity_metrics import CHARACTERISTICS, equity_breakdown
from ..filters import ReportFilterForm, describe_filters, scope_for


def characteristics() -> list[tuple[str, str]]:
    """(key, label) for each characteristic the metrics offer."""
    return [(key, spec.label[:1].upper() + spec.label[1:]) for key, spec in CHARACTERISTICS.items()]


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
        if can_manage_cohorts(self.request.user):
            return cohorts_for_user(self.request.user)
        return Cohort.objects.all()

    @cached_property
    def sees_all(self) -> bool:
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
        if exporting:
            return self.csv_response(result)
        context.update(result)
        query = request.GET.copy()
        query["export"] = "csv"
        context["csv_url"] = f"{request.path}?{query.urlencode()}"
        return self.render_to_response(context)

    def build(self, data, exporting: bool) -> dict:
        characteristic = data["characteristic"]
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
        user = self.request.user
        audit(user, AuditEntry.Action.EXPORT if exporting else AuditEntry.Action.VIEW, filters)
        declared_row = next((row for row in table.rows if row.label == "Declared"), None)
        declared = None
        if declared_row is not None:
            cell = declared_row.cells["learners"]
            declared = {"count": cell, "share": disclosure.share_cell(cell, total)}
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
            "suggest_pooled": disclosure.suggest_pooled(total)
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
                "every count perturbed by the cell key method (the same learners always get "
                f"the same small noise); counts under {disclosure.min_count()} hidden, others "
                f"rounded to the nearest {disclosure.round_to()}; rates and gaps from the "
                f"perturbed counts, for groups of at least {disclosure.min_group_for_rates()}; "
                "every hidden figure says why",
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
