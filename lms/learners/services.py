"""Onboarding and the self-check history. What the app holds about a person,
for their export and erasure, is in `personal_data.py`; the export and the
account deletion gather every app's part through lms.core.personal_data."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

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
    save_self_check(user, profile, form.ratings())
    return profile


@transaction.atomic
def save_self_check(user, profile: LearnerProfile, ratings: dict) -> SelfCheck:
    """A new sitting of the self-check ({Skill: 1–5}), the one way a sitting
    is saved (onboarding and rating yourself again), then `self_check_saved`
    in the same transaction."""
    sitting = SelfCheck.objects.create(user=user)
    SelfCheckRating.objects.bulk_create(
        SelfCheckRating(self_check=sitting, skill=skill, rating=rating)
        for skill, rating in ratings.items()
    )
    self_check_saved.send(sender=SelfCheck, user=user, profile=profile, self_check=sitting)
    return sitting


def self_check_every() -> timedelta:
    return timedelta(days=settings.FMA_SELF_CHECK_EVERY_DAYS)


def rerating_due(latest_taken_at: datetime | None, now: datetime | None = None) -> bool:
    """Whether to offer "Rate yourself again": the latest sitting is at least
    FMA_SELF_CHECK_EVERY_DAYS old (never before a first sitting)."""
    if latest_taken_at is None:
        return False
    return (now or timezone.now()) - latest_taken_at >= self_check_every()


@dataclass
class SkillHistory:
    """One skill's ratings by the learner, sitting by sitting (oldest first)."""

    skill_id: int
    skill: str
    sittings: list[tuple[datetime, int]] = field(default_factory=list)

    @property
    def first(self) -> int:
        return self.sittings[0][1]

    @property
    def latest(self) -> int:
        return self.sittings[-1][1]

    @property
    def change(self) -> int:
        return self.latest - self.first


def self_check_history(user) -> tuple[list[SkillHistory], datetime | None]:
    """Every sitting's rating of each skill (skills by name), and when the
    latest sitting was taken. One query, however many sittings."""
    rows = (
        SelfCheckRating.objects.filter(self_check__user=user)
        .order_by("self_check__taken_at", "self_check_id")
        .values_list("skill_id", "skill__name", "self_check__taken_at", "rating")
    )
    by_skill: dict[int, SkillHistory] = {}
    latest = None
    for skill_id, name, taken_at, rating in rows:
        by_skill.setdefault(skill_id, SkillHistory(skill_id, name)).sittings.append(
            (taken_at, rating)
        )
        latest = taken_at
    return sorted(by_skill.values(), key=lambda h: h.skill), latest


def delete_account(user) -> None:
    """Erases the person (the right to erasure): every app's eraser, through
    the personal-data registry (lms.core.personal_data)."""
    personal_data.erase(user)
