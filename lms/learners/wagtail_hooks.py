from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import LocalArea


class LocalAreaViewSet(SnippetViewSet):
    model = LocalArea
    icon = "site"
    menu_label = "Local areas"
    add_to_admin_menu = False
    list_display = ["name", "slug"]


register_snippet(LocalAreaViewSet)
