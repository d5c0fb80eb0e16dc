"""Catalogue filtering and search. The form is the URL: every filter is a GET
parameter, so a filtered view can be shared and the back button works.

The catalogue page (courses.models.CataloguePage) calls this module and hands
it the course and lesson page models, so the models module does not depend
on it and it does not depend on the models module."""

from dataclasses import dataclass

from django import forms
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import QueryDict

from content.models import Partner, Sector, SeniorityLevel, Skill

PAGE_SIZE = 12
SEARCH_LIMIT = 200
# Buckets of the course's minutes as listed (CoursePage.total_minutes).
LENGTHS = {
    "short": ("Up to 10 minutes", 0, 10),
    "medium": ("10 to 20 minutes", 11, 20),
    "long": ("Over 20 minutes", 21, None),
}
FACETS = ("sector", "seniority", "skill", "length", "partner")


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
    sector = forms.ModelMultipleChoiceField(
        Sector.objects.all(), to_field_name="slug", required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    seniority = forms.ModelMultipleChoiceField(
        SeniorityLevel.objects.all(), to_field_name="slug", required=False,
        widget=forms.CheckboxSelectMultiple, label="Seniority",
    )  # fmt: skip
    skill = forms.ModelMultipleChoiceField(
        Skill.objects.all(), to_field_name="slug", required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    length = forms.MultipleChoiceField(
        choices=[(key, label) for key, (label, _, _) in LENGTHS.items()], required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    partner = forms.ModelMultipleChoiceField(
        Partner.objects.all(), to_field_name="slug", required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    def __init__(self, data=None, **kwargs):
        super().__init__(None if data is None else without_blanks(data), **kwargs)

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


def search_course_ids(query: str, course_model, lesson_model) -> list[int]:
    """Course ids ranked by relevance: matches on the course, then on its lessons."""
    ranked: list[int] = []
    for course in course_model.objects.live().search(query)[:SEARCH_LIMIT]:
        if course.pk not in ranked:
            ranked.append(course.pk)
    lesson_paths = [
        lesson.parent_path for lesson in lesson_model.objects.live().search(query)[:SEARCH_LIMIT]
    ]
    if lesson_paths:
        by_path = dict(course_model.objects.filter(path__in=lesson_paths).values_list("path", "pk"))
        for path in lesson_paths:
            pk = by_path.get(path)
            if pk is not None and pk not in ranked:
                ranked.append(pk)
    return ranked


def filter_courses(catalogue, data: dict, course_model, lesson_model):
    """The catalogue's courses that match the cleaned filters: a queryset, or a
    list in order of relevance when there is a search."""
    courses = (
        course_model.objects.live()
        .public()
        .descendant_of(catalogue)
        .select_related("partner", "cover_image")
        .prefetch_related(
            "cover_image__renditions",
            Prefetch("sectors", queryset=Sector.objects.order_by("name")),
            Prefetch("seniority_levels", queryset=SeniorityLevel.objects.order_by("rank")),
            Prefetch("skills", queryset=Skill.objects.order_by("name")),
        )
    )
    for field, relation in (
        ("sector", "sectors"),
        ("seniority", "seniority_levels"),
        ("skill", "skills"),
    ):
        if data.get(field):
            courses = courses.filter(**{f"{relation}__in": data[field]})
    if data.get("partner"):
        courses = courses.filter(partner__in=data["partner"])
    if data.get("length"):
        courses = courses.filter(length_filter(data["length"]))
    courses = courses.distinct()
    query = (data.get("q") or "").strip()
    if not query:
        return courses.order_by("title")
    ranked = search_course_ids(query, course_model, lesson_model)
    rank = {pk: position for position, pk in enumerate(ranked)}
    return sorted(courses.filter(pk__in=ranked), key=lambda course: rank[course.pk])


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
    courses = filter_courses(catalogue, data, course_model, lesson_model)
    page = Paginator(courses, PAGE_SIZE).get_page(request.GET.get("page"))
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
        "courses_page": page,
        "search_query": query,
        "filter_chips": chips(base, params, active),
        "filter_count": len(active),
        "filters_active": bool(active or query),
        "clear_filters_url": url_with(base, only_search),
        "clear_search_url": url_with(base, without_search),
        "query_string": params.urlencode(),
    }
