"""The default site was created without a name, so the CMS called it
"localhost" (its dashboard heading, the sites list, the page explorer); and it
gets its Brand settings row now, so the first page served does not create it."""

from django.conf import settings
from django.db import migrations


def name_the_default_site(apps, schema_editor):
    Site = apps.get_model("wagtailcore.Site")
    Brand = apps.get_model("content.Brand")
    Site.objects.filter(is_default_site=True, site_name="").update(
        site_name=settings.WAGTAIL_SITE_NAME
    )
    for site in Site.objects.all():
        Brand.objects.get_or_create(site=site)


class Migration(migrations.Migration):
    dependencies = [("home", "0002_create_homepage"), ("content", "0006_brand")]

    operations = [migrations.RunPython(name_the_default_site, migrations.RunPython.noop)]
