"""The demo employer sponsor: an account that sponsors two
organisations of the synthetic demo programme (demo.programme.COHORTS): one
whose cohort has enough members for the team report to show figures, one
so new that its figures are hidden. Idempotent: a second run adds nothing."""

import secrets

from lms.accounts.models import User
from lms.cohorts.models import Sponsorship

from . import programme

SPONSOR_EMAIL = "sponsor@example.com"
# The first cohort's organisation shows figures; the winter intake's (a cohort
# that has not started: a few joined, nothing learned) shows hidden ones.
SPONSOR_ORGANISATIONS = (programme.COHORTS[0][1], programme.COHORTS[-1][1])


def ensure_sponsor(verify_email) -> list[tuple[str, str]]:
    """The sponsor's account (its address verified by `verify_email`, the
    seed's) and sponsorship; returns (email, password) if the account is new."""
    created = []
    user = User.objects.filter(email=SPONSOR_EMAIL).first()
    if user is None:
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(SPONSOR_EMAIL, password, first_name="Sam")
        created.append((SPONSOR_EMAIL, password))
    verify_email(user)
    for organisation in SPONSOR_ORGANISATIONS:
        Sponsorship.objects.get_or_create(user=user, organisation=organisation)
    return created
