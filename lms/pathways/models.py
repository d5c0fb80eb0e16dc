"""Curated pathways (edited by staff in Wagtail) and each learner's personal,
always-on pathway, which grows as new matching lessons are published."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable


class Pathway(ClusterableModel):
    title = models.CharField(max_length=150)
    slug = models.SlugField(max_length=150, unique=True)
    description = models.TextField(blank=True)
    sectors = ParentalManyToManyField("content.Sector", blank=True, related_name="pathways")
    seniority_levels = ParentalManyToManyField(
        "content.SeniorityLevel", blank=True, related_name="pathways"
    )
    skills = ParentalManyToManyField("content.Skill", blank=True, related_name="pathways")
    live = models.BooleanField(default=True, help_text="Offer this pathway to learners.")

    panels = [
        FieldPanel("title"),
        FieldPanel("slug"),
        FieldPanel("description"),
        MultiFieldPanel(
            [FieldPanel("sectors"), FieldPanel("seniority_levels"), FieldPanel("skills")],
            heading="Who it suits",
        ),
        InlinePanel("items", heading="Steps, in order", min_num=1),
        FieldPanel("live"),
    ]

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title


class PathwayItem(Orderable):
    """One step: a whole course, or a single lesson."""

    pathway = ParentalKey(Pathway, on_delete=models.CASCADE, related_name="items")
    course = models.ForeignKey(
        "courses.CoursePage", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    lesson = models.ForeignKey(
        "courses.LessonPage", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    panels = [FieldPanel("course"), FieldPanel("lesson")]

    def clean(self):
        if bool(self.course_id) == bool(self.lesson_id):
            raise ValidationError("Choose either a course or a single lesson for each step.")

    def __str__(self):
        return str(self.course or self.lesson)


class PersonalPathway(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_pathway"
    )
    based_on = models.ForeignKey(Pathway, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Personal pathway of {self.user}"


class PersonalPathwayItem(models.Model):
    pathway = models.ForeignKey(PersonalPathway, on_delete=models.CASCADE, related_name="items")
    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "lesson"], name="lesson_once_per_pathway")
        ]

    def __str__(self):
        return f"{self.position}. {self.lesson_id}"
