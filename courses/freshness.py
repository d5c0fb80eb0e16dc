"""Every lesson has a review-by date: AI moves fast. Publishing a lesson (after
review) records the day as "last reviewed" and sets review-by six months on,
unless the author chose a later date. Partners' authors are reminded weekly of
lessons due in the next 30 days; the admin report lists the overdue ones."""

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from content.models import Partner

from .models import LessonPage, PartnerPage, facts_review_due, six_months_from

log = logging.getLogger(__name__)

DUE_WITHIN_DAYS = 30


def record_review(lesson: LessonPage, today: date | None = None) -> None:
    """Called when a lesson is published. Review-by becomes six months on,
    unless the published revision carries a later date the author chose: an
    empty, past or sooner date is replaced, so every publish after review
    restarts the clock. But never later than its facts fall due again
    (`facts_checked` + FMA_FACTS_REVIEW_MONTHS): approving a lesson does not
    make facts checked a year ago any younger. Writes only these two columns,
    so the revision just published is left as it is."""
    today = today or timezone.localdate()
    default = six_months_from(today)
    review_by = lesson.review_by if lesson.review_by and lesson.review_by > default else default
    facts_due = facts_review_due(lesson.facts_checked)
    if facts_due is not None:
        review_by = min(review_by, facts_due)
    LessonPage.objects.filter(pk=lesson.pk).update(last_reviewed=today, review_by=review_by)
    lesson.last_reviewed, lesson.review_by = today, review_by


def lessons_of(partner: Partner) -> QuerySet[LessonPage]:
    return (
        LessonPage.objects.live().filter(path__startswith=partner.shelf.path)
        if hasattr(partner, "shelf")
        else LessonPage.objects.none()
    )


def lessons_of_partners(partners) -> QuerySet[LessonPage]:
    """The live lessons on these partners' shelves (one query for the shelves)."""
    paths = list(PartnerPage.objects.filter(partner__in=partners).values_list("path", flat=True))
    if not paths:
        return LessonPage.objects.none()
    query = Q()
    for path in paths:
        query |= Q(path__startswith=path)
    return LessonPage.objects.live().filter(query)


def due_lessons(partner: Partner, today: date | None = None) -> QuerySet[LessonPage]:
    """Overdue, or due within the next 30 days: what the weekly email lists."""
    today = today or timezone.localdate()
    return (
        lessons_of(partner)
        .filter(review_by__lte=today + timedelta(days=DUE_WITHIN_DAYS))
        .order_by("review_by", "path")
    )


@dataclass
class ReminderRun:
    emails: int = 0
    failed: int = 0
    lessons: int = 0
    partners: list[str] = field(default_factory=list)


def send_review_reminders(today: date | None = None) -> ReminderRun:
    """One email per author of each partner with lessons due in 30 days (or
    overdue), over one SMTP connection. One refused address does not stop the
    others: it is logged and counted."""
    today = today or timezone.localdate()
    run = ReminderRun()
    User = get_user_model()
    with get_connection() as connection:
        for partner in Partner.objects.exclude(author_group=None).select_related("shelf"):
            lessons = list(due_lessons(partner, today))
            if not lessons:
                continue
            authors = list(
                User.objects.filter(groups=partner.author_group, is_active=True)
                .exclude(email="")
                .exclude(email__isnull=True)
                .order_by("email")
            )
            if not authors:
                continue
            context = {
                "partner": partner,
                "lessons": lessons,
                "today": today,
                "base_url": settings.WAGTAILADMIN_BASE_URL,
                "report_url": reverse("review_due_report"),
                "days": DUE_WITHIN_DAYS,
            }
            count = len(lessons)
            subject = f"{count} {partner.name} lesson{'s' if count != 1 else ''} due for review"
            text = render_to_string("courses/email/review_due.txt", context)
            html = render_to_string("courses/email/review_due.html", context)
            for author in authors:
                message = EmailMultiAlternatives(
                    subject, text, to=[author.email], connection=connection
                )
                message.attach_alternative(html, "text/html")
                try:
                    message.send()
                except (smtplib.SMTPException, OSError):
                    log.exception("Review reminder to user %s failed", author.pk)
                    run.failed += 1
                else:
                    run.emails += 1
            run.lessons += count
            run.partners.append(partner.name)
    return run
