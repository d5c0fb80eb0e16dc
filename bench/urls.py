"""The site's URLs plus a bare view: the baseline every page is compared against.
It goes through the same middleware stack but does no database or template work."""

from django.http import HttpResponse
from django.urls import path

from lms.urls import urlpatterns as site_urlpatterns


def bare_view(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/bare/", bare_view, name="bench-bare"), *site_urlpatterns]
