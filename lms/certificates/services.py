import zoneinfo
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from .models import Certificate

DEFAULT_TIME_ZONE = "Europe/London"
LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"
# What the verify page and the PDF say for a learner who has given no name:
# plainly that there is none, so a verifier does not take a stand-in for a
# checked name, and never the email, since both are seen by others.
NO_NAME = "Name not given"


def issue_certificate(user, course, issued_at) -> Certificate:
    certificate, _ = Certificate.objects.get_or_create(
        user=user,
        course=course,
        defaults={
            # Never the email address: the verify page is public.
            "learner_name": user.get_full_name(),
            "course_title": course.title,
            "partner": course.partner,
            "partner_name": course.partner.name,
            # CPD time is the course's nominal learning time (what the course
            # page lists), not the seconds the pages were open; fixed at issue
            # so later edits to the course never change a certificate.
            "minutes": course.total_minutes,
            "issued_at": issued_at,
        },
    )
    return certificate


def learner_time_zone(profile) -> zoneinfo.ZoneInfo:
    """The learner's own time zone, or the programme's when they have not said."""
    try:
        return zoneinfo.ZoneInfo(profile.time_zone if profile else DEFAULT_TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(DEFAULT_TIME_ZONE)


def public_certificate(code) -> Certificate:
    """The certificate behind a link, with what its pages need, in one query.
    Raises Certificate.DoesNotExist for an unknown code."""
    return Certificate.objects.select_related("user__learner_profile", "partner__logo").get(
        code=code
    )


def is_holder(user, certificate: Certificate) -> bool:
    return user.is_authenticated and certificate.user_id == user.pk


def holder_name(certificate: Certificate) -> str:
    """The name on the certificate; one issued before the learner gave a name
    shows the name they have given since. Empty if they have given none."""
    return certificate.learner_name or certificate.user.get_full_name()


def completed_on(certificate: Certificate):
    """The completion date as the learner saw it, in their time zone."""
    profile = getattr(certificate.user, "learner_profile", None)
    return certificate.issued_at.astimezone(learner_time_zone(profile)).date()


@dataclass(frozen=True)
class CertificateFacts:
    """What a certificate states, the same on its page, its verify page, its
    PDF and its LinkedIn entry."""

    code: str
    name: str  # empty when the learner has given no name
    course: str
    partner: str
    partner_logo: object | None  # a Wagtail image, or None
    completed_on: date
    minutes: int
    verify_url: str
    issuer: str  # the site that issues it


def certificate_facts(certificate: Certificate, *, verify_url: str, issuer: str):
    return CertificateFacts(
        code=str(certificate.code),
        name=holder_name(certificate),
        course=certificate.course_title,
        partner=certificate.partner_name,
        partner_logo=certificate.partner.logo if certificate.partner else None,
        completed_on=completed_on(certificate),
        minutes=certificate.minutes,
        verify_url=verify_url,
        issuer=issuer,
    )


def linkedin_add_to_profile_url(facts: CertificateFacts) -> str:
    """LinkedIn's public "Add to profile" form for a licence or certification,
    filled in: the course as the certification, the partner that wrote it as
    the issuing organisation, the month issued, the number and the verify page."""
    return f"{LINKEDIN_ADD_TO_PROFILE}?" + urlencode(
        {
            "startTask": "CERTIFICATION_NAME",
            "name": facts.course,
            "organizationName": facts.partner,
            "issueYear": facts.completed_on.year,
            "issueMonth": facts.completed_on.month,
            "certUrl": facts.verify_url,
            "certId": facts.code,
        }
    )
