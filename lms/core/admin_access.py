"""Admin screens for one role. Wagtail has already sent anyone without admin
access to sign in; an admin user without the role gets a 403 page saying who
the screen is for (Wagtail's own PermissionDenied handling would redirect to
the dashboard instead). The menu item is shown to the same people."""

from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from wagtail import hooks
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


class AdminReport:
    """One report of the admin's Reports menu: its URLs and its menu item, as
    a Wagtail ViewSet owns its views' URLs and menu item (without a URL
    namespace, so the URL names stay what they are). `register()` adds both
    hooks. A ReportView with `index_results_url_name` also gets its
    results-only URL at `<url_path>results/`."""

    def __init__(
        self, view_class, url_path, label, *, menu_name, icon, order, shown_to, url_name=None
    ):
        self.view_class = view_class
        self.url_path = url_path
        self.label = label
        self.menu_name = menu_name
        self.icon = icon
        self.order = order
        self.shown_to = shown_to
        self.url_name = url_name or view_class.index_url_name

    def get_urlpatterns(self) -> list:
        urls = [path(self.url_path, self.view_class.as_view(), name=self.url_name)]
        results_url_name = getattr(self.view_class, "index_results_url_name", None)
        if results_url_name:
            urls.append(
                path(
                    f"{self.url_path}results/",
                    self.view_class.as_view(results_only=True),
                    name=results_url_name,
                )
            )
        return urls

    def get_menu_item(self) -> MenuItem:
        return MenuItemFor(
            self.label,
            reverse(self.url_name),
            name=self.menu_name,
            icon_name=self.icon,
            order=self.order,
            shown_to=self.shown_to,
        )

    def register(self) -> "AdminReport":
        hooks.register("register_admin_urls", self.get_urlpatterns)
        hooks.register("register_reports_menu_item", self.get_menu_item)
        return self
