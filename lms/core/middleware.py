"""Middleware of the project's own."""

from csp.constants import SELF


class PreviewFramingMiddleware:
    """Wagtail renders a preview by running a dummy request for the page's own
    URL through the middleware again (wagtail.models.preview), so the CSP
    middleware gives it the learner pages' `frame-ancestors 'none'` and the
    editor's live preview panel, an iframe in the admin, stays blank. A preview
    may be framed by the site itself; every other response keeps 'none'.
    Listed after CSPMiddleware, so its response passes here first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "is_dummy", False) and getattr(request, "is_preview", False):
            response._csp_replace = {"frame-ancestors": [SELF]}
        return response
