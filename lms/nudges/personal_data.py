"""What the nudges app holds about a person: their nudge settings and every
nudge planned or sent to them. Erasing deletes the settings and keeps each
nudge only as an anonymous count for the weekly report: no user, reason,
details or delivery error (which can quote the address)."""

from lms.core import personal_data

from .models import Nudge, NudgePreference


def export(user, *, build_url) -> dict:
    iso = personal_data.iso
    preference = NudgePreference.objects.filter(user=user).first()
    return {
        "nudge_preferences": preference
        and {
            "cadence": preference.get_cadence_display(),
            "days": preference.days,
            "hour": preference.hour,
            "next_lesson": preference.want_next_lesson,
            "streak_at_risk": preference.want_streak,
            "new_in_sector": preference.want_new_in_sector,
            "unsubscribed_at": iso(preference.unsubscribed_at),
            "email_status": preference.get_email_status_display(),
        },
        "nudges": [
            {
                "kind": nudge.get_kind_display(),
                "due_at": iso(nudge.due_at),
                "status": nudge.get_status_display(),
                "lesson": nudge.lesson.title if nudge.lesson else None,
                "reason": nudge.reason,
                "sent_at": iso(nudge.sent_at),
                "clicked_at": iso(nudge.clicked_at),
                "unsubscribed_at": iso(nudge.unsubscribed_at),
                "last_error": nudge.last_error,
            }
            for nudge in Nudge.objects.filter(user=user)
            .select_related("lesson")
            .order_by("due_at", "pk")
        ],
    }


def erase(user) -> None:
    Nudge.objects.filter(user=user).update(user=None, reason="", details={}, last_error="")
    NudgePreference.objects.filter(user=user).delete()


personal_data.register(
    "nudges", models=["nudges.NudgePreference", "nudges.Nudge"], export=export, erase=erase
)
