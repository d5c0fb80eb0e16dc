"""Fills the per-learner facts from the progress already recorded (the same
recomputation as `manage.py recompute_report_facts`)."""

from django.db import migrations


def backfill(apps, schema_editor):
    from lms.reports.facts import recompute

    recompute(
        models=(
            apps.get_model("progress", "LessonProgress"),
            apps.get_model("progress", "LearningEvent"),
            apps.get_model("reports", "LearnerDay"),
            apps.get_model("reports", "LearnerTotals"),
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("progress", "0001_initial"),
        ("courses", "0008_one_name_for_the_review"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
