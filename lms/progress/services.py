"""Recording learning. Every function is safe to call twice with the same
input: state rows are unique per learner and thing, and each event carries a
dedupe key, so replays, double clicks and retries never double-count."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from content.blocks import Feedback
from courses.models import CoursePage, LessonPage

from .models import CheckAnswer, Enrolment, LearningEvent, LessonProgress, Verb
from .signals import check_answered, course_completed, lesson_completed

# Time spent on a lesson is measured from its start to its completion, capped so
# that a tab left open overnight does not count as hours of learning.
MAX_SECONDS_FACTOR = 3
MIN_CAP_SECONDS = 300


def record_event(user, verb, *, dedupe_key, lesson=None, course=None, result=None, at=None):
    """Returns True if the event is new, False if it was already recorded."""
    try:
        with transaction.atomic():
            LearningEvent.objects.create(
                user=user,
                verb=verb,
                lesson=lesson,
                course=course,
                result=result or {},
                occurred_at=at or timezone.now(),
                dedupe_key=dedupe_key,
            )
    except IntegrityError:
        return False
    return True


def course_of(lesson: LessonPage) -> CoursePage:
    return lesson.course


def start_lesson(user, lesson: LessonPage) -> LessonProgress:
    """Opening a lesson starts it and enrols the learner in its course. Back
    at a lesson already started in the course it is in now, it is one query
    for the progress row: a progress row is only ever made here, after the
    enrolment in its course (and both go together at erasure), so a row whose
    course is the lesson's course says the enrolment exists. A lesson moved to
    another course since takes the longer way, which enrols in the new one."""
    course = course_of(lesson)
    known = next(iter(LessonProgress.objects.filter(user_id=user.pk, lesson_id=lesson.pk)), None)
    if known is not None and known.course_id == course.pk:
        return known
    now = timezone.now()
    enrolment, enrolled = Enrolment.objects.get_or_create(
        user=user, course=course, defaults={"enrolled_at": now}
    )
    if enrolled:
        record_event(
            user, Verb.ENROLLED, course=course, dedupe_key=f"enrolled:{user.pk}:{course.pk}"
        )
    progress, started = LessonProgress.objects.get_or_create(
        user=user, lesson=lesson, defaults={"course": course, "started_at": now}
    )
    if started:
        record_event(
            user,
            Verb.STARTED,
            lesson=lesson,
            course=course,
            dedupe_key=f"started:{user.pk}:{lesson.pk}",
        )
    return progress


@dataclass(frozen=True)
class Answer:
    feedback: Feedback
    progress: LessonProgress | None  # None for a visitor who is not signed in


def answer_check(user, lesson: LessonPage, check, raw_answers, attempt_token: str) -> Answer:
    """Grades an answer (the block value's own `grade`). For a signed-in learner
    it starts the lesson and records a valid answer once per attempt token (one
    rendered form), then sends `check_answered`."""
    feedback = check.value.grade(raw_answers)
    if user is None or not user.is_authenticated:
        return Answer(feedback, None)
    progress = start_lesson(user, lesson)
    if feedback.error:
        return Answer(feedback, progress)
    now = timezone.now()
    token = attempt_token or f"{now.timestamp()}"
    with transaction.atomic():
        is_new = record_event(
            user,
            Verb.ANSWERED,
            lesson=lesson,
            course=course_of(lesson),
            result={
                "check": check.id,
                "selected": sorted(feedback.selected),
                "correct": feedback.correct,
            },
            dedupe_key=f"answered:{user.pk}:{lesson.pk}:{check.id}:{token}"[:200],
            at=now,
        )
        if not is_new:
            return Answer(feedback, progress)
        answer, created = CheckAnswer.objects.select_for_update().get_or_create(
            user=user,
            lesson=lesson,
            block_id=check.id,
            defaults={
                "attempts": 1,
                "first_attempt_correct": feedback.correct,
                "last_correct": feedback.correct,
                "first_answered_at": now,
                "last_answered_at": now,
            },
        )
        if not created:
            answer.attempts += 1
            answer.last_correct = feedback.correct
            answer.last_answered_at = now
            answer.save(update_fields=["attempts", "last_correct", "last_answered_at"])
    check_answered.send(
        sender=CheckAnswer,
        user=user,
        lesson=lesson,
        course=course_of(lesson),
        check_id=check.id,
        correct=feedback.correct,
        answered_at=now,
    )
    return Answer(feedback, progress)


@dataclass(frozen=True)
class Completion:
    progress: LessonProgress
    newly_completed: bool
    course_completed: bool
    # What a `course_completed` receiver returned: lms.certificates' new certificate.
    certificate: object | None = None


def complete_lesson(user, lesson: LessonPage) -> Completion:
    start_lesson(user, lesson)
    course = course_of(lesson)
    now = timezone.now()
    with transaction.atomic():
        progress = LessonProgress.objects.select_for_update().get(user=user, lesson=lesson)
        if progress.completed_at is not None:
            return Completion(progress, newly_completed=False, course_completed=False)
        cap = max(MIN_CAP_SECONDS, lesson.reading_seconds * MAX_SECONDS_FACTOR)
        elapsed = (now - progress.started_at) / timedelta(seconds=1)
        progress.completed_at = now
        progress.seconds_spent = int(min(max(elapsed, 0), cap)) or lesson.reading_seconds
        progress.save(update_fields=["completed_at", "seconds_spent"])
        record_event(
            user,
            Verb.COMPLETED,
            lesson=lesson,
            course=course,
            result={"seconds": progress.seconds_spent},
            dedupe_key=f"completed:{user.pk}:{lesson.pk}",
            at=now,
        )
        finished = complete_course_if_done(user, course, now)
    lesson_completed.send(sender=LessonProgress, user=user, lesson=lesson, progress=progress)
    certificate = None
    if finished:
        responses = course_completed.send(
            sender=Enrolment, user=user, course=course, completed_at=now
        )
        certificate = next((answer for _, answer in responses if answer is not None), None)
    return Completion(
        progress, newly_completed=True, course_completed=finished, certificate=certificate
    )


def complete_course_if_done(user, course: CoursePage, now) -> bool:
    """Marks the enrolment complete once every live lesson is done; True only
    the first time. The caller sends `course_completed`."""
    live_lessons = set(LessonPage.objects.live().child_of(course).values_list("pk", flat=True))
    done = set(
        LessonProgress.objects.filter(
            user=user, lesson_id__in=live_lessons, completed_at__isnull=False
        ).values_list("lesson_id", flat=True)
    )
    if not live_lessons or done != live_lessons:
        return False
    updated = Enrolment.objects.filter(user=user, course=course, completed_at__isnull=True).update(
        completed_at=now
    )
    if not updated:
        return False
    record_event(
        user,
        Verb.COURSE_COMPLETED,
        course=course,
        dedupe_key=f"course_completed:{user.pk}:{course.pk}",
        at=now,
    )
    return True
