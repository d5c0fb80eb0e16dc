"""The learner's own equity answers: give them with consent, change them,
withdraw them. Each function acts on one user, the one signed in; nothing
here lists or reads anyone else's answers."""

from django.db import transaction
from django.utils import timezone

from .models import EquityProfile, EquityPrompt
from .wording import CONSENT_VERSION


class ConsentRequired(Exception):
    """Answers may only be stored with consent to the current wording."""


def own_profile(user) -> EquityProfile | None:
    return EquityProfile.objects.filter(user=user).first()


def needs_consent(profile: EquityProfile | None) -> bool:
    """No consent yet, or consent to an older wording: ask (again)."""
    return profile is None or profile.consent_version != CONSENT_VERSION


def was_offered(user) -> bool:
    """Whether the after-onboarding offer has been answered, either way."""
    return (
        EquityProfile.objects.filter(user=user).exists()
        or EquityPrompt.objects.filter(user=user).exists()
    )


@transaction.atomic
def save_answers(user, answers: dict[str, str], *, consented: bool) -> EquityProfile:
    """Stores the answers; a question left out or blank is "not answered",
    which is different from "prefer not to say"."""
    profile = EquityProfile.objects.select_for_update().filter(user=user).first()
    asking = needs_consent(profile)
    if asking and not consented:
        raise ConsentRequired
    if profile is None:
        profile = EquityProfile(user=user)
    if asking:
        profile.consent_version = CONSENT_VERSION
        profile.consented_at = timezone.now()
    for question in EquityProfile.QUESTIONS:
        setattr(profile, question, answers.get(question) or "")
    profile.full_clean(exclude=["user"])
    profile.save()
    return profile


def not_now(user) -> None:
    """The learner declined for now: remember it so we do not ask again.
    Nothing else about them changes."""
    EquityPrompt.objects.get_or_create(user=user)


def withdraw(user) -> bool:
    """Withdrawing consent deletes the answers (the whole row). Returns
    whether there was anything to delete."""
    deleted, _ = EquityProfile.objects.filter(user=user).delete()
    return bool(deleted)
