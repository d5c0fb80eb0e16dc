"""The fixed top of the page tree: root, home page, catalogue and the default
site. The home migration creates it on a fresh database; this function
restores it wherever it is missing (an emptied test database)."""

from django.conf import settings
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from content.models import Brand
from courses.models import CataloguePage
from courses.site_tree import ensure_catalogue

from .models import HomePage


def ensure_site_tree() -> tuple[HomePage, CataloguePage]:
    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    home = HomePage.objects.first()
    if home is None:
        home = root.add_child(instance=HomePage(title="Five Minute AI", slug="home"))
    if not Site.objects.filter(is_default_site=True).exists():
        Site.objects.create(
            hostname="localhost",
            port=80,
            site_name=settings.WAGTAIL_SITE_NAME,
            root_page=home,
            is_default_site=True,
        )
    for site in Site.objects.all():
        Brand.for_site(site)  # created now, not by the first page served
    return home, ensure_catalogue()
