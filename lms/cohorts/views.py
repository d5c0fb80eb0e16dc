"""Joining a cohort by its link or a personal invitation, and the learner's
cohort page. Someone new goes through sign-up and onboarding first; the join
URL is remembered in their session so they land in the cohort afterwards."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse

from lms.learners.services import profile_of
from lms.learners.views import AFTER_ONBOARDING
from lms.pathways.services import lesson_groups, pathway_progress

from . import services
from .models import Cohort, Invitation, Membership

# The join URL a visitor was on when sent to sign up, sign in or onboard.
PENDING_JOIN = "cohorts.pending_join"


def join_by_link(request, token):
    cohort = (
        Cohort.objects.select_related("programme", "pathway")
        .filter(join_token=token, join_link_open=True)
        .first()
    )
    if cohort is None:
        return not_found(request)
    return _join(request, cohort, None, reverse("cohort_join", args=[token]))


def join_by_invitation(request, token):
    """A personal invitation: once, by the person it was sent to, whether or
    not the cohort's join link is open."""
    invitation = (
        Invitation.objects.select_related("cohort__programme", "cohort__pathway")
        .filter(token=token)
        .first()
    )
    if invitation is None:
        return not_found(request)
    here = reverse("cohort_invitation", args=[token])
    if request.user.is_authenticated:
        reason = services.invitation_refusal(invitation, request.user)
        if reason:
            return refused(request, reason, here)
    return _join(request, invitation.cohort, invitation, here)


def not_found(request):
    return render(request, "cohorts/join_not_found.html", status=404)


def refused(request, reason: str, here: str):
    """Someone else's invitation, or one already used: nobody joins, and
    the page says why (so nothing leads back here after onboarding)."""
    for key in (PENDING_JOIN, AFTER_ONBOARDING):
        if request.session.get(key) == here:
            request.session.pop(key)
    return render(
        request,
        "cohorts/invitation_refused.html",
        {"used": reason == services.InvitationRefused.USED},
        status=403,
    )


def _join(request, cohort, invitation, here):
    user = request.user
    if not user.is_authenticated:
        request.session[PENDING_JOIN] = here
        request.session[AFTER_ONBOARDING] = here
        return redirect(f"{reverse('account_signup')}?{urlencode({'next': here})}")
    if profile_of(user) is None:
        request.session[PENDING_JOIN] = here
        request.session[AFTER_ONBOARDING] = here
        return redirect(f"{reverse('onboarding')}?{urlencode({'next': here})}")
    if Membership.objects.filter(cohort=cohort, user=user).exists():
        request.session.pop(PENDING_JOIN, None)
        return redirect("cohort_detail", cohort.pk)
    resuming = request.method == "GET" and request.session.get(PENDING_JOIN) == here
    if request.method == "POST" or resuming:
        # Someone who followed the link before signing up already said yes.
        request.session.pop(PENDING_JOIN, None)
        if invitation is None:
            services.join(cohort, user)
        else:
            try:
                services.accept_invitation(invitation, user)
            except services.InvitationRefused as refusal:
                return refused(request, refusal.reason, here)
        messages.success(request, f"You have joined {cohort.name}.")
        return redirect("cohort_detail", cohort.pk)
    return render(
        request,
        "cohorts/join_confirm.html",
        {"cohort": cohort, "invitation": invitation, "action": here},
    )


@login_required
def cohort_detail(request, pk):
    cohort = get_object_or_404(
        Cohort.objects.select_related("programme", "pathway"), pk=pk, memberships__user=request.user
    )
    (progress,) = pathway_progress(request.user, [cohort.pathway])
    return render(
        request,
        "cohorts/cohort_detail.html",
        {
            "cohort": cohort,
            "progress": progress,
            "groups": lesson_groups(progress),
            "other_cohorts": services.cohorts_of(request.user).exclude(pk=cohort.pk),
        },
    )


@login_required
def my_cohorts(request):
    cohorts = list(services.cohorts_of(request.user))
    if len(cohorts) == 1:
        return redirect("cohort_detail", cohorts[0].pk)
    if not cohorts:
        raise Http404
    return render(request, "cohorts/my_cohorts.html", {"cohorts": cohorts})


def join_pending_cohort(sender, request, user, **kwargs):
    """On sign-up (allauth's user_signed_up): someone who arrived by a join
    link becomes a member at once, whatever they are shown next (onboarding,
    then offers); the join URL then opens their cohort. A personal invitation
    needs a verified address that matches it, so it usually waits for
    `join_pending_invitation` (a single sign-on address may be verified now)."""
    _join_pending(request, user)


def join_pending_invitation(sender, request, email_address, **kwargs):
    """On a verified address (allauth's email_confirmed): someone who arrived
    by their personal invitation joins once the address it was sent to is
    confirmed as theirs."""
    _join_pending(request, email_address.user)


def _join_pending(request, user):
    here = request.session.get(PENDING_JOIN) if request is not None else None
    if not here:
        return
    try:
        match = resolve(here)
    except Resolver404:
        return
    token = match.kwargs.get("token")
    if match.url_name == "cohort_join":
        cohort = Cohort.objects.filter(join_token=token, join_link_open=True).first()
        if cohort is not None:
            services.join(cohort, user)
    elif match.url_name == "cohort_invitation":
        invitation = Invitation.objects.filter(token=token).first()
        if invitation is None or services.invitation_refusal(invitation, user):
            return
        try:
            services.accept_invitation(invitation, user)
        except services.InvitationRefused:
            return
