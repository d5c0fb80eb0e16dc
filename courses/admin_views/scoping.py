"""Partners sealed from each other in Wagtail's own admin screens. Page
editing is already scoped by page permissions; these are the other places
where Wagtail names pages: the page chooser (browse and search), the explorer
and the admin API's page listing, bulk-action confirmation pages and the page
types usage report. Each shows another partner's page only when it is live
with no unpublished changes (`courses.workspace.visible_pages`). Media are
kept private by collection view restrictions (`courses.workspace`)."""

from django.http import Http404
from django.urls import path
from wagtail import hooks
from wagtail.admin.views import chooser
from wagtail.admin.views.bulk_action import index as bulk_action
from wagtail.admin.views.reports.page_types_usage import PageTypesUsageReportView
from wagtail.models import Page

from courses.workspace import is_platform_editor, pages_of, partners_for_user, visible_pages


@hooks.register("construct_page_chooser_queryset")
def chooser_shows_visible_pages(pages, request):
    return visible_pages(request.user, pages)


@hooks.register("construct_explorer_page_queryset")
def explorer_shows_visible_pages(parent_page, pages, request):
    return visible_pages(request.user, pages)


def _visible(user, page_id) -> bool:
    return visible_pages(user, Page.objects.filter(pk=page_id)).exists()


def choose_page_under(request, parent_page_id):
    """The chooser's browse view names the page it browses: only a visible one."""
    if not _visible(request.user, parent_page_id):
        raise Http404
    return chooser.BrowseView.as_view()(request, parent_page_id=parent_page_id)


def page_bulk_action(request, action):
    """Bulk actions on pages list what they are given by id: only visible pages,
    and "all the children of" only a page of one's own (or for editors)."""
    params = request.POST if request.method == "POST" else request.GET
    ids = params.getlist("id")
    if "all" in ids:
        parent = params.get("childOf", "")
        own = is_platform_editor(request.user) or (
            parent.isdigit()
            and pages_of(partners_for_user(request.user)).filter(pk=int(parent)).exists()
        )
        if not own:
            raise Http404
    else:
        wanted = [int(pk) for pk in ids if pk.isdigit()]
        shown = visible_pages(request.user, Page.objects.filter(pk__in=wanted))
        kept = [str(pk) for pk in shown.values_list("pk", flat=True)]
        if not kept:
            raise Http404
        params = params.copy()
        params.setlist("id", kept)
        if request.method == "POST":
            request.POST = params
        else:
            request.GET = params
    return bulk_action(request, "wagtailcore", "page", action)


class PageTypesUsage(PageTypesUsageReportView):
    """Wagtail's report, naming the last edited page of a type only when the
    viewer may see it."""

    def decorate_paginated_queryset(self, page_types):
        page_types = super().decorate_paginated_queryset(page_types)
        shown_ids = {
            item.last_edited_page.pk for item in page_types if item.last_edited_page is not None
        }
        visible = set(
            visible_pages(self.request.user, Page.objects.filter(pk__in=shown_ids)).values_list(
                "pk", flat=True
            )
        )
        for item in page_types:
            if item.last_edited_page is not None and item.last_edited_page.pk not in visible:
                item.last_edited_page = None
        return page_types


def not_here(request):
    raise Http404


# Included in lms/urls.py before Wagtail's admin URLs, at the same addresses.
urlpatterns = [
    path("choose-page/<int:parent_page_id>/", choose_page_under),
    path("bulk/wagtailcore/page/<str:action>/", page_bulk_action),
    path("reports/page-types-usage/", PageTypesUsage.as_view()),
    path(
        "reports/page-types-usage/results/",
        PageTypesUsage.as_view(results_only=True),
    ),
    # Wagtail's "does error reporting work" page raises on purpose: not in production.
    path("failwhale/", not_here),
]
