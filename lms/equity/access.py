"""Who sees equity metrics: members of the "Equity analysts" group only.

The group holds `equity.view_equity_metrics` and Wagtail admin access; a user
sees the equity dashboard only if they hold the permission through a group
(a superuser outside the group does not: the role is given on purpose).
Cohort managers and programme admins are not analysts unless also added to
the group.

The audit log of every view, export and refusal: admins (superusers and
programme admins) read all of it; an analyst reads their own entries only,
so they can check what was logged in their name."""

from django.contrib.auth.models import Group

from lms.cohorts.access import is_programme_admin
from lms.core import permissions

EQUITY_ANALYSTS = "Equity analysts"


def ensure_equity_analysts() -> Group:
    """Creates the group with its two permissions; safe to call again."""
    group, _ = Group.objects.get_or_create(name=EQUITY_ANALYSTS)
    group.permissions.add(
        permissions.access_admin(),
        permissions.permission(
            "equity", "equityprofile", "view_equity_metrics", "Can view aggregate equity metrics"
        ),
    )
    return group


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_view_equity(user) -> bool:
    if not _active(user):
        return False
    return permissions.held(user, "equity", "view_equity_metrics")


def reads_whole_audit_log(user) -> bool:
    """Whether `user` reads everyone's entries of the audit log."""
    if not _active(user):
        return False
    return is_programme_admin(user)


def can_read_audit_log(user) -> bool:
    """Whether `user` reads the audit log at all: everyone's entries
    (`reads_whole_audit_log`), or, as an analyst, their own."""
    return reads_whole_audit_log(user) or can_view_equity(user)
