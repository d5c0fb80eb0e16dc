import argparse
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from content.models import LocalArea, Sector, SeniorityLevel, Skill
from courses.models import CoursePage, LessonPage
from courses.workspace import EDITORS_GROUP, provision_all_partners
from demo import programme, skills, sponsors
from lms.accounts.models import User
from lms.cohorts.access import COHORT_MANAGERS, PROGRAMME_ADMINS, ensure_roles
from lms.cohorts.models import Cohort, Programme
from lms.cohorts.services import join
from lms.equity.access import EQUITY_ANALYSTS, ensure_equity_analysts
from lms.learners.models import LearnerProfile, SelfCheck, SelfCheckRating
from lms.nudges.models import Arm, Cadence, HoldoutAssignment, Kind, NudgePreference
from lms.pathways.models import Pathway
from lms.pathways.services import build_personal_pathway
from lms.progress.models import CheckAnswer, LessonProgress
from lms.progress.services import answer_check, complete_lesson
from lms.reports.facts import recompute as recompute_report_facts
from lms.reviews.models import ReviewCard
from lms.reviews.scheduling import first_card

# email, first, last, sector, seniority, area, organisation, size, cadence, lessons done
DEMO_LEARNERS = [
    ("amira.khan@example.com", "Amira", "Khan", "health-tech", "board", "sandwell",
     "Black Country Community Health NHS Trust", "1000+", Cadence.WEEKLY, 0),
    ("tom.bradley@example.com", "Tom", "Bradley", "advanced-manufacturing", "senior-leader",
     "coventry", "Bradley Precision Castings", "50-249", Cadence.TWICE_WEEKLY, 3),
    ("grace.okafor@example.com", "Grace", "Okafor", "creative-immersive", "manager",
     "birmingham", "Digbeth Pixel Studio", "10-49", Cadence.WEEKDAYS, 1),
]  # fmt: skip
# The demo learners' holdout draws, fixed rather than drawn so the demo is the
# same every time: Grace is held out of "streak at risk" (her settings page
# shows it, with the button to leave); everyone else is nudged.
DEMO_HELD_OUT = {"grace.okafor@example.com": [Kind.STREAK_AT_RISK]}
ADMIN_EMAIL = "admin@example.com"
DEMO_COHORT = "Spring leaders cohort (demo)"
# Staff who work in the Wagtail admin: (email, first name, group).
DEMO_STAFF = [
    ("editor@example.com", "Erin", EDITORS_GROUP),
    ("programme@example.com", "Priya", PROGRAMME_ADMINS),
    ("manager@example.com", "Marcus", COHORT_MANAGERS),
    ("analyst@example.com", "Ana", EQUITY_ANALYSTS),
    ("author@northfield.example.com", "Noor", "Northfield College authors"),
    ("author@meridian.example.com", "Max", "Meridian University authors"),
]


def verify_email(user) -> None:
    """The user's sign-in address as allauth's verified, primary address."""
    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    if address is None:
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    elif not (address.verified and address.primary):
        EmailAddress.objects.filter(user=user).exclude(pk=address.pk).update(primary=False)
        address.verified = address.primary = True
        address.save(update_fields=["verified", "primary"])


class Command(BaseCommand):
    help = (
        "Load the starter library and demo accounts (onboarded learners), and, where "
        "FMA_DEMO_SYNTHETIC is on (lms.settings.dev), the synthetic demo programme. "
        "Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--synthetic",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="add (or, with --no-synthetic, leave out) the synthetic demo programme of "
            "invented learners (demo.programme); default: the FMA_DEMO_SYNTHETIC setting",
        )

    def handle(self, *args, synthetic=None, **options):
        provision_all_partners()  # a database from before partner shelves existed
        ensure_roles()
        ensure_equity_analysts()
        call_command("import_courses", stdout=self.stdout)
        credentials = settings.VAR_DIR / "demo-credentials.txt"
        with transaction.atomic():
            created = self.ensure_accounts()
            for row in DEMO_LEARNERS:
                self.ensure_learner(*row)
            self.ensure_cohort()
            created += sponsors.ensure_sponsor(verify_email)
        if created:
            settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
            lines = [f"{email}  {password}" for email, password in created]
            with credentials.open("a") as handle:
                handle.write("\n".join(lines) + "\n")
            credentials.chmod(0o600)
        self.stdout.write(self.style.SUCCESS(f"Demo accounts and passwords: {credentials}"))
        if synthetic is None:
            synthetic = programme.enabled(settings)
        if synthetic and programme.ensure_programme():
            self.stdout.write(f"Added the synthetic demo programme: {programme.PROGRAMME}")
        skills.ensure_rerated()  # the Skills gaps report's re-ratings (demo.skills)

    def ensure_accounts(self) -> list[tuple[str, str]]:
        """Every demo account, with its address verified and primary (also for
        accounts an earlier seed made without), so a password or a sign-in
        code signs in at once: allauth asks for no second, confirming code."""
        created = []
        if not User.objects.filter(email=ADMIN_EMAIL).exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(ADMIN_EMAIL, password, first_name="Demo admin")
            created.append((ADMIN_EMAIL, password))
        for email, first, group in DEMO_STAFF:
            if not User.objects.filter(email=email).exists():
                password = secrets.token_urlsafe(12)
                user = User.objects.create_user(email, password, first_name=first)
                user.groups.add(Group.objects.get(name=group))
                created.append((email, password))
        for email, first, last, *_ in DEMO_LEARNERS:
            if not User.objects.filter(email=email).exists():
                password = secrets.token_urlsafe(12)
                User.objects.create_user(email, password, first_name=first, last_name=last)
                created.append((email, password))
        emails = [ADMIN_EMAIL, *(row[0] for row in DEMO_STAFF), *(row[0] for row in DEMO_LEARNERS)]
        for user in User.objects.filter(email__in=emails):
            verify_email(user)
        return created

    def ensure_cohort(self):
        """A demo programme and cohort with the demo learners in it, managed by
        the demo cohort manager."""
        pathway = Pathway.objects.filter(live=True).order_by("pk").first()
        if pathway is None or Cohort.objects.filter(name=DEMO_COHORT).exists():
            return
        programme, _ = Programme.objects.get_or_create(name="AI for leaders (demo)")
        today = timezone.localdate()
        cohort = Cohort.objects.create(
            name=DEMO_COHORT,
            programme=programme,
            organisation="Demo chamber of commerce",
            starts_on=today - timedelta(weeks=6),
            ends_on=today + timedelta(weeks=10),
            deadline=today + timedelta(weeks=8),
            pathway=pathway,
        )
        cohort.managers.add(User.objects.get(email="manager@example.com"))
        for email, *_ in DEMO_LEARNERS:
            join(cohort, User.objects.get(email=email))

    def ensure_learner(self, email, first, last, sector, level, area, org, size, cadence, done):
        """Onboards a demo learner once, with a self-check, a personal pathway,
        nudge settings and, for some, lessons completed in earlier weeks."""
        user = User.objects.get(email=email)
        if LearnerProfile.objects.filter(user=user).exists():
            return
        profile = LearnerProfile.objects.create(
            user=user,
            sector=Sector.objects.get(slug=sector),
            seniority=SeniorityLevel.objects.get(slug=level),
            organisation_name=org,
            organisation_size=size,
            local_area=LocalArea.objects.filter(slug=area).first(),
        )
        sitting = SelfCheck.objects.create(user=user)
        for index, skill in enumerate(Skill.objects.order_by("name")):
            SelfCheckRating.objects.create(
                self_check=sitting, skill=skill, rating=2 + (index + len(first)) % 3
            )
        days = [1, 3] if cadence == Cadence.TWICE_WEEKLY else [1]
        NudgePreference.objects.get_or_create(
            user=user, defaults={"cadence": cadence, "days": days}
        )
        now = timezone.now()
        for kind in Kind.values:
            held = kind in DEMO_HELD_OUT.get(email, [])
            HoldoutAssignment.objects.get_or_create(
                user=user,
                kind=kind,
                defaults={
                    "arm": Arm.HELD_OUT if held else Arm.NUDGED,
                    "assigned_at": now,
                    "ends_at": now + timedelta(days=settings.NUDGE_HOLDOUT_DAYS),
                },
            )
        build_personal_pathway(user, profile)
        courses = CoursePage.objects.live().filter(sectors=profile.sector).order_by("path")
        lessons = LessonPage.objects.live().child_of(courses.first()) if courses else []
        for weeks_ago, lesson in enumerate(list(lessons)[:done], start=1):
            complete_lesson(user, lesson)
            when = timezone.now() - timedelta(weeks=weeks_ago)
            LessonProgress.objects.filter(user=user, lesson=lesson).update(
                started_at=when - timedelta(minutes=5), completed_at=when
            )
        self.ensure_due_reviews(user, list(lessons)[:done])
        recompute_report_facts([user.pk])  # update() sends no signals

    def ensure_due_reviews(self, user, lessons):
        """Answers the knowledge checks of the lessons completed weeks ago
        (right, but the earliest of several wrong), scheduled by FSRS from then, so the
        dashboard shows a two-minute review after `make run`."""
        for weeks_ago, lesson in enumerate(lessons, start=1):
            when = timezone.now() - timedelta(weeks=weeks_ago)
            for block in lesson.body:
                if block.block_type != "knowledge_check":
                    continue
                correct = len(lessons) == 1 or weeks_ago != len(lessons)
                options = block.value.correct_options()
                count = len(block.value["options"])
                wrong = next(n for n in range(1, count + 1) if n not in options)
                answer = sorted(options) if correct else [wrong]
                answer_check(user, lesson, block, [str(n) for n in answer], f"demo-{block.id}")
                scheduled = first_card(correct, when)
                ReviewCard.objects.filter(user=user, lesson=lesson, block_id=block.id).update(
                    fsrs_state=scheduled.to_dict(),
                    due=scheduled.due,
                    last_answered_at=when,
                    created_at=when,
                )
                CheckAnswer.objects.filter(user=user, lesson=lesson, block_id=block.id).update(
                    first_answered_at=when, last_answered_at=when
                )
