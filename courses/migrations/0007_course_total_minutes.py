"""A course's length is the sum of its lessons' minutes as listed (each
lesson's seconds rounded up to whole minutes, at least one), stored as
`total_minutes`, instead of its lessons' seconds added up and then rounded
(which said "11 minutes" beside four lessons of 3 min). Existing courses are
recounted from their live lessons."""

import math

from django.db import migrations, models

STEPLEN = 4  # Wagtail's materialised-path step


def recount(apps, schema_editor):
    CoursePage = apps.get_model("courses", "CoursePage")
    LessonPage = apps.get_model("courses", "LessonPage")
    minutes: dict[str, int] = {}
    for path, seconds in LessonPage.objects.filter(live=True).values_list(
        "path", "reading_seconds"
    ):
        course_path = path[:-STEPLEN]
        minutes[course_path] = minutes.get(course_path, 0) + max(1, math.ceil(seconds / 60))
    for course in CoursePage.objects.only("pk", "path"):
        CoursePage.objects.filter(pk=course.pk).update(total_minutes=minutes.get(course.path, 0))


class Migration(migrations.Migration):
    dependencies = [("courses", "0006_editors_review_permission")]

    operations = [
        migrations.AddField(
            model_name="coursepage",
            name="total_minutes",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(recount, migrations.RunPython.noop),
        migrations.RemoveField(model_name="coursepage", name="total_seconds"),
    ]
