"""Pathways and recommendations from the database. Each function runs a fixed
number of queries, whatever the size of the catalogue or the learner's history."""

from collections import defaultdict

from django.db import transaction
from django.db.models import Max, Q
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
    lessons = []
    for item in pathway.items.select_related("course", "lesson").order_by("sort_order"):
        if item.lesson_id:
            if item.lesson.live:
                lessons.append(item.lesson)
        elif item.course_id:
            lessons.extend(LessonPage.objects.live().child_of(item.course).order_by("path"))
    return lessons


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


def live_lesson_ids(pathway_ids) -> dict[int, set[int]]:
    """The ids of the live lessons of each of these pathways (pathway id →
    set; a pathway with none is left out), the same lessons as
    pathway_lessons lists: single lesson steps that are live, and the live
    lessons of course steps. Three queries, whatever the number of pathways."""
    items = list(
        PathwayItem.objects.filter(pathway_id__in=pathway_ids).values_list(
            "pathway_id", "lesson_id", "course_id"
        )
    )
    courses = dict(
        CoursePage.objects.filter(pk__in={c for _, _, c in items if c}).values_list("pk", "path")
    )
    lesson_ids = {lesson for _, lesson, _ in items if lesson}
    lessons = (
        LessonPage.objects.live()
        .filter(
            Q(pk__in=lesson_ids)
            | Q(depth__in={len(p) // CoursePage.steplen + 1 for p in courses.values()})
        )
        .with_course_path()
        .filter(Q(pk__in=lesson_ids) | Q(course_path__in=list(courses.values())))
        .values_list("pk", "course_path")
    )
    live = set()
    children = defaultdict(set)
    for pk, parent_path in lessons:
        live.add(pk)
        children[parent_path].add(pk)
    result = defaultdict(set)
    for pathway_id, lesson_id, course_id in items:
        if lesson_id and lesson_id in live:
            result[pathway_id].add(lesson_id)
        elif course_id and course_id in courses:
            result[pathway_id] |= children[courses[course_id]]
    return dict(result)
