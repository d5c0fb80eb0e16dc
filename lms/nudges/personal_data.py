"""What the nudges app holds about a person: their nudge settings, every
nudge planned or sent to them, their holdout draws and their calendar links
(when made and revoked; never the token, which is not stored). Erasing
deletes the settings, the holdout draws and the calendar links, and keeps
each nudge only as an anonymous count for the weekly report: no user,
reason, details or delivery error (which can quote the address)."""

from django.utils import timezone

from lms.core import personal_data

from .models import Arm, CalendarFeed, HoldoutAssignment, Nudge, NudgePreference


def holdout_status(assignment: HoldoutAssignment, now) -> str:
    if assignment.arm != Arm.HELD_OUT:
        return "You get this kind of nudge (not held back)"
    if assignment.left_at:
        return "Held back; you chose to get these nudges anyway"
    if assignment.ends_at <= now:
        return "Held back; the holdout has ended"
    return "Held back: you get no nudge of this kind until the holdout ends"


def export(user, *, build_url) -> dict:
    iso = personal_data.iso
    preference = NudgePreference.objects.filter(user=user).first()
    now = timezone.now()
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
        "nudge_holdout": [
            {
                "kind": assignment.get_kind_display(),
                "group": assignment.get_arm_display(),
                "status": holdout_status(assignment, now),
                "assigned_at": iso(assignment.assigned_at),
                "ends_at": iso(assignment.ends_at),
                "left_at": iso(assignment.left_at),
            }
            for assignment in HoldoutAssignment.objects.filter(user=user).order_by("kind")
        ],
        "calendar_links": [
            {"created_at": iso(feed.created_at), "revoked_at": iso(feed.revoked_at)}
            for feed in CalendarFeed.objects.filter(user=user).order_by("created_at", "pk")
        ],
    }


def erase(user) -> None:
    Nudge.objects.filter(user=user).update(user=None, reason="", details={}, last_error="")
    NudgePreference.objects.filter(user=user).delete()
    HoldoutAssignment.objects.filter(user=user).delete()
    CalendarFeed.objects.filter(user=user).delete()


personal_data.register(
    "nudges",
    models=[
        "nudges.NudgePreference",
        "nudges.Nudge",
        "nudges.HoldoutAssignment",
        "nudges.CalendarFeed",
    ],
    export=export,
    erase=erase,
)
