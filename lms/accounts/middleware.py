from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

# Signing out must stay possible before two-factor is set up.
EXEMPT_SUFFIXES = ("logout/",)
AFTER_TWO_FACTOR = "after_two_factor"


def may_enter_wagtail_admin(user) -> bool:
    # Partner authors and editors reach the Wagtail admin through a group
    # permission rather than is_staff; they edit public content too.
    return user.is_superuser or user.has_perm("wagtailadmin.access_admin")


def may_enter_django_admin(user) -> bool:
    return user.is_active and user.is_staff


class StaffAreaMiddleware:
    """Who may enter the staff areas (the Wagtail admin and the Django admin).

    - A signed-in person without access (a learner) gets a 403 page saying who
      the area is for, at once. The admins would send them to their sign-in
      form, which sends a signed-in person back: a redirect loop.
    - Staff, partner authors and platform editors reach an admin only once they
      have an authenticator app: until then, every admin URL sends them to set
      one up."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._areas = None

    def __call__(self, request):
        user = request.user
        area = self.area_of(request.path_info) if user.is_authenticated else None
        if area is not None:
            prefix, may_enter = area
            if not may_enter(user):
                return render(request, "staff_only.html", status=403)
            if request.path_info[len(prefix) :] not in EXEMPT_SUFFIXES and not is_mfa_enabled(
                user, types=[Authenticator.Type.TOTP]
            ):
                # Where they were going: the recovery codes page links back to it.
                request.session[AFTER_TWO_FACTOR] = request.get_full_path()
                messages.warning(
                    request,
                    "Staff accounts need two-factor authentication. Set up an authenticator "
                    "app to continue to the admin.",
                )
                return redirect("mfa_activate_totp")
        return self.get_response(request)

    def area_of(self, path: str):
        if self._areas is None:
            self._areas = (
                (reverse("wagtailadmin_home"), may_enter_wagtail_admin),
                (reverse("admin:index"), may_enter_django_admin),
            )
        return next((area for area in self._areas if path.startswith(area[0])), None)
