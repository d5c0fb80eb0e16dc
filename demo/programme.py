"""The synthetic demo programme: a funded programme's worth of invented
learners, so that every staff report (the cohort funnel and its breakdowns,
the equity dashboard, course analytics, the nudge report) shows figures on a
fresh `make run`.

What it makes, once (`ensure_programme`; a second run finds the programme and
adds nothing):

- a Programme named PROGRAMME, with a description that says the data is
  synthetic (the programmes list in the admin shows it), and the COHORTS
  below: eight cohorts across the three sectors and the region's local areas,
  each on the curated pathway for its sector, one of them starting next week
  (invited, a few joined, nothing learned yet);
- LEARNERS invited people: most joined (an account, a membership, the used
  invitation), some did not (an invitation only). Joined learners onboarded
  (LearnerProfile: sector, seniority, organisation, size, local area) and
  took the self-check, a few twice; most consented to the equity questions,
  with answers in rough West Midlands / business-leader proportions and
  some "prefer not to say" and unanswered questions; the rest said "not now"
  or were never asked;
- their learning over the past weeks, along their cohort's pathway: lessons
  started and completed (LessonProgress, Enrolment, LearningEvent with the
  dedupe keys lms.progress.services writes), knowledge-check answers
  (CheckAnswer and "answered" events), finished courses (the enrolment
  marked complete, a "course_completed" event and the Certificate that
  lms.certificates.services.issue_certificate would issue);
- the nudges they were sent (Nudge rows in their final state: sent, skipped
  because they had learned since, a few failed; some clicked, a few
  unsubscribed), weekly or twice weekly, and "streak at risk" on Fridays;
- the holdout (lms.nudges.holdout): every learner who had nudges was drawn,
  per kind, when they joined, HOLDOUT_SHARE of them held out (more than the
  default tenth, so both arms of "Nudges: do they help?" are large enough to
  show); a held-out learner has no nudge of that kind in their first
  NUDGE_HOLDOUT_DAYS. Their learning does not depend on their arm: the
  comparison shows no effect, with its interval around zero.

The rows are bulk-inserted in consistent shapes rather than made through the
services one lesson at a time (that takes minutes for thousands of
completions); the invariants the services keep hold (one progress row and
one enrolment per learner and lesson or course, an event per state change,
a certificate per completed enrolment).

Deterministic: everything comes from random.Random(SEED) and `today`, in a
fixed order, so two fresh runs on the same day give the same figures. The
record keys of the cell key method are not made here: the reports draw them
(from the operating system's random source) when they first count someone,
so shown (perturbed) figures may differ by the method's small noise between
two fresh databases; the counts behind them do not.

Safe: every synthetic account has an email address under DOMAIN (reserved
by RFC 2606, never delivered), an unusable password (nobody can sign in as
one) and nudges set to "Never" (NudgePreference cadence off), so neither the
planner nor `send_nudges_now` plans an email for them; their invitations and
nudges are stored as already sent or skipped, so no outbox sweep sends them.

The behaviour is invented. Engagement varies between learners at random,
with modest invented differences (unpaid carers and board members finish a
little less often, learners who took the self-check twice a little more) so
that the equity dashboard has gaps to show; nothing here is evidence about
anyone."""

import random
import uuid
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from content.models import LocalArea, Partner, Sector, SeniorityLevel, Skill
from courses.models import CoursePage, LessonPage
from lms.accounts.models import User
from lms.certificates.models import Certificate
from lms.cohorts.invitation_emails import JOINED_BY_LINK
from lms.cohorts.models import Cohort, Invitation, Membership, Programme
from lms.core.outbox import Status
from lms.equity.models import (
    PREFER_NOT,
    AgeBand,
    Caring,
    EquityProfile,
    EquityPrompt,
    EthnicGroup,
    ParentalOccupation,
    Sex,
    YesNo,
)
from lms.equity.wording import CONSENT_VERSION
from lms.learners.models import LearnerProfile, OrganisationSize, SelfCheck, SelfCheckRating
from lms.nudges.models import Arm, Cadence, HoldoutAssignment, Kind, Nudge, NudgePreference
from lms.pathways.models import Pathway
from lms.pathways.services import pathway_lesson_ids
from lms.progress.models import CheckAnswer, Enrolment, LearningEvent, LessonProgress, Verb
from lms.reports.facts import recompute as recompute_report_facts
from lms.reports.facts import recompute_skill_facts

SEED = 2026_14
DOMAIN = "synthetic.example"
PROGRAMME = "West Midlands AI leadership 2026 (synthetic demo)"
DESCRIPTION = (
    "Synthetic demo data made by seed_demo: invented learners (@synthetic.example, no "
    "password, never emailed). Not real people; delete the programme's data before real use."
)
TZ = ZoneInfo("Europe/London")
BATCH = 2000
NUDGE_DAYS = (1, 3)  # Tuesday (weekly), and Thursday (twice weekly)
HOLDOUT_SHARE = 0.2

# name, organisation, pathway slug, sector slug (None: a mix), local areas,
# starts (weeks before today; negative: in the future), weeks long, people invited
COHORTS = [
    ("Black Country manufacturers", "Black Country Chamber of Commerce",
     "scan-pilot-scale-in-manufacturing", "advanced-manufacturing",
     ("dudley", "sandwell", "walsall", "wolverhampton"), 12, 10, 120),
    ("Coventry and Warwickshire manufacturers", "Coventry and Warwickshire Growth Hub",
     "scan-pilot-scale-in-manufacturing", "advanced-manufacturing",
     ("coventry", "solihull", "other-area"), 9, 12, 105),
    ("NHS boards, Birmingham and Solihull", "Birmingham and Solihull ICS",
     "ai-in-health-and-care", "health-tech", ("birmingham", "solihull"), 10, 12, 100),
    ("Health and care managers, Black Country", "Black Country ICS",
     "ai-in-health-and-care", "health-tech",
     ("dudley", "sandwell", "walsall", "wolverhampton"), 7, 12, 110),
    ("Digbeth creative studios", "Create Central", "creative-ai-leadership",
     "creative-immersive", ("birmingham",), 8, 10, 95),
    ("Coventry creative and immersive", "Coventry creative network", "creative-ai-leadership",
     "creative-immersive", ("coventry", "other-area"), 5, 10, 75),
    ("SME boards across the region", "West Midlands Growth Company", "ai-for-the-board",
     None, ("birmingham", "coventry", "dudley", "solihull", "walsall", "wolverhampton"),
     6, 10, 115),
    ("Winter intake, Wolverhampton and Walsall", "Wolverhampton Chamber of Commerce",
     "ai-for-the-board", None, ("wolverhampton", "walsall"), -1, 10, 60),
]  # fmt: skip
LEARNERS = sum(cohort[-1] for cohort in COHORTS)  # 780 invited

_FIRST = (
    "Aaliyah Aaron Abdul Adam Adebayo Aisha Alex Alice Amandeep Amara Amelia Amir Andrew Anita "
    "Arjun Ayesha Baljit Ben Bethany Bilal Callum Catherine Charlotte Chen Chloe Chukwuemeka "
    "Claire Connor Daniel David Deepa Dominic Eilidh Elena Ellie Emeka Emily Emma Fatima Gareth "
    "Gemma Gurpreet Hannah Harjit Harry Hassan Helen Imran Isabel Jack Jade James Jasmine "
    "Jaswinder Jessica Joanne John Jordan Joseph Joy Kamala Karen Kiran Kwame Laura Leah Liam "
    "Lucy Mandeep "
    "Marcus Maria Mark Martin Matthew Mei Michael Mohammed Nadia Naomi Natalie Neil Nia Nikhil "
    "Nkechi Oliver Olivia Omar Paul Paula Pooja Rachel Rajesh Rebecca Reece Richard Rohan Ruth "
    "Ryan Sadia Samuel Sandeep Sarah Shabana Simon Sophie Stephen Sunita Tariq Thomas Tom Usman "
    "Victoria Wei Yasmin Yusuf Zainab Zoe"
)
_LAST = (
    "Adeyemi Ahmed Ali Allen Anderson Atwal Bailey Baker Bains Begum Bennett Bhatti Brown Campbell "
    "Carter Chauhan Chen Clarke Cooper Davies Dhillon Edwards Evans Francis Gill Green Griffiths "
    "Hall Harris Hughes Hussain Iqbal Jackson James Johal Johnson Jones Kaur Khan Kumar Lewis Li "
    "Malik Martin Mensah Mistry Mitchell Moore Morgan Morris Nwosu Obi Okafor Owen Parker Patel "
    "Phillips Price Rahman Richards Roberts Robinson Sandhu Shah Sharma Singh Smith Taylor Thomas "
    "Thompson Turner Walker Ward Watson White Williams Wilson Wood Wright Young"
)
FIRST_NAMES, LAST_NAMES = _FIRST.split(), _LAST.split()
ORG_WORDS = {
    "advanced-manufacturing": (
        ("Precision", "Castings", "Engineering", "Tooling", "Components", "Automation", "Forge"),
        ("Ltd", "Group", "UK", "Manufacturing"),
    ),
    "health-tech": (
        ("Community Health", "Care", "Primary Care", "Diagnostics", "Health", "Hospitals"),
        ("NHS Trust", "Partnership", "Services", "Network"),
    ),
    "creative-immersive": (
        ("Pixel", "Studio", "Games", "Media", "Immersive", "Motion", "Sound"),
        ("Ltd", "Studios", "Collective", "Lab"),
    ),
}
SIZES_BY_SECTOR = {
    "advanced-manufacturing": (OrganisationSize.SMALL, 30, OrganisationSize.MEDIUM, 35,
                               OrganisationSize.MICRO, 15, OrganisationSize.LARGE, 15,
                               OrganisationSize.VERY_LARGE, 5),
    "health-tech": (OrganisationSize.VERY_LARGE, 55, OrganisationSize.LARGE, 20,
                    OrganisationSize.MEDIUM, 15, OrganisationSize.SMALL, 10),
    "creative-immersive": (OrganisationSize.MICRO, 40, OrganisationSize.SMALL, 40,
                           OrganisationSize.MEDIUM, 15, OrganisationSize.LARGE, 5),
}  # fmt: skip

# Equity answers: (value, weight); "" is the question left unanswered.
EQUITY_WEIGHTS = {
    "age_band": ((AgeBand.UNDER_25, 1.5), (AgeBand.A25_34, 14), (AgeBand.A35_44, 27),
                 (AgeBand.A45_54, 29), (AgeBand.A55_64, 19), (AgeBand.A65_PLUS, 3.5),
                 (PREFER_NOT, 4), ("", 2)),
    "sex": ((Sex.FEMALE, 42), (Sex.MALE, 52), (PREFER_NOT, 4), ("", 2)),
    "gender_same_as_birth": ((YesNo.YES, 93), (YesNo.NO, 1), (PREFER_NOT, 4), ("", 2)),
    "ethnic_group": ((EthnicGroup.WHITE, 66), (EthnicGroup.ASIAN, 17), (EthnicGroup.BLACK, 6),
                     (EthnicGroup.MIXED, 3), (EthnicGroup.OTHER, 2), (PREFER_NOT, 4), ("", 2)),
    "disability": ((YesNo.YES, 11), (YesNo.NO, 80), (PREFER_NOT, 6), ("", 3)),
    "caring": ((Caring.NO, 76), (Caring.UNDER_20, 11), (Caring.H20_49, 4), (Caring.H50_PLUS, 1.5),
               (PREFER_NOT, 5), ("", 2.5)),
    "parental_occupation": ((ParentalOccupation.PROFESSIONAL, 28),
                            (ParentalOccupation.MANAGER, 15), (ParentalOccupation.CLERICAL, 10),
                            (ParentalOccupation.SMALL_BUSINESS, 9),
                            (ParentalOccupation.TECHNICAL, 8), (ParentalOccupation.ROUTINE, 12),
                            (ParentalOccupation.UNEMPLOYED, 1), (ParentalOccupation.OTHER, 6),
                            (PREFER_NOT, 8), ("", 3)),
}  # fmt: skip
CONSENTED = 0.7  # of those who onboarded; a third of the rest said "not now"
JOINED = 0.88  # of those invited to a cohort that has started
ONBOARDED = 0.96  # of those who joined
# Learning hours (local time) and their weights: before work, lunch, evening.
HOURS = ((7, 3), (8, 6), (9, 4), (10, 3), (11, 3), (12, 6), (13, 5), (14, 2), (15, 2),
         (16, 2), (17, 4), (18, 4), (19, 5), (20, 5), (21, 3))  # fmt: skip


def pick(rng: random.Random, pairs):
    """One value of (value, weight) pairs."""
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def pairs(flat):
    return list(zip(flat[::2], flat[1::2], strict=True))


def at(day: date, rng: random.Random) -> datetime:
    """A learning moment on `day`, in the site's time zone."""
    return datetime.combine(day, time(pick(rng, HOURS), rng.randrange(60)), tzinfo=TZ)


@contextmanager
def story_dates(model, names):
    """Inserts keep the dates of the story in these auto_now_add fields (which
    would otherwise be set to the moment of the insert, and a bulk update
    after it costs as much as the insert)."""
    fields = [model._meta.get_field(name) for name in names]
    for one in fields:
        one.auto_now_add = False
    try:
        yield
    finally:
        for one in fields:
            one.auto_now_add = True


@dataclass
class Lesson:
    pk: int
    course_id: int
    seconds: int
    checks: list[tuple[str, int, frozenset[int]]]  # block id, options, correct options


@dataclass
class Catalogue:
    pathways: dict[str, tuple[Pathway, list[Lesson]]]
    course_lessons: dict[int, set[int]]  # live lessons of each course
    in_order: dict[int, list[Lesson]]  # the same, in course order
    courses: dict[int, CoursePage]


@dataclass
class Rows:
    """Everything to insert, in dependency order."""

    users: list = field(default_factory=list)
    profiles: list = field(default_factory=list)
    equity: list = field(default_factory=list)
    prompts: list = field(default_factory=list)
    preferences: list = field(default_factory=list)
    self_checks: list = field(default_factory=list)  # (SelfCheck, [ratings])
    invitations: list = field(default_factory=list)
    memberships: list = field(default_factory=list)  # (Membership, Invitation)
    enrolments: list = field(default_factory=list)
    progress: list = field(default_factory=list)
    answers: list = field(default_factory=list)
    events: list = field(default_factory=list)
    certificates: list = field(default_factory=list)
    nudges: list = field(default_factory=list)
    holdout: list = field(default_factory=list)


def enabled(settings) -> bool:
    return bool(getattr(settings, "FMA_DEMO_SYNTHETIC", False))


def exists() -> bool:
    return Programme.objects.filter(name=PROGRAMME).exists()


def catalogue() -> Catalogue | None:
    slugs = {cohort[2] for cohort in COHORTS}
    found = {p.slug: p for p in Pathway.objects.filter(slug__in=slugs)}
    if set(found) != slugs:
        return None  # the starter library is not imported
    ids = pathway_lesson_ids([p.pk for p in found.values()])
    courses = {c.path: c for c in CoursePage.objects.live()}
    lessons = {}
    course_lessons = defaultdict(set)
    in_order = defaultdict(list)
    pages = LessonPage.objects.live().only("pk", "path", "reading_seconds", "body")
    for page in pages.order_by("path"):
        course = courses.get(page.parent_path)
        if course is None:
            continue
        course_lessons[course.pk].add(page.pk)
        checks = []
        for block in page.body.raw_data:
            if block.get("type") != "knowledge_check" or not block.get("id"):
                continue
            options = [o.get("value", o) for o in block["value"].get("options", [])]
            correct = frozenset(i for i, o in enumerate(options, 1) if o.get("is_correct"))
            checks.append((block["id"], len(options), correct))
        lessons[page.pk] = Lesson(page.pk, course.pk, page.reading_seconds or 300, checks)
        in_order[course.pk].append(lessons[page.pk])
    pathways = {
        slug: (pathway, [lessons[pk] for pk in ids.get(pathway.pk, []) if pk in lessons])
        for slug, pathway in found.items()
    }
    if not all(steps for _, steps in pathways.values()):
        return None
    return Catalogue(
        pathways, dict(course_lessons), dict(in_order), {c.pk: c for c in courses.values()}
    )


@transaction.atomic
def ensure_programme(today: date | None = None) -> bool:
    """Creates the synthetic programme unless it exists (or the starter
    library is missing). True if it created it."""
    if exists():
        return False
    found = catalogue()
    if found is None:
        return False
    Builder(found, today or datetime.now(TZ).date()).build()
    return True


@transaction.atomic
def remove_programme() -> None:
    """Deletes the synthetic programme and everything of its learners (their
    nudges and learning events too, which a deleted account would leave
    behind anonymised)."""
    synthetic = User.objects.filter(email__endswith=f"@{DOMAIN}")
    Nudge.objects.filter(user__in=synthetic).delete()
    LearningEvent.objects.filter(user__in=synthetic).delete()
    synthetic.delete()
    Cohort.objects.filter(programme__name=PROGRAMME).delete()
    Programme.objects.filter(name=PROGRAMME).delete()


class Builder:
    def __init__(self, found: Catalogue, today: date):
        self.rng = random.Random(SEED)
        # The holdout's draws have their own sequence, so the rest of the
        # story is the same with or without them.
        self.draws = random.Random(SEED + 1)
        self.catalogue = found
        self.today = today
        self.anchor = datetime.combine(today, time.min, tzinfo=TZ)  # nothing at or after
        self.sectors = {s.slug: s for s in Sector.objects.all()}
        self.levels = {s.slug: s for s in SeniorityLevel.objects.all()}
        self.areas = {a.slug: a for a in LocalArea.objects.all()}
        self.skills = list(Skill.objects.order_by("slug"))
        self.rows = Rows()
        self.partners = dict(Partner.objects.values_list("pk", "name"))
        self.emails = set()
        self.counter = 0
        self.done = {}  # email -> course id -> lesson ids completed
        self.enrolment = {}  # (email, course id) -> Enrolment
        self.difficulty = {}  # knowledge check -> chance of a right first answer

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def build(self):
        programme = Programme.objects.create(name=PROGRAMME, description=DESCRIPTION)
        for spec in COHORTS:
            self.cohort(programme, *spec)
        self.insert()

    # -- people ----------------------------------------------------------------

    def person(self) -> tuple[str, str, str]:
        rng = self.rng
        while True:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            self.counter += 1
            email = f"{first}.{last}.{self.counter:04d}@{DOMAIN}".lower()
            if email not in self.emails:
                self.emails.add(email)
                return first, last, email

    def organisation(self, sector: str, area: LocalArea | None) -> str:
        first, second = ORG_WORDS[sector]
        place = area.name if area and area.slug != "other-area" else "Midlands"
        return f"{place} {self.rng.choice(first)} {self.rng.choice(second)}"

    def cohort(self, programme, name, organisation, pathway_slug, sector, areas, starts, weeks, n):
        rng = self.rng
        pathway, steps = self.catalogue.pathways[pathway_slug]
        starts_on = self.today - timedelta(weeks=starts)
        cohort = Cohort.objects.create(
            name=name,
            programme=programme,
            organisation=organisation,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(weeks=weeks),
            deadline=starts_on + timedelta(weeks=weeks - 1),
            pathway=pathway,
        )
        invited_at = (
            self.anchor - timedelta(days=5)
            if starts < 0
            else (datetime.combine(starts_on - timedelta(days=14), time(10), tzinfo=TZ))
        )
        joined_share = 0.4 if starts < 0 else JOINED
        board = pathway_slug == "ai-for-the-board"
        for _ in range(n):
            first, last, email = self.person()
            from_link = rng.random() < 0.12
            invitation = Invitation(
                cohort=cohort,
                email=email,
                name="" if from_link else f"{first} {last}",
                source=Invitation.Source.LINK if from_link else Invitation.Source.CSV,
                invited_at=invited_at,
                status=Status.SKIPPED if from_link else Status.SENT,
                due_at=invited_at,
                attempts=0 if from_link else 1,
                sent_at=None if from_link else invited_at + timedelta(minutes=1),
                last_error=JOINED_BY_LINK if from_link else "",
            )
            if not from_link and rng.random() > joined_share:
                if rng.random() < 0.04:
                    invitation.status = Status.FAILED
                    invitation.sent_at = None
                    invitation.attempts = 5
                    invitation.last_error = "550 5.1.1 Mailbox unavailable (synthetic)"
                self.rows.invitations.append(invitation)
                continue  # invited, not joined
            joined_at = invited_at + timedelta(hours=rng.uniform(2, 24 * 12))
            if from_link:
                joined_at = datetime.combine(starts_on, time(9), tzinfo=TZ) + timedelta(
                    hours=rng.uniform(0, 24 * 10)
                )
            joined_at = min(joined_at, self.anchor - timedelta(hours=rng.uniform(1, 20)))
            if from_link:  # the link's invitation is made as they join
                invitation.invited_at = invitation.due_at = joined_at
            invitation.used_at = joined_at
            user = User(
                email=email,
                first_name=first,
                last_name=last,
                date_joined=joined_at - timedelta(minutes=rng.randrange(3, 30)),
            )
            user.set_unusable_password()
            invitation.accepted_by = user
            self.rows.users.append(user)
            self.rows.invitations.append(invitation)
            membership = Membership(cohort=cohort, user=user, joined_at=joined_at)
            self.rows.memberships.append((membership, invitation))
            if rng.random() < ONBOARDED:
                self.learner(user, sector, areas, board, joined_at, cohort, steps)

    def learner(self, user, sector, areas, board, joined_at, cohort, steps):
        rng = self.rng
        if sector is None or rng.random() < 0.06:
            sector = rng.choice(list(ORG_WORDS))
        if board:
            level = pick(rng, (("board", 70), ("senior-leader", 25), ("manager", 5)))
        else:
            level = pick(rng, (("board", 15), ("senior-leader", 45), ("manager", 40)))
        area = None if rng.random() < 0.07 else self.areas.get(rng.choice(areas))
        onboarded = joined_at + timedelta(minutes=rng.randrange(2, 20))
        profile = LearnerProfile(
            user=user,
            sector=self.sectors[sector],
            seniority=self.levels[level],
            organisation_name=self.organisation(sector, area),
            organisation_size=pick(rng, pairs(SIZES_BY_SECTOR[sector])),
            local_area=area,
            onboarded_at=onboarded,
        )
        self.rows.profiles.append(profile)
        self.rows.preferences.append(NudgePreference(user=user, cadence=Cadence.OFF, days=[1]))
        answers = {}
        if rng.random() < CONSENTED:
            answers = {name: pick(rng, weights) for name, weights in EQUITY_WEIGHTS.items()}
            self.rows.equity.append(
                EquityProfile(
                    user=user,
                    consent_version=CONSENT_VERSION,
                    consented_at=onboarded + timedelta(minutes=2),
                    **answers,
                )
            )
        elif rng.random() < 0.35:
            self.rows.prompts.append(EquityPrompt(user=user, dismissed_at=onboarded))
        base = rng.randrange(1, 4)
        sittings = [onboarded + timedelta(minutes=1)]
        # How keen this learner is (0..1), with the module docstring's invented nudges.
        keen = rng.betavariate(2.2, 2)
        if answers.get("caring") in (Caring.UNDER_20, Caring.H20_49, Caring.H50_PLUS):
            keen -= 0.12
        if level == "board":
            keen -= 0.05
        if rng.random() < 0.25:
            keen += 0.08
            sittings.append(onboarded + timedelta(days=rng.randrange(20, 40)))
        keen = min(max(keen, 0.02), 0.98)
        for n, taken in enumerate(s for s in sittings if s < self.anchor):
            check = SelfCheck(user=user, taken_at=taken)
            ratings = [
                SelfCheckRating(
                    self_check=check,
                    skill=skill,
                    rating=min(5, max(1, base + rng.randrange(-1, 2) + n)),
                )
                for skill in self.skills
            ]
            self.rows.self_checks.append((check, ratings))
        start = max(onboarded, datetime.combine(cohort.starts_on, time.min, tzinfo=TZ))
        sessions = self.learning(user, steps, start, keen)
        sessions += self.exploring(user, steps, sessions, keen)
        self.nudges(user, joined_at, sessions, keen)

    # -- learning --------------------------------------------------------------

    def learning(self, user, steps: list[Lesson], start: datetime, keen: float) -> list[datetime]:
        """Lessons along the pathway, in order, a few days apart; returns the
        moments this learner learned (for the nudges)."""
        rng = self.rng
        moments = []
        if start >= self.anchor or rng.random() > 0.62 + 0.35 * keen:
            if start < self.anchor and rng.random() < 0.35:  # opened one, never finished it
                when = at(start.date() + timedelta(days=rng.randrange(0, 10)), rng)
                if when < self.anchor:
                    self.lesson(user, steps[0], when, finished=False)
                    moments.append(when)
            return moments
        day = start.date() + timedelta(days=int(rng.expovariate(1 / 3)))
        keep_going = 0.7 + 0.28 * keen
        index = 0
        while index < len(steps):
            when = max(at(day, rng), start + timedelta(minutes=rng.randrange(5, 60)))
            if when >= self.anchor:
                break
            for _ in range(pick(rng, ((1, 6), (2, 3), (3, 1)))):
                if index >= len(steps) or when >= self.anchor:
                    break
                stops = rng.random() > keep_going and index > 0
                if stops and rng.random() < 0.5:
                    self.lesson(user, steps[index], when, finished=False)
                    moments.append(when)
                if stops:
                    return moments
                moments.append(when)
                when = self.lesson(user, steps[index], when, finished=True)
                when += timedelta(minutes=rng.randrange(1, 4))
                index += 1
            day += timedelta(days=1 + int(rng.expovariate(1 / (1.5 + 6 * (1 - keen)))))
            while rng.random() < 0.3 and day.weekday() not in NUDGE_DAYS:
                day += timedelta(days=1)  # waits for the next nudge, then learns
        return moments

    def exploring(self, user, steps, moments: list[datetime], keen: float) -> list[datetime]:
        """Some active learners also try a course off their pathway: its first
        lessons, on a day they were learning anyway."""
        rng = self.rng
        if not moments or rng.random() > 0.2 + 0.4 * keen:
            return []
        own = {lesson.course_id for lesson in steps}
        others = sorted(c for c in self.catalogue.in_order if c not in own)
        course = self.catalogue.in_order[rng.choice(others)]
        when = rng.choice(moments) + timedelta(hours=rng.uniform(1, 30))
        found = []
        for index, lesson in enumerate(course[: rng.randrange(1, len(course) + 1)]):
            if when >= self.anchor:
                break
            found.append(when)
            finished = index == 0 or rng.random() < 0.85
            when = self.lesson(user, lesson, when, finished=finished)
            if not finished:
                break
            when += timedelta(days=rng.randrange(0, 4), minutes=rng.randrange(1, 60))
        return found

    def lesson(self, user, lesson: Lesson, started: datetime, *, finished: bool) -> datetime:
        """One lesson's rows; returns when the learner left it."""
        rng = self.rng
        rows = self.rows
        key = (user.email, lesson.course_id)
        state = self.courses_of(user)
        if lesson.course_id not in state:
            state[lesson.course_id] = set()
            enrolment = Enrolment(user=user, course_id=lesson.course_id, enrolled_at=started)
            rows.enrolments.append(enrolment)
            self.enrolment[key] = enrolment
            self.event(user, Verb.ENROLLED, started, lesson, f"enrolled:{{u}}:{lesson.course_id}")
        self.event(user, Verb.STARTED, started, lesson, f"started:{{u}}:{lesson.pk}")
        seconds = int(lesson.seconds * rng.uniform(0.6, 1.5))
        if rng.random() < 0.04:
            seconds += rng.randrange(1800, 6 * 3600)  # left the tab open
        ended = started + timedelta(seconds=seconds)
        if ended >= self.anchor:
            ended = self.anchor - timedelta(seconds=1)
        progress = LessonProgress(
            user=user, lesson_id=lesson.pk, course_id=lesson.course_id, started_at=started
        )
        rows.progress.append(progress)
        moment = started
        for block_id, options, correct in lesson.checks:
            if not finished and rng.random() < 0.5:
                break
            moment = moment + (ended - started) / (len(lesson.checks) + 1)
            chance = self.difficulty.setdefault(block_id, rng.uniform(0.5, 0.92))
            first_right = rng.random() < chance
            tries = 1 if first_right else pick(rng, ((1, 3), (2, 6), (3, 1)))
            last_right = first_right or tries > 1
            for attempt in range(tries):
                right = first_right if attempt == 0 else (attempt == tries - 1 and last_right)
                selected = sorted(correct) if right else [self.wrong(options, correct)]
                self.event(
                    user,
                    Verb.ANSWERED,
                    moment + timedelta(seconds=20 * attempt),
                    lesson,
                    f"answered:{{u}}:{lesson.pk}:{block_id}:synthetic-{attempt}",
                    {"check": block_id, "selected": selected, "correct": right},
                )
            rows.answers.append(
                CheckAnswer(
                    user=user,
                    lesson_id=lesson.pk,
                    block_id=block_id,
                    attempts=tries,
                    first_attempt_correct=first_right,
                    last_correct=last_right,
                    first_answered_at=moment,
                    last_answered_at=moment + timedelta(seconds=20 * (tries - 1)),
                )
            )
        if not finished:
            return ended
        cap = max(300, lesson.seconds * 3)
        progress.completed_at = ended
        progress.seconds_spent = min(seconds, cap)
        self.event(
            user,
            Verb.COMPLETED,
            ended,
            lesson,
            f"completed:{{u}}:{lesson.pk}",
            {"seconds": progress.seconds_spent},
        )
        state[lesson.course_id].add(lesson.pk)
        if state[lesson.course_id] >= self.catalogue.course_lessons[lesson.course_id]:
            self.enrolment[key].completed_at = ended
            dedupe = f"course_completed:{{u}}:{lesson.course_id}"
            self.event(user, Verb.COURSE_COMPLETED, ended, None, dedupe, course=lesson.course_id)
            course = self.catalogue.courses[lesson.course_id]
            rows.certificates.append(
                Certificate(
                    code=self.uuid(),
                    user=user,
                    course=course,
                    partner_id=course.partner_id,
                    learner_name=f"{user.first_name} {user.last_name}",
                    course_title=course.title,
                    partner_name=self.partners.get(course.partner_id, ""),
                    minutes=course.total_minutes,
                    issued_at=ended,
                )
            )
        return ended

    def wrong(self, options: int, correct: frozenset[int]) -> int:
        choices = [n for n in range(1, options + 1) if n not in correct] or [1]
        return self.rng.choice(choices)

    def courses_of(self, user) -> dict[int, set[int]]:
        """The courses this learner is enrolled in: the lessons done in each."""
        return self.done.setdefault(user.email, {})

    def event(self, user, verb, when, lesson, key, result=None, course=None):
        self.rows.events.append(
            (
                key,
                LearningEvent(
                    uuid=self.uuid(),
                    user=user,
                    verb=verb,
                    course_id=course or (lesson.course_id if lesson else None),
                    lesson_id=lesson.pk if lesson else None,
                    result=result or {},
                    occurred_at=when,
                ),
            )
        )

    # -- nudges ----------------------------------------------------------------

    def nudges(self, user, joined_at: datetime, moments: list[datetime], keen: float):
        """The nudges this learner was sent before they were (in this story)
        set to "Never": weekly or twice weekly at 8:00, skipped when they had
        learned since the last one; a "streak at risk" on Fridays."""
        rng = self.rng
        days = pick(rng, ((NUDGE_DAYS[:1], 60), (NUDGE_DAYS, 25), ((), 15)))
        if not days:
            return
        held_until = self.draw_arms(user, joined_at)
        moments = sorted(moments)
        day = joined_at.date() + timedelta(days=1)
        previous = joined_at
        while True:
            slot = datetime.combine(day, time(8), tzinfo=TZ)
            if slot >= self.anchor:
                break
            if day.weekday() in days:
                self.nudge(
                    user, Kind.NEXT_LESSON, day.isoformat(), slot, previous, moments, keen,
                    held=slot < held_until.get(Kind.NEXT_LESSON, slot),
                )  # fmt: skip
                previous = slot
            if day.weekday() == 4 and len(moments) > 1:
                monday = datetime.combine(day - timedelta(days=4), time.min, tzinfo=TZ)
                weeks = {(m.date() - monday.date()).days // 7 for m in moments if m < monday}
                if not any(monday <= m < slot for m in moments) and {-1, -2} <= weeks:
                    week = f"{day.isocalendar().year}-W{day.isocalendar().week:02d}"
                    self.nudge(
                        user, Kind.STREAK_AT_RISK, week, slot, None, moments, keen,
                        held=slot < held_until.get(Kind.STREAK_AT_RISK, slot),
                    )  # fmt: skip
            day += timedelta(days=1)

    def draw_arms(self, user, joined_at: datetime) -> dict[str, datetime]:
        """This learner's holdout draws; returns, per kind held out, until when."""
        ends_at = joined_at + timedelta(days=settings.NUDGE_HOLDOUT_DAYS)
        held_until = {}
        for kind in Kind.values:
            arm = Arm.HELD_OUT if self.draws.random() < HOLDOUT_SHARE else Arm.NUDGED
            self.rows.holdout.append(
                HoldoutAssignment(
                    user=user, kind=kind, arm=arm, assigned_at=joined_at, ends_at=ends_at
                )
            )
            if arm == Arm.HELD_OUT:
                held_until[kind] = ends_at
        return held_until

    def nudge(self, user, kind, period, slot, since, moments, keen, *, held=False):
        """One nudge; `held`: the learner is held out of this kind, so the
        nudge is worked out (the same random draws) but not kept."""
        rng = self.rng
        nudge = Nudge(user=user, kind=kind, period=period, due_at=slot, created_at=slot)
        if since is not None and any(since <= m < slot for m in moments):
            nudge.status = Status.SKIPPED
            nudge.reason = "Already learned since the last nudge"
        elif rng.random() < 0.01:
            nudge.status, nudge.attempts = Status.FAILED, 5
            nudge.last_error = "451 4.3.0 Temporary failure (synthetic)"
        else:
            nudge.status, nudge.attempts = Status.SENT, 1
            nudge.sent_at = nudge.dispatched_at = slot + timedelta(seconds=rng.randrange(5, 90))
            nudge.reason = "Next on your cohort's pathway"
            followed = any(
                nudge.sent_at <= m <= nudge.sent_at + timedelta(hours=48) for m in moments
            )
            if rng.random() < (0.6 if followed else 0.06 + 0.1 * keen):
                nudge.clicked_at = nudge.sent_at + timedelta(minutes=rng.randrange(2, 600))
                nudge.clicked_at = min(nudge.clicked_at, self.anchor - timedelta(seconds=1))
            elif rng.random() < 0.006:
                nudge.unsubscribed_at = nudge.sent_at + timedelta(hours=rng.randrange(1, 30))
                nudge.unsubscribed_at = min(
                    nudge.unsubscribed_at, self.anchor - timedelta(seconds=1)
                )
        if not held:
            self.rows.nudges.append(nudge)

    # -- writing -----------------------------------------------------------------

    def insert(self):
        rows = self.rows
        User.objects.bulk_create(rows.users, batch_size=BATCH)
        by_email = {u.email: u for u in User.objects.filter(email__endswith=f"@{DOMAIN}")}

        def relink(objects, attr="user"):
            for obj in objects:
                setattr(obj, attr, by_email[getattr(obj, attr).email])
            return objects

        def create(model, objects, *dates):
            with story_dates(model, dates):
                return model.objects.bulk_create(objects, batch_size=BATCH)

        create(LearnerProfile, relink(rows.profiles), "onboarded_at")
        create(EquityProfile, relink(rows.equity))
        create(EquityPrompt, relink(rows.prompts), "dismissed_at")
        create(NudgePreference, relink(rows.preferences))
        checks = create(SelfCheck, relink([c for c, _ in rows.self_checks]), "taken_at")
        ratings = []
        for check, (_, its) in zip(checks, rows.self_checks, strict=True):
            for rating in its:
                rating.self_check = check
                ratings.append(rating)
        create(SelfCheckRating, ratings)
        for invitation in rows.invitations:
            if invitation.accepted_by is not None:
                invitation.accepted_by = by_email[invitation.accepted_by.email]
        create(Invitation, rows.invitations, "invited_at")
        memberships = []
        for membership, invitation in rows.memberships:
            membership.invitation = invitation
            memberships.append(membership)
        create(Membership, relink(memberships), "joined_at")
        create(Enrolment, relink(rows.enrolments))
        create(LessonProgress, relink(rows.progress))
        create(CheckAnswer, relink(rows.answers))
        events = []
        for key, event in rows.events:
            event.user = by_email[event.user.email]
            event.dedupe_key = key.format(u=event.user.pk)
            events.append(event)
        create(LearningEvent, events)
        # bulk_create sends no signals: the reports' facts of these learners
        learners = User.objects.filter(email__endswith=f"@{DOMAIN}").values("pk")
        recompute_report_facts(learners)
        recompute_skill_facts(learners)
        create(Certificate, relink(rows.certificates))
        create(Nudge, relink(rows.nudges), "created_at")
        create(HoldoutAssignment, relink(rows.holdout))
