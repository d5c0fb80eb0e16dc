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
are kept on the page served: a lesson's course is its routed parent.

The statement is written once per number of steps from the models' own
columns (`RouteStatement`), not built by the ORM per request: compiling the
ORM's query (a join of every page type's table) took three quarters of the
routing time, and running it a tenth. The rows become model objects through
`Model.from_db`, with the same converters the ORM applies."""

from functools import cache

from django.contrib.contenttypes.models import ContentType
from django.db import connections, router
from django.db.models import Exists, OuterRef
from django.http import Http404
from wagtail.models import Page, PageViewRestriction
from wagtail.url_routing import RouteResult


@cache
def _types_below_page() -> tuple[type, ...]:
    """Each page type directly below Page (its table is joined to Page's)."""
    return tuple(
        relation.related_model
        for relation in Page._meta.related_objects
        if relation.one_to_one and relation.parent_link
    )


class RouteStatement:
    """SELECT every page with one of `count` url_paths, each with the columns
    of its own type (a LEFT JOIN per type directly below Page) and whether a
    view restriction sits on it. Written for a database (its quoting and
    converters), run on whichever of its connections the thread holds."""

    def __init__(self, connection, count: int):
        quote = connection.ops.quote_name
        page_table = Page._meta.db_table
        page_fields = Page._meta.concrete_fields
        restrictions = PageViewRestriction._meta.db_table
        page_at = {field.attname: index for index, field in enumerate(page_fields)}
        selected = [(page_table, field) for field in page_fields]
        self.restricted_at = len(selected)
        columns = [f"{quote(table)}.{quote(field.column)}" for table, field in selected]
        columns.append(
            f"EXISTS(SELECT 1 FROM {quote(restrictions)} WHERE "
            f"{quote(restrictions)}.{quote('page_id')} = {quote(page_table)}.{quote('id')})"
        )
        self.content_type_at = page_at["content_type_id"]
        self.page_layout = ([f.attname for f in page_fields], list(range(len(page_fields))))
        # Each type: its fields' names in the model's order, where each sits
        # in a row, and where its parent link sits (NULL: not this type's row).
        self.layouts = {}
        joins = []
        for model in _types_below_page():
            table = model._meta.db_table
            own_at = {}
            for field in model._meta.concrete_fields:
                if field.model is not Page:
                    own_at[field.attname] = len(columns)
                    selected.append((table, field))
                    columns.append(f"{quote(table)}.{quote(field.column)}")
            fields = model._meta.concrete_fields
            link = model._meta.get_ancestor_link(Page)
            self.layouts[model] = (
                [f.attname for f in fields],
                [own_at.get(f.attname, page_at.get(f.attname)) for f in fields],
                own_at[link.attname],
            )
            joins.append(
                f"LEFT OUTER JOIN {quote(table)} ON {quote(table)}.{quote(link.column)} = "
                f"{quote(page_table)}.{quote('id')}"
            )
        # The ORM's converters for each column, applied to a row only for the
        # columns its own type reads (the other types' columns are NULL).
        converters = {}  # position in the row: the converters for it
        for position, (table, field) in enumerate(selected):
            column = field.get_col(table)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                converters[position + (position >= self.restricted_at)] = found  # after EXISTS
        self.converters = {
            model: [(at, converters[at]) for at in layout[1] if at in converters]
            for model, layout in [*self.layouts.items(), (Page, self.page_layout)]
        }
        marks = ", ".join(["%s"] * count)
        self.sql = (
            f"SELECT {', '.join(columns)} FROM {quote(page_table)} {' '.join(joins)} "
            f"WHERE {quote(page_table)}.{quote('url_path')} IN ({marks})"
        )

    def pages(self, connection, url_paths: list[str]) -> list:
        """The pages found, each as its own type where that type sits directly
        below Page, with `has_view_restriction` set."""
        with connection.cursor() as cursor:
            cursor.execute(self.sql, url_paths)
            rows = cursor.fetchall()
        return [self._page(connection, list(row)) for row in rows]

    def _page(self, connection, values: list):
        model = ContentType.objects.get_for_id(values[self.content_type_at]).model_class()
        layout = self.layouts.get(model)
        if layout is None or values[layout[2]] is None:
            model, layout = Page, self.page_layout
        for position, converters in self.converters[model]:
            for converter in converters:
                values[position] = converter(values[position], None, connection)
        names, positions = layout[:2]
        page = model.from_db(connection.alias, names, [values[at] for at in positions])
        page.has_view_restriction = bool(values[self.restricted_at])
        return page


_statements: dict[tuple[str, int], RouteStatement] = {}


def pages_by_url_path(url_paths: list[str]) -> list:
    """The pages with these url_paths, in one query (see RouteStatement)."""
    connection = connections[router.db_for_read(Page)]
    key = (connection.alias, len(url_paths))
    if key not in _statements:
        _statements[key] = RouteStatement(connection, len(url_paths))
    return _statements[key].pages(connection, url_paths)


def _ancestor_url_paths(url_path: str) -> list[str]:
    """'/home/courses/' → ['/', '/home/', '/home/courses/']."""
    slugs = [slug for slug in url_path.split("/") if slug]
    return ["/" + "".join(f"{slug}/" for slug in slugs[:depth]) for depth in range(len(slugs) + 1)]


def _uses_default_route(page) -> bool:
    return type(page).route in (Page.route, RoutesInOneQuery.route)


def _specific(page):
    """The page's specific object: built from the joined row already, or by
    `.specific` (a query) for a type two levels below Page, which no page
    type here is."""
    model = page.specific_class
    if model is None or isinstance(page, model):
        return page
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
        found = {page.url_path: page for page in pages_by_url_path(wanted)}
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
            page = _specific(page)
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
