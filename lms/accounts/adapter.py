"""allauth's account adapter, with one change: every account email greets its
reader by first name ("Hello Amira,"), or "Hello," when we do not know it
(templates/account/email/base_message.txt)."""

from allauth.account.adapter import DefaultAccountAdapter
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
