"""Pathways and recommendations from the database. Each function runs a fixed
number of queries, whatever the size of the catalogue or the learner's history."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from content.models import Sector, Skill
from courses.models import CoursePage, LessonPage
from lms.learners.models import LearnerProfile
from lms.learners.services import latest_ratings
from lms.progress.models import LessonProgress

from .models import Pathway, PathwayItem, PersonalPathway, PersonalPathwayItem
from .recommend import CandidateLesson, LearnerFacts, Recommendation, recommend


def catalogue_candidates() -> list[CandidateLesson]:
    courses = {
        course.pk: course
        for course in CoursePage.objects.live()
        .public()
        .only("id", "title", "path")
        .prefetch_related("sectors", "seniority_levels", "skills")
    }
    by_path = {course.path: course for course in courses.values()}
    candidates = []
    lessons = (
        LessonPage.objects.live()
        .public()
        .only("id", "title", "path", "first_published_at")
        .order_by("path")
    )
    for lesson in lessons:
        course = by_path.get(lesson.parent_path)
        if course is None:
            continue
        sectors = list(course.sectors.all())
        candidates.append(
            CandidateLesson(
                lesson_id=lesson.pk,
                course_id=course.pk,
                course_title=course.title,
                title=lesson.title,
                order=lesson.position,
                sector_ids=frozenset(s.pk for s in sectors),
                cross_sector=any(s.is_cross_sector for s in sectors),
                seniority_ids=frozenset(level.pk for level in course.seniority_levels.all()),
                skill_ids=frozenset(skill.pk for skill in course.skills.all()),
                published=(
                    timezone.localdate(lesson.first_published_at)
                    if lesson.first_published_at
                    else None
                ),
            )
        )
    return candidates


def learner_facts(user, profile: LearnerProfile) -> LearnerFacts:
    progress = list(
        LessonProgress.objects.filter(user=user).values_list(
            "lesson_id", "course_id", "completed_at"
        )
    )
    completed = frozenset(lesson for lesson, _, done in progress if done)
    finished_courses = set(
        user.enrolments.filter(completed_at__isnull=False).values_list("course_id", flat=True)
    )
    started = frozenset(
        course for _, course, done in progress if not done and course not in finished_courses
    )
    positions = dict(
        PersonalPathwayItem.objects.filter(pathway__user=user).values_list("lesson_id", "position")
    )
    return LearnerFacts(
        sector_id=profile.sector_id,
        sector_name=profile.sector.name,
        seniority_id=profile.seniority_id,
        seniority_name=profile.seniority.name,
        ratings=latest_ratings(user),
        skill_names=dict(Skill.objects.values_list("pk", "name")),
        completed=completed,
        started_courses=started,
        pathway_positions=positions,
        today=timezone.localdate(),
    )


def next_five_minutes(
    user, profile, candidates: list[CandidateLesson] | None = None
) -> tuple[Recommendation, LessonPage] | None:
    """The one recommended lesson, with its reason. Callers that ask for many
    learners at once (the nudge planner) pass the catalogue in once."""
    if candidates is None:
        candidates = catalogue_candidates()
    recommendation = recommend(learner_facts(user, profile), candidates)
    if recommendation is None:
        return None
    lesson = LessonPage.objects.get(pk=recommendation.lesson_id)
    return recommendation, lesson


def best_pathway(profile: LearnerProfile, ratings: dict[int, int]) -> Pathway | None:
    """The curated pathway that best fits the learner's sector, level and gaps."""
    best = None
    for pathway in Pathway.objects.filter(live=True).prefetch_related(
        "sectors", "seniority_levels", "skills"
    ):
        sectors = list(pathway.sectors.all())
        levels = {level.pk for level in pathway.seniority_levels.all()}
        total = 0.0
        if profile.sector_id in {s.pk for s in sectors}:
            total += 3
        elif any(s.is_cross_sector for s in sectors) or not sectors:
            total += 1
        if profile.seniority_id in levels or not levels:
            total += 2
        total += sum(5 - ratings.get(skill.pk, 5) for skill in pathway.skills.all()) / 4
        key = (-total, pathway.title, pathway.pk)
        if best is None or key < best[0]:
            best = (key, pathway)
    return best[1] if best else None


def pathway_lessons(pathway: Pathway) -> list[LessonPage]:
    """The lessons of a curated pathway, in pathway order, as
    `pathway_lesson_ids` counts them."""
    ids = pathway_lesson_ids([pathway.pk])[pathway.pk]
    by_id = LessonPage.objects.in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def matching_lessons(profile: LearnerProfile):
    """Live lessons whose course suits the learner's sector (or every sector)
    and seniority level."""
    courses = (
        CoursePage.objects.live()
        .filter(seniority_levels=profile.seniority_id)
        .filter(sectors__in=_sector_ids_for(profile))
        .distinct()
    )
    paths = {course.path for course in courses.only("path")}
    lessons = LessonPage.objects.live().only("id", "path", "title").order_by("path")
    return [lesson for lesson in lessons if lesson.parent_path in paths]


def _sector_ids_for(profile):
    return list(Sector.objects.filter(pk=profile.sector_id).values_list("pk", flat=True)) + list(
        Sector.objects.filter(is_cross_sector=True).values_list("pk", flat=True)
    )


@transaction.atomic
def build_personal_pathway(user, profile: LearnerProfile) -> PersonalPathway:
    """Creates the learner's always-on pathway, or adds what now matches."""
    ratings = latest_ratings(user)
    personal, created = PersonalPathway.objects.get_or_create(
        user=user, defaults={"based_on": best_pathway(profile, ratings)}
    )
    items = []
    if created and personal.based_on:
        for lesson in pathway_lessons(personal.based_on):
            items.append((lesson, f"From the pathway “{personal.based_on.title}”"))
    for lesson in matching_lessons(profile):
        items.append((lesson, "Matches your sector and role"))
    add_items(personal, items)
    return personal


def add_items(personal: PersonalPathway, items) -> int:
    existing = set(personal.items.values_list("lesson_id", flat=True))
    start = (personal.items.aggregate(m=Max("position"))["m"] or 0) + 1
    new = []
    for lesson, reason in items:
        if lesson.pk in existing:
            continue
        existing.add(lesson.pk)
        new.append(
            PersonalPathwayItem(
                pathway=personal, lesson=lesson, position=start + len(new), reason=reason[:200]
            )
        )
    PersonalPathwayItem.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def extend_personal_pathways(lesson_id: int) -> int:
    """A newly published lesson joins the pathway of every learner it suits."""
    lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
    if lesson is None:
        return 0
    course = lesson.course
    sectors = list(course.sectors.all())
    profiles = LearnerProfile.objects.filter(seniority__in=course.seniority_levels.all())
    if not any(sector.is_cross_sector for sector in sectors):
        profiles = profiles.filter(sector__in=sectors)
    pathways = PersonalPathway.objects.filter(user__learner_profile__in=profiles)
    already = set(
        PersonalPathwayItem.objects.filter(lesson=lesson).values_list("pathway_id", flat=True)
    )
    last = dict(
        PersonalPathwayItem.objects.filter(pathway__in=pathways)
        .values("pathway_id")
        .annotate(m=Max("position"))
        .values_list("pathway_id", "m")
    )
    reason = f"New in {lower(sectors[0].name)}" if sectors else "New lesson"
    new = [
        PersonalPathwayItem(
            pathway_id=pk, lesson=lesson, position=last.get(pk, 0) + 1, reason=reason
        )
        for pk in pathways.values_list("pk", flat=True)
        if pk not in already
    ]
    PersonalPathwayItem.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def lower(text: str) -> str:
    return text[:1].lower() + text[1:]


# -- Pathway progress: the one definition ------------------------------------
#
# Which lessons a pathway holds, for every count a learner or an admin sees
# (the dashboard, the pathway page, the cohort page, a cohort's member list
# and the programme reports):
# - a curated pathway: its steps in order; a course step gives that course's
#   live lessons in course order, a lesson step gives that lesson;
# - the personal pathway: its items in order;
# - only live lessons of live courses count (a draft lesson, or any lesson of
#   an unpublished course, is left out until it is published);
# - each lesson once, at its first place (a lesson that is a step of its own
#   and also in a course step counts once).
# Done means the learner completed the lesson (LessonProgress.completed_at:
# one row per learner and lesson, so completing it again counts once).


@dataclass(frozen=True)
class Step:
    lesson_id: int
    course_id: int


def _steps(pathway_ids=(), personal_ids=()) -> tuple[dict, dict]:
    """The steps of these curated pathways and personal pathways (id → list
    of Step, every id present), in four queries whatever their size."""
    pathway_ids, personal_ids = list(pathway_ids), list(personal_ids)
    items = list(
        PathwayItem.objects.filter(pathway_id__in=pathway_ids)
        .order_by("pathway_id", "sort_order", "pk")
        .values_list("pathway_id", "course_id", "lesson_id")
    )
    own_items = list(
        PersonalPathwayItem.objects.filter(pathway_id__in=personal_ids)
        .order_by("pathway_id", "position", "pk")
        .values_list("pathway_id", "lesson_id")
    )
    single = {lesson for _, _, lesson in items if lesson} | {lesson for _, lesson in own_items}
    course_ids = {course for _, course, _ in items if course}
    courses = Q(pk__in=course_ids)
    if single:
        parents = LessonPage.objects.filter(pk__in=single).with_course_path().values("course_path")
        courses |= Q(path__in=parents)
    course_rows = (
        list(CoursePage.objects.filter(courses).values_list("pk", "path", "live"))
        if single or course_ids
        else []
    )
    live_courses = {path: pk for pk, path, live in course_rows if live}
    path_of = {pk: path for pk, path, _ in course_rows}
    stepped = [path_of[pk] for pk in course_ids if path_of.get(pk) in live_courses]
    children = defaultdict(list)
    course_of = {}
    if single or stepped:
        lessons = (
            LessonPage.objects.live()
            .filter(
                Q(pk__in=single)
                | Q(depth__in={len(path) // CoursePage.steplen + 1 for path in stepped})
            )
            .with_course_path()
            .filter(Q(pk__in=single) | Q(course_path__in=stepped))
            .order_by("path")
            .values_list("pk", "course_path")
        )
        for pk, course_path in lessons:
            if course_path in live_courses:
                course_of[pk] = live_courses[course_path]
                children[course_path].append(pk)

    def add(steps, seen, lesson_id):
        if lesson_id in course_of and lesson_id not in seen:
            seen.add(lesson_id)
            steps.append(Step(lesson_id, course_of[lesson_id]))

    curated = {pk: [] for pk in pathway_ids}
    seen = defaultdict(set)
    for pathway_id, course_id, lesson_id in items:
        for pk in [lesson_id] if lesson_id else children.get(path_of.get(course_id), []):
            add(curated[pathway_id], seen[pathway_id], pk)
    personal = {pk: [] for pk in personal_ids}
    seen = defaultdict(set)
    for pathway_id, lesson_id in own_items:
        add(personal[pathway_id], seen[pathway_id], lesson_id)
    return curated, personal


def pathway_lesson_ids(pathway_ids) -> dict[int, list[int]]:
    """The lessons that count in each of these curated pathways (pathway id →
    lesson ids in pathway order; [] for one with none), by the definition
    above. For pages and reports about many learners at once."""
    curated, _ = _steps(pathway_ids=pathway_ids)
    return {pk: [step.lesson_id for step in steps] for pk, steps in curated.items()}


@dataclass(frozen=True)
class PathwayProgress:
    """One learner on one pathway (a curated Pathway or their PersonalPathway)."""

    pathway: Pathway | PersonalPathway
    steps: tuple[Step, ...]
    done_ids: frozenset[int]
    started_ids: frozenset[int]

    @property
    def personal(self) -> bool:
        return isinstance(self.pathway, PersonalPathway)

    @property
    def title(self) -> str:
        return "Your personal pathway" if self.personal else self.pathway.title

    @property
    def url(self) -> str | None:
        """Its own page; None for a curated pathway that is not live."""
        if self.personal:
            return reverse("personal_pathway")
        return reverse("pathway", args=[self.pathway.slug]) if self.pathway.live else None

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def done(self) -> int:
        return sum(1 for step in self.steps if step.lesson_id in self.done_ids)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def complete(self) -> bool:
        return bool(self.total) and self.done == self.total

    @property
    def next_step(self) -> Step | None:
        """The first lesson not done yet, in pathway order."""
        return next((step for step in self.steps if step.lesson_id not in self.done_ids), None)

    def state_of(self, lesson_id: int) -> str:
        if lesson_id in self.done_ids:
            return "done"
        step = self.next_step
        return "next" if step and step.lesson_id == lesson_id else "todo"


def pathway_progress(user, pathways=(), personal: PersonalPathway | None = None):
    """The learner's progress on these curated pathways and, if given, their
    personal pathway (last): a list of PathwayProgress, in five queries
    however many pathways, lessons or completions. Every page that shows a
    learner's pathway progress calls this."""
    pathways = list(pathways)
    curated, own = _steps([p.pk for p in pathways], [personal.pk] if personal else [])
    lesson_ids = {step.lesson_id for steps in (*curated.values(), *own.values()) for step in steps}
    rows = (
        list(
            LessonProgress.objects.filter(user=user, lesson_id__in=lesson_ids).values_list(
                "lesson_id", "completed_at"
            )
        )
        if lesson_ids and user.is_authenticated
        else []
    )
    done = frozenset(lesson for lesson, completed in rows if completed)
    started = frozenset(lesson for lesson, _ in rows)
    result = [PathwayProgress(p, tuple(curated[p.pk]), done, started) for p in pathways]
    if personal is not None:
        result.append(PathwayProgress(personal, tuple(own[personal.pk]), done, started))
    return result


@dataclass(frozen=True)
class LessonRow:
    lesson: LessonPage
    number: int
    state: str  # "done", "next" or "todo"
    started: bool


@dataclass
class CourseGroup:
    course: CoursePage
    rows: list = field(default_factory=list)

    @property
    def start(self) -> int:
        return self.rows[0].number


def lesson_groups(progress: PathwayProgress) -> list[CourseGroup]:
    """The pathway's lessons for a page, numbered in pathway order, with the
    learner's state of each, grouped by course where consecutive lessons
    share one. Two queries."""
    lessons = LessonPage.objects.in_bulk([step.lesson_id for step in progress.steps])
    courses = CoursePage.objects.only("id", "title", "url_path", "path", "depth").in_bulk(
        {step.course_id for step in progress.steps}
    )
    groups: list[CourseGroup] = []
    for number, step in enumerate(progress.steps, start=1):
        lesson = lessons.get(step.lesson_id)
        if lesson is None:
            continue
        if not groups or groups[-1].course.pk != step.course_id:
            groups.append(CourseGroup(courses[step.course_id]))
        groups[-1].rows.append(
            LessonRow(
                lesson,
                number,
                progress.state_of(step.lesson_id),
                step.lesson_id in progress.started_ids,
            )
        )
    return groups
