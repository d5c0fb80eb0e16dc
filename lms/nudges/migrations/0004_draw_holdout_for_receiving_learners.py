"""Learners who already receive nudges chose to before the holdout existed:
draw their arms now, as lms.nudges.holdout.assign does for a new opt-in."""

import random
from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone

KINDS = ["next_lesson", "streak_at_risk", "new_in_sector"]


def draw(apps, schema_editor):
    NudgePreference = apps.get_model("nudges", "NudgePreference")
    HoldoutAssignment = apps.get_model("nudges", "HoldoutAssignment")
    draws = random.SystemRandom()
    now = timezone.now()
    ends_at = now + timedelta(days=settings.NUDGE_HOLDOUT_DAYS)
    user_ids = NudgePreference.objects.exclude(cadence="off").values_list("user_id", flat=True)
    rows = [
        HoldoutAssignment(
            user_id=user_id,
            kind=kind,
            arm="held_out" if draws.random() * 100 < settings.NUDGE_HOLDOUT_PERCENT else "nudged",
            assigned_at=now,
            ends_at=ends_at,
        )
        for user_id in user_ids.iterator()
        for kind in KINDS
    ]
    HoldoutAssignment.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("nudges", "0003_calendar_feeds_and_holdout")]

    operations = [migrations.RunPython(draw, migrations.RunPython.noop)]
