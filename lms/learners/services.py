"""Onboarding and the self-check history. What the app holds about a person,
for their export and erasure, is in `personal_data.py`; the export and the
account deletion gather every app's part through lms.core.personal_data."""

from django.db import transaction

from lms.core import personal_data

from .models import LearnerProfile, SelfCheck, SelfCheckRating
from .signals import self_check_saved


def profile_of(user) -> LearnerProfile | None:
    return LearnerProfile.objects.select_related("sector", "seniority").filter(user=user).first()


def latest_ratings(user) -> dict[int, int]:
    latest = SelfCheck.objects.filter(user=user).order_by("-taken_at", "-id").first()
    if latest is None:
        return {}
    return dict(latest.ratings.values_list("skill_id", "rating"))


@transaction.atomic
def save_onboarding(user, form) -> LearnerProfile:
    """Saves the name (if asked), the profile, the answers to the questions
    other apps added (lms.learners.questions) and a new self-check sitting,
    then sends `self_check_saved` in the same transaction (lms.pathways
    builds or extends the learner's personal pathway)."""
    name = form.name()
    if name is not None:
        user.first_name, user.last_name = name
        user.save(update_fields=["first_name", "last_name"])
    profile = form.save(commit=False)
    profile.user = user
    profile.save()
    for question, value in form.answers():
        question.save(user, value)
    sitting = SelfCheck.objects.create(user=user)
    SelfCheckRating.objects.bulk_create(
        SelfCheckRating(self_check=sitting, skill=skill, rating=rating)
        for skill, rating in form.ratings().items()
    )
    self_check_saved.send(sender=SelfCheck, user=user, profile=profile, self_check=sitting)
    return profile


def rating_changes(user) -> list[dict]:
    """Per skill: first rating, latest rating and the change (two queries)."""
    sittings = list(SelfCheck.objects.filter(user=user).order_by("taken_at", "id")[:1]) + list(
        SelfCheck.objects.filter(user=user).order_by("-taken_at", "-id")[:1]
    )
    if not sittings:
        return []
    first_id, latest_id = sittings[0].pk, sittings[-1].pk
    rows = SelfCheckRating.objects.filter(self_check_id__in={first_id, latest_id}).select_related(
        "skill"
    )
    first, latest, names = {}, {}, {}
    for row in rows:
        names[row.skill_id] = row.skill.name
        if row.self_check_id == first_id:
            first[row.skill_id] = row.rating
        if row.self_check_id == latest_id:
            latest[row.skill_id] = row.rating
    return [
        {
            "skill": names[skill],
            "first": first.get(skill),
            "latest": latest[skill],
            "change": latest[skill] - first.get(skill, latest[skill]),
        }
        for skill in sorted(latest, key=lambda s: names[s])
    ]


def delete_account(user) -> None:
    """Erases the person (the right to erasure): every app's eraser, through
    the personal-data registry (lms.core.personal_data)."""
    personal_data.erase(user)
