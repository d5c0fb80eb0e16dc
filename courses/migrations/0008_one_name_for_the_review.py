"""The review workflow was "Partner review" and its task "Platform editor
review": the editor's button and the emails named different things."""

from django.db import migrations


def rename(apps, schema_editor):
    apps.get_model("wagtailcore.Workflow").objects.filter(name="Partner review").update(
        name="Platform editor review"
    )


def rename_back(apps, schema_editor):
    apps.get_model("wagtailcore.Workflow").objects.filter(name="Platform editor review").update(
        name="Partner review"
    )


class Migration(migrations.Migration):
    dependencies = [("courses", "0007_course_total_minutes")]

    operations = [migrations.RunPython(rename, rename_back)]
