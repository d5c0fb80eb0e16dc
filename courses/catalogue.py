"""Catalogue filtering and search. The form is the URL: every filter is a GET
parameter, so a filtered view can be shared and the back button works.

The catalogue page (courses.models.CataloguePage) calls this module and hands
it the course and lesson page models, so the models module does not depend
on it and it does not depend on the models module.

Everything the template shows is fetched here, in a fixed number of queries
whatever the catalogue's size: the filter form's choices come from the cache
(dropped when a sector, seniority level, skill or partner is saved or
deleted); search asks the search index for ranked paths only (never page
objects), cached per query for SEARCH_CACHE_SECONDS and dropped when any
page is saved (published, unpublished, edited), moved or deleted; and only
the courses on the page shown are fetched, with what their cards need."""

import hashlib
import uuid
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import F, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Cast
from django.db.models.signals import post_delete, post_save
from django.db.transaction import on_commit
from django.dispatch import receiver
from django.http import QueryDict
from django.template.loader import get_template
from django.utils.safestring import mark_safe
from modelsearch.utils import get_descendants_content_types_pks
from wagtail.models import Page, Site
from wagtail.search.backends import get_search_backend
from wagtail.search.models import IndexEntry
from wagtail.signals import post_page_move

from content.models import Partner, Sector, SeniorityLevel, Skill
from lms.core.page_cache import kept_many_until_purged, kept_until_purged

PAGE_SIZE = 12
CARD_TEMPLATE = "includes/course_card.html"
FILTERS_TEMPLATE = "courses/_catalogue_filters.html"
SEARCH_LIMIT = 200
# Buckets of the course's minutes as listed (CoursePage.total_minutes).
LENGTHS = {
    "short": ("Up to 10 minutes", 0, 10),
    "medium": ("10 to 20 minutes", 11, 20),
    "long": ("Over 20 minutes", 21, None),
}
FACETS = ("sector", "seniority", "skill", "length", "partner")
TERM_MODELS = {"sector": Sector, "seniority": SeniorityLevel, "skill": Skill, "partner": Partner}
CHOICES_KEY = "catalogue:choices:v1"
SEARCH_GENERATION_KEY = "catalogue:search:generation"


def cache_when_committed(key: str, value, timeout: int) -> None:
    """Caches what was read once the transaction commits (at once outside
    one), so what a transaction that rolls back read (a failed request, a
    test) is never served to anyone else."""
    on_commit(lambda: cache.set(key, value, timeout))


def drop_when_committed(key: str) -> None:
    """Drops a cached value now and again when the transaction commits, so a
    request that read the old rows in between cannot keep them cached."""
    cache.delete(key)
    on_commit(lambda: cache.delete(key))


# The filter form's choices.


@dataclass(frozen=True)
class Term:
    """A sector, seniority level, skill or partner as the filter form offers it."""

    pk: int
    slug: str
    name: str


def term_choices() -> dict[str, list[Term]]:
    """Every facet's terms, in their models' order, from the cache."""
    choices = cache.get(CHOICES_KEY)
    if choices is None:
        choices = {
            facet: [Term(term.pk, term.slug, str(term)) for term in model.objects.all()]
            for facet, model in TERM_MODELS.items()
        }
        cache_when_committed(CHOICES_KEY, choices, settings.CATALOGUE_CHOICES_CACHE_SECONDS)
    return choices


@receiver(post_save, sender=Sector)
@receiver(post_save, sender=SeniorityLevel)
@receiver(post_save, sender=Skill)
@receiver(post_save, sender=Partner)
@receiver(post_delete, sender=Sector)
@receiver(post_delete, sender=SeniorityLevel)
@receiver(post_delete, sender=Skill)
@receiver(post_delete, sender=Partner)
def term_changed(sender, **kwargs):
    drop_when_committed(CHOICES_KEY)


class TermChoiceField(forms.MultipleChoiceField):
    """Terms chosen by slug among the cached ones; cleans to the chosen
    Terms, in the form's order."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)
        self.terms: list[Term] = []

    def set_terms(self, terms: list[Term]) -> None:
        self.terms = terms
        self.choices = [(term.slug, term.name) for term in terms]

    def clean(self, value):
        chosen = set(super().clean(value))
        return [term for term in self.terms if term.slug in chosen]


def without_blanks(data: QueryDict) -> QueryDict:
    """The query without empty values: `?partner=` (a form sent with nothing
    chosen, a hand-edited link) means no filter, not an unknown partner."""
    kept = QueryDict(mutable=True)
    for key, values in data.lists():
        kept.setlist(key, [value for value in values if value.strip()])
        if not kept.getlist(key):
            del kept[key]
    return kept


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    sector = TermChoiceField()
    seniority = TermChoiceField(label="Seniority")
    skill = TermChoiceField()
    length = forms.MultipleChoiceField(
        choices=[(key, label) for key, (label, _, _) in LENGTHS.items()], required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    partner = TermChoiceField()

    def __init__(self, data=None, **kwargs):
        super().__init__(None if data is None else without_blanks(data), **kwargs)
        for facet, terms in term_choices().items():
            self.fields[facet].set_terms(terms)

    def active_filters(self) -> list[tuple[str, str, str]]:
        """(facet, value, label) for every valid filter value chosen, in the
        form's order; a facet with an unknown value is ignored as a whole."""
        chosen = []
        for name in FACETS:
            if name in self.errors:
                continue
            selected = self.cleaned_data.get(name) or []
            if name == "length":
                chosen += [(name, key, LENGTHS[key][0]) for key in selected]
            else:
                chosen += [(name, term.slug, term.name) for term in selected]
        return chosen


@dataclass(frozen=True)
class Chip:
    """An active filter, shown with a link to the same results without it."""

    label: str
    remove_url: str


def url_with(base: str, params: QueryDict) -> str:
    query = params.urlencode()
    return f"{base}?{query}" if query else base


def length_filter(keys):
    condition = Q()
    for key in keys:
        _, low, high = LENGTHS[key]
        bucket = Q(total_minutes__gte=low)
        if high is not None:
            bucket &= Q(total_minutes__lte=high)
        condition |= bucket
    return condition


# Search: ranked paths from the search index, never page objects.


def live_path(object_id):
    """The path of the page an index entry names, if it is live. The entry's
    content type says which model the page is; every indexed model here has
    an integer primary key."""
    page = Page.objects.live().filter(pk=Cast(object_id, IntegerField()))
    return Subquery(page.order_by().values("path")[:1])


def ranked_paths_postgres(backend, model, query: str) -> list[str]:
    """PostgreSQL: the stored tsvectors of Wagtail's index entries (title and
    body, searched together as the backend does, through the GIN index on
    `title || body` that lms.core's migration 0002 adds), ranked as the
    backend ranks them (ts_rank with its weights, the title's scaled by its
    length), ties broken by the newest page as the backend does."""
    compiler = backend.query_compiler_class(model.objects.none(), query)
    config = compiler.get_config(backend)
    tsquery = compiler.build_tsquery(compiler.query, config=config)
    if tsquery is None:
        return []
    rank = compiler.build_tsrank(F("title"), compiler.query, config=config) * F(
        "title_norm"
    ) + compiler.build_tsrank(F("body"), compiler.query, config=config)
    entries = (
        IndexEntry.objects.filter(content_type_id__in=get_descendants_content_types_pks(model))
        .alias(vector=CombinedExpression(F("title"), "||", F("body")))
        .filter(vector=tsquery)
        .annotate(path=live_path(OuterRef("object_id")))
        .filter(path__isnull=False)
        .order_by(rank.desc(), Cast("object_id", IntegerField()).desc())
    )
    return list(entries.values_list("path", flat=True)[:SEARCH_LIMIT])


def ranked_paths_sqlite(backend, model, query: str) -> list[str]:
    """SQLite: Wagtail's FTS5 table, matched and ranked (bm25) once, where
    the backend ranks each page found with a subquery of its own."""
    # Only under SQLite: the module defines its FTS model for SQLite alone.
    from modelsearch.backends.database.sqlite.query import MatchExpression, normalize
    from wagtail.search.models import SQLiteFTSIndexEntry

    compiler = backend.query_compiler_class(model.objects.none(), query)
    normalized = normalize(compiler.query)
    match = compiler.build_search_query(normalized, config=None)
    if match is None:
        return []
    rank = compiler.build_tsrank(None, compiler.query) * F(
        "index_entry__title_norm"
    ) + compiler.build_tsrank(None, compiler.query)
    entries = (
        SQLiteFTSIndexEntry.objects.filter(MatchExpression(compiler.FTS_TABLE_FIELDS, match))
        .filter(index_entry__content_type_id__in=get_descendants_content_types_pks(model))
        .annotate(path=live_path(OuterRef("index_entry__object_id")))
        .filter(path__isnull=False)
        .order_by(rank, Cast("index_entry__object_id", IntegerField()).desc())
    )
    return list(entries.values_list("path", flat=True)[:SEARCH_LIMIT])


def ranked_paths(model, query: str) -> list[str]:
    """The paths of the live pages of `model` that match, best first (at
    most SEARCH_LIMIT), in one query."""
    backend = get_search_backend()
    ranker = {
        "PostgresSearchBackend": ranked_paths_postgres,
        "SQLiteSearchBackend": ranked_paths_sqlite,
    }.get(type(backend).__name__)
    if ranker is None:  # another backend (Elasticsearch, the fallback): its own results
        return [page.path for page in model.objects.live().search(query)[:SEARCH_LIMIT]]
    return ranker(backend, model, query)


def search_generation() -> str:
    """Part of every search's cache key; a new one drops every cached search."""
    generation = cache.get(SEARCH_GENERATION_KEY)
    if generation is None:
        cache.add(SEARCH_GENERATION_KEY, uuid.uuid4().hex, None)
        generation = cache.get(SEARCH_GENERATION_KEY, "")
    return generation


@receiver(post_save)
@receiver(post_delete, sender=Page)  # by sender: see courses.signals.page_row_changed
@receiver(post_page_move)
def page_changed(sender, instance=None, **kwargs):
    """A page was saved (published, unpublished, edited, added), deleted or
    moved: a cached search may now be wrong, so none is used again."""
    if isinstance(instance, Page):
        drop_when_committed(SEARCH_GENERATION_KEY)


def search_course_paths(query: str, course_model, lesson_model) -> list[str]:
    """Course paths ranked by relevance: matches on the course, then the
    courses of matching lessons. Cached per query (SEARCH_CACHE_SECONDS)."""
    digest = hashlib.sha256(query.encode()).hexdigest()[:32]
    key = f"catalogue:search:{search_generation()}:{digest}"
    ranked = cache.get(key)
    if ranked is not None:
        return ranked
    found = dict.fromkeys(ranked_paths(course_model, query))
    for path in ranked_paths(lesson_model, query):
        found.setdefault(path[: -Page.steplen])  # the lesson's course
    ranked = list(found)
    cache_when_committed(key, ranked, settings.SEARCH_CACHE_SECONDS)
    return ranked


# The courses shown.


def course_cards(courses):
    """What a card shows, in the same few queries for 2 cards or 12."""
    return courses.select_related("partner", "cover_image").prefetch_related(
        "cover_image__renditions",
        Prefetch("sectors", queryset=Sector.objects.order_by("name")),
        Prefetch("seniority_levels", queryset=SeniorityLevel.objects.order_by("rank")),
    )


def filter_courses(catalogue, data: dict, course_model, lesson_model):
    """The ids of the catalogue's courses that match the cleaned filters, in
    order of title, or of relevance when there is a search: one list, read
    in one query, that the paginator counts and slices."""
    courses = course_model.objects.live().public().descendant_of(catalogue)
    for field, relation in (
        ("sector", "sectors"),
        ("seniority", "seniority_levels"),
        ("skill", "skills"),
    ):
        if data.get(field):
            # A subquery, not a join: a course in two chosen sectors is listed once.
            having = course_model.objects.filter(
                **{f"{relation}__in": [term.pk for term in data[field]]}
            )
            courses = courses.filter(pk__in=having.values("pk"))
    if data.get("partner"):
        courses = courses.filter(partner_id__in=[term.pk for term in data["partner"]])
    if data.get("length"):
        courses = courses.filter(length_filter(data["length"]))
    query = (data.get("q") or "").strip()
    if not query:
        return list(courses.order_by("title", "path").values_list("pk", flat=True))
    ranked = search_course_paths(query, course_model, lesson_model)
    rank = {path: position for position, path in enumerate(ranked)}
    found = courses.filter(path__in=ranked).values_list("path", "pk")
    return [pk for path, pk in sorted(found, key=lambda row: rank[row[0]])]


@dataclass(frozen=True)
class Card:
    """A course's card as the catalogue shows it: the same for everyone, so
    rendered once and kept until the next purge (any publish, or a change to
    a snippet, image or the Brand)."""

    pk: int
    html: str  # safe: rendered by the card template


def cards(request, ids: list[int], course_model) -> list[Card]:
    """The cards of these courses, in order: those kept in one cache read,
    the rest fetched with what a card shows (a fixed number of queries) and
    rendered."""
    site = Site.find_for_request(request)
    names = {f"course-card:{site.pk if site else 0}:{pk}": pk for pk in ids}

    def render(missing: list[str]) -> dict[str, str]:
        wanted = {names[name]: name for name in missing}
        template = get_template(CARD_TEMPLATE)
        return {
            wanted[course.pk]: template.render(
                {"course": course, "show_tags": True, "request": request}
            )
            for course in course_cards(course_model.objects.filter(pk__in=wanted))
        }

    kept = kept_many_until_purged(request, list(names), render)
    return [Card(pk, mark_safe(kept[name])) for name, pk in names.items() if name in kept]


def filters_html(request, form) -> str:
    """The filter boxes, ticked as asked: kept per choice of filters while
    the form is valid (an invalid one shows its errors, rendered afresh)."""
    template = get_template(FILTERS_TEMPLATE)
    if not form.is_valid():
        return template.render({"filter_form": form})
    chosen = sorted((name, value) for name in FACETS for value in form.data.getlist(name))
    digest = hashlib.sha256(repr(chosen).encode()).hexdigest()[:32]
    return kept_until_purged(
        request,
        f"catalogue-filters:{digest}",
        lambda: template.render({"filter_form": form}),
    )


def chips(base: str, params: QueryDict, active) -> list[Chip]:
    made = []
    for name, value, label in active:
        without = params.copy()
        without.setlist(name, [kept for kept in params.getlist(name) if kept != value])
        made.append(Chip(label=label, remove_url=url_with(base, without)))
    return made


def catalogue_context(catalogue, request, *, course_model, lesson_model) -> dict:
    form = CatalogueFilterForm(request.GET)
    form.is_valid()  # invalid values are reported on the form; valid ones still filter
    data = form.cleaned_data
    ids = filter_courses(catalogue, data, course_model, lesson_model)
    page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = cards(request, list(page.object_list), course_model)
    params = form.data.copy()
    params.pop("page", None)
    base = catalogue.get_url(request)
    query = (data.get("q") or "").strip()
    active = form.active_filters()
    only_search = QueryDict(mutable=True)
    if query:
        only_search["q"] = query
    without_search = params.copy()
    without_search.pop("q", None)
    return {
        "filter_form": form,
        "filters_html": mark_safe(filters_html(request, form)),
        "courses_page": page,
        "search_query": query,
        "filter_chips": chips(base, params, active),
        "filter_count": len(active),
        "filters_active": bool(active or query),
        "clear_filters_url": url_with(base, only_search),
        "clear_search_url": url_with(base, without_search),
        "query_string": params.urlencode(),
    }
