"""A pathway as the list of its lessons, with what the signed-in learner has
done and what is next.

Signing in is required (an anonymous visitor goes to sign-in and comes back
here): the page is about one learner's progress, and the lessons themselves
are open to everyone in the catalogue. A curated pathway that is not live, or
does not exist, is a 404 for everyone."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render

from lms.learners.services import profile_of

from .models import Pathway, PersonalPathway
from .services import PathwayProgress, lesson_groups, pathway_progress

PERSONAL = (
    "Lessons picked for your sector, role and self-check. It grows as partners publish "
    "new lessons that suit you."
)


def _render(request, progress: PathwayProgress, description: str):
    return render(
        request,
        "pathways/pathway.html",
        {"progress": progress, "groups": lesson_groups(progress), "description": description},
    )


@login_required
def pathway(request, slug):
    found = get_object_or_404(Pathway, slug=slug, live=True)
    (progress,) = pathway_progress(request.user, [found])
    return _render(request, progress, found.description)


@login_required
def personal_pathway(request):
    """The learner's always-on pathway. It is built at onboarding, so someone
    who has not onboarded is sent there first."""
    personal = PersonalPathway.objects.filter(user=request.user).first()
    if personal is None:
        if profile_of(request.user) is None:
            return redirect("onboarding")
        empty = PathwayProgress(PersonalPathway(user=request.user), (), frozenset(), frozenset())
        return _render(request, empty, PERSONAL)
    (progress,) = pathway_progress(request.user, personal=personal)
    return _render(request, progress, PERSONAL)
