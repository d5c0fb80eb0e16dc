"""The catalogue page: the one parent of every partner's shelf. The home
migration creates it on a fresh database, under the home page;
`home.site_tree.ensure_site_tree` restores the whole top of the tree wherever
it is missing (an emptied test database)."""

from django.core.exceptions import ImproperlyConfigured
from wagtail.models import Site

from .models import CataloguePage

CATALOGUE_SLUG = "courses"
CATALOGUE_INTRO = "Five-minute lessons on AI for leaders, from colleges and universities."


def ensure_catalogue() -> CataloguePage:
    """The catalogue, added under the default site's home page if it is missing."""
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is None:
        raise ImproperlyConfigured(
            "The site has no home page: run `manage.py migrate` (the home app creates it)."
        )
    catalogue = CataloguePage.objects.child_of(site.root_page).first()
    if catalogue is None:
        catalogue = site.root_page.add_child(
            instance=CataloguePage(title="Catalogue", slug=CATALOGUE_SLUG, intro=CATALOGUE_INTRO)
        )
    return catalogue
