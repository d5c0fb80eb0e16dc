"""Partner analytics: aggregate learning figures per course, lesson and
knowledge check, for the admin report (lms.reports.views.course_analytics) and its
CSV export. Nothing here names or lists a learner: every figure is a count of
learners or a rate or median over a group of them, and `suppress`
(lms.reports.disclosure, at the threshold `min_learners()`) hides any figure
about fewer than that many learners, with secondary suppression where the
lessons' "stopped here" figures add up to a course's unfinished learners.

What the figures mean (all from the progress state rows that
lms.progress.services keeps; deleted accounts drop out of every figure):

- Course *started*: learners enrolled in the course. Opening any lesson of a
  course enrols the learner (`Enrolment`), so this is "opened at least one
  lesson of the course".
- Course *completed*: learners whose enrolment is marked complete, which
  happens when they have completed every lesson that was live at the time.
- Lesson *started* / *completed*: learners with a `LessonProgress` row for
  the lesson / with that row's `completed_at` set.
- *Completion rate*: completed ÷ started, from the unrounded counts.
- Lesson *median minutes*: over the learners who completed the lesson, the
  median of (`completed_at` − `started_at`) of their `LessonProgress` row, in
  minutes: wall-clock time from first opening the lesson to marking it
  complete. It is not capped (a tab left open overnight counts in full; the
  median keeps such outliers from moving the figure much).
- Course *median minutes*: over the learners who completed the course, the
  median of each learner's total of those lesson minutes across the course's
  lessons. It is time in lessons, not the calendar time from starting the
  course to finishing it.
- *Stopped here* (where learners stop), per lesson: learners who started the
  course, have not completed it, and whose furthest lesson reached is this
  one. "Furthest lesson reached" is the last lesson, in course order, that the
  learner has opened (completed or not). There is no inactivity cut-off, so
  learners still working through the course count at the lesson they are on.
- Knowledge check *answered*: learners who submitted at least one answer to
  the check (one `CheckAnswer` row each; the check is identified by its block
  id, so editing a question's wording keeps its figures).
- *Correct first time*: the share of those learners whose first answer was
  correct (`CheckAnswer.first_attempt_correct`).

The database does the counting; the number of queries is fixed (about eight),
whatever the number of learners, courses or lessons."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)

from courses.models import CoursePage, LessonPage
from lms.progress.models import CheckAnswer, Enrolment, LessonProgress

from . import disclosure
from .disclosure import NOT_APPLICABLE_SHOWN as NOT_APPLICABLE
from .disclosure import Shown
from .medians import medians


def min_learners() -> int:
    return settings.PARTNER_ANALYTICS_MIN_LEARNERS


# The figures, unrounded and unsuppressed. Only `display` rows leave this module
# for people to read.


@dataclass
class CheckFigures:
    block_id: str
    question: str
    answered: int = 0
    first_attempt_correct: int = 0
    # Answers recorded for a check that is no longer in the lesson.
    removed: bool = False


@dataclass
class LessonFigures:
    id: int
    number: int
    title: str
    live: bool
    started: int = 0
    completed: int = 0
    median_minutes: float | None = None
    stopped_here: int = 0
    checks: list[CheckFigures] = field(default_factory=list)


@dataclass
class CourseFigures:
    id: int
    title: str
    partner: str
    live: bool
    started: int = 0
    completed: int = 0
    median_minutes: float | None = None
    lessons: list[LessonFigures] = field(default_factory=list)


COURSE_ORDER = ("partner__name", "title", "pk")


def course_figures(partners, course=None) -> list[CourseFigures]:
    """Figures for the courses of these partners (a queryset or list of
    `content.Partner`), or for just `course` (a CoursePage or its id) if it
    belongs to one of them."""
    courses = CoursePage.objects.filter(partner__in=partners)
    if course is not None:
        courses = courses.filter(pk=getattr(course, "pk", course))
    return figures_for_courses(courses)


def figures_for_courses(courses: QuerySet[CoursePage]) -> list[CourseFigures]:
    """Figures for the given courses, in COURSE_ORDER. The caller scopes
    `courses` (see course_figures); this function adds nothing outside it."""
    course_rows = list(
        courses.order_by(*COURSE_ORDER).values("pk", "title", "live", "path", "partner__name")
    )
    if not course_rows:
        return []
    reports = {
        row["pk"]: CourseFigures(row["pk"], row["title"], row["partner__name"], row["live"])
        for row in course_rows
    }
    course_by_path = {row["path"]: row["pk"] for row in course_rows}
    scope = courses.order_by().values("pk")

    lessons = LessonPage.objects.of_courses(courses)
    lesson_figures = {}
    for lesson in lessons.only("pk", "title", "path", "live", "body").order_by("path"):
        course = reports[course_by_path[lesson.parent_path]]
        figures = LessonFigures(lesson.pk, len(course.lessons) + 1, lesson.title, lesson.live)
        figures.checks = [
            CheckFigures(block["id"], (block.get("value") or {}).get("question", ""))
            for block in lesson.body.raw_data
            if block.get("type") == "knowledge_check" and block.get("id")
        ]
        course.lessons.append(figures)
        lesson_figures[lesson.pk] = figures
    lesson_scope = lessons.order_by().values("pk")

    for row in (
        Enrolment.objects.filter(course__in=scope)
        .values("course")
        .annotate(
            started=Count("pk"),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
        )
        .order_by()
    ):
        reports[row["course"]].started = row["started"]
        reports[row["course"]].completed = row["completed"]

    unfinished_course = Enrolment.objects.filter(
        user=OuterRef("user"), course=OuterRef("course"), completed_at__isnull=True
    )
    later_lesson = LessonProgress.objects.filter(
        user=OuterRef("user"), course=OuterRef("course"), lesson__path__gt=OuterRef("lesson__path")
    )
    for row in (
        LessonProgress.objects.filter(lesson__in=lesson_scope)
        .values("lesson")
        .annotate(
            started=Count("pk"),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
            stopped_here=Count("pk", filter=Q(Exists(unfinished_course), ~Exists(later_lesson))),
        )
        .order_by()
    ):
        figures = lesson_figures[row["lesson"]]
        figures.started, figures.completed = row["started"], row["completed"]
        figures.stopped_here = row["stopped_here"]

    lesson_medians = _median_minutes(
        LessonProgress.objects.filter(lesson__in=lesson_scope, completed_at__isnull=False),
        "lesson",
        _lesson_duration(),
    )
    for lesson_id, minutes in lesson_medians.items():
        lesson_figures[lesson_id].median_minutes = minutes

    minutes_in_course = (
        LessonProgress.objects.filter(
            user=OuterRef("user"), course=OuterRef("course"), completed_at__isnull=False
        )
        .order_by()
        .values("user")
        .annotate(total=Sum(_lesson_duration()))
        .values("total")
    )
    course_medians = _median_minutes(
        Enrolment.objects.filter(course__in=scope, completed_at__isnull=False).annotate(
            minutes_in_course=Subquery(minutes_in_course, output_field=DurationField())
        ),
        "course",
        F("minutes_in_course"),
    )
    for course_id, minutes in course_medians.items():
        reports[course_id].median_minutes = minutes

    _add_check_figures(lesson_figures, lesson_scope)
    return [reports[row["pk"]] for row in course_rows]


def _lesson_duration():
    return ExpressionWrapper(F("completed_at") - F("started_at"), output_field=DurationField())


def _median_minutes(queryset: QuerySet, key: str, duration) -> dict[int, float]:
    """The median of `duration` (a duration expression) per value of `key`, in
    minutes, in one query (lms.reports.medians)."""
    found = medians(queryset, duration, key, output_field=DurationField())
    return {k: median.total_seconds() / 60 for k, median in found.items()}


def _add_check_figures(lesson_figures: dict[int, LessonFigures], lesson_scope) -> None:
    answers = (
        CheckAnswer.objects.filter(lesson__in=lesson_scope)
        .values("lesson", "block_id")
        .annotate(
            answered=Count("pk"),
            first_attempt_correct=Count("pk", filter=Q(first_attempt_correct=True)),
        )
        .order_by("lesson", "block_id")
    )
    for row in answers:
        lesson = lesson_figures[row["lesson"]]
        check = next((c for c in lesson.checks if c.block_id == row["block_id"]), None)
        if check is None:
            check = CheckFigures(row["block_id"], "", removed=True)
            lesson.checks.append(check)
        check.answered = row["answered"]
        check.first_attempt_correct = row["first_attempt_correct"]


# What people see: the same rows on the screen and in the CSV.


def suppress(learners: int, value: float | None = None, unit: str = "learners") -> Shown:
    """disclosure.suppress at the partner analytics threshold."""
    return disclosure.suppress(learners, value, unit, threshold=min_learners())


def _rate(numerator: int, denominator: int) -> Shown:
    return disclosure.suppress_rate(numerator, denominator, threshold=min_learners())


def _stopped_here(course: CourseFigures) -> tuple[list[Shown], Shown | None]:
    """Each lesson's "stopped here", suppressed; and whether the course's
    completed count must be hidden too. Every learner who started the
    course and has not finished it stopped at exactly one lesson, so the
    lessons' figures add up to started − completed: disclosure.protect_counts
    hides further figures until no hidden one can be worked out from that
    (and, if it must, the course's completed count: None if not)."""
    threshold = min_learners()
    return disclosure.protect_counts(
        [lesson.stopped_here for lesson in course.lessons],
        course.started - course.completed,
        threshold,
        total_known=min(course.started, course.completed) >= threshold,
    )


@dataclass(frozen=True)
class ProgressRow:
    """A course (its "Whole course" row) or one of its lessons."""

    label: str
    started: Shown
    completed: Shown
    completion_rate: Shown
    median_minutes: Shown
    stopped_here: Shown
    live: bool = True


@dataclass(frozen=True)
class CheckRow:
    lesson_label: str
    question: str
    answered: Shown
    first_attempt_rate: Shown


@dataclass(frozen=True)
class CourseTable:
    id: int
    title: str
    partner: str
    live: bool
    course: ProgressRow
    lessons: list[ProgressRow]
    checks: list[CheckRow]


def lesson_label(lesson: LessonFigures) -> str:
    return f"{lesson.number}. {lesson.title}"


def display(courses: list[CourseFigures]) -> list[CourseTable]:
    """Suppressed, formatted rows for the screen and the export."""
    tables = []
    for course in courses:
        lessons, checks = [], []
        stopped_here, completed_hidden = _stopped_here(course)
        for lesson, stopped in zip(course.lessons, stopped_here, strict=True):
            lessons.append(
                ProgressRow(
                    label=lesson_label(lesson),
                    started=suppress(lesson.started),
                    completed=suppress(lesson.completed),
                    completion_rate=_rate(lesson.completed, lesson.started),
                    median_minutes=suppress(lesson.completed, lesson.median_minutes, "minutes"),
                    stopped_here=stopped,
                    live=lesson.live,
                )
            )
            for check in lesson.checks:
                checks.append(
                    CheckRow(
                        lesson_label=lesson_label(lesson),
                        question=check.question if not check.removed else "(removed question)",
                        answered=suppress(check.answered),
                        first_attempt_rate=_rate(check.first_attempt_correct, check.answered),
                    )
                )
        tables.append(
            CourseTable(
                id=course.id,
                title=course.title,
                partner=course.partner,
                live=course.live,
                course=ProgressRow(
                    label="Whole course",
                    started=suppress(course.started),
                    completed=completed_hidden or suppress(course.completed),
                    completion_rate=completed_hidden or _rate(course.completed, course.started),
                    median_minutes=suppress(course.completed, course.median_minutes, "minutes"),
                    stopped_here=NOT_APPLICABLE,
                    live=course.live,
                ),
                lessons=lessons,
                checks=checks,
            )
        )
    return tables


@dataclass(frozen=True)
class ExportRow:
    level: str
    partner: str
    course: str
    lesson: str
    knowledge_check: str
    started: Shown = NOT_APPLICABLE
    completed: Shown = NOT_APPLICABLE
    completion_rate: Shown = NOT_APPLICABLE
    median_minutes: Shown = NOT_APPLICABLE
    stopped_here: Shown = NOT_APPLICABLE
    answered: Shown = NOT_APPLICABLE
    first_attempt_rate: Shown = NOT_APPLICABLE


EXPORT_HEADINGS = {
    "level": "Level",
    "partner": "Partner",
    "course": "Course",
    "lesson": "Lesson",
    "knowledge_check": "Knowledge check",
    "started": "Learners started",
    "completed": "Learners completed",
    "completion_rate": "Completion rate",
    "median_minutes": "Median minutes to complete",
    "stopped_here": "Stopped here (furthest lesson, course not finished)",
    "answered": "Learners who answered",
    "first_attempt_rate": "Correct on first attempt",
}


def export_rows(tables: list[CourseTable]) -> list[ExportRow]:
    """One flat row per course, lesson and knowledge check, in reading order."""
    rows = []
    for table in tables:
        course = table.course
        rows.append(
            ExportRow(
                "Course",
                table.partner,
                table.title,
                "",
                "",
                course.started,
                course.completed,
                course.completion_rate,
                course.median_minutes,
            )
        )
        for lesson in table.lessons:
            rows.append(
                ExportRow(
                    "Lesson",
                    table.partner,
                    table.title,
                    lesson.label,
                    "",
                    lesson.started,
                    lesson.completed,
                    lesson.completion_rate,
                    lesson.median_minutes,
                    lesson.stopped_here,
                )
            )
            for check in table.checks:
                if check.lesson_label != lesson.label:
                    continue
                rows.append(
                    ExportRow(
                        "Knowledge check",
                        table.partner,
                        table.title,
                        check.lesson_label,
                        check.question,
                        answered=check.answered,
                        first_attempt_rate=check.first_attempt_rate,
                    )
                )
    return rows
