"""Wagtail's Site for a request, kept in each web process. Wagtail looks the
site up once per request (`Site.find_for_request`, remembered on the request
as `_wagtail_site`) and then its root page's specific object (another query)
to start routing. Sites change about never, so each process keeps both, and
`SiteMiddleware` puts the kept site on the request before Wagtail asks.

Saving or deleting a site, or saving or deleting the page a site is rooted
at, writes a new token to the shared cache (Redis in the full stack); every
process compares its token with the shared one on each request (one cache
read, no query) and starts again when they differ. When the shared cache is
unreachable nothing is kept: each request looks the site up as Wagtail does."""

import copy
import uuid

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http.request import split_domain_port
from wagtail.models import Page, Site
from wagtail.models.sites import get_site_for_hostname

TOKEN_KEY = "fma:sites:token"
# Each host a request names is kept: bounded, so made-up Host headers (where
# ALLOWED_HOSTS lets them through) cannot fill the memory.
MOST_HOSTS = 64


def _find(hostname: str, port: int):
    """What `Site._find_for_request` finds, with the root page specific."""
    try:
        site = get_site_for_hostname(hostname, port)
    except Site.DoesNotExist:
        return None
    site.root_page = site.root_page.specific
    return site


def _fresh_copy(site):
    """A copy per request, so nothing a request sets on the site or its root
    page (cached properties, a routed child's parent) outlives it."""
    if site is None:
        return None
    root = copy.copy(site.root_page)
    root.__dict__.pop("specific", None)
    root.__dict__.pop("specific_deferred", None)
    site = copy.copy(site)
    site.root_page = root
    return site


class SiteCache:
    def __init__(self):
        self.token = None
        self.sites = {}

    def shared_token(self) -> str | None:
        token = cache.get(TOKEN_KEY)
        if token is None:
            cache.add(TOKEN_KEY, uuid.uuid4().hex, timeout=None)
            token = cache.get(TOKEN_KEY)
        return token

    def site_for(self, hostname: str, port: int):
        token = self.shared_token()
        if token is None:  # the shared cache is down: no way to hear of changes
            return _find(hostname, port)
        if token != self.token:
            self.token, self.sites = token, {}
        sites, key = self.sites, (hostname, port)
        if key in sites:
            return _fresh_copy(sites[key])
        if len(sites) >= MOST_HOSTS:
            self.sites = sites = {}
        sites[key] = site = _find(hostname, port)
        return _fresh_copy(site)

    def forget(self):
        """After a change: this process at once, every other one on its next
        request."""
        self.token, self.sites = None, {}
        cache.set(TOKEN_KEY, uuid.uuid4().hex, timeout=None)


site_cache = SiteCache()


def site_for_request(request):
    hostname = split_domain_port(request._get_raw_host())[0]
    return site_cache.site_for(hostname, request.get_port())


class SiteMiddleware:
    """Puts the kept Site on the request where Wagtail looks for it. Listed
    after CommonMiddleware, which refuses a host not in ALLOWED_HOSTS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not hasattr(request, "_wagtail_site"):
            request._wagtail_site = site_for_request(request)
        return self.get_response(request)


@receiver(post_save, sender=Site, dispatch_uid="fma-sites-saved")
@receiver(post_delete, sender=Site, dispatch_uid="fma-sites-deleted")
def site_changed(sender, **kwargs):
    site_cache.forget()


@receiver(post_save, dispatch_uid="fma-site-root-saved")
# By sender: a post_delete receiver for every model would cost every bulk
# delete in the product its fast path (Django then selects and deletes row by row).
@receiver(post_delete, sender=Page, dispatch_uid="fma-site-root-deleted")
def root_page_changed(sender, instance, **kwargs):
    """A site's root page is kept with the site: saving it (publishing,
    unpublishing, a new slug) or deleting it starts again."""
    if isinstance(instance, Page) and (
        Site.objects.filter(root_page_id=instance.pk).exists()
        or any(
            site is not None and site.root_page_id == instance.pk
            for site in site_cache.sites.values()
        )
    ):
        site_cache.forget()
