import logging

from django.http import HttpResponseServerError, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import health_report

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    healthy, report = health_report()
    report["status"] = "ok" if healthy else "unavailable"
    return JsonResponse(report, status=200 if healthy else 503)


def server_error(request):
    """The 500 page in the site's layout. Django's own handler renders it without
    the request, so the header, brand and links would be missing; if rendering
    with them fails too (the database is what failed), a plain page."""
    try:
        body = render_to_string("500.html", request=request)
    except Exception:  # noqa: BLE001 - the page that reports failure must not fail
        logger.exception("The 500 page could not be rendered in the site layout")
        body = PLAIN_500
    return HttpResponseServerError(body)


PLAIN_500 = (
    '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>Something went wrong</title></head><body><main>"
    "<h1>Something went wrong on our side</h1>"
    "<p>Nothing you saved is lost. Please try again in a minute.</p>"
    '<p><a href="/">Go to the home page</a></p></main></body></html>'
)
