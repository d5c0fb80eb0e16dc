"""Permissions that role set-up needs before Django has created them: a
post_migrate handler of an app listed before django.contrib.auth runs before
auth creates the permissions (also after a test database's flush)."""

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType


def permission(app_label: str, model: str, codename: str, name: str) -> Permission:
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    found, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name}
    )
    return found


def held(user, app_label: str, codename: str) -> bool:
    """Whether one of the user's groups (the roles) holds the permission: a
    role is checked by its permission, never by the group's name. Unlike
    `user.has_perm` it does not count superusers in, and it is not cached on
    the user object."""
    return Permission.objects.filter(
        group__user=user, content_type__app_label=app_label, codename=codename
    ).exists()


def access_admin() -> Permission:
    return permission("wagtailadmin", "admin", "access_admin", "Can access Wagtail admin")
