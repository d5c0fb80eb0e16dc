"""The filters the cohort funnel and the equity dashboard share: a cohort
(only those the viewer may see) and a date range, and the metrics Scope they
stand for."""

from datetime import date

from django import forms

from .cohort_metrics import Scope


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
