"""Routing a URL to a page in one query. Wagtail's own `Page.route` walks
down the tree a level at a time, with a query for each child and one more
for its `.specific` object (nine for a lesson). A page's `url_path` is its
ancestors' slugs, so every page on the way to a URL, with its specific
fields, comes in one query by url_path. The rules stay Wagtail's: a missing
step is a 404, only the page at the end must be live, and a page on the way
whose type routes on its own (a RoutablePage, say) takes over from there.

Each page on the way carries whether a view restriction sits on it, read in
the same query, so `get_view_restrictions()` (Wagtail's privacy check, in its
`on_serve_page` hook) needs no query for a public page, and the routed pages
are kept on the page served: a lesson's course is its routed parent."""

from functools import cache

from django.db.models import Exists, OuterRef
from django.http import Http404
from wagtail.models import Page, PageViewRestriction
from wagtail.url_routing import RouteResult


@cache
def _specific_links() -> dict[type, str]:
    """Each page type directly below Page, with the name of its parent link
    as seen from Page (`select_related` follows it in the same query)."""
    return {
        relation.related_model: relation.get_accessor_name()
        for relation in Page._meta.related_objects
        if relation.one_to_one and relation.parent_link
    }


def _ancestor_url_paths(url_path: str) -> list[str]:
    """'/home/courses/' → ['/', '/home/', '/home/courses/']."""
    slugs = [slug for slug in url_path.split("/") if slug]
    return ["/" + "".join(f"{slug}/" for slug in slugs[:depth]) for depth in range(len(slugs) + 1)]


def _uses_default_route(page) -> bool:
    return type(page).route in (Page.route, RoutesInOneQuery.route)


def _specific(page, links: dict[type, str]):
    """The page's specific object from the joined row; `.specific` (a query)
    only for a type two levels below Page, which no page type here is."""
    model = page.specific_class
    if model is None or isinstance(page, model):
        return page
    if model in links:
        specific = getattr(page, links[model])
        specific.has_view_restriction = page.has_view_restriction
        return specific
    specific = page.specific
    specific.has_view_restriction = page.has_view_restriction
    return specific


class RoutesInOneQuery:
    """For the page at the root of a site: routes everything below it in one
    query. Put first among the bases, before Page."""

    def route(self, request, path_components):
        if not path_components:
            return super().route(request, path_components)
        url_path = self.url_path + "".join(f"{slug}/" for slug in path_components)
        wanted = _ancestor_url_paths(url_path)
        links = _specific_links()
        rows = (
            Page.objects.filter(url_path__in=wanted)
            .select_related(*links.values())
            .annotate(
                has_view_restriction=Exists(
                    PageViewRestriction.objects.filter(page_id=OuterRef("pk"))
                )
            )
        )
        found = {page.url_path: page for page in rows}
        own_depth = len(_ancestor_url_paths(self.url_path))
        above = [found.get(path) for path in wanted[:own_depth]]
        if any(page is None or page.alias_of_id for page in above) or above[-1].pk != self.pk:
            # An alias on the way (its source's restrictions apply) or a tree
            # out of step with its url_paths: Wagtail's own walk decides.
            return super().route(request, path_components)
        on_the_way, parent = list(above), self
        for depth, path in enumerate(wanted[own_depth:], start=1):
            page = found.get(path)
            if page is None:
                raise Http404
            if page.path[: -page.steplen] != parent.path or page.alias_of_id:
                return super().route(request, path_components)
            page = _specific(page, links)
            page._cached_parent_obj = parent
            page._routed_ancestors = list(on_the_way)
            if not _uses_default_route(page):
                return page.route(request, path_components[depth:])
            on_the_way.append(page)
            parent = page
        if not parent.live:
            raise Http404
        return RouteResult(parent)


class KnowsItsRoute:
    """For the page types served below a `RoutesInOneQuery` root: their view
    restrictions come from what routing read, and their ancestors are the
    routed pages (root first)."""

    @property
    def routed_ancestors(self) -> list | None:
        """The pages above this one as routing found them, or None when this
        page was not routed (loaded by id, or a preview)."""
        return getattr(self, "_routed_ancestors", None)

    def get_view_restrictions(self):
        ancestors = self.routed_ancestors
        if ancestors is None or not hasattr(self, "has_view_restriction"):
            return super().get_view_restrictions()
        restricted = [page.pk for page in [*ancestors, self] if page.has_view_restriction]
        if not restricted:
            return PageViewRestriction.objects.none()
        return PageViewRestriction.objects.filter(page_id__in=restricted)

    def in_private_section(self, *, inclusive: bool = True) -> bool | None:
        """Whether a view restriction sits on a page above this one (or on
        this one, if inclusive): what `PageQuerySet.public()` reads with a
        query of every restriction. None when the page was not routed."""
        ancestors = self.routed_ancestors
        if ancestors is None or not hasattr(self, "has_view_restriction"):
            return None
        pages = [*ancestors, self] if inclusive else ancestors
        return any(page.has_view_restriction for page in pages)


def public_in(pages, private_section: bool | None):
    """`pages.public()` for pages directly below a section whose privacy
    routing already read (`in_private_section`): none of them in a private
    section, else those without a restriction of their own, in the same
    query. Without that knowledge (None), Wagtail's `public()`."""
    if private_section is None:
        return pages.public()
    if private_section:
        return pages.none()
    return pages.exclude(Exists(PageViewRestriction.objects.filter(page_id=OuterRef("pk"))))
