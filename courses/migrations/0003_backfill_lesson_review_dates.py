"""Lessons published before review dates existed: last reviewed on the day they
were last published, due six months (182 days) after."""

from datetime import timedelta

from django.db import migrations


def backfill(apps, schema_editor):
    LessonPage = apps.get_model("courses", "LessonPage")
    for lesson in LessonPage.objects.filter(live=True, review_by__isnull=True).exclude(
        last_published_at=None
    ):
        reviewed = lesson.last_published_at.date()
        lesson.last_reviewed = reviewed
        lesson.review_by = reviewed + timedelta(days=182)
        lesson.save(update_fields=["last_reviewed", "review_by"])


class Migration(migrations.Migration):
    dependencies = [("courses", "0002_lessonpage_last_reviewed_lessonpage_review_by_and_more")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
