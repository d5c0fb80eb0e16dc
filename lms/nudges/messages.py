"""The email for one nudge: subject, plain text and HTML from the templates in
templates/nudges/email/<kind>/, one primary button, and the RFC 8058 one-click
unsubscribe headers."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from courses.models import LessonPage
from lms.accounts.names import greeting

from . import links
from .models import NudgePreference


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def context_for(nudge) -> dict:
    lesson = nudge.lesson
    new_lessons = []
    if nudge.details.get("lessons"):
        found = LessonPage.objects.live().in_bulk(nudge.details["lessons"])
        new_lessons = [found[pk] for pk in nudge.details["lessons"] if pk in found]
    return {
        "name": nudge.user.first_name,
        "greeting": greeting(nudge.user),  # "Hello Amira," or "Hello,"
        "cadence": _lower_first(NudgePreference.for_user(nudge.user).get_cadence_display()),
        "lesson": lesson,
        "minutes": lesson.reading_minutes if lesson else None,
        "reason": nudge.reason,
        "new_lessons": new_lessons,
        "streak_weeks": nudge.details.get("streak_weeks"),
        # Due review cards (lms.reviews), offered beside the lesson or instead of it.
        "reviews_due": nudge.details.get("reviews_due"),
        "review_reason": nudge.details.get("review_reason", ""),
        "review_url": links.absolute(reverse("dashboard") + "#review"),
        "button_url": links.click_url(nudge),
        "unsubscribe_url": links.unsubscribe_url(nudge),
        "settings_url": links.absolute(reverse("nudge_preferences")),
        "site_name": settings.WAGTAIL_SITE_NAME,
    }


def message_id(nudge) -> str:
    host = urlsplit(settings.WAGTAILADMIN_BASE_URL).hostname or "localhost"
    return f"<nudge-{nudge.pk}-{nudge.kind}-{nudge.period}@{host}>"


def build_message(nudge, connection=None) -> EmailMultiAlternatives:
    context = context_for(nudge)
    folder = f"nudges/email/{nudge.kind}"
    subject = " ".join(render_to_string(f"{folder}/subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{folder}/body.txt", context),
        to=[nudge.user.email],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            # The same id on a resend lets receiving servers drop a duplicate.
            "Message-ID": message_id(nudge),
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(render_to_string(f"{folder}/body.html", context), "text/html")
    return message
