"""Who may see which cohorts, as two Django groups.

- Programme admins see and manage every cohort and programme.
- Cohort managers see only the cohorts whose `managers` include them; they can
  edit those, invite people to them and open or close their join links, but
  not create cohorts, delete them or choose who manages them.

Both groups reach the Wagtail admin (and so need two-factor, like all staff).
Reports elsewhere (lms.cohorts.admin_reports) limit themselves through
`cohorts_for_user`."""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from lms.core import permissions

from .models import Cohort, Programme

PROGRAMME_ADMINS = "Programme admins"
COHORT_MANAGERS = "Cohort managers"

ROLE_PERMISSIONS = {
    PROGRAMME_ADMINS: {
        Programme: ("add", "change", "delete", "view"),
        Cohort: ("add", "change", "delete", "view"),
    },
    COHORT_MANAGERS: {Cohort: ("change", "view")},
}


def ensure_roles() -> dict[str, Group]:
    """Creates both groups with their permissions; safe to call again."""
    access_admin = permissions.access_admin()
    groups = {}
    for name, by_model in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = [access_admin]
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
    return groups


def is_programme_admin(user) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user.groups.filter(name=PROGRAMME_ADMINS).exists()


def cohorts_for_user(user) -> QuerySet[Cohort]:
    """Every cohort for superusers and programme admins; the cohorts they
    manage for cohort managers; none for anyone else."""
    if not (user.is_authenticated and user.is_active):
        return Cohort.objects.none()
    if is_programme_admin(user):
        return Cohort.objects.all()
    if not user.groups.filter(name=COHORT_MANAGERS).exists():
        return Cohort.objects.none()
    return Cohort.objects.filter(managers=user)


def can_manage_cohorts(user) -> bool:
    """Whether the user has a cohort role at all (the admin menu, the screens)."""
    if not (user.is_authenticated and user.is_active):
        return False
    return is_programme_admin(user) or user.groups.filter(name=COHORT_MANAGERS).exists()
