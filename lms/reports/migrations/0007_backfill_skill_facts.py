"""Fills the per-person, per-skill facts from the self-check sittings and
the lessons completed already recorded (the same recomputation as `manage.py
recompute_report_facts`)."""

from django.db import migrations


def backfill(apps, schema_editor):
    from lms.reports.facts import recompute_skill_facts

    recompute_skill_facts(apps=apps)
    if schema_editor.connection.vendor == "postgresql":
        # planner statistics now, not when autovacuum gets to it: without
        # them the report's grouping is planned as a sort spilling to disk
        schema_editor.execute("ANALYZE reports_skillfact")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0006_skill_fact"),
        ("learners", "0002_localarea_moves_to_content"),
        ("progress", "0002_alter_learningevent_verb"),
        ("equity", "0002_record_keys"),
        ("courses", "0009_rendered_markdown"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
