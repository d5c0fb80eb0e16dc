from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

# Signing out must stay possible before two-factor is set up.
EXEMPT_SUFFIXES = ("logout/",)


class StaffTwoFactorMiddleware:
    """Staff, and anyone else with access to the Wagtail admin (partner authors,
    platform editors), reach the admins only once they have an authenticator app:
    until then, every admin URL sends them to set one up."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._admin_prefixes = None

    def __call__(self, request):
        if self._must_set_up_two_factor(request):
            messages.warning(
                request,
                "Staff accounts need two-factor authentication. Set up an authenticator "
                "app to continue to the admin.",
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    def admin_prefixes(self) -> tuple[str, ...]:
        if self._admin_prefixes is None:
            self._admin_prefixes = (reverse("wagtailadmin_home"), reverse("admin:index"))
        return self._admin_prefixes

    def _must_set_up_two_factor(self, request) -> bool:
        user = request.user
        if not user.is_authenticated:
            return False
        path = request.path_info
        prefix = next((p for p in self.admin_prefixes() if path.startswith(p)), None)
        if prefix is None or path[len(prefix) :] in EXEMPT_SUFFIXES:
            return False
        # Partner authors and editors reach the Wagtail admin through a group
        # permission rather than is_staff; they edit public content too.
        if not (user.is_staff or user.is_superuser or user.has_perm("wagtailadmin.access_admin")):
            return False
        return not is_mfa_enabled(user, types=[Authenticator.Type.TOTP])
