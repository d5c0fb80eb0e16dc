from django import forms

from .models import WEEKDAY_NAMES, Cadence, Kind, NudgePreference

KIND_FIELDS = {
    Kind.NEXT_LESSON: "want_next_lesson",
    Kind.STREAK_AT_RISK: "want_streak",
    Kind.NEW_IN_SECTOR: "want_new_in_sector",
}
KIND_HELP = {
    Kind.NEXT_LESSON: "Your next five minutes: the one lesson we recommend, and why",
    Kind.STREAK_AT_RISK: "Streak at risk: on Friday, if a run of two or more weeks is about to end",
    Kind.NEW_IN_SECTOR: "New in your sector: this week’s new lessons that suit you, at most weekly",
}


class NudgePreferenceForm(forms.ModelForm):
    cadence = forms.ChoiceField(
        label="How often", choices=Cadence.choices, widget=forms.RadioSelect
    )
    days = forms.TypedMultipleChoiceField(
        label="Which day or days",
        choices=list(enumerate(WEEKDAY_NAMES)),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Once a week: choose one day. Twice a week: choose two.",
    )
    hour = forms.TypedChoiceField(
        label="At what time",
        choices=[(hour, f"{hour:02d}:00") for hour in range(24)],
        coerce=int,
        help_text="In your time zone.",
    )
    kinds = forms.MultipleChoiceField(
        label="Which emails",
        choices=[(kind, KIND_HELP[kind]) for kind in KIND_FIELDS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = NudgePreference
        fields = ["cadence", "days", "hour"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["kinds"] = [
                kind for kind, name in KIND_FIELDS.items() if getattr(self.instance, name)
            ]

    def clean(self):
        data = super().clean()
        cadence, days = data.get("cadence"), data.get("days") or []
        wanted = {Cadence.WEEKLY: 1, Cadence.TWICE_WEEKLY: 2}.get(cadence)
        if wanted and len(days) != wanted:
            self.add_error(
                "days",
                "Choose one day for once a week."
                if wanted == 1
                else "Choose two days for twice a week.",
            )
        if cadence != Cadence.OFF and not data.get("kinds"):
            self.add_error("kinds", "Choose at least one kind of email, or choose “Never” above.")
        if not wanted:
            data["days"] = self.instance.days  # kept for when they switch back
        return data

    def save(self, commit=True):
        preference = super().save(commit=False)
        for kind, name in KIND_FIELDS.items():
            setattr(preference, name, kind in self.cleaned_data.get("kinds", []))
        preference.unsubscribed_at = None  # choosing again is opting in again
        if commit:
            preference.save()
        return preference
