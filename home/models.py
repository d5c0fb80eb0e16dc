from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page

from courses.models import CataloguePage, CoursePage


class HomePage(Page):
    headline = models.CharField(
        max_length=150, default="Five minutes a day to lead confidently on AI"
    )
    intro = models.TextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("headline"), FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CataloguePage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["catalogue"] = CataloguePage.objects.live().child_of(self).first()
        context["featured_courses"] = (
            CoursePage.objects.live()
            .public()
            .descendant_of(self)
            .select_related("partner", "cover_image")
            .prefetch_related("cover_image__renditions", "sectors")
            .order_by("-first_published_at")[:3]
        )
        return context
