"""The filters the cohort funnel and the equity dashboard share: a Wagtail
filterset of a cohort (only those the viewer may see) and a date range, and
the metrics Scope they stand for.

Every filter is applied by the view (they choose what is counted, not rows
of a queryset), so each filter's method keeps the object list as it is."""

from datetime import date

import django_filters
from django import forms
from django_filters.fields import ModelChoiceField
from wagtail.admin.filters import WagtailFilterSet

from lms.cohorts.models import Cohort

from .cohort_metrics import Scope


class CohortChoiceField(ModelChoiceField):
    def label_from_instance(self, cohort):
        return f"{cohort.name} ({cohort.programme.name})"


class CohortChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = CohortChoiceField


class DateRangeForm(forms.Form):
    """The filter form: “From” on or before “To”."""

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError("“From” must be on or before “To”.")
        return data


def date_filter(label: str) -> django_filters.DateFilter:
    return django_filters.DateFilter(
        label=label, widget=forms.DateInput(attrs={"type": "date"}), method="keep"
    )


class CohortReportFilterSet(WagtailFilterSet):
    """Cohort (only those in `cohorts`, so another cohort's id in the query
    string is an invalid choice), and a date range."""

    cohort = CohortChoiceFilter(
        label="Cohort",
        queryset=Cohort.objects.none(),
        empty_label="All your cohorts (pooled)",
        method="keep",
    )
    since = date_filter("From")
    until = date_filter("To")

    class Meta:
        model = Cohort  # the filterset needs a model; nothing filters it
        fields = []
        form = DateRangeForm

    def __init__(self, *args, cohorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["cohort"].queryset = cohorts.select_related("programme").order_by(
            "-starts_on", "name"
        )

    def keep(self, queryset, name, value):
        return queryset  # the view counts what the filters choose


def section_filter(choices) -> django_filters.ChoiceFilter:
    """Which of a report's tables is its object list, and so what “Download
    CSV” and “Download XLSX” export (the page shows every table)."""
    return django_filters.ChoiceFilter(
        label="Table to download", choices=choices, empty_label=None, method="keep"
    )


def scope_for(cohorts, data, *, everyone: bool):
    """The metrics Scope for the cleaned filters: the chosen cohort, or all
    the viewer's cohorts (None, i.e. every cohort, only for those who see all)."""
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
