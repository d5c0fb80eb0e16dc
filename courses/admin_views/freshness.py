"""Wagtail admin screens: freshness (registers its own hooks).

"Lessons due for review" under Reports: the live lessons past their review-by
date (or, filtered, due in the next 30 days) on the shelves of the partners the
user works for: authors see their own partner's, platform editors every
partner's. Anyone else is refused with a 403, never an empty or another
partner's list. Its CSV and XLSX exports write titles through the one formula
guard (lms.core.spreadsheet, applied to every Wagtail export)."""

from datetime import timedelta

import django_filters
from django import forms
from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Length, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.functional import cached_property
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.reports import ReportView
from wagtail.models import Page

from lms.core.admin_access import AdminReport, CleanedFilters, RoleRequired

from ..freshness import DUE_WITHIN_DAYS, lessons_of_partners
from ..models import LessonPage, PartnerPage
from ..workspace import has_partner, partners_for_user

OVERDUE, SOON, ALL_DUE = "", "soon", "all"


class ReviewDueFilterSet(WagtailFilterSet):
    due = django_filters.ChoiceFilter(
        label="Due",
        choices=[
            (SOON, f"Due in the next {DUE_WITHIN_DAYS} days"),
            (ALL_DUE, f"Overdue or due in the next {DUE_WITHIN_DAYS} days"),
        ],
        empty_label="Overdue",
        widget=forms.RadioSelect,
        method="keep",
    )
    partner = django_filters.ChoiceFilter(
        label="Partner", empty_label="All partners", method="keep"
    )

    class Meta:
        model = LessonPage
        fields = []

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        if len(partners) > 1:
            self.filters["partner"].extra["choices"] = [(str(p.pk), p.name) for p in partners]
        else:
            del self.filters["partner"]  # an author of one partner has nothing to choose

    def keep(self, queryset, name, value):
        return queryset  # the view applies the filters (they choose the queryset)


def _date(value) -> str:
    return format_date(value, "j M Y") if value else "—"


class ReviewDueReportView(RoleRequired, CleanedFilters, ReportView):
    page_title = "Lessons due for review"
    header_icon = "date"
    index_url_name = "review_due_report"
    index_results_url_name = "review_due_report_results"
    filterset_class = ReviewDueFilterSet
    paginate_by = 50
    verbose_name = "lesson"
    verbose_name_plural = "lessons"
    default_ordering = "review_by"
    list_export = [
        "title",
        "course_title",
        "partner_name",
        "review_by",
        "last_reviewed",
        "days_overdue",
        "edit_url",
    ]
    export_headings = {
        "title": "Lesson",
        "course_title": "Course",
        "partner_name": "Partner",
        "review_by": "Review by",
        "last_reviewed": "Last reviewed",
        "days_overdue": "Days overdue (negative: days left)",
        "edit_url": "Edit",
    }

    forbidden_heading = "You cannot see this report"
    forbidden_reason = (
        "Lessons due for review are listed for a partner’s authors and for platform editors. "
        "Your account is not an author for any partner."
    )

    def allowed(self, user) -> bool:
        return bool(self.partners)

    @cached_property
    def partners(self):
        return list(partners_for_user(self.request.user).order_by("name"))

    @cached_property
    def today(self):
        return timezone.localdate()

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "title", label="Lesson", url_name="wagtailadmin_pages:edit", sort_key="title"
            ),
            Column("course_title", label="Course", sort_key="course_title"),
            Column("partner_name", label="Partner", sort_key="partner_name"),
            Column("review_by", label="Review by", accessor=self.review_by, sort_key="review_by"),
            Column(
                "last_reviewed",
                label="Last reviewed",
                accessor=self.last_reviewed,
                sort_key="last_reviewed",
            ),
            Column("days_overdue", label="Days overdue", accessor=self.days_overdue_label),
        ]

    def review_by(self, lesson) -> str:
        return _date(lesson.review_by)

    def last_reviewed(self, lesson) -> str:
        return _date(lesson.last_reviewed)

    def days_overdue(self, lesson) -> int | None:
        return (self.today - lesson.review_by).days if lesson.review_by else None

    def days_overdue_label(self, lesson) -> str:
        days = self.days_overdue(lesson)
        if days is None:
            return "—"
        if days > 0:
            return str(days)
        if days == 0:
            return "Due today"
        return f"Due in {-days} day{'s' if days != -1 else ''}"

    def get_filename(self):
        return f"lessons-due-for-review-{self.today.isoformat()}"

    @cached_property
    def no_results_message(self):
        due = self.cleaned_filters.get("due") or OVERDUE
        if due == OVERDUE:
            return "No lessons are overdue for review."
        return f"No lessons are due for review in the next {DUE_WITHIN_DAYS} days."

    def get_filterset_kwargs(self):
        return super().get_filterset_kwargs() | {"partners": self.partners}

    def get_queryset(self):
        partners = self.partners
        chosen = self.cleaned_filters.get("partner")
        if chosen:
            partners = [p for p in partners if str(p.pk) == chosen]
        today, due = self.today, self.cleaned_filters.get("due") or OVERDUE
        lessons = lessons_of_partners(partners)
        if due in (SOON, ALL_DUE):
            lessons = lessons.filter(review_by__lte=today + timedelta(days=DUE_WITHIN_DAYS))
        if due == SOON:
            lessons = lessons.filter(review_by__gte=today)
        if due == OVERDUE:
            lessons = lessons.filter(review_by__lt=today)
        # The course is the lesson's parent, the shelf its grandparent: one
        # subquery each on the indexed path, so no query per row.
        steplen = LessonPage.steplen
        parent_path = Substr(OuterRef("path"), 1, Length(OuterRef("path")) - steplen)
        shelf_path = Substr(OuterRef("path"), 1, Length(OuterRef("path")) - 2 * steplen)
        lessons = lessons.annotate(
            course_title=Subquery(Page.objects.filter(path=parent_path).values("title")[:1]),
            partner_name=Subquery(
                PartnerPage.objects.filter(path=shelf_path).values("partner__name")[:1]
            ),
        ).only("id", "title", "path", "depth", "review_by", "last_reviewed")
        ordering = self.ordering or self.default_ordering
        return lessons.order_by(ordering, "path")

    def filter_queryset(self, queryset):
        return queryset

    def to_row_dict(self, item):
        item.days_overdue = self.days_overdue(item)
        item.edit_url = settings.WAGTAILADMIN_BASE_URL + reverse(
            "wagtailadmin_pages:edit", args=[item.pk]
        )
        return super().to_row_dict(item)


review_due_report = AdminReport(
    ReviewDueReportView,
    "reports/review-due/",
    "Lessons due for review",
    menu_name="review-due",
    icon="date",
    order=960,
    shown_to=has_partner,
).register()
