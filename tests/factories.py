"""The people tests need, made one way: factory_boy factories for users, one
function for a staff member with their roles and two-factor, one for a signed-in
client. (The `staff_client` fixture in conftest.py puts the last two together.)"""

import time

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from content.models import Partner, Sector, SeniorityLevel
from courses.workspace import EDITORS_GROUP, ensure_editors
from lms.cohorts.access import COHORT_MANAGERS, PROGRAMME_ADMINS, ensure_roles
from lms.equity.access import EQUITY_ANALYSTS, ensure_equity_analysts
from lms.learners.models import LearnerProfile, SelfCheck, SelfCheckRating
from lms.reports.facts import recompute_skill_facts

# Role names tests use, and the group each stands for (its permissions are
# granted by the app that owns the role).
ROLES = {
    "editor": (EDITORS_GROUP, ensure_editors),
    "programme_admin": (PROGRAMME_ADMINS, ensure_roles),
    "cohort_manager": (COHORT_MANAGERS, ensure_roles),
    "analyst": (EQUITY_ANALYSTS, ensure_equity_analysts),
}


def password_for(email: str) -> str:
    return "pw-" + email


class UserFactory(factory.django.DjangoModelFactory):
    """A user with a password of "pw-" + their email. `groups=[...]` takes
    groups or group names; `two_factor=True` (or a secret) sets up an
    authenticator (staff must have one to enter the admin); `verified=True` a confirmed address."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    password = factory.LazyAttribute(lambda user: password_for(user.email))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.create_user(*args, **kwargs)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        for group in extracted or ():
            self.groups.add(group if isinstance(group, Group) else Group.objects.get(name=group))

    @factory.post_generation
    def two_factor(self, create, extracted, **kwargs):
        """True for a new secret, or the secret itself (to compute codes from)."""
        if extracted:
            TOTP.activate(self, extracted if isinstance(extracted, str) else generate_totp_secret())

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if extracted:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


def role_group(role) -> Group:
    """The group of a role name, a Partner (its authors) or a Group."""
    if isinstance(role, Group):
        return role
    if isinstance(role, Partner):
        return role.author_group
    name, ensure = ROLES[role]
    ensure()
    return Group.objects.get(name=name)


def staff_user(*roles, email: str | None = None, two_factor: bool | str = True, **fields):
    """A staff member holding these roles ("superuser", a name in ROLES, a
    Partner whose author they are, or a Group), with two-factor set up unless
    `two_factor=False`."""
    if "superuser" in roles:
        fields.update(is_superuser=True, is_staff=True)
        roles = tuple(role for role in roles if role != "superuser")
    if email is not None:
        fields["email"] = email
    return UserFactory(groups=[role_group(role) for role in roles], two_factor=two_factor, **fields)


def signed_in(user) -> Client:
    """A test client with this user signed in; the user is `client.user`."""
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def totp_code(secret: str, margin: float = 1.5) -> str:
    """The authenticator app's current code, waiting out the end of its
    30-second window when less than `margin` seconds are left (allauth
    accepts the current window only, so a code typed at 29.9 s and checked
    at 30.1 s would be refused). A browser that types and submits the code
    needs a wider margin than a test client."""
    remaining = 30 - time.time() % 30
    if remaining < margin:
        time.sleep(remaining + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


class LearnerProfileFactory(factory.django.DjangoModelFactory):
    """A learner (a new user unless `user=` is given) with a profile: the
    first sector and seniority level unless given."""

    class Meta:
        model = LearnerProfile

    user = factory.SubFactory(UserFactory)
    sector = factory.LazyFunction(lambda: Sector.objects.order_by("pk").first())
    seniority = factory.LazyFunction(lambda: SeniorityLevel.objects.order_by("pk").first())
    organisation_name = "Test Org"
    organisation_size = "50-249"
    local_area = None


def self_check(user, ratings, taken_at=None) -> SelfCheck:
    """One sitting of the self-check: `ratings` is {Skill: 1–5}; `taken_at`
    pins when it was taken (auto_now_add would make it now)."""
    sitting = SelfCheck.objects.create(user=user)
    if taken_at is not None:
        SelfCheck.objects.filter(pk=sitting.pk).update(taken_at=taken_at)
        sitting.taken_at = taken_at
    SelfCheckRating.objects.bulk_create(
        SelfCheckRating(self_check=sitting, skill=skill, rating=rating)
        for skill, rating in ratings.items()
    )
    # as the onboarding's self_check_saved does (bulk writes bypass signals)
    recompute_skill_facts([user.pk])
    return sitting
