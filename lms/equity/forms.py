"""The equity questions, worded as in UK practice (ONS 2021 Census, the
Equality Act 2010, the civil service socio-economic background measure).
Every question is optional; "Prefer not to say" is an answer, and a question
left unanswered is stored as "not answered"."""

from django import forms

from .models import EquityProfile
from .wording import CURRENT

LABELS = {
    "age_band": "What is your age?",
    "sex": "What is your sex?",
    "gender_same_as_birth": (
        "Is the gender you identify with the same as your sex registered at birth?"
    ),
    "ethnic_group": "What is your ethnic group?",
    "disability": "Do you consider yourself to be disabled?",
    "caring": (
        "Do you look after, or give any help or support to, anyone because they have "
        "long-term physical or mental health conditions or illnesses, or problems related "
        "to old age?"
    ),
    "parental_occupation": (
        "What was the occupation of your main household earner when you were about 14?"
    ),
}
HELP = {
    "sex": "A question about gender identity follows.",
    "ethnic_group": "The groups used in the 2021 Census for England and Wales.",
    "disability": (
        "The Equality Act 2010 says you are disabled if you have a physical or mental "
        "impairment that has a substantial and long-term negative effect on your ability "
        "to do normal daily activities."
    ),
    "caring": "Do not count anything you do as part of your paid work.",
    "parental_occupation": (
        "The main household earner is the person who had the highest income in your home. "
        "If that was not clear, choose the person with the highest-level job."
    ),
}


class EquityForm(forms.ModelForm):
    """The questions, plus the consent box when consent is (re)needed.
    Saving goes through services.save_answers, never form.save()."""

    class Meta:
        model = EquityProfile
        fields = list(EquityProfile.QUESTIONS)
        labels = LABELS
        help_texts = HELP
        widgets = {question: forms.RadioSelect for question in EquityProfile.QUESTIONS}

    def __init__(self, *args, ask_consent: bool, **kwargs):
        super().__init__(*args, **kwargs)
        for question in EquityProfile.QUESTIONS:
            field = self.fields[question]
            field.required = False
            # No "-----" radio: leaving every radio empty is "not answered".
            field.choices = [(value, label) for value, label in field.choices if value != ""]
        if ask_consent:
            self.fields["consent"] = forms.BooleanField(
                label=CURRENT.consent,
                required=True,
                error_messages={
                    "required": (
                        "Tick the box to agree before we keep your answers, or choose “Not now”."
                    )
                },
            )

    @property
    def questions(self):
        return [self[question] for question in EquityProfile.QUESTIONS]

    @property
    def answers(self) -> dict[str, str]:
        return {
            question: self.cleaned_data.get(question) or "" for question in EquityProfile.QUESTIONS
        }
