"""The learner's own equity questions at /me/equity/. Every view acts on
request.user only: there is no URL with a person's id, and no other view of
one person's answers anywhere."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lms.learners.services import profile_of
from lms.learners.views import continue_after_onboarding

from . import services
from .forms import EquityForm
from .wording import CURRENT

AFTER_ONBOARDING = "onboarding"


def _after_onboarding(request) -> bool:
    return (request.POST or request.GET).get("after") == AFTER_ONBOARDING


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def equity_profile(request):
    profile = services.own_profile(request.user)
    after_onboarding = _after_onboarding(request)
    if request.method == "GET" and after_onboarding and services.was_offered(request.user):
        # Offered once, after onboarding; the settings link stays.
        return redirect(continue_after_onboarding(request))
    ask_consent = services.needs_consent(profile)
    form = EquityForm(
        request.POST if request.method == "POST" else None,
        instance=profile,
        ask_consent=ask_consent,
    )
    if form.is_valid():
        services.save_answers(
            request.user, form.answers, consented=bool(form.cleaned_data.get("consent"))
        )
        messages.success(request, "Thank you. Your answers are saved.")
        return redirect(
            continue_after_onboarding(request) if after_onboarding else "equity_profile"
        )
    learner_profile = profile_of(request.user)
    return TemplateResponse(
        request,
        "equity/profile.html",
        {
            "form": form,
            "profile": profile,
            "ask_consent": ask_consent,
            "reconsent": profile is not None and ask_consent,
            "wording": CURRENT,
            "after_onboarding": after_onboarding,
            "local_area": learner_profile.local_area if learner_profile else None,
            "has_learner_profile": learner_profile is not None,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
def not_now(request):
    services.not_now(request.user)
    # Back to where the learner was heading (a cohort they were joining), else
    # the dashboard.
    return redirect(continue_after_onboarding(request))


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def withdraw(request):
    """GET explains and asks to confirm; only a POST deletes."""
    profile = services.own_profile(request.user)
    if request.method == "POST":
        if services.withdraw(request.user):
            messages.success(request, "You have withdrawn your consent. Your answers are deleted.")
        return redirect(reverse("equity_profile"))
    if profile is None:
        return redirect("equity_profile")
    return TemplateResponse(request, "equity/withdraw.html", {"profile": profile})
