"""The brand stylesheet: the colours an admin set, as CSS custom properties."""

from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from .models import Brand

YEAR = 365 * 24 * 3600


@require_safe
def brand_stylesheet(request):
    brand = Brand.for_request(request)
    response = HttpResponse(brand.stylesheet, content_type="text/css; charset=utf-8")
    # base.html links it with ?v=<version>: that URL never changes content.
    if request.GET.get("v") == brand.version:
        patch_cache_control(response, public=True, max_age=YEAR, immutable=True)
    else:
        patch_cache_control(response, public=True, max_age=300)
    return response
