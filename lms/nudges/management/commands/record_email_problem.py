from django.core.management.base import BaseCommand, CommandError

from lms.nudges.models import EmailStatus
from lms.nudges.services import record_email_problem


class Command(BaseCommand):
    help = "Stop nudges to an address your mail provider reported as bounced or complained."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--status", choices=[EmailStatus.BOUNCED, EmailStatus.COMPLAINED], required=True
        )

    def handle(self, *args, email, status, **options):
        if not record_email_problem(email, status):
            raise CommandError(f"No account with the address {email}.")
        self.stdout.write(self.style.SUCCESS(f"No more nudges to {email} ({status})."))
