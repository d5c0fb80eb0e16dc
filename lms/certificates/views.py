"""A certificate has three addresses: the holder's own page (with the PDF and
"Add to LinkedIn"), the public verify page that anyone with the link can open,
and the PDF, which only the holder downloads."""

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from content.models import Brand

from .models import Certificate
from .pdf import certificate_pdf, partner_logo_png
from .services import (
    NO_NAME,
    certificate_facts,
    is_holder,
    linkedin_add_to_profile_url,
    public_certificate,
)


def found_or_404(code) -> Certificate:
    try:
        return public_certificate(code)
    except Certificate.DoesNotExist:
        raise Http404("No certificate has this number.") from None


def facts_of(request, certificate: Certificate):
    return certificate_facts(
        certificate,
        verify_url=request.build_absolute_uri(certificate.get_verify_url()),
        issuer=Brand.for_request(request).name,
    )


def not_for_search_engines(response):
    # Shared on purpose, but not for search engines to list.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_safe
@never_cache
def certificate(request, code):
    """The holder's page. Anyone else is sent to the verify page, so links
    shared before the verify page existed still confirm the certificate."""
    found = found_or_404(code)
    if not is_holder(request.user, found):
        return redirect(found.get_verify_url())
    facts = facts_of(request, found)
    context = {
        "certificate": found,
        "facts": facts,
        # Only the holder sees their email in place of a name they have not given.
        "display_name": facts.name or request.user.email,
        "linkedin_url": linkedin_add_to_profile_url(facts),
        "no_name": NO_NAME,
    }
    response = TemplateResponse(request, "certificates/certificate.html", context)
    return not_for_search_engines(response)


@require_safe
def verify(request, code):
    """Public: confirms what the certificate states and nothing else about the
    learner (no email, no other course)."""
    found = found_or_404(code)
    context = {"certificate": found, "facts": facts_of(request, found), "no_name": NO_NAME}
    return not_for_search_engines(TemplateResponse(request, "certificates/verify.html", context))


@require_safe
@never_cache
def certificate_pdf_download(request, code):
    found = found_or_404(code)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_holder(request.user, found):
        raise Http404("No certificate of yours has this number.")
    facts = facts_of(request, found)
    body = certificate_pdf(facts, logo_png=partner_logo_png(facts.partner_logo))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        True, f"certificate-{slugify(facts.course) or facts.code}.pdf"
    )
    return not_for_search_engines(response)
