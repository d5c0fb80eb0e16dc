"""Previous and next lesson within a course, in page-tree order, in one query."""

from .models import LessonPage


def lesson_navigation(lesson: LessonPage) -> dict:
    siblings = list(
        LessonPage.objects.live()
        .public()
        .sibling_of(lesson, inclusive=True)
        .order_by("path")
        .only("id", "title", "url_path", "path", "depth", "reading_seconds")
    )
    ids = [page.pk for page in siblings]
    position = ids.index(lesson.pk) if lesson.pk in ids else None
    if position is None:
        return {"previous_lesson": None, "next_lesson": None, "lesson_position": None}
    return {
        "previous_lesson": siblings[position - 1] if position > 0 else None,
        "next_lesson": siblings[position + 1] if position + 1 < len(siblings) else None,
        "lesson_position": position + 1,
        "lesson_total": len(siblings),
    }
