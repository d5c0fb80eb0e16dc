from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page

from content.models import Partner
from courses.models import CataloguePage, CoursePage
from courses.routing import RoutesInOneQuery
from lms.learners.services import profile_of
from lms.pathways.services import next_five_minutes

from .blocks import StepBlock

DEFAULT_STEPS = [
    {
        "type": "step",
        "value": {
            "title": "Five minutes",
            "text": "Each lesson reads in five minutes or less, on your phone, between meetings.",
        },
    },
    {
        "type": "step",
        "value": {
            "title": "One lesson at a time",
            "text": (
                "We pick your next lesson for your sector, your role and the skills you want "
                "to build, and say why."
            ),
        },
    },
    {
        "type": "step",
        "value": {
            "title": "Scan, pilot, scale",
            "text": (
                "Scan where AI could help, pilot one idea safely, then scale what works: each "
                "lesson ends with an action for your organisation."
            ),
        },
    },
]


class HomePage(RoutesInOneQuery, Page):
    headline = models.CharField(
        max_length=150, default="Five minutes a day to lead confidently on AI"
    )
    intro = models.TextField(
        blank=True, help_text="What the service is, in one sentence, under the headline."
    )
    steps_heading = models.CharField("heading", max_length=100, default="How it works")
    steps = StreamField(
        [("step", StepBlock())],
        default=DEFAULT_STEPS,
        blank=True,
        max_num=4,
        help_text="Three short steps for someone who has never seen the service.",
    )
    partners_heading = models.CharField(
        "heading", max_length=100, default="Written by colleges and universities"
    )
    partners_intro = models.CharField(
        "introduction",
        max_length=250,
        blank=True,
        default=(
            "Lecturers and learning designers write each lesson; editors review it before it "
            "goes live."
        ),
    )

    content_panels = Page.content_panels + [
        FieldPanel("headline"),
        FieldPanel("intro"),
        MultiFieldPanel([FieldPanel("steps_heading"), FieldPanel("steps")], heading="How it works"),
        MultiFieldPanel(
            [FieldPanel("partners_heading"), FieldPanel("partners_intro")], heading="Partners"
        ),
    ]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CataloguePage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        courses = CoursePage.objects.live().public().descendant_of(self)
        context["catalogue"] = CataloguePage.objects.live().child_of(self).first()
        context["featured_courses"] = (
            courses.select_related("partner", "cover_image")
            .prefetch_related("cover_image__renditions", "sectors")
            .order_by("-first_published_at")[:3]
        )
        context["partners"] = (
            Partner.objects.filter(pk__in=courses.values("partner_id"))
            .select_related("logo", "shelf")
            .prefetch_related("logo__renditions")
        )
        if request.user.is_authenticated:
            context.update(self.next_for(request.user))
        return context

    @staticmethod
    def next_for(user) -> dict:
        """What a signed-in visitor sees first: the dashboard's next five
        minutes, or the way to set up their learning if they have not."""
        profile = profile_of(user)
        picked = next_five_minutes(user, profile) if profile else None
        return {
            "learner_profile": profile,
            "recommendation": picked[0] if picked else None,
            "next_lesson": picked[1] if picked else None,
        }
