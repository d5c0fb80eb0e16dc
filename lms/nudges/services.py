"""What the web side does with nudges: preferences, clicks, unsubscribes and
bounce reports. Views, admin and commands call these."""

from datetime import timedelta

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from . import holdout
from .models import Cadence, EmailStatus, Nudge, NudgePreference


def record_click(nudge_id: int) -> Nudge | None:
    now = timezone.now()
    Nudge.objects.filter(pk=nudge_id, clicked_at__isnull=True).update(clicked_at=now)
    return Nudge.objects.select_related("user", "lesson").filter(pk=nudge_id).first()


def may_sign_in_from_link(nudge: Nudge) -> bool:
    """An emailed link signs its learner in only when little can go wrong: a
    learner account (never staff), no second factor to bypass, a recent email,
    and only the first time the link is used, so a forwarded or leaked email
    cannot be replayed. Anyone else goes through sign-in first."""
    user = nudge.user
    if user is None or not user.is_active or user.is_staff or user.is_superuser:
        return False
    if nudge.sent_at is None:
        return False
    if timezone.now() - nudge.sent_at > timedelta(hours=settings.NUDGE_SIGN_IN_LINK_HOURS):
        return False
    if Authenticator.objects.filter(user=user).exists():
        return False
    return bool(
        Nudge.objects.filter(pk=nudge.pk, sign_in_used_at__isnull=True).update(
            sign_in_used_at=timezone.now()
        )
    )


@transaction.atomic
def unsubscribe(user_id: int, nudge_id: int) -> bool:
    """One-click unsubscribe from every nudge. Returns False for an unknown learner."""
    preference = NudgePreference.objects.select_for_update().filter(user_id=user_id).first()
    if preference is None:
        if not get_user_model().objects.filter(pk=user_id).exists():
            return False
        preference = NudgePreference.objects.create(user_id=user_id, cadence=Cadence.OFF)
    now = timezone.now()
    if preference.unsubscribed_at is None:
        preference.unsubscribed_at = now
        preference.save(update_fields=["unsubscribed_at", "updated_at"])
        Nudge.objects.filter(pk=nudge_id, user_id=user_id).update(unsubscribed_at=now)
    return True


def stop_mail_to(user, status: str) -> None:
    """No more nudges to this learner's address: it bounced or complained."""
    if status not in (EmailStatus.BOUNCED, EmailStatus.COMPLAINED):
        raise ValueError(f"Not an email problem: {status}")
    NudgePreference.objects.update_or_create(
        user=user,
        defaults={"email_status": status},
        # Someone who never chose stays at "no nudges" if the address recovers.
        create_defaults={"email_status": status, "cadence": Cadence.OFF},
    )


def record_email_problem(email: str, status: str) -> int:
    """A bounce or spam complaint reported for an address (by the mail
    provider's webhook or `manage.py record_email_problem`): no more nudges."""
    users = list(get_user_model().objects.filter(email__iexact=email))
    for user in users:
        stop_mail_to(user, status)
    return len(users)


# Asked at onboarding (lms.nudges.onboarding registers the question)
ONBOARDING_CHOICES = {
    Cadence.WEEKLY: "Once a week (Tuesday, 8am)",
    Cadence.TWICE_WEEKLY: "Twice a week (Tuesday and Thursday, 8am)",
    Cadence.OFF: "No emails",
}
ONBOARDING_DAYS = {Cadence.WEEKLY: [1], Cadence.TWICE_WEEKLY: [1, 3]}


def preferences_saved(preference: NudgePreference) -> NudgePreference:
    """After the learner saved how often we nudge them: choosing to receive
    nudges for the first time draws their holdout arms (lms.nudges.holdout);
    a learner drawn before keeps their draw."""
    if preference.cadence != Cadence.OFF:
        holdout.assign([preference.user_id])
    return preference


def choose_cadence(user, cadence: str) -> NudgePreference:
    """The learner's answer to "How often should we email you?": the cadence,
    with the default day and hour (changed later on the settings page)."""
    if cadence not in ONBOARDING_CHOICES:
        raise ValueError(f"Not an onboarding choice: {cadence}")
    preference, _ = NudgePreference.objects.update_or_create(
        user=user,
        defaults={
            "cadence": cadence,
            "days": ONBOARDING_DAYS.get(cadence, [1]),
            "unsubscribed_at": None,
        },
    )
    return preferences_saved(preference)
