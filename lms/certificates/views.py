from django.http import Http404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe

from .models import Certificate
from .services import completed_on, holder_name, public_certificate


@require_safe
def certificate(request, code):
    """Public and verifiable by anyone with the link; shows only what the
    certificate states, nothing else about the learner."""
    try:
        found = public_certificate(code)
    except Certificate.DoesNotExist:
        raise Http404("No certificate has this number.") from None
    response = TemplateResponse(
        request,
        "certificates/certificate.html",
        {
            "certificate": found,
            "holder_name": holder_name(found),
            "completed_on": completed_on(found),
            "verify_url": request.build_absolute_uri(found.get_absolute_url()),
        },
    )
    # Shared on purpose, but not for search engines to list.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
