"""Platform editors are recognised by a permission their group holds
(courses.review_partner_work), no longer by the group's name: the existing
editors' group gets it (courses.workspace.ensure_editors does the same for a
new database)."""

from django.db import migrations


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    editors = Group.objects.filter(name="Platform editors").first()
    if editors is None:
        return
    content_type, _ = ContentType.objects.get_or_create(app_label="courses", model="coursepage")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="review_partner_work",
        defaults={"name": "Can review and publish every partner's work"},
    )
    editors.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0005_private_partner_collections"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
