"""What the progress app holds about a person: enrolments, lesson progress,
knowledge-check answers and their learning events. Erasing keeps the events,
anonymous (no user, no dedupe key: it names the user's id), so programme
totals stay true; everything else goes."""

from lms.core import personal_data

from .models import CheckAnswer, Enrolment, LearningEvent, LessonProgress


def _title(page) -> str | None:
    return page.title if page else None


def export(user, *, build_url) -> dict:
    iso = personal_data.iso
    return {
        "enrolments": [
            {
                "course": _title(enrolment.course),
                "enrolled_at": iso(enrolment.enrolled_at),
                "completed_at": iso(enrolment.completed_at),
            }
            for enrolment in Enrolment.objects.filter(user=user)
            .select_related("course")
            .order_by("enrolled_at", "pk")
        ],
        "lesson_progress": [
            {
                "course": _title(progress.course),
                "lesson": _title(progress.lesson),
                "started_at": iso(progress.started_at),
                "completed_at": iso(progress.completed_at),
                "seconds_spent": progress.seconds_spent,
            }
            for progress in LessonProgress.objects.filter(user=user)
            .select_related("course", "lesson")
            .order_by("started_at", "pk")
        ],
        "knowledge_check_answers": [
            {
                "lesson": _title(answer.lesson),
                "check": answer.block_id,
                "attempts": answer.attempts,
                "first_attempt_correct": answer.first_attempt_correct,
                "last_correct": answer.last_correct,
                "first_answered_at": iso(answer.first_answered_at),
                "last_answered_at": iso(answer.last_answered_at),
            }
            for answer in CheckAnswer.objects.filter(user=user)
            .select_related("lesson")
            .order_by("first_answered_at", "pk")
        ],
        "learning_events": [
            {
                "id": str(event.uuid),
                "verb": event.verb,
                "course": _title(event.course),
                "lesson": _title(event.lesson),
                "result": event.result,
                "occurred_at": iso(event.occurred_at),
            }
            for event in LearningEvent.objects.filter(user=user)
            .select_related("course", "lesson")
            .order_by("occurred_at", "pk")
        ],
    }


def erase(user) -> None:
    LearningEvent.objects.filter(user=user).update(user=None, dedupe_key=None)
    CheckAnswer.objects.filter(user=user).delete()
    LessonProgress.objects.filter(user=user).delete()
    Enrolment.objects.filter(user=user).delete()


personal_data.register(
    "progress",
    models=[
        "progress.Enrolment",
        "progress.LessonProgress",
        "progress.CheckAnswer",
        "progress.LearningEvent",
    ],
    export=export,
    erase=erase,
)
