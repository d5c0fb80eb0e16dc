from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import RequestLoginCodeForm as AllauthRequestLoginCodeForm
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.html import format_html


def _password_help_text() -> str:
    return format_html(
        'Leave it blank and we will email you a sign-in code instead. <a href="{}">Forgotten '
        "your password?</a>",
        reverse("account_reset_password"),
    )


class LoginForm(AllauthLoginForm):
    """One sign-in form for both ways in: email and password, or email alone for
    an emailed code. (With no password at signup, allauth would otherwise drop the
    password field from the login form altogether.)"""

    def _setup_password_field(self) -> None:
        password = self.fields["password"]
        password.required = False
        password.label = "Password (if you have set one)"
        password.widget.attrs.pop("placeholder", None)
        password.help_text = lazy(_password_help_text, str)()


class RequestLoginCodeForm(AllauthRequestLoginCodeForm):
    """allauth's "Send me a sign-in code" form. The sign-in page's own "Send me
    a sign-in code" button posts the sign-in form here (formaction), so the
    email already typed there arrives as `login`: it is used as the email and
    the code is sent at once, without asking for the address again."""

    def __init__(self, *args, **kwargs):
        data = kwargs.get("data")
        if data is not None and not data.get("email") and data.get("login"):
            data = data.copy()
            data["email"] = data["login"]
            kwargs["data"] = data
        super().__init__(*args, **kwargs)
