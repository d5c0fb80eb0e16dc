"""allauth's account adapter, with two changes:

- every account email greets its reader by first name ("Hello Amira,"), or
  "Hello," when we do not know it (templates/account/email/base_message.txt);
- someone who has just signed in (password, code or SSO, within allauth's
  reauthentication timeout) is not asked for their password again to set up
  two-factor: staff sent from the CMS to add an authenticator were asked
  twice in a row."""

import time

from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from django.contrib.auth import get_user_model

from .names import greeting


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        user = context.get("user")
        if user is None and email:
            # Sign-in and password-reset codes carry no user: the address's owner.
            user = get_user_model().objects.filter(email__iexact=email).first()
        context = {**context, "greeting": greeting(user)}
        super().send_mail(template_prefix, email, context)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = self.request
        user = getattr(request, "user", None)
        if request is None or user is None or not user.is_authenticated:
            return True
        records = get_authentication_records(request, user)
        latest = max((record.get("at", 0) for record in records), default=0)
        return time.time() - latest >= app_settings.REAUTHENTICATION_TIMEOUT
