from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from lms.cohorts.access import is_sponsor
from lms.learners.services import profile_of
from lms.reviews import services as reviews

from .dashboard import build_dashboard


def _dashboard_page(request, *, answered=None, status=200):
    """The learner's dashboard (onboarding first, for someone not onboarded;
    their team report for a sponsor who has not onboarded)."""
    profile = profile_of(request.user)
    if profile is None:
        # An employer sponsor who is not learning themselves lands on their report.
        return redirect("team_index" if is_sponsor(request.user) else "onboarding")
    return TemplateResponse(
        request,
        "home/dashboard.html",
        {
            "dashboard": build_dashboard(request.user, profile, answered=answered),
            "profile": profile,
        },
        status=status,
    )


@login_required
def dashboard(request):
    return _dashboard_page(request)


@login_required
@require_POST
def answer_review(request, card_id: int):
    """Answers one card of the dashboard's two-minute review, as a plain form
    post (the whole dashboard, this card first with its feedback) or with
    htmx (the card's fragment); `request.htmx` chooses only the template.
    Another learner's card, or one whose check is gone, is a 404."""
    found = reviews.card_to_review(request.user, card_id)
    if found is None:
        raise Http404("No such review.")
    card, check = found
    answer = reviews.answer_review(
        request.user, card, check, request.POST.getlist("answer"), request.POST.get("shown", "")
    )
    if request.htmx:
        # 200 even for "no answer chosen": htmx 2 swaps only 2xx responses.
        item = reviews.as_due_review(card, timezone.now(), answer)
        return TemplateResponse(request, "reviews/_review_card.html", {"item": item})
    return _dashboard_page(request, answered=answer, status=422 if answer.feedback.error else 200)
