"""Prints the perturbation table of the cell key method (lms.reports.ptable)
as CSV: pcv, ckey, pvalue, for funders and auditors. The table is public;
the learners' record keys are not, and nothing here reads them."""

from django.core.management.base import BaseCommand

from lms.reports import ptable


class Command(BaseCommand):
    help = "Print the equity reports' perturbation table (pTable) as CSV."

    def add_arguments(self, parser):
        parser.add_argument(
            "--design",
            choices=sorted(ptable.DESIGNS),
            help="A pTable design (default: the one EQUITY_PTABLE chooses).",
        )

    def handle(self, *args, design=None, **options):
        self.stdout.write(ptable.table_csv(design or ptable.design().name), ending="")
