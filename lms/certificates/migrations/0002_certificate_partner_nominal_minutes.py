import math

import django.db.models.deletion
from django.db import migrations, models


def nominal_minutes(LessonPage, course) -> int:
    """The course's nominal learning time as its page lists it: the sum of its
    live lessons' listed minutes (each at least one)."""
    seconds = LessonPage.objects.filter(
        path__startswith=course.path, depth=course.depth + 1, live=True
    ).values_list("reading_seconds", flat=True)
    return sum(max(1, math.ceil(s / 60)) for s in seconds)


def correct_certificates(apps, schema_editor):
    """Certificates issued so far counted the seconds their pages were open
    ("1 minute" for an 11-minute course). They take the course's nominal
    minutes, and the partner their name was copied from."""
    Certificate = apps.get_model("certificates", "Certificate")
    LessonPage = apps.get_model("courses", "LessonPage")
    for certificate in Certificate.objects.select_related("course").exclude(course=None):
        course = certificate.course
        certificate.partner_id = course.partner_id
        certificate.minutes = nominal_minutes(LessonPage, course) or certificate.minutes
        certificate.save(update_fields=["partner", "minutes"])


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0001_initial"),
        ("content", "0005_localarea"),
        ("courses", "0006_editors_review_permission"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificate",
            name="partner",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="content.partner",
            ),
        ),
        migrations.AlterField(
            model_name="certificate",
            name="minutes",
            field=models.PositiveIntegerField(
                help_text=(
                    "CPD time: the course's nominal learning time when the certificate "
                    "was issued."
                )
            ),
        ),
        migrations.RunPython(correct_certificates, migrations.RunPython.noop, elidable=True),
    ]
