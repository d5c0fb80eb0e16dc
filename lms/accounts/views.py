from urllib.parse import urlencode

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def sign_in_through_allauth(request):
    """Stands in for the Wagtail and Django admin sign-in forms and Wagtail's
    page-privacy sign-in form, which would sign people in with a password alone,
    past the emailed codes, two-factor and rate limits. GET and POST alike go
    to the site's sign-in; nothing is authenticated here."""
    url = reverse("account_login")
    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        url = f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"
    return HttpResponseRedirect(url)
