"""Fills the per-person self-rating facts from the self-check sittings
already recorded (the same recomputation as `manage.py
recompute_report_facts`)."""

from django.db import migrations


def backfill(apps, schema_editor):
    from lms.reports.facts import recompute_skill_ratings

    recompute_skill_ratings(
        models=(
            apps.get_model("learners", "SelfCheck"),
            apps.get_model("learners", "SelfCheckRating"),
            apps.get_model("reports", "SkillRatingFact"),
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_skill_rating_fact"),
        ("learners", "0002_localarea_moves_to_content"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
