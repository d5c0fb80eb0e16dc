"""The page tree: one catalogue, a shelf per partner under it, micro-courses
on each shelf and lessons under those. Page permissions follow the tree, so a
partner's authors get rights on their own shelf only."""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date
from functools import cache as once
from http import HTTPMethod

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.db.models.functions import Length, Substr
from django.http import HttpResponseRedirect
from django.template.loader import get_template
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from modelcluster.fields import ParentalManyToManyField
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page, PageManager, WorkflowState
from wagtail.query import PageQuerySet
from wagtail.search import index

from content import reading_time
from content.blocks import LessonStreamBlock
from content.markdown import RENDERING, text_key
from content.models import Partner, SupportProgramme
from lms.core.page_cache import kept_until_purged

from .catalogue import catalogue_context
from .forms import CoursePageForm, LessonPageForm
from .routing import KnowsItsRoute, public_in
from .stored_markdown import body_digest, course_stored, lesson_stored


class CataloguePage(KnowsItsRoute, Page):
    intro = models.TextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["courses.PartnerPage"]
    max_count = 1

    def serve(self, request, *args, **kwargs):
        context = self.get_context(request, *args, **kwargs)
        context.update(
            catalogue_context(self, request, course_model=CoursePage, lesson_model=LessonPage)
        )
        partial = bool(request.htmx and not request.htmx.history_restore_request)
        context["results_only"] = partial
        template = "courses/catalogue_page.html" + ("#results" if partial else "")
        response = TemplateResponse(request, template, context)
        patch_vary_headers(response, ["HX-Request"])
        return response


def months_from(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day if it is shorter."""
    month = day.month + months
    year, month = day.year + (month - 1) // 12, (month - 1) % 12 + 1
    for last_day in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last_day))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def six_months_from(day: date) -> date:
    return months_from(day, 6)


def facts_review_due(facts_checked: date | None) -> date | None:
    """When facts checked on this day must be checked again
    (FMA_FACTS_REVIEW_MONTHS later)."""
    if facts_checked is None:
        return None
    return months_from(facts_checked, settings.FMA_FACTS_REVIEW_MONTHS)


def six_months_from_today() -> date:
    return six_months_from(date.today())


class PartnerPage(KnowsItsRoute, Page):
    """A partner's shelf in the catalogue: its courses live here. Created with
    the partner (courses.workspace); learners who open it see the catalogue
    filtered to this partner."""

    partner = models.OneToOneField(
        "content.Partner", on_delete=models.PROTECT, related_name="shelf"
    )

    content_panels = Page.content_panels + [FieldPanel("partner", read_only=True)]
    parent_page_types = ["courses.CataloguePage"]
    subpage_types = ["courses.CoursePage"]

    def serve(self, request, *args, **kwargs):
        catalogue = self.get_parent()
        return HttpResponseRedirect(f"{catalogue.url}?partner={self.partner.slug}")


class InTree:
    """Where a page sits in the tree, from its materialised path: its parent's
    path (a lesson's course, a course's shelf) and its place among siblings."""

    @property
    def parent_path(self) -> str:
        return self.path[: -self.steplen]

    @property
    def position(self) -> int:
        return int(self.path[-self.steplen :], 36)


class LessonPageQuerySet(PageQuerySet):
    def with_course_path(self):
        """Each lesson's course's path as `course_path`, in the query."""
        return self.annotate(course_path=Substr("path", 1, Length("path") - Page.steplen))

    def of_courses(self, courses):
        """The lessons directly under these courses (drafts included)."""
        return self.with_course_path().filter(course_path__in=courses.order_by().values("path"))


class StoresRenderedMarkdown:
    """A page whose Markdown is rendered once, when it is saved: `full_clean`
    (which Wagtail runs before making each revision, and `save` before
    writing) stores each text's sanitised HTML in its `rendered_markdown`
    field, so every revision carries it; templates show it with
    `{% markdown %}`."""

    def markdown_source(self) -> str:
        """A digest of the texts the page renders."""
        raise NotImplementedError

    def markdown_to_store(self) -> dict:
        """What `rendered_markdown` holds for the page as it is now."""
        raise NotImplementedError

    def store_rendered_markdown(self) -> None:
        stored = self.rendered_markdown if isinstance(self.rendered_markdown, dict) else {}
        if stored.get("version") == RENDERING and stored.get("source") == self.markdown_source():
            return  # stored already, from the same texts
        self.rendered_markdown = self.markdown_to_store()

    def full_clean(self, *args, **kwargs):
        self.store_rendered_markdown()
        return super().full_clean(*args, **kwargs)

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None:
            self.store_rendered_markdown()
        elif {"body", "introduction"} & set(update_fields):
            self.store_rendered_markdown()
            kwargs["update_fields"] = {*update_fields, "rendered_markdown"}
        return super().save(*args, **kwargs)


class CoursePage(InTree, KnowsItsRoute, StoresRenderedMarkdown, Page):
    summary = models.TextField(max_length=500, help_text="One or two sentences for the catalogue.")
    introduction = models.TextField(blank=True, help_text="Markdown, shown above the lessons.")
    learning_outcomes = StreamField(
        [("outcome", blocks.CharBlock(max_length=250, label="Learning outcome"))],
        blank=True,
        help_text="What a learner can do after the course, one per item.",
    )
    # Always the partner of the shelf the course sits on (set in full_clean).
    partner = models.ForeignKey(
        "content.Partner", on_delete=models.PROTECT, related_name="courses", editable=False
    )
    sectors = ParentalManyToManyField("content.Sector", related_name="courses")
    seniority_levels = ParentalManyToManyField("content.SeniorityLevel", related_name="courses")
    skills = ParentalManyToManyField("content.Skill", related_name="courses", blank=True)
    review_by = models.DateField(
        default=six_months_from_today,
        help_text="When this course must next be checked for accuracy.",
    )
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown on the course page and in the catalogue.",
    )
    cover_alt = models.CharField(
        "cover alt text",
        max_length=250,
        blank=True,
        help_text="What the cover shows, for people who cannot see it. Needed with a cover.",
    )
    cover_licence = models.CharField(
        max_length=100,
        blank=True,
        help_text="For an openly licensed cover you did not make, e.g. CC BY 4.0.",
    )
    cover_source = models.CharField(
        max_length=500,
        blank=True,
        help_text="Where the cover comes from and who made it: a web address or a name.",
    )
    # Derived from the live lessons (see courses.services.refresh_course_totals);
    # stored so the catalogue can filter by length in the database. The sum of
    # the lessons' minutes as listed (content.reading_time.course_minutes): the
    # one figure the card, the course page, the length filter and the CPD
    # record show.
    total_minutes = models.PositiveIntegerField(default=0, editable=False)
    lesson_count = models.PositiveSmallIntegerField(default=0, editable=False)
    # Hash of the Markdown source this page was last imported from, so a
    # re-import skips what has not changed.
    import_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    rendered_markdown = models.JSONField(default=dict, blank=True, editable=False)

    base_form_class = CoursePageForm
    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("introduction"),
        FieldPanel("learning_outcomes"),
        MultiFieldPanel(
            [
                FieldPanel("sectors", widget=forms.CheckboxSelectMultiple),
                FieldPanel("seniority_levels", widget=forms.CheckboxSelectMultiple),
                FieldPanel("skills", widget=forms.CheckboxSelectMultiple),
            ],
            heading="Who it is for",
        ),
        MultiFieldPanel(
            [
                FieldPanel("cover_image"),
                FieldPanel("cover_alt"),
                FieldPanel("cover_licence"),
                FieldPanel("cover_source"),
            ],
            heading="Cover image",
        ),
        FieldPanel("review_by"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("introduction"),
        index.SearchField("learning_outcomes"),
        index.FilterField("total_minutes"),
    ]
    parent_page_types = ["courses.PartnerPage"]
    subpage_types = ["courses.LessonPage"]
    # The editor lists a course's lessons in their order (01, 02, 03), not
    # newest first.
    admin_default_ordering = "ord"

    def full_clean(self, *args, **kwargs):
        if self.path:
            shelf = PartnerPage.objects.filter(path=self.parent_path).first()
            if shelf is not None:
                self.partner_id = shelf.partner_id
        return super().full_clean(*args, **kwargs)

    def markdown_source(self) -> str:
        return text_key(self.introduction)

    def markdown_to_store(self) -> dict:
        return course_stored(self.introduction)

    def with_content_json(self, content):
        # Totals follow the live lessons, not whatever a revision captured.
        page = super().with_content_json(content)
        page.total_minutes = self.total_minutes
        page.lesson_count = self.lesson_count
        return page

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["lessons"] = lessons = self.lessons_shown(request)
        # A preview shows its draft lessons; their minutes, as listed, add up.
        context["course_minutes"] = (
            reading_time.course_minutes(lesson.reading_seconds for lesson in lessons)
            if getattr(request, "is_preview", False)
            else self.total_minutes
        )
        context["catalogue"] = self.catalogue()
        context["partner"] = (
            Partner.objects.select_related("logo", "shelf")
            .prefetch_related("logo__renditions")
            .filter(pk=self.partner_id)
            .first()
        )
        context["support_programmes"] = SupportProgramme.objects.for_sectors(self.sectors.all())
        return context

    def catalogue(self):
        """The live catalogue above this course: the routed one, if routed."""
        if (ancestors := self.routed_ancestors) is not None:
            return next((p for p in ancestors if isinstance(p, CataloguePage) and p.live), None)
        return CataloguePage.objects.live().ancestor_of(self).first()

    def lessons_shown(self, request):
        """The live lessons, in order; in a preview (an editor reviewing a
        submitted course, whose lessons are drafts), every lesson as its
        latest draft, in order."""
        if getattr(request, "is_preview", False):
            lessons = LessonPage.objects.child_of(self).order_by("path")
            return [lesson.get_latest_revision_as_object() for lesson in lessons]
        lessons = LessonPage.objects.live().child_of(self).order_by("path")
        return public_in(lessons, self.in_private_section())

    @property
    def cover_source_is_link(self) -> bool:
        return self.cover_source.startswith(("https://", "http://"))

    def lessons_to_publish_with(self):
        """The lessons with a draft that approving this course publishes: not
        live yet or changed since, and not in a review of their own."""
        in_own_review = WorkflowState.objects.active().values_list("object_id", flat=True)
        return (
            LessonPage.objects.child_of(self)
            .filter(has_unpublished_changes=True)
            .exclude(pk__in=[int(pk) for pk in in_own_review])
            .order_by("path")
        )


@dataclass(frozen=True)
class BodyPart:
    """A stretch of a lesson body: HTML the same for everyone, or one
    knowledge check (its StreamChild), rendered per request with the
    learner's own feedback and form."""

    html: str = ""
    check: object = None


@once
def lesson_block_templates_version() -> str:
    """Changes when a block template does (a deploy): part of the key of a
    lesson body kept in the cache."""
    sources = [
        get_template(block.meta.template).template.source
        for block in LessonStreamBlock().child_blocks.values()
        if getattr(block.meta, "template", None)
    ]
    return hashlib.sha256("\0".join(sources).encode()).hexdigest()[:12]


class LessonPage(InTree, KnowsItsRoute, StoresRenderedMarkdown, Page):
    objects = PageManager.from_queryset(LessonPageQuerySet)()

    summary = models.CharField(max_length=300, help_text="One sentence shown in lesson lists.")
    body = StreamField(LessonStreamBlock())
    reading_seconds = models.PositiveIntegerField(default=0, editable=False)
    review_by = models.DateField(
        null=True,
        blank=True,
        help_text=(
            "When this lesson must next be checked for accuracy. Left empty, it is set to six "
            "months after publishing."
        ),
    )
    facts_checked = models.DateField(
        null=True,
        blank=True,
        help_text=(
            "The day the lesson's facts (laws, dates, figures) were last checked against its "
            "sources. Shown to learners as the month."
        ),
    )
    # The day the lesson was last published after review (courses.freshness).
    last_reviewed = models.DateField(null=True, blank=True, editable=False)
    import_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    rendered_markdown = models.JSONField(default=dict, blank=True, editable=False)

    base_form_class = LessonPageForm
    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("facts_checked"),
        FieldPanel("review_by"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
    ]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = []
    # Reading only: the lesson's forms post to lms.progress's views.
    allowed_http_methods = [HTTPMethod.GET, HTTPMethod.HEAD, HTTPMethod.OPTIONS]

    def with_content_json(self, content):
        # Review dates are written to the row on publishing (courses.freshness),
        # after the revision was made: the editor shows the stored dates unless
        # the draft holds a later review-by date the author chose.
        page = super().with_content_json(content)
        page.last_reviewed = self.last_reviewed
        dates = [day for day in (page.review_by, self.review_by) if day]
        page.review_by = max(dates) if dates else None
        return page

    @property
    def reading_minutes(self) -> int:
        return reading_time.rounded_minutes(self.reading_seconds)

    def markdown_source(self) -> str:
        return body_digest(self.body.get_prep_value())

    def markdown_to_store(self) -> dict:
        return lesson_stored(self.body.get_prep_value())

    def body_cache_key(self) -> str | None:
        digest = (self.rendered_markdown or {}).get("source")
        if not digest:
            return None
        return f"fma:lesson-body:{self.pk}:{digest}:{lesson_block_templates_version()}"

    def body_parts(self, request) -> list[BodyPart]:
        """The body as this request shows it. The blocks that are the same for
        everyone are rendered once per content of the body and kept in the
        cache (a preview renders afresh: its body is not the saved one);
        each knowledge check is left to the template, per request."""
        key = None if getattr(request, "is_preview", False) else self.body_cache_key()
        parts = cache.get(key) if key else None
        shown = self._parts_shown(parts) if parts is not None else None
        if shown is None:
            parts = self._render_shared_parts()
            if key:
                cache.set(key, parts, settings.FMA_LESSON_BODY_CACHE_SECONDS)
            shown = self._parts_shown(parts)
        return shown

    def _render_shared_parts(self) -> list:
        """HTML (str) for each run of blocks between knowledge checks, and the
        index in the body (int) of each check."""
        parts, run = [], []
        for position, child in enumerate(self.body):
            if child.block_type == "knowledge_check":
                if run:
                    parts.append("".join(run))
                    run = []
                parts.append(position)
            else:
                run.append(str(child.render(context={"page": self})))
        if run:
            parts.append("".join(run))
        return parts

    def _parts_shown(self, parts) -> list[BodyPart] | None:
        shown = []
        for part in parts:
            if isinstance(part, int):
                if part >= len(self.body) or self.body[part].block_type != "knowledge_check":
                    return None  # kept for another body: render again
                shown.append(BodyPart(check=self.body[part]))
            else:
                shown.append(BodyPart(html=mark_safe(part)))  # rendered by the block templates
        return shown

    def estimate_reading_time(self):
        return reading_time.estimate(self.body, extra_text=self.summary)

    def save(self, *args, **kwargs):
        self.reading_seconds = self.estimate_reading_time().seconds
        return super().save(*args, **kwargs)

    @cached_property
    def course(self):
        """The course this lesson sits in: the parent routing found (no
        query), else read by the parent's path."""
        parent = getattr(self, "_cached_parent_obj", None)
        if isinstance(parent, CoursePage):
            return parent
        return CoursePage.objects.filter(path=self.parent_path).select_related("partner").first()

    def knowledge_check(self, block_id: str):
        """The knowledge-check block with this StreamField id, or None. Found in
        the raw data, so only knowledge checks are turned into values (never an
        image block's query)."""
        for position, raw in enumerate(self.body.raw_data):
            if raw["type"] == "knowledge_check" and raw.get("id") == block_id:
                return self.body[position]
        return None

    def navigation(self, request) -> dict:
        """Previous and next lesson within the course, in page-tree order, in
        one query, kept until the next purge (the same for every visitor);
        none when routing found the course in a private section: no lesson
        of it is public."""
        private = self.in_private_section(inclusive=False)
        if private:
            return {"previous_lesson": None, "next_lesson": None, "lesson_position": None}

        def siblings_read():
            siblings = LessonPage.objects.live().sibling_of(self, inclusive=True).order_by("path")
            return list(
                public_in(siblings, private).only(
                    "id", "title", "url_path", "path", "depth", "reading_seconds"
                )
            )

        if private is None:  # not routed: Wagtail's public(), not kept
            siblings = siblings_read()
        else:
            siblings = kept_until_purged(
                request, f"lesson-siblings:{self.parent_path}", siblings_read
            )
        ids = [page.pk for page in siblings]
        position = ids.index(self.pk) if self.pk in ids else None
        if position is None:
            return {"previous_lesson": None, "next_lesson": None, "lesson_position": None}
        return {
            "previous_lesson": siblings[position - 1] if position > 0 else None,
            "next_lesson": siblings[position + 1] if position + 1 < len(siblings) else None,
            "lesson_position": position + 1,
            "lesson_total": len(siblings),
        }

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["course"] = self.course
        # One rendered form, one recorded attempt: only signed-in answers are
        # recorded, and an anonymous page is the same for everyone (page cache).
        context["attempt_token"] = uuid.uuid4().hex if request.user.is_authenticated else ""
        context["body_parts"] = self.body_parts(request)
        context.update(self.navigation(request))
        return context
