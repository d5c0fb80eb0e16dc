from django.db import migrations

# The same words as lms.cohorts.invitation_emails (a migration keeps its own copy).
JOINED_BY_LINK = "Joined by the link: not emailed"
ALREADY_JOINED = "Joined before it was emailed"


def derive_statuses(apps, schema_editor):
    """Each invitation's outbox status from what was recorded before: sent
    (one attempt counted); joined by the link (never emailed); joined before
    it was emailed; claimed by a worker (left to its lease); failed (retried,
    one attempt counted); or still to send."""
    Invitation = apps.get_model("cohorts", "Invitation")
    unsent = Invitation.objects.filter(sent_at__isnull=True)
    Invitation.objects.filter(sent_at__isnull=False).update(
        status="sent", last_error="", attempts=1
    )
    unsent.filter(source="link").update(status="skipped", last_error=JOINED_BY_LINK)
    joined = unsent.exclude(source="link").filter(used_at__isnull=False)
    joined.update(status="skipped", last_error=ALREADY_JOINED)
    joined = unsent.exclude(source="link").filter(membership__isnull=False)
    joined.update(status="skipped", last_error=ALREADY_JOINED)
    waiting = unsent.filter(status="planned")
    waiting.filter(claimed_at__isnull=False).update(status="sending")
    waiting.exclude(last_error="").update(attempts=1)


def back_to_send_errors(apps, schema_editor):
    """Before 0006 an error meant a failed send, and fit 255 characters."""
    Invitation = apps.get_model("cohorts", "Invitation")
    Invitation.objects.filter(status="skipped").update(last_error="")
    for invitation in Invitation.objects.exclude(last_error="").only("last_error").iterator():
        if len(invitation.last_error) > 255:
            Invitation.objects.filter(pk=invitation.pk).update(
                last_error=invitation.last_error[:255]
            )


class Migration(migrations.Migration):
    dependencies = [
        ("cohorts", "0005_invitation_outbox"),
    ]

    operations = [migrations.RunPython(derive_statuses, back_to_send_errors)]
