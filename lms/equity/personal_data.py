"""What the equity app holds about a person, for their own export and
erasure only (their right of access and to erasure; nobody else reads one
person's answers): their equity answers, the "not now" note, and the audit
rows of any equity report they looked at as an analyst.

Erasing deletes the answers and the note. The audit rows stay, because the
record of who looked at special-category figures must stay complete, but
without the person: no user and, instead of their email address, one
"Deleted account" label with a random suffix (the same on all of their
rows, so their sequence of queries can still be read, linked to nobody).

The learner's record key (a random number that seeds the perturbation of
published counts, `RecordKey`) is erased with them. The export says that it
is held and what it is for, but not its value: knowing it would help undo the
noise in figures about their groups."""

import secrets

from lms.core import personal_data

from .models import AuditEntry, EquityProfile, EquityPrompt, RecordKey


def export(user, *, build_url) -> dict:
    iso = personal_data.iso
    equity = EquityProfile.objects.filter(user=user).first()
    prompt = EquityPrompt.objects.filter(user=user).first()
    return {
        "equity_profile": equity
        and {
            "consent_version": equity.consent_version,
            "consented_at": iso(equity.consented_at),
            **{
                question: getattr(equity, f"get_{question}_display")() or "Not answered"
                for question in EquityProfile.QUESTIONS
            },
        },
        "equity_prompt_dismissed_at": iso(prompt.dismissed_at) if prompt else None,
        "statistical_record_key": (
            "held: a random number that adds noise to published counts about groups "
            "you are in; not shown, because knowing it would help undo that protection"
        )
        if RecordKey.objects.filter(user=user).exists()
        else None,
        "equity_report_audit": [
            {"action": entry.get_action_display(), "filters": entry.filters, "at": iso(entry.at)}
            for entry in AuditEntry.objects.filter(user=user).order_by("at", "pk")
        ],
    }


def erase(user) -> None:
    EquityProfile.objects.filter(user=user).delete()
    EquityPrompt.objects.filter(user=user).delete()
    RecordKey.objects.filter(user=user).delete()
    AuditEntry.objects.filter(user=user).update(
        user=None, user_email=f"Deleted account {secrets.token_hex(4)}"
    )


personal_data.register(
    "equity",
    models=["equity.EquityProfile", "equity.EquityPrompt", "equity.AuditEntry", "equity.RecordKey"],
    export=export,
    erase=erase,
)
