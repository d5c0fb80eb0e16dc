"""Every knowledge check answered before reviews existed becomes a review
card, scheduled from its first answer as a new answer would be."""

from django.db import migrations

from lms.reviews.scheduling import first_card


def cards_for_answered_checks(apps, schema_editor):
    CheckAnswer = apps.get_model("progress", "CheckAnswer")
    LessonProgress = apps.get_model("progress", "LessonProgress")
    ReviewCard = apps.get_model("reviews", "ReviewCard")
    courses = dict(
        ((user_id, lesson_id), course_id)
        for user_id, lesson_id, course_id in LessonProgress.objects.values_list(
            "user_id", "lesson_id", "course_id"
        )
    )
    cards = []
    for answer in CheckAnswer.objects.iterator():
        course_id = courses.get((answer.user_id, answer.lesson_id))
        if course_id is None:
            continue
        scheduled = first_card(answer.first_attempt_correct, answer.first_answered_at)
        cards.append(
            ReviewCard(
                user_id=answer.user_id,
                lesson_id=answer.lesson_id,
                course_id=course_id,
                block_id=answer.block_id,
                fsrs_state=scheduled.to_dict(),
                due=scheduled.due,
                last_answered_at=answer.last_answered_at,
                created_at=answer.first_answered_at,
            )
        )
    ReviewCard.objects.bulk_create(cards, batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0001_initial"),
        ("progress", "0002_alter_learningevent_verb"),
    ]

    operations = [migrations.RunPython(cards_for_answered_checks, migrations.RunPython.noop)]
