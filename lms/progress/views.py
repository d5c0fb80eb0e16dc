"""The lesson page's two forms: answer a knowledge check and mark the lesson
complete. Each works as a plain form post without JavaScript and as an htmx
request; `request.htmx` chooses only the template (the changed fragment or the
whole lesson page). Opening the lesson (GET) starts it: wagtail_hooks.py."""

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from courses.models import LessonPage
from lms.core.page_cache import csrf_protect_signed_in

from . import services


def live_lesson(request, lesson_id: int) -> LessonPage:
    """A live lesson this request may view (page privacy as Wagtail's serve)."""
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    if not all(r.accept_request(request) for r in lesson.get_view_restrictions()):
        raise Http404
    return lesson


def lesson_page(request, lesson: LessonPage, extra: dict, status: int = 200):
    context = lesson.get_context(request) | extra
    return TemplateResponse(request, lesson.get_template(request), context, status=status)


# The form is on lesson pages served from the anonymous cache, which carry no
# CSRF token: an anonymous answer is only graded, never stored.
@csrf_protect_signed_in
@require_POST
def answer_check(request, lesson_id: int):
    lesson = live_lesson(request, lesson_id)
    check = lesson.knowledge_check(request.POST.get("check", ""))
    if check is None:
        if request.user.is_authenticated:
            request.lesson_progress = services.start_lesson(request.user, lesson)
        return lesson_page(request, lesson, {}, status=400)
    answer = services.answer_check(
        request.user, lesson, check, request.POST.getlist("answer"), request.POST.get("attempt", "")
    )
    request.lesson_progress = answer.progress
    context = {
        "page": lesson,
        "attempt_token": uuid.uuid4().hex,
        "value": check.value,
        "block_id": check.id,
        "answered_block_id": check.id,
        "feedback": answer.feedback,
    }
    if request.htmx:
        # 200 even for "no answer chosen": htmx 2 swaps only 2xx responses by
        # default, and the fragment with its message is what the learner must see.
        return TemplateResponse(request, "blocks/knowledge_check.html", context)
    return lesson_page(request, lesson, context, status=422 if answer.feedback.error else 200)


@require_POST
def complete_lesson(request, lesson_id: int):
    lesson = live_lesson(request, lesson_id)
    if not request.user.is_authenticated:
        return redirect(f"/accounts/login/?next={lesson.url}")
    completion = services.complete_lesson(request.user, lesson)
    context = lesson.get_context(request) | {
        "page": lesson,
        "lesson_progress": completion.progress,
        "just_completed": completion.newly_completed,
        "course_completed": completion.course_completed,
        "certificate": completion.certificate,
        # The swapped-in fragment moves keyboard focus to the next step.
        "focus_next_step": True,
    }
    if request.htmx:
        return TemplateResponse(request, "courses/_lesson_complete.html", context)
    if completion.course_completed and completion.certificate:
        messages.success(
            request, f"You completed “{lesson.course.title}”. Here is your certificate."
        )
        return redirect(completion.certificate.get_absolute_url(), permanent=False)
    messages.success(request, "Lesson complete.")
    following = context.get("next_lesson")
    return redirect(following.url if following else lesson.course.url)
