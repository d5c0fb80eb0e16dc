from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from lms.learners.services import profile_of

from . import links, services
from .forms import NudgePreferenceForm
from .models import NudgePreference


@login_required
def preferences(request):
    preference = NudgePreference.for_user(request.user)  # saved by the form, not by a GET
    form = NudgePreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Saved. We will nudge you as you chose.")
        return redirect("nudge_preferences")
    return render(
        request,
        "nudges/preferences.html",
        {"form": form, "preference": preference, "profile": profile_of(request.user)},
        status=400 if request.method == "POST" else 200,
    )


@never_cache
def click(request, token):
    """The button in a nudge email: counts the click, then opens the lesson."""
    nudge_id = links.nudge_id_from_click(token)
    nudge = services.record_click(nudge_id) if nudge_id else None
    if nudge is None:
        raise Http404("This link is not valid.")
    target = nudge.lesson.url if nudge.lesson and nudge.lesson.live else "/dashboard/"
    if request.user.is_authenticated:
        return redirect(target)
    if services.may_sign_in_from_link(nudge):
        login(request, nudge.user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(target)
    return redirect_to_login(target)


@csrf_exempt  # RFC 8058: mail providers POST the one-click unsubscribe without a session
@never_cache
def unsubscribe(request, token):
    ids = links.ids_from_unsubscribe(token)
    if ids is None:
        raise Http404("This unsubscribe link is not valid.")
    if request.method == "POST":
        if not services.unsubscribe(*ids):
            raise Http404("This unsubscribe link is not valid.")
        return render(request, "nudges/unsubscribed.html")
    # A GET (which mail scanners follow) only asks; it changes nothing.
    return render(request, "nudges/unsubscribe_confirm.html", {"token": token})
