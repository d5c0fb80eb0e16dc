from django.apps import AppConfig
from django.db.models.signals import post_migrate


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
        from .views import join_pending_cohort, join_pending_invitation

        # After migrate (and a test database's flush): the two cohort roles exist.
        post_migrate.connect(create_roles, sender=self, dispatch_uid="cohorts_create_roles")
        user_signed_up.connect(join_pending_cohort, dispatch_uid="cohorts_join_on_signup")
        email_confirmed.connect(
            join_pending_invitation, dispatch_uid="cohorts_join_invitation_on_confirm"
        )
