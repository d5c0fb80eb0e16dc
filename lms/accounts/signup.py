"""The extra fields of allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS):
the learner's first and last name. allauth's SignupForm inherits from this
class and its adapter stores `first_name` and `last_name` on the user; the
rest of sign-up (email, emailed code, session) stays allauth's.

This module must not import allauth.account.forms (allauth imports it while
building its own form)."""

from allauth.core import context
from django import forms

from .names import INVITED, invited

NAME_LENGTH = 150  # AbstractUser.first_name / last_name


class NameFields(forms.Form):
    first_name = forms.CharField(
        label="First name",
        max_length=NAME_LENGTH,
        help_text="What we call you in emails.",
        error_messages={"required": "Enter your first name."},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=NAME_LENGTH,
        required=False,
        help_text="With your first name, on your certificates.",
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    field_order = ["first_name", "last_name", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A visitor who came by a cohort invitation finds its name (and the
        # address it was sent to) filled in, to check and correct.
        for field, value in invited(context.request).items():
            if value and field in self.fields and not self.initial.get(field):
                self.initial[field] = value

    def clean_first_name(self):
        return " ".join(self.cleaned_data["first_name"].split())

    def clean_last_name(self):
        return " ".join(self.cleaned_data["last_name"].split())

    def signup(self, request, user):
        """allauth's hook after the user is saved; its adapter has already
        stored first_name and last_name. The invitation's name is used once."""
        if request is not None and hasattr(request, "session"):
            request.session.pop(INVITED, None)
