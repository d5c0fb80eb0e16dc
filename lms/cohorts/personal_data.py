"""What the cohorts app holds about a person, for their export and erasure:
memberships, the invitations sent to them (by any of their addresses) or used
by them, and the cohorts they manage."""

from allauth.account.models import EmailAddress
from django.db.models import Q

from lms.core import personal_data

from .models import Cohort, Invitation, Membership, Sponsorship


def _addresses(user) -> set[str]:
    """Every address of the person: the account's and all allauth ones
    (verified or not: an invitation to any of them is about them)."""
    emails = EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    return {address.lower() for address in (user.email or "", *emails)} - {""}


def _invitations(user):
    addresses = _addresses(user)
    match = Q(accepted_by=user) | Q(membership__user=user)
    for address in addresses:
        match |= Q(email__iexact=address)
    return Invitation.objects.filter(match).distinct()


def export(user, *, build_url) -> dict:
    iso = personal_data.iso
    return {
        "cohorts": [
            {
                "cohort": membership.cohort.name,
                "programme": membership.cohort.programme.name,
                "joined_at": iso(membership.joined_at),
            }
            for membership in Membership.objects.filter(user=user)
            .select_related("cohort__programme")
            .order_by("joined_at", "pk")
        ],
        "cohort_invitations": [
            {
                "cohort": invitation.cohort.name,
                "programme": invitation.cohort.programme.name,
                "email": invitation.email,
                "name": invitation.name,
                "source": invitation.get_source_display(),
                "invited_at": iso(invitation.invited_at),
                "sent_at": iso(invitation.sent_at),
                "used_at": iso(invitation.used_at),
            }
            for invitation in _invitations(user)
            .select_related("cohort__programme")
            .order_by("invited_at", "pk")
        ],
        "cohorts_managed": [
            cohort.name for cohort in Cohort.objects.filter(managers=user).order_by("name")
        ],
        "organisations_sponsored": [
            {"organisation": sponsorship.organisation, "since": iso(sponsorship.created_at)}
            for sponsorship in Sponsorship.objects.filter(user=user).order_by("organisation")
        ],
    }


def erase(user) -> None:
    """Memberships and invitations go (an invitation names the person, so it
    is not kept as a count); the person stops managing any cohort."""
    Membership.objects.filter(user=user).delete()
    Invitation.objects.filter(pk__in=_invitations(user).values("pk")).delete()
    user.managed_cohorts.clear()
    Sponsorship.objects.filter(user=user).delete()


personal_data.register(
    "cohorts",
    models=["cohorts.Membership", "cohorts.Invitation", "cohorts.Cohort", "cohorts.Sponsorship"],
    export=export,
    erase=erase,
)
