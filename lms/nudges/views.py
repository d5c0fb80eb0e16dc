from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from lms.learners.services import profile_of
from lms.pathways.services import next_five_minutes

from . import calendar, holdout, links, services
from .forms import NudgePreferenceForm
from .models import NudgePreference

# The new subscription URL's token, kept in the session from the POST that
# made it to the one page that shows it (then dropped): it is never stored.
NEW_FEED_TOKEN = "nudges.new_calendar_token"
CALENDAR_TYPE = "text/calendar; charset=utf-8"


@login_required
def preferences(request):
    preference = NudgePreference.for_user(request.user)  # saved by the form, not by a GET
    form = NudgePreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        services.preferences_saved(form.save())
        messages.success(request, "Saved. We will nudge you as you chose.")
        return redirect("nudge_preferences")
    new_token = request.session.pop(NEW_FEED_TOKEN, None)
    return render(
        request,
        "nudges/preferences.html",
        {
            "form": form,
            "preference": preference,
            "profile": profile_of(request.user),
            "slot": calendar.slot_summary(preference) if preference.chosen else "",
            "feed": calendar.live_feed(request.user),
            "new_feed": calendar.feed_urls(new_token) if new_token else None,
            "held_back": holdout.held_back_kinds(request.user),
            "holdout_percent": settings.NUDGE_HOLDOUT_PERCENT,
            "holdout_days": settings.NUDGE_HOLDOUT_DAYS,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def calendar_download(request):
    response = HttpResponse(calendar.build(request.user), content_type=CALENDAR_TYPE)
    response["Content-Disposition"] = 'attachment; filename="five-minute-ai.ics"'
    return response


@login_required
@require_POST
def calendar_feed_new(request):
    request.session[NEW_FEED_TOKEN] = calendar.new_feed(request.user)
    messages.success(request, "Your new calendar link is below. Any link you had before is off.")
    return redirect(reverse("nudge_preferences") + "#calendar")


@login_required
@require_POST
def calendar_feed_revoke(request):
    calendar.revoke(request.user)
    messages.success(request, "Your calendar link is off. Calendars using it get nothing more.")
    return redirect(reverse("nudge_preferences") + "#calendar")


@never_cache
@require_GET
def calendar_feed(request, token):
    """A calendar app fetching the subscription: no sign-in, no session, no
    cookie; the token is the only key."""
    user = calendar.owner_of(token)
    if user is None:
        raise Http404("This calendar link is not valid.")
    return HttpResponse(calendar.build(user), content_type=CALENDAR_TYPE)


@login_required
@require_POST
def holdout_leave(request):
    holdout.leave(request.user)
    messages.success(request, "Done: you get nudges as you chose from now on.")
    return redirect(reverse("nudge_preferences") + "#holdout")


@login_required
def next_lesson(request):
    """Where the calendar event links: the learner's next lesson as of now."""
    profile = profile_of(request.user)
    picked = next_five_minutes(request.user, profile) if profile else None
    if picked is None or not picked[1].live:
        return redirect("dashboard")
    return redirect(picked[1].url)


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
