from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


def _sponsor_role_follows(sync):
    def receiver(sender, instance, **kwargs):
        sync(instance.user)

    return receiver


def create_roles(sender, **kwargs):
    from .access import ensure_roles  # imports models: not before the app registry is ready

    ensure_roles()


class CohortsConfig(AppConfig):
    name = "lms.cohorts"
    label = "cohorts"
    verbose_name = "Cohorts"

    def ready(self):
        # Modules that import models load once the app registry is ready.
        from allauth.account.signals import email_confirmed, user_signed_up

        from . import personal_data  # noqa: F401  (registers the cohorts' personal data)
        from .access import sync_sponsor_role
        from .models import Sponsorship
        from .views import join_pending_cohort, join_pending_invitation

        # After migrate (and a test database's flush): the two cohort roles exist.
        post_migrate.connect(create_roles, sender=self, dispatch_uid="cohorts_create_roles")
        for signal in (post_save, post_delete):
            signal.connect(
                _sponsor_role_follows(sync_sponsor_role),
                sender=Sponsorship,
                weak=False,
                dispatch_uid=f"cohorts_sponsor_role_{signal is post_save}",
            )
        user_signed_up.connect(join_pending_cohort, dispatch_uid="cohorts_join_on_signup")
        email_confirmed.connect(
            join_pending_invitation, dispatch_uid="cohorts_join_invitation_on_confirm"
        )
