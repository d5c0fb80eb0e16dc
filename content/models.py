"""Taxonomy that admins edit as snippets, and the brand they edit as a site
setting: nothing about a region is hard-wired."""

from django import forms
from django.conf import settings
from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Site
from wagtail.search import index

from lms.core.page_cache import kept_until_purged

from . import brand


class TaxonomyTerm(index.Indexed, models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.CharField(max_length=255, blank=True)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name


class Sector(TaxonomyTerm):
    is_cross_sector = models.BooleanField(
        default=False,
        help_text="Courses in this sector suit learners from every sector.",
    )

    panels = TaxonomyTerm.panels + [FieldPanel("is_cross_sector")]

    class Meta(TaxonomyTerm.Meta):
        verbose_name = "sector"


class Skill(TaxonomyTerm):
    class Meta(TaxonomyTerm.Meta):
        verbose_name = "skill"


class SeniorityLevel(TaxonomyTerm):
    rank = models.PositiveSmallIntegerField(
        default=1, help_text="1 is the most senior; used to order levels in lists."
    )

    panels = TaxonomyTerm.panels + [FieldPanel("rank")]

    class Meta(TaxonomyTerm.Meta):
        verbose_name = "seniority level"
        ordering = ["rank", "name"]


class Partner(index.Indexed, models.Model):
    """A further or higher education organisation that authors courses."""

    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=150, unique=True)
    website = models.URLField(blank=True)
    description = models.CharField(max_length=255, blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The partner's workspace, set up by courses.workspace.provision_partner when
    # the partner is created: its authors' group and its own media collection.
    author_group = models.OneToOneField(
        "auth.Group",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="authoring_partner",
    )
    collection = models.OneToOneField(
        "wagtailcore.Collection",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="partner",
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("website"),
        FieldPanel("description"),
        FieldPanel("logo"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class LocalArea(models.Model):
    """Admin-editable list of local areas (e.g. local authority districts)."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)

    panels = [FieldPanel("name"), FieldPanel("slug")]

    class Meta:
        ordering = ["name"]
        db_table = "learners_localarea"  # made by the learners app, which held it first

    def __str__(self):
        return self.name


class SupportProgrammeQuerySet(models.QuerySet):
    def for_sectors(self, sectors):
        """Programmes for any of these sectors, each once, by name."""
        return self.filter(sectors__in=sectors).distinct().order_by("name")


class SupportProgramme(index.Indexed, models.Model):
    """Help a business can get in its region (a funded programme, a university
    or research centre). Course pages list the programmes for their sectors;
    another region's admins replace these with their own."""

    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=150, unique=True)
    organisation = models.CharField(max_length=150, help_text="Who runs it.")
    url = models.URLField("web address", max_length=300)
    description = models.CharField(
        max_length=300, blank=True, help_text="One sentence: what a business can get from it."
    )
    sectors = models.ManyToManyField(
        Sector,
        related_name="support_programmes",
        help_text="Courses in these sectors list the programme.",
    )
    local_areas = models.ManyToManyField(
        LocalArea,
        blank=True,
        related_name="support_programmes",
        help_text="Where it is available. Leave empty if it covers the whole region.",
    )

    objects = SupportProgrammeQuerySet.as_manager()

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("organisation"),
        FieldPanel("url"),
        FieldPanel("description"),
        FieldPanel("sectors", widget=forms.CheckboxSelectMultiple),
        FieldPanel("local_areas", widget=forms.CheckboxSelectMultiple),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("organisation"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = "support programme"

    def __str__(self):
        return self.name


def default_site_name() -> str:
    return settings.WAGTAIL_SITE_NAME


@register_setting(icon="image")
class Brand(BaseSiteSetting):
    """What the learner side is called and how it looks, per site."""

    name = models.CharField(
        "site name",
        max_length=60,
        default=default_site_name,
        help_text="Shown in the header, page titles and emails.",
    )
    tagline = models.CharField(
        max_length=160,
        default="Five-minute lessons on AI for leaders, written by colleges and universities.",
        help_text="One sentence: what the site is. Shown in the footer and search results.",
    )
    programme = models.CharField(
        "programme name",
        max_length=150,
        blank=True,
        help_text="The skills programme that runs the site, e.g. for the footer.",
    )
    programme_url = models.URLField("programme web address", blank=True)
    brand_colour = models.CharField(
        max_length=7,
        default="#23408e",
        validators=[brand.validate_text_colour],
        help_text="Buttons, links and the footer. A dark colour: white text must read on it.",
    )
    accent_colour = models.CharField(
        max_length=7,
        default="#a8410b",
        validators=[brand.validate_text_colour],
        help_text="Small labels above headings. Also needs 4.5:1 against white.",
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Replaces the generated mark beside the site name in the header.",
    )

    panels = [
        MultiFieldPanel(
            [FieldPanel("name"), FieldPanel("tagline"), FieldPanel("logo")], heading="Name"
        ),
        MultiFieldPanel(
            [FieldPanel("programme"), FieldPanel("programme_url")], heading="Programme"
        ),
        MultiFieldPanel(
            [
                FieldPanel("brand_colour", widget=forms.TextInput(attrs={"type": "color"})),
                FieldPanel("accent_colour", widget=forms.TextInput(attrs={"type": "color"})),
            ],
            heading="Colours",
        ),
    ]

    class Meta:
        verbose_name = "brand"

    def __str__(self):
        return self.name

    @property
    def stylesheet(self) -> str:
        return brand.stylesheet(self.brand_colour, self.accent_colour)

    @property
    def version(self) -> str:
        return brand.version(self.brand_colour, self.accent_colour)

    @classmethod
    def for_request(cls, request):
        """Wagtail's, with the row kept until the next purge (saving the
        Brand purges): a page served reads no row for it."""
        attr_name = cls.get_cache_attr_name()
        if hasattr(request, attr_name):
            return getattr(request, attr_name)
        site = Site.find_for_request(request)
        if site is None:
            return super().for_request(request)
        brand = kept_until_purged(request, f"brand:{site.pk}", lambda: cls.for_site(site))
        brand._request = request  # as Wagtail's: page URLs made from it use the request
        setattr(request, attr_name, brand)
        return brand
