"""LocalArea moves from the learners app to content (taxonomy, the ground
layer), in Django's state only: the table keeps its name, learners_localarea,
and its rows; the content type and the permissions follow the model."""

from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="learners", model="localarea").update(
        app_label="content"
    )


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="content", model="localarea").update(
        app_label="learners"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0004_supportprogramme"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("learners", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="LocalArea",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("name", models.CharField(max_length=120, unique=True)),
                        ("slug", models.SlugField(max_length=120, unique=True)),
                    ],
                    options={"ordering": ["name"], "db_table": "learners_localarea"},
                ),
                migrations.AlterField(
                    model_name="supportprogramme",
                    name="local_areas",
                    field=models.ManyToManyField(
                        blank=True,
                        help_text="Where it is available. Leave empty if it covers the whole region.",
                        related_name="support_programmes",
                        to="content.localarea",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
