"""Every lesson has a review-by date: AI moves fast. Publishing a lesson (after
review) records the day as "last reviewed" and, unless the author chose a later
date, sets review-by six months on. Partners' authors are reminded weekly of
lessons due in the next 30 days; the admin report lists the overdue ones."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse

from content.models import Partner

from .models import LessonPage, six_months_from

DUE_WITHIN_DAYS = 30


def record_review(lesson: LessonPage, today: date | None = None) -> None:
    """Called when a lesson is published; writes only these two columns, so
    the revision just published is left as it is."""
    today = today or date.today()
    review_by = lesson.review_by
    if review_by is None or review_by <= today:
        review_by = six_months_from(today)
    LessonPage.objects.filter(pk=lesson.pk).update(last_reviewed=today, review_by=review_by)
    lesson.last_reviewed, lesson.review_by = today, review_by


def lessons_of(partner: Partner) -> QuerySet[LessonPage]:
    return (
        LessonPage.objects.live().filter(path__startswith=partner.shelf.path)
        if hasattr(partner, "shelf")
        else LessonPage.objects.none()
    )


def due_lessons(partner: Partner, today: date | None = None) -> QuerySet[LessonPage]:
    today = today or date.today()
    return (
        lessons_of(partner)
        .filter(review_by__lte=today + timedelta(days=DUE_WITHIN_DAYS))
        .order_by("review_by", "path")
    )


def overdue_lessons(partners, today: date | None = None) -> QuerySet[LessonPage]:
    today = today or date.today()
    from .workspace import pages_of

    return (
        LessonPage.objects.live()
        .filter(review_by__lt=today, pk__in=pages_of(partners).values("pk"))
        .order_by("review_by", "path")
    )


@dataclass
class ReminderRun:
    emails: int = 0
    lessons: int = 0
    partners: list[str] = field(default_factory=list)


def send_review_reminders(today: date | None = None) -> ReminderRun:
    """One email per author of each partner with lessons due in 30 days (or
    overdue), over one SMTP connection."""
    today = today or date.today()
    run = ReminderRun()
    User = get_user_model()
    with get_connection() as connection:
        for partner in Partner.objects.exclude(author_group=None).select_related("shelf"):
            lessons = list(due_lessons(partner, today))
            if not lessons:
                continue
            authors = User.objects.filter(groups=partner.author_group, is_active=True).exclude(
                email=""
            )
            context = {
                "partner": partner,
                "lessons": lessons,
                "today": today,
                "base_url": settings.WAGTAILADMIN_BASE_URL,
                "report_url": reverse("review_due_report"),
                "days": DUE_WITHIN_DAYS,
            }
            subject = f"{len(lessons)} lesson{'s' if len(lessons) != 1 else ''} due for review"
            text = render_to_string("courses/email/review_due.txt", context)
            html = render_to_string("courses/email/review_due.html", context)
            for author in authors:
                message = EmailMultiAlternatives(
                    subject, text, to=[author.email], connection=connection
                )
                message.attach_alternative(html, "text/html")
                message.send()
                run.emails += 1
            run.lessons += len(lessons)
            run.partners.append(partner.name)
    return run
