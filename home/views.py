from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from lms.learners.services import profile_of

from .dashboard import build_dashboard


@login_required
def dashboard(request):
    profile = profile_of(request.user)
    if profile is None:
        return redirect("onboarding")
    return render(
        request,
        "home/dashboard.html",
        {"dashboard": build_dashboard(request.user, profile), "profile": profile},
    )
