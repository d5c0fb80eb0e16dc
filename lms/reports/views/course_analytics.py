"""Course analytics in the Wagtail admin (its URLs and menu item are in
lms.reports.wagtail_hooks).

"Course analytics" in the Reports menu: per course, lesson and knowledge
check, how many learners started and completed, how long it took and where
they stop, with small numbers suppressed (lms.reports.course_analytics). Partner authors
see their own partner's courses only; platform editors and superusers see
every partner's. Anyone with admin access but no partner gets a 403. Titles
in the CSV and XLSX exports pass through the one formula guard
(lms.core.spreadsheet, applied to every Wagtail export)."""

import django_filters
from django.utils.functional import cached_property
from django_filters.fields import ModelChoiceField
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.views.reports import ReportView

from content.models import Partner
from courses.models import CoursePage
from courses.workspace import partners_for_user
from lms.core.admin_access import RoleRequired

from ..course_analytics import (
    COURSE_ORDER,
    EXPORT_HEADINGS,
    display,
    export_rows,
    figures_for_courses,
    min_learners,
)


def _partner_choices(request):
    if request is None:
        return Partner.objects.none()
    return partners_for_user(request.user).order_by("name")


def _course_choices(request):
    if request is None:
        return CoursePage.objects.none()
    return (
        CoursePage.objects.filter(partner__in=partners_for_user(request.user))
        .select_related("partner")
        .order_by(*COURSE_ORDER)
    )


class CourseChoiceField(ModelChoiceField):
    def label_from_instance(self, course):
        return f"{course.title} ({course.partner.name})"


class CourseChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = CourseChoiceField


class CourseAnalyticsFilterSet(WagtailFilterSet):
    """Both choice lists hold the user's own partners and their courses only,
    so another partner's id in the query string is an invalid choice."""

    partner = django_filters.ModelChoiceFilter(
        label="Partner", queryset=_partner_choices, empty_label="All your partners"
    )
    course = CourseChoiceFilter(
        label="Course", queryset=_course_choices, empty_label="All courses", method="only_course"
    )

    class Meta:
        model = CoursePage
        fields = []

    def only_course(self, queryset, name, value):
        return queryset.filter(pk=value.pk)


class CourseAnalyticsView(RoleRequired, ReportView):
    page_title = "Course analytics"
    header_icon = "table"
    index_url_name = "course_analytics"
    index_results_url_name = "course_analytics_results"
    results_template_name = "courses/admin/analytics_results.html"
    filterset_class = CourseAnalyticsFilterSet
    paginate_by = 10
    list_export = list(EXPORT_HEADINGS)
    export_headings = EXPORT_HEADINGS
    verbose_name_plural = "courses"

    forbidden_heading = "You cannot see this report"
    forbidden_reason = (
        "Course analytics show figures for a partner’s courses to that partner’s authors and "
        "to platform editors. Your account is not an author for any partner. Ask a platform "
        "editor to add you to your partner’s authors."
    )

    def allowed(self, user) -> bool:
        return self.partners.exists()

    @cached_property
    def partners(self):
        return partners_for_user(self.request.user)

    def get_filename(self):
        return "course-analytics"

    def get_queryset(self):
        return CoursePage.objects.filter(partner__in=self.partners).order_by(*COURSE_ORDER)

    def filter_queryset(self, queryset):
        if self.filters is None:
            return queryset
        if not self.filters.is_valid():
            # e.g. another partner's id: no data at all, and the form says why.
            return queryset.none()
        return self.filters.filter_queryset(queryset)

    @cached_property
    def no_results_message(self):
        if self.filters is not None and not self.filters.is_valid():
            return "That partner or course is not one of yours. Choose one from the filters."
        return "There are no courses to report on."

    def decorate_paginated_queryset(self, object_list):
        course_ids = [course.pk for course in object_list]
        courses = CoursePage.objects.filter(pk__in=course_ids, partner__in=self.partners)
        return display(figures_for_courses(courses))

    def as_spreadsheet(self, queryset, spreadsheet_format):
        return super().as_spreadsheet(export_rows(queryset), spreadsheet_format)

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["min_learners"] = min_learners()
        return context
