"""A learner's own data: CPD log, full export, account deletion."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from lms.certificates.cpd import cpd_csv, time_zone_of
from lms.certificates.models import Certificate
from lms.core import personal_data


def attachment(content, *, content_type, filename) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@require_safe
@never_cache
@login_required
def your_data(request):
    certificates = Certificate.objects.filter(user=request.user)
    return TemplateResponse(request, "learners/data_overview.html", {"certificates": certificates})


@require_safe
@never_cache
@login_required
def cpd_log(request):
    filename, text = cpd_csv(request.user)
    # The byte-order mark makes spreadsheet programs read the file as UTF-8.
    return attachment("\ufeff" + text, content_type="text/csv; charset=utf-8", filename=filename)


@require_safe
@never_cache
@login_required
def my_data(request):
    # Every app's part of what is held about the learner (their right of access).
    data = personal_data.export(request.user, build_url=request.build_absolute_uri)
    today = timezone.now().astimezone(time_zone_of(request.user)).date()
    return attachment(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
        filename=f"five-minute-ai-data-{today:%Y-%m-%d}.json",
    )


class ConfirmDeletionForm(forms.Form):
    email = forms.CharField(
        label="Your email address",
        max_length=254,
        error_messages={"required": "Type your email address to confirm."},
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_email(self):
        typed = self.cleaned_data["email"].strip()
        if typed.casefold() != self.user.email.casefold():
            raise forms.ValidationError(
                f"That is not this account's email address. Type {self.user.email} to confirm."
            )
        return typed


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def delete_account_view(request):
    """GET explains; only a POST with the typed email address deletes."""
    form = ConfirmDeletionForm(request.user, request.POST if request.method == "POST" else None)
    if form.is_valid():
        # Every app erases its part; the account itself goes last.
        personal_data.erase(request.user)
        logout(request)
        messages.success(request, "Your account and your personal data have been deleted.")
        return redirect("/")
    return TemplateResponse(request, "learners/delete_account.html", {"form": form})
