"""Catalogue filtering and search. The form is the URL: every filter is a GET
parameter, so a filtered view can be shared and the back button works.

The catalogue page (courses.models.CataloguePage) calls this module and hands
it the course and lesson page models, so the models module does not depend
on it and it does not depend on the models module."""

from django import forms
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q

from content.models import Partner, Sector, SeniorityLevel, Skill

PAGE_SIZE = 12
SEARCH_LIMIT = 200
LENGTHS = {
    "short": ("Up to 10 minutes", 0, 600),
    "medium": ("10 to 20 minutes", 601, 1200),
    "long": ("Over 20 minutes", 1201, None),
}


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


def length_filter(keys):
    condition = Q()
    for key in keys:
        _, low, high = LENGTHS[key]
        bucket = Q(total_seconds__gte=low)
        if high is not None:
            bucket &= Q(total_seconds__lte=high)
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


def catalogue_context(catalogue, request, *, course_model, lesson_model) -> dict:
    form = CatalogueFilterForm(request.GET)
    form.is_valid()  # invalid values are reported on the form; valid ones still filter
    data = form.cleaned_data
    courses = filter_courses(catalogue, data, course_model, lesson_model)
    page = Paginator(courses, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    active = any(data.get(name) for name in form.fields)
    return {
        "filter_form": form,
        "courses_page": page,
        "filters_active": active,
        "query_string": params.urlencode(),
    }
