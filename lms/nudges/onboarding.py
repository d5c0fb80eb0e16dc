"""The onboarding screen's "How often should we email you?" (registered with
lms.learners.questions): asked explicitly, nothing pre-chosen, of a learner
who has not chosen yet; until they do, they get no nudges."""

from django import forms

from lms.learners import questions

from . import services
from .models import NudgePreference


def cadence_field(user) -> forms.Field | None:
    if NudgePreference.objects.filter(user=user).exists():
        return None  # chosen already: the settings page changes it
    return forms.ChoiceField(
        label="How often should we email you?",
        help_text="One short email with your next lesson. Change the day or time later.",
        choices=list(services.ONBOARDING_CHOICES.items()),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how often we email you, or “No emails”."},
    )


questions.register(
    "nudge_cadence",
    field=cadence_field,
    save=lambda user, value: services.choose_cadence(user, value),
)
