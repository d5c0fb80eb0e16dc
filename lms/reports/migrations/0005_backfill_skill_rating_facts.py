"""Filled the per-person self-rating facts (SkillRatingFact) from the
self-check sittings already recorded. That table gave way to SkillFact
(0006), which 0007 fills; nothing is left to do here."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_skill_rating_fact"),
        ("learners", "0002_localarea_moves_to_content"),
    ]

    operations = []
