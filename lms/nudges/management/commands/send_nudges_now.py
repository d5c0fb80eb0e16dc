from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from lms.nudges import dispatch, planner


class Command(BaseCommand):
    help = (
        "Send a 'your next five minutes' nudge now, outside the learners' schedules "
        "(demos and support). Unsubscribed learners and bounced addresses are still skipped. "
        "Without --email, every onboarded learner who receives nudges gets one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", action="append", default=[], help="repeatable")
        parser.add_argument(
            "--scheduled",
            action="store_true",
            help="only run the regular planner and dispatcher now (what beat does every minute)",
        )

    def handle(self, *args, email, scheduled, **options):
        if scheduled:
            planned = planner.plan()
        else:
            users = get_user_model().objects.filter(learner_profile__isnull=False)
            if email:
                users = users.filter(email__in=email)
                missing = set(email) - set(users.values_list("email", flat=True))
                if missing:
                    raise CommandError(f"No onboarded learner with: {', '.join(sorted(missing))}")
            planned = planner.plan_now(list(users.values_list("pk", flat=True)))
        handed_out = dispatch.dispatch()
        self.stdout.write(
            self.style.SUCCESS(
                f"Planned {planned} nudges; handed {handed_out} due nudges to the worker."
            )
        )
