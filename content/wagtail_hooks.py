from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import LocalArea, Partner, Sector, SeniorityLevel, Skill, SupportProgramme


class SectorViewSet(SnippetViewSet):
    model = Sector
    icon = "site"
    list_display = ["name", "slug"]
    search_fields = ["name"]


class SeniorityLevelViewSet(SnippetViewSet):
    model = SeniorityLevel
    icon = "group"
    list_display = ["name", "rank", "slug"]


class SkillViewSet(SnippetViewSet):
    model = Skill
    icon = "pick"
    list_display = ["name", "slug"]
    search_fields = ["name"]


class PartnerViewSet(SnippetViewSet):
    model = Partner
    icon = "openquote"
    list_display = ["name", "website"]
    search_fields = ["name"]


class SupportProgrammeViewSet(SnippetViewSet):
    model = SupportProgramme
    icon = "help"
    menu_label = "Support programmes"
    list_display = ["name", "organisation", "url"]
    search_fields = ["name", "organisation"]


class LocalAreaViewSet(SnippetViewSet):
    model = LocalArea
    icon = "site"
    menu_label = "Local areas"
    list_display = ["name", "slug"]


class TaxonomyViewSetGroup(SnippetViewSetGroup):
    menu_label = "Taxonomy"
    menu_icon = "tag"
    menu_order = 300
    items = (
        SectorViewSet,
        SeniorityLevelViewSet,
        SkillViewSet,
        PartnerViewSet,
        SupportProgrammeViewSet,
        LocalAreaViewSet,
    )


register_snippet(TaxonomyViewSetGroup)
