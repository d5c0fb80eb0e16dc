"""The default site was created without a name, so the CMS called it
"localhost" (its dashboard heading, the sites list, the page explorer)."""

from django.conf import settings
from django.db import migrations


def name_the_default_site(apps, schema_editor):
    Site = apps.get_model("wagtailcore.Site")
    Site.objects.filter(is_default_site=True, site_name="").update(
        site_name=settings.WAGTAIL_SITE_NAME
    )


class Migration(migrations.Migration):
    dependencies = [("home", "0002_create_homepage")]

    operations = [migrations.RunPython(name_the_default_site, migrations.RunPython.noop)]
