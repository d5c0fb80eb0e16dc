import math
import zoneinfo

from django.db.models import Sum

from lms.progress.models import LessonProgress

from .models import Certificate

DEFAULT_TIME_ZONE = "Europe/London"


def issue_certificate(user, course, issued_at) -> Certificate:
    seconds = (
        LessonProgress.objects.filter(
            user=user, course=course, completed_at__isnull=False
        ).aggregate(total=Sum("seconds_spent"))["total"]
        or 0
    )
    certificate, _ = Certificate.objects.get_or_create(
        user=user,
        course=course,
        defaults={
            # Never the email address: the certificate page is public.
            "learner_name": user.get_full_name(),
            "course_title": course.title,
            "partner_name": course.partner.name,
            "minutes": max(1, math.ceil(seconds / 60)),
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
    """The certificate behind a public link, with what its page needs, in one
    query. Raises Certificate.DoesNotExist for an unknown code."""
    return Certificate.objects.select_related("user__learner_profile").get(code=code)


def holder_name(certificate: Certificate) -> str:
    """The name on the certificate; one issued before the learner gave a name
    shows the name they have given since."""
    return certificate.learner_name or certificate.user.get_full_name()


def completed_on(certificate: Certificate):
    """The completion date as the learner saw it, in their time zone."""
    profile = getattr(certificate.user, "learner_profile", None)
    return certificate.issued_at.astimezone(learner_time_zone(profile)).date()
