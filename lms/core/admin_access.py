"""Admin screens for one role. Wagtail has already sent anyone without admin
access to sign in; an admin user without the role gets a 403 page saying who
the screen is for (Wagtail's own PermissionDenied handling would redirect to
the dashboard instead). The menu item is shown to the same people."""

from django.template.response import TemplateResponse
from django.utils.functional import cached_property
from wagtail.admin.menu import MenuItem


class RoleRequired:
    """Mix into an admin view before the view class; set `allowed` and
    `forbidden_reason` (one plain sentence or two)."""

    forbidden_heading = "You cannot see this page"
    forbidden_reason = ""

    def allowed(self, user) -> bool:
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        if not self.allowed(request.user):
            return TemplateResponse(
                request,
                "core/admin_forbidden.html",
                {
                    "page_title": self.page_title,
                    "header_icon": getattr(self, "header_icon", None),
                    "heading": self.forbidden_heading,
                    "reason": self.forbidden_reason,
                },
                status=403,
            )
        return super().dispatch(request, *args, **kwargs)


class CleanedFilters:
    """Mix into a Wagtail ReportView: `cleaned_filters` is the filter form's
    cleaned data, or empty when the filters are not valid."""

    @cached_property
    def cleaned_filters(self) -> dict:
        if self.filters and self.filters.is_valid():
            return self.filters.form.cleaned_data
        return {}


class MenuItemFor(MenuItem):
    """A menu item shown to users for whom `shown_to(user)` is true."""

    def __init__(self, *args, shown_to, **kwargs):
        super().__init__(*args, **kwargs)
        self.shown_to = shown_to

    def is_shown(self, request):
        return self.shown_to(request.user)
