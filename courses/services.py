"""Course-level facts derived from lessons."""

from content.reading_time import course_minutes

from .models import CoursePage, LessonPage


def refresh_course_totals(course: CoursePage) -> None:
    seconds = list(
        LessonPage.objects.live().child_of(course).values_list("reading_seconds", flat=True)
    )
    CoursePage.objects.filter(pk=course.pk).update(
        total_minutes=course_minutes(seconds), lesson_count=len(seconds)
    )
