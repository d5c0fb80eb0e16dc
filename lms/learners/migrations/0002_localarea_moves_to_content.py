"""LocalArea now lives in content (content/migrations/0005_localarea.py);
the learner profile points there. State only: the table is the same."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("learners", "0001_initial"),
        ("content", "0005_localarea"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="learnerprofile",
                    name="local_area",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to="content.localarea",
                    ),
                ),
                migrations.DeleteModel(name="LocalArea"),
            ],
            database_operations=[],
        ),
    ]
