"""Course-level facts derived from lessons."""

from django.db.models import Count, Sum

from .models import CoursePage, LessonPage


def refresh_course_totals(course: CoursePage) -> None:
    totals = (
        LessonPage.objects.live()
        .child_of(course)
        .aggregate(seconds=Sum("reading_seconds"), lessons=Count("id"))
    )
    CoursePage.objects.filter(pk=course.pk).update(
        total_seconds=totals["seconds"] or 0, lesson_count=totals["lessons"]
    )
