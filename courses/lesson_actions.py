"""What happens on a lesson page: opening it starts it for a signed-in learner;
its forms answer knowledge checks and mark it complete, as htmx fragments or as
plain posts that work without JavaScript."""

from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from lms.progress import services as progress


def serve_lesson(lesson, request, serve_page, *args, **kwargs):
    if request.method == "POST":
        action = request.POST.get("action", "answer")
        if action == "complete":
            return complete(lesson, request)
        if action == "answer":
            from .knowledge_checks import serve_answer

            if request.user.is_authenticated:
                request.lesson_progress = progress.start_lesson(request.user, lesson)
            return serve_answer(lesson, request)
        return HttpResponseBadRequest("Unknown action.")
    if request.user.is_authenticated:
        request.lesson_progress = progress.start_lesson(request.user, lesson)
    return serve_page(request, *args, **kwargs)


def complete(lesson, request):
    if not request.user.is_authenticated:
        return redirect(f"/accounts/login/?next={lesson.url}")
    completion = progress.complete_lesson(request.user, lesson)
    context = lesson.get_context(request) | {
        "page": lesson,
        "lesson_progress": completion.progress,
        "just_completed": completion.newly_completed,
        "course_completed": completion.course_completed,
        "certificate": certificate_for(request.user, lesson),
    }
    if request.htmx:
        return TemplateResponse(request, "courses/_lesson_complete.html", context)
    if completion.course_completed and context["certificate"]:
        messages.success(
            request, f"You completed “{lesson.course.title}”. Here is your certificate."
        )
        return redirect(context["certificate"].get_absolute_url(), permanent=False)
    messages.success(request, "Lesson complete.")
    following = context.get("next_lesson")
    return redirect(following.url if following else lesson.course.url)


def certificate_for(user, lesson):
    from lms.certificates.models import Certificate

    return Certificate.objects.filter(user=user, course=lesson.course).first()
