"""What the learners app holds about a person: the profile from onboarding
and every self-check sitting with its ratings."""

from django.db.models import Prefetch

from lms.core import personal_data

from .models import LearnerProfile, SelfCheck, SelfCheckRating


def export(user, *, build_url) -> dict:
    iso = personal_data.iso
    profile = (
        LearnerProfile.objects.select_related("seniority", "sector", "local_area")
        .filter(user=user)
        .first()
    )
    self_checks = SelfCheck.objects.filter(user=user).prefetch_related(
        Prefetch("ratings", queryset=SelfCheckRating.objects.select_related("skill"))
    )
    return {
        "learner_profile": profile
        and {
            "seniority": profile.seniority.name,
            "sector": profile.sector.name,
            "organisation_name": profile.organisation_name,
            "organisation_size": profile.get_organisation_size_display(),
            "local_area": profile.local_area.name if profile.local_area else None,
            "time_zone": profile.time_zone,
            "onboarded_at": iso(profile.onboarded_at),
            "updated_at": iso(profile.updated_at),
        },
        "self_checks": [
            {
                "taken_at": iso(sitting.taken_at),
                "ratings": [
                    {"skill": rating.skill.name, "rating": rating.rating}
                    for rating in sorted(sitting.ratings.all(), key=lambda r: r.skill.name)
                ],
            }
            for sitting in self_checks
        ],
    }


def erase(user) -> None:
    SelfCheck.objects.filter(user=user).delete()  # and their ratings
    LearnerProfile.objects.filter(user=user).delete()


personal_data.register(
    "learners",
    models=["learners.LearnerProfile", "learners.SelfCheck"],
    export=export,
    erase=erase,
)
