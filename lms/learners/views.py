from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from .forms import RATING_LEVELS, OnboardingForm, SelfCheckForm
from .services import latest_ratings, profile_of, save_onboarding, save_self_check

# A local URL to continue to once onboarding is saved (e.g. a cohort join link).
AFTER_ONBOARDING = "learners.after_onboarding"


@login_required
def onboarding(request):
    profile = profile_of(request.user)
    if _is_local(request, request.GET.get("next", "")):
        request.session[AFTER_ONBOARDING] = request.GET["next"]
    form = OnboardingForm(
        request.POST or None,
        instance=profile,
        ratings=latest_ratings(request.user),
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        save_onboarding(request.user, form)
        messages.success(request, "Thanks — your next five minutes are ready.")
        if profile is None:
            # Offered once, optional: its "Not now" leads on to the dashboard.
            return redirect(reverse("equity_profile") + "?after=onboarding")
        return redirect(continue_after_onboarding(request))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "learners/onboarding.html",
        {"form": form, "revisiting": profile is not None, "rating_levels": RATING_LEVELS},
        status=status,
    )


def _is_local(request, url: str) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def continue_after_onboarding(request, default: str = "dashboard"):
    """Where to go once onboarding (and anything offered straight after it)
    is done: a local URL remembered in the session, else `default`."""
    wanted = request.session.pop(AFTER_ONBOARDING, "")
    return wanted if _is_local(request, wanted) else default


@never_cache
@login_required
def self_check(request):
    """Rate yourself again: the self-check alone, as a new sitting (the
    dashboard offers it every FMA_SELF_CHECK_EVERY_DAYS). An invalid form
    says what to fix (400) and saves nothing."""
    profile = profile_of(request.user)
    if profile is None:
        return redirect("onboarding")
    form = SelfCheckForm(request.POST or None, ratings=latest_ratings(request.user))
    if request.method == "POST" and form.is_valid():
        save_self_check(request.user, profile, form.ratings())
        messages.success(request, "Saved. Your dashboard shows how your ratings changed.")
        return redirect("dashboard")
    return render(
        request,
        "learners/self_check.html",
        {"form": form, "rating_levels": RATING_LEVELS},
        status=400 if request.method == "POST" else 200,
    )
