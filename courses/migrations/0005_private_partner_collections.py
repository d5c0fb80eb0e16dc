"""Partners' collections become private to their authors and the platform
editors (courses.workspace._keep_private does the same for new partners)."""

from django.db import migrations

GROUPS = "groups"


def keep_private(apps, schema_editor):
    Partner = apps.get_model("content", "Partner")
    Group = apps.get_model("auth", "Group")
    Restriction = apps.get_model("wagtailcore", "CollectionViewRestriction")
    editors = Group.objects.filter(name="Platform editors").first()
    for partner in Partner.objects.exclude(collection=None):
        Restriction.objects.filter(collection_id=partner.collection_id).exclude(
            restriction_type=GROUPS
        ).delete()
        restriction, _ = Restriction.objects.get_or_create(
            collection_id=partner.collection_id, defaults={"restriction_type": GROUPS}
        )
        groups = [group for group in (partner.author_group, editors) if group is not None]
        restriction.groups.set(groups)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0004_lesson_facts_checked_course_cover"),
        ("content", "0004_supportprogramme"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(keep_private, migrations.RunPython.noop)]
