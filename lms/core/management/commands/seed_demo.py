import secrets

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from lms.accounts.models import User

DEMO_LEARNERS = [
    ("amira.khan@example.com", "Amira", "Khan"),
    ("tom.bradley@example.com", "Tom", "Bradley"),
    ("grace.okafor@example.com", "Grace", "Okafor"),
]
ADMIN_EMAIL = "admin@example.com"


class Command(BaseCommand):
    help = "Load the starter library and demo accounts. Safe to run again."

    def handle(self, *args, **options):
        call_command("import_courses", stdout=self.stdout)
        credentials = settings.VAR_DIR / "demo-credentials.txt"
        with transaction.atomic():
            created = self.ensure_accounts()
        if created:
            settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
            lines = [f"{email}  {password}" for email, password in created]
            with credentials.open("a") as handle:
                handle.write("\n".join(lines) + "\n")
            credentials.chmod(0o600)
        self.stdout.write(self.style.SUCCESS(f"Demo accounts and passwords: {credentials}"))

    def ensure_accounts(self) -> list[tuple[str, str]]:
        created = []
        if not User.objects.filter(email=ADMIN_EMAIL).exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(ADMIN_EMAIL, password, first_name="Demo admin")
            created.append((ADMIN_EMAIL, password))
        for email, first, last in DEMO_LEARNERS:
            if not User.objects.filter(email=email).exists():
                password = secrets.token_urlsafe(12)
                User.objects.create_user(email, password, first_name=first, last_name=last)
                created.append((email, password))
        return created
