"""Course and lesson pages store their Markdown rendered (courses.models,
StoresRenderedMarkdown); pages already there get theirs here."""

from django.db import migrations, models

from courses.stored_markdown import store_all


def store_existing(apps, schema_editor):
    store_all(apps.get_model("courses", "LessonPage"), apps.get_model("courses", "CoursePage"))


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0008_one_name_for_the_review"),
    ]

    operations = [
        migrations.AddField(
            model_name="coursepage",
            name="rendered_markdown",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.AddField(
            model_name="lessonpage",
            name="rendered_markdown",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.RunPython(store_existing, migrations.RunPython.noop),
    ]
