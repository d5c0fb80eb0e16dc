from wagtail import hooks

from courses.models import LessonPage

from .services import start_lesson


# An on_serve_page hook placed inside Wagtail's own view-restriction check
# (order 0): only someone allowed to see a private lesson starts it.
@hooks.register("on_serve_page", order=10)
def start_lesson_on_opening(serve):
    """Opening a lesson (GET) starts it for a signed-in learner, once per
    request, and puts the LessonProgress row on `request.lesson_progress`."""

    def inner(page, request, serve_args, serve_kwargs):
        if (
            isinstance(page, LessonPage)
            and request.method in ("GET", "HEAD")
            and request.user.is_authenticated
        ):
            request.lesson_progress = start_lesson(request.user, page)
        return serve(page, request, serve_args, serve_kwargs)

    return inner
