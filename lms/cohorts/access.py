"""Who may see which cohorts, as two Django groups (roles), each checked by
the permission it holds, not by its name.

- Programme admins see and manage every cohort and programme.
- Cohort managers see only the cohorts whose `managers` include them; they can
  edit those, invite people to them and open or close their join links, but
  not create cohorts, delete them or choose who manages them.

Both groups reach the Wagtail admin (and so need two-factor, like all staff).
Reports elsewhere (lms.reports) limit themselves through `cohorts_for_user`."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from lms.core import permissions

from .models import Cohort, Programme, Sponsorship

PROGRAMME_ADMINS = "Programme admins"
COHORT_MANAGERS = "Cohort managers"
EMPLOYER_SPONSORS = "Employer sponsors"
# The permission that makes a sponsor (a Sponsorship permission, models.py).
TEAM_REPORT = "view_team_report"

ROLE_PERMISSIONS = {
    PROGRAMME_ADMINS: {
        Programme: ("add", "change", "delete", "view"),
        Cohort: ("add", "change", "delete", "view"),
        Sponsorship: ("add", "change", "delete", "view"),
    },
    COHORT_MANAGERS: {Cohort: ("change", "view")},
}
# The permission that makes each role (a Cohort permission, see models.py).
EVERY_COHORT = "manage_every_cohort"
ASSIGNED_COHORTS = "manage_assigned_cohorts"
ROLE_MARKS = {PROGRAMME_ADMINS: EVERY_COHORT, COHORT_MANAGERS: ASSIGNED_COHORTS}


def ensure_roles() -> dict[str, Group]:
    """Creates both admin groups with their permissions (returned by name),
    and the employer sponsors' group; safe to call again."""
    access_admin = permissions.access_admin()
    labels = dict(Cohort._meta.permissions)
    groups = {}
    for name, by_model in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        mark = ROLE_MARKS[name]
        wanted = [access_admin, permissions.permission("cohorts", "cohort", mark, labels[mark])]
        for model, actions in by_model.items():
            content_type = ContentType.objects.get_for_model(model)
            for action in actions:
                permission, _ = Permission.objects.get_or_create(
                    content_type=content_type,
                    codename=f"{action}_{model._meta.model_name}",
                    defaults={"name": f"Can {action} {model._meta.verbose_name}"},
                )
                wanted.append(permission)
        group.permissions.add(*wanted)
        groups[name] = group
    ensure_sponsor_role()
    return groups


def ensure_sponsor_role() -> Group:
    """The employer sponsors' group, holding cohorts.view_team_report and
    nothing else: sponsors never enter the Wagtail admin (their report is a
    site page, lms.reports.team_views). Safe to call again."""
    sponsors, _ = Group.objects.get_or_create(name=EMPLOYER_SPONSORS)
    labels = dict(Sponsorship._meta.permissions)
    sponsors.permissions.add(
        permissions.permission("cohorts", "sponsorship", TEAM_REPORT, labels[TEAM_REPORT])
    )
    return sponsors


def is_programme_admin(user) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or permissions.held(user, "cohorts", EVERY_COHORT)


def cohorts_for_user(user) -> QuerySet[Cohort]:
    """Every cohort for superusers and programme admins; the cohorts they
    manage for cohort managers; none for anyone else."""
    if not (user.is_authenticated and user.is_active):
        return Cohort.objects.none()
    if is_programme_admin(user):
        return Cohort.objects.all()
    if not _is_cohort_manager(user):
        return Cohort.objects.none()
    return Cohort.objects.filter(managers=user)


def can_manage_cohorts(user) -> bool:
    """Whether the user has a cohort role at all (the admin menu, the screens)."""
    if not (user.is_authenticated and user.is_active):
        return False
    return is_programme_admin(user) or _is_cohort_manager(user)


def _is_cohort_manager(user) -> bool:
    return permissions.held(user, "cohorts", ASSIGNED_COHORTS)


def cohort_managers():
    """Users who may be made a cohort's managers: those with the role."""
    return (
        get_user_model()
        .objects.filter(
            groups__permissions__content_type__app_label="cohorts",
            groups__permissions__codename=ASSIGNED_COHORTS,
        )
        .distinct()
    )


def is_sponsor(user) -> bool:
    """Whether the user holds the sponsor role (a group with
    cohorts.view_team_report). Superusers are not sponsors unless added."""
    if not (user.is_authenticated and user.is_active):
        return False
    return permissions.held(user, "cohorts", TEAM_REPORT)


def sponsorships_for(user) -> QuerySet[Sponsorship]:
    """The organisations this user may see the team report of: their own
    sponsorships, while they hold the role; none for anyone else."""
    if not is_sponsor(user):
        return Sponsorship.objects.none()
    return Sponsorship.objects.filter(user=user)


def sync_sponsor_role(user) -> None:
    """The sponsor role follows the sponsorships: a person with one holds it,
    a person with none does not (run after a sponsorship is saved or deleted)."""
    group = ensure_sponsor_role()
    if Sponsorship.objects.filter(user=user).exists():
        group.user_set.add(user)
    else:
        group.user_set.remove(user)


def sponsorable_organisations() -> list[str]:
    """The organisations cohorts are run for, as written on the cohorts."""
    names = Cohort.objects.exclude(organisation="").values_list("organisation", flat=True)
    return sorted({name.strip() for name in names}, key=str.casefold)
