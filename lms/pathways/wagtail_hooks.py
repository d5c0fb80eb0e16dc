from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Pathway


class PathwayViewSet(SnippetViewSet):
    model = Pathway
    icon = "list-ol"
    menu_label = "Pathways"
    menu_order = 250
    add_to_admin_menu = True
    list_display = ["title", "live"]


register_snippet(PathwayViewSet)
