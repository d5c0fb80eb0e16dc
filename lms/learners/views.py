from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from .forms import OnboardingForm
from .services import latest_ratings, profile_of, save_onboarding


@login_required
def onboarding(request):
    profile = profile_of(request.user)
    form = OnboardingForm(
        request.POST or None, instance=profile, ratings=latest_ratings(request.user)
    )
    if request.method == "POST" and form.is_valid():
        save_onboarding(request.user, form)
        messages.success(request, "Thanks — your next five minutes are ready.")
        return redirect("dashboard")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "learners/onboarding.html",
        {"form": form, "revisiting": profile is not None},
        status=status,
    )
