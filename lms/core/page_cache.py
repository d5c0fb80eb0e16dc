"""The anonymous page cache: Wagtail pages (home, catalogue with its filtered
and paged URLs, course, lesson) served to visitors who are not signed in come
from the shared cache (Django's cache framework: Redis in the full stack), so
every web process serves and purges the same copies.

Which requests use it: a GET of a Wagtail page, no `HX-Request`, and no cookie
other than the CSRF cookie (no session, no messages), so a signed-in person
or anyone whose page could differ (half-way through sign-up, a message to
show) never gets or leaves a shared copy. A response is stored only if it is
a 200 that sets no cookie and does not ask to be private. Such a page carries
no CSRF token (the `anonymous_page` context processor blanks it;
static/js/csrf.js reads the cookie when a form is posted).

Invalidation is by generation: one value kept in the shared cache, bumped by
`purge()`; each stored page remembers the generation read before it was
rendered and is served only while that is still the current one. The page and
the generation are read in one round trip. The receivers that purge live
where the signals are (courses.signals: pages, sites, view restrictions;
content.signals: snippets, the Brand setting, images); they call
`purge_after_change()`, which purges at once and again after the
transaction commits, so a page rendered from the old rows in between is not
kept either. See docs/performance.md, "Page cache"."""

import hashlib
import uuid
from dataclasses import dataclass
from functools import cache as once
from functools import wraps
from urllib.parse import urlencode

import django
import wagtail
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.csrf import csrf_exempt

GENERATION_KEY = "page-cache:generation"
# The URL names whose GETs may be cached: Wagtail's page serving.
CACHED_URL_NAMES = frozenset({"wagtail_serve"})
# Response headers the cache keeps. Set-Cookie never (nothing stored sets one).
# Response headers the cache keeps: every header the page was sent with (the
# security headers, CSP, X-Frame-Options), since a hit answers before the
# middleware that set them runs, except these.
UNSTORED_HEADERS = frozenset({"cache-control", "set-cookie", "x-page-cache"})
# The code this process runs: a deploy (new templates, new hashed static file
# names) starts from fresh copies without a purge.
CODE_DIRS = ("lms", "content", "courses", "home", "templates", "static")


@dataclass
class PageCacheState:
    key: str
    generation: str | None
    hit: bool = False


@once
def code_version() -> str:
    digest = hashlib.sha256(f"{django.__version__}:{wagtail.__version__}".encode())
    base = settings.BASE_DIR
    for folder in CODE_DIRS:
        for path in sorted((base / folder).rglob("*")):
            if path.is_file() and path.suffix in {".py", ".html", ".css", ".js", ".txt"}:
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def page_key(request) -> str:
    """The key of this URL: scheme, host, path and the query string with its
    parameters in sorted order (so `?a=1&b=2` and `?b=2&a=1` share a copy)."""
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    url = f"{request.scheme}://{request.get_host()}{request.path}?{query}"
    return "page-cache:page:" + hashlib.sha256(f"{code_version()}|{url}".encode()).hexdigest()


def purge() -> None:
    """Every cached page is stale from now on, in every process."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def purge_after_change() -> None:
    """For a receiver of a change to something pages show: purge now and once
    more when the transaction commits."""
    purge()
    transaction.on_commit(purge)


def may_use_cache(request) -> bool:
    if not settings.PAGE_CACHE_ENABLED or request.method != "GET":
        return False
    if "HX-Request" in request.headers or getattr(request, "is_preview", False):
        return False
    return set(request.COOKIES) <= {settings.CSRF_COOKIE_NAME}


def shared_cache_control(response) -> None:
    patch_cache_control(
        response, public=True, max_age=0, s_maxage=settings.PAGE_CACHE_PROXY_SECONDS
    )
    # Cookie: a proxy keeps this copy only for requests that sent the same
    # cookies as this one (none, or only the CSRF cookie), never for a session.
    patch_vary_headers(response, ("Cookie", "HX-Request"))


def storable(request, response) -> bool:
    user = getattr(request, "_cached_user", None)
    control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not (user is not None and user.is_authenticated)
        and not any(word in control for word in ("private", "no-store", "no-cache"))
    )


class PageCacheMiddleware:
    """Serves and stores the anonymous copies. Listed right after WhiteNoise,
    so what it stores has passed every other middleware (a cookie one of them
    set keeps the page out of the cache) and a hit costs no query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (hit := self.early_hit(request)) is not None:
            return hit
        response = self.get_response(request)
        state = getattr(request, "page_cache", None)
        if state is None:
            if getattr(request, "page_cache_bypassed", False) and not response.has_header(
                "Cache-Control"
            ):
                # A page for a session (a signed-in learner): never in a shared proxy.
                patch_cache_control(response, private=True)
            return response
        if not storable(request, response):
            # Something made this response personal after all (a cookie set on
            # the way out): neither shared nor stored.
            response.headers.pop("Cache-Control", None)
            patch_cache_control(response, private=True)
            return response
        shared_cache_control(response)
        if not state.hit:
            response["X-Page-Cache"] = "miss"
            if state.generation is not None:
                headers = [
                    (name, value)
                    for name, value in response.items()
                    if name.lower() not in UNSTORED_HEADERS
                ]
                entry = (state.generation, response.content, headers)
                cache.set(state.key, entry, timeout=settings.PAGE_CACHE_SECONDS)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.url_name not in CACHED_URL_NAMES:
            return None
        if not may_use_cache(request):
            request.page_cache_bypassed = True
            return None
        key, found = getattr(request, "page_cache_lookup", None) or lookup(request)
        generation = _started(found.get(GENERATION_KEY))
        request.page_cache = PageCacheState(key, generation)
        entry = found.get(key)
        if entry is None or entry[0] != generation:
            return None
        request.page_cache.hit = True
        return stored_response(entry)

    def early_hit(self, request):
        """A copy stored for this URL answers before the rest of the stack
        runs (sessions, sites, auth, the URL resolver): only a page that
        resolved to Wagtail's page serving and passed every check was
        stored under its key, and the key names host, path and query. The
        lookup is kept on the request for process_view on a miss."""
        if not may_use_cache(request):
            return None
        try:
            key, found = request.page_cache_lookup = lookup(request)
        except DisallowedHost:
            return None  # CommonMiddleware answers it
        entry = found.get(key)
        if entry is None or entry[0] != found.get(GENERATION_KEY):
            return None
        response = stored_response(entry)
        shared_cache_control(response)
        return response

    def process_template_response(self, request, response):
        """Before the page is rendered: a response that is not to be kept
        (Wagtail's password form for a private page is `never_cache`) leaves
        the cache here, so it renders with its CSRF token."""
        if getattr(request, "page_cache", None) is not None and not storable(request, response):
            request.page_cache = None
            request.page_cache_bypassed = True
        return response


def _started(generation: str | None) -> str | None:
    """The generation read, or the first one if none was kept yet; None if
    another process started one first (then nothing is stored this time)."""
    if generation is not None:
        return generation
    generation = uuid.uuid4().hex
    return generation if cache.add(GENERATION_KEY, generation, timeout=None) else None


def current_generation(request) -> str | None:
    """The generation this request renders under: the one the page cache
    read for it, else read once (one cache round trip) and kept on it."""
    state = getattr(request, "page_cache", None)
    if state is not None:
        return state.generation
    if not hasattr(request, "_page_cache_generation"):
        request._page_cache_generation = _started(cache.get(GENERATION_KEY))
    return request._page_cache_generation


def kept_until_purged(request, name: str, compute):
    """What `compute()` returns, kept in the shared cache under the current
    generation: for a part of a page that is the same for every visitor
    and changes only with what a purge follows (a lesson's neighbours, the
    brand, a course's card), so a page the page cache cannot answer (a
    signed-in visitor, a query string not seen before) is made without
    reading it again. Read and kept under the generation read before, as a
    page is, so a purge in between leaves it unread. Without a generation
    (no shared cache) it is computed each time."""
    return kept_many_until_purged(request, [name], lambda names: {name: compute()})[name]


def kept_many_until_purged(request, names: list[str], compute_missing) -> dict:
    """`kept_until_purged` for many parts at once (one round trip each way):
    `compute_missing(names)` returns a dict of the parts not kept yet."""
    generation = current_generation(request) if settings.PAGE_CACHE_ENABLED else None
    if generation is None:
        return compute_missing(list(names))
    prefix = f"page-cache:kept:{code_version()}:{generation}:"
    found = cache.get_many([prefix + name for name in names])
    kept = {name: found[prefix + name] for name in names if prefix + name in found}
    missing = [name for name in names if name not in kept]
    if missing:
        made = compute_missing(missing)
        cache.set_many(
            {prefix + name: value for name, value in made.items()},
            timeout=settings.PAGE_CACHE_SECONDS,
        )
        kept.update(made)
    return kept


def lookup(request) -> tuple[str, dict]:
    """This URL's key, and what the cache holds for it and the generation."""
    key = page_key(request)
    return key, cache.get_many([GENERATION_KEY, key])


def stored_response(entry) -> HttpResponse:
    _, content, headers = entry
    response = HttpResponse(content)
    for name, value in headers:
        response[name] = value
    response["X-Page-Cache"] = "hit"
    return response


def anonymous_page(request) -> dict:
    """Context processor: a page that may be stored for everyone carries no
    CSRF token ({% csrf_token %} renders nothing, no cookie is set)."""
    if getattr(request, "page_cache", None) is not None:
        return {"csrf_token": ""}
    return {}


def csrf_protect_signed_in(view):
    """CSRF protection for signed-in people only, for a form on a page served
    from the anonymous cache (which has no token to post): what an anonymous
    visitor posts there changes nothing stored, so a forged post can do no
    harm, and without JavaScript the visitor may have no CSRF cookie yet."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if request.user.is_authenticated:
            refused = CsrfViewMiddleware(view).process_view(request, None, args, kwargs)
            if refused is not None:
                return refused
        return view(request, *args, **kwargs)

    return csrf_exempt(checked)
