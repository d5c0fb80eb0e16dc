import zoneinfo

from django import forms

from content.models import LocalArea, Sector, SeniorityLevel, Skill

from .models import LearnerProfile

RATING_LEVELS = [
    (1, "1 — New to this: I would not know where to start"),
    (2, "2 — Aware: I know the basics and rely on others"),
    (3, "3 — Working knowledge: I can ask good questions and judge the answers"),
    (4, "4 — Confident: I lead decisions on this"),
    (5, "5 — Expert: I could teach other leaders"),
]
COMMON_TIME_ZONES = ["Europe/London", "Europe/Dublin", "Europe/Paris", "UTC"]


def time_zone_choices():
    rest = sorted(zoneinfo.available_timezones() - set(COMMON_TIME_ZONES))
    return [(tz, tz.replace("_", " ")) for tz in COMMON_TIME_ZONES + rest]


class OnboardingForm(forms.ModelForm):
    """Profile and AI-readiness self-check in one short form."""

    seniority = forms.ModelChoiceField(
        SeniorityLevel.objects.all(), widget=forms.RadioSelect, empty_label=None,
        label="Your role",
    )  # fmt: skip
    sector = forms.ModelChoiceField(
        Sector.objects.all(), widget=forms.RadioSelect, empty_label=None,
        label="Your sector",
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
        widgets = {"organisation_size": forms.RadioSelect}

    def __init__(self, *args, ratings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation_size"].choices = self.fields["organisation_size"].choices[1:]
        self.skills = list(Skill.objects.all())
        for skill in self.skills:
            self.fields[self.rating_field(skill)] = forms.TypedChoiceField(
                label=skill.name,
                help_text=skill.description,
                choices=RATING_LEVELS,
                coerce=int,
                widget=forms.RadioSelect,
                initial=(ratings or {}).get(skill.pk),
            )

    @staticmethod
    def rating_field(skill) -> str:
        return f"rating_{skill.slug}"

    def rating_fields(self):
        return [self[self.rating_field(skill)] for skill in self.skills]

    def profile_fields(self):
        return [self[name] for name in self.Meta.fields]

    def ratings(self) -> dict:
        return {skill: self.cleaned_data[self.rating_field(skill)] for skill in self.skills}
