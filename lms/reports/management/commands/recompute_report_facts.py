"""Recomputes the reports' per-learner facts (lms.reports.facts) from the
progress and self-checks recorded: for everyone, or for the learners given. Run it after
writes that bypass the model signals (bulk imports, data repairs) or after
changing TIME_ZONE."""

from django.core.management.base import BaseCommand
from django.db import transaction

from lms.reports.facts import recompute, recompute_skill_facts
from lms.reports.models import LearnerDay, SkillFact


class Command(BaseCommand):
    help = "Recompute the per-learner facts the cohort and equity reports read."

    def add_arguments(self, parser):
        parser.add_argument("--user", type=int, action="append", help="a user id (repeatable)")

    def handle(self, *args, user=None, **options):
        with transaction.atomic():
            recompute(user or None)
            recompute_skill_facts(user or None)
        self.stdout.write(
            f"{LearnerDay.objects.count()} learner-day rows, "
            f"{SkillFact.objects.count()} per-skill rows."
        )
