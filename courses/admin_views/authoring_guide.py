"""The authoring guide (docs/authoring.md) as a page in the CMS, for the
partner authors and editors who write lessons: the import page links to it,
and the admin menu has it under "Authoring guide"."""

from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.urls import path, reverse
from django.utils.safestring import mark_safe
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from content.markdown import render_markdown

GUIDE = Path(settings.BASE_DIR) / "docs" / "authoring.md"


@lru_cache(maxsize=4)
def _guide_html(modified: float) -> str:
    text = GUIDE.read_text(encoding="utf-8")
    # The first line is the document's own heading; the admin header shows it.
    body = text.split("\n", 1)[1] if text.startswith("# ") else text
    return render_markdown(body)


def guide_html() -> str:
    """The guide, rendered once per change of the file (sanitised like lessons)."""
    return _guide_html(GUIDE.stat().st_mtime)


class AuthoringGuideView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "courses/admin/authoring_guide.html"
    page_title = "Authoring guide"
    header_icon = "help"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        return super().get_context_data(guide=mark_safe(guide_html()), **kwargs)


@hooks.register("register_admin_urls")
def authoring_guide_urls():
    return [path("authoring-guide/", AuthoringGuideView.as_view(), name="authoring_guide")]


@hooks.register("register_admin_menu_item")
def authoring_guide_menu_item():
    return MenuItem(
        "Authoring guide",
        reverse("authoring_guide"),
        name="authoring-guide",
        icon_name="help",
        order=260,
    )
