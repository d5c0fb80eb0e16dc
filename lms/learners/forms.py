import zoneinfo

from django import forms

from content.models import LocalArea, Sector, SeniorityLevel, Skill

from . import questions
from .models import LearnerProfile

# The self-check scale, explained once above the compact rows of 1 to 5.
RATING_LEVELS = [
    (1, "New to this"),
    (2, "Aware"),
    (3, "Working knowledge"),
    (4, "Confident: I lead decisions on this"),
    (5, "Expert: I could teach other leaders"),
]
COMMON_TIME_ZONES = ["Europe/London", "Europe/Dublin", "Europe/Paris", "UTC"]


def time_zone_choices():
    rest = sorted(zoneinfo.available_timezones() - set(COMMON_TIME_ZONES))
    return [(tz, tz.replace("_", " ")) for tz in COMMON_TIME_ZONES + rest]


class RatingRows:
    """The self-check: one row of 1 to 5 per skill (`add_rating_fields`), as
    onboarding and re-rating both ask it."""

    def add_rating_fields(self, ratings=None):
        self.skills = list(Skill.objects.all())
        for skill in self.skills:
            self.fields[self.rating_field(skill)] = forms.TypedChoiceField(
                label=skill.name,
                choices=RATING_LEVELS,
                coerce=int,
                widget=forms.RadioSelect,
                initial=(ratings or {}).get(skill.pk),
                error_messages={
                    "required": f"Rate yourself from 1 to 5 on {skill.name}.",
                    "invalid_choice": f"Rate yourself from 1 to 5 on {skill.name}.",
                },
            )

    @staticmethod
    def rating_field(skill) -> str:
        return f"rating_{skill.slug}"

    def rating_rows(self):
        """(skill name, bound field) per skill, for the compact 1-to-5 rows."""
        return [(skill.name, self[self.rating_field(skill)]) for skill in self.skills]

    def rating_fields(self):
        return [self[self.rating_field(skill)] for skill in self.skills]

    def ratings(self) -> dict:
        return {skill: self.cleaned_data[self.rating_field(skill)] for skill in self.skills}


class SelfCheckForm(RatingRows, forms.Form):
    """Rating yourself again: the self-check alone."""

    def __init__(self, *args, ratings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_rating_fields(ratings)


class OnboardingForm(RatingRows, forms.ModelForm):
    """One short screen: the learner's name (when sign-up did not give it),
    profile, the AI-readiness self-check as one row of 1 to 5 per skill, and
    the questions apps above add (lms.learners.questions: how often to email)."""

    seniority = forms.ModelChoiceField(
        SeniorityLevel.objects.all(), label="Your role", empty_label="Choose your role",
        error_messages={"required": "Choose your role."},
    )  # fmt: skip
    sector = forms.ModelChoiceField(
        Sector.objects.all(), label="Your sector", empty_label="Choose your sector",
        error_messages={"required": "Choose your sector."},
    )  # fmt: skip
    local_area = forms.ModelChoiceField(
        LocalArea.objects.all(), required=False, label="Local area",
        empty_label="Prefer not to say",
    )  # fmt: skip
    time_zone = forms.ChoiceField(choices=time_zone_choices, label="Time zone")

    class Meta:
        model = LearnerProfile
        fields = [
            "seniority",
            "sector",
            "organisation_name",
            "organisation_size",
            "local_area",
            "time_zone",
        ]
        labels = {"organisation_name": "Organisation", "organisation_size": "Organisation size"}
        error_messages = {
            "organisation_name": {"required": "Enter your organisation’s name."},
            "organisation_size": {"required": "Choose your organisation’s size."},
        }

    def __init__(self, *args, ratings=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        size = self.fields["organisation_size"]
        size.choices = [("", "Choose a size"), *size.choices[1:]]
        self.fields["organisation_name"].widget.attrs["autocomplete"] = "organization"
        self.asks_name = user is not None and not user.first_name
        if self.asks_name:
            self.fields["first_name"] = forms.CharField(
                label="First name", max_length=150,
                error_messages={"required": "Enter your first name."},
                widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
            )  # fmt: skip
            self.fields["last_name"] = forms.CharField(
                label="Last name", max_length=150, required=False,
                widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
            )  # fmt: skip
        self.add_rating_fields(ratings)
        self.questions = []
        for question in questions.registered():
            field = question.field(user) if user is not None else None
            if field is not None:
                self.fields[question.name] = field
                self.questions.append(question)

    def name_fields(self):
        return [self["first_name"], self["last_name"]] if self.asks_name else []

    def profile_fields(self):
        return [self[name] for name in self.Meta.fields if name != "time_zone"]

    def question_fields(self):
        return [self[question.name] for question in self.questions]

    def name(self) -> tuple[str, str] | None:
        if not self.asks_name:
            return None
        return (
            " ".join(self.cleaned_data["first_name"].split()),
            " ".join(self.cleaned_data.get("last_name", "").split()),
        )

    def answers(self) -> list[tuple]:
        """(question, cleaned value) for the added questions."""
        return [(question, self.cleaned_data[question.name]) for question in self.questions]
