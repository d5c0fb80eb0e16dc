import math

from django.db.models import Sum

from lms.progress.models import LessonProgress

from .models import Certificate


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
            "learner_name": user.get_full_name() or user.email,
            "course_title": course.title,
            "partner_name": course.partner.name,
            "minutes": max(1, math.ceil(seconds / 60)),
            "issued_at": issued_at,
        },
    )
    return certificate
