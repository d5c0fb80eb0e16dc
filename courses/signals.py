from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from .models import CoursePage, LessonPage
from .services import refresh_course_totals


@receiver(page_published, sender=LessonPage)
@receiver(page_unpublished, sender=LessonPage)
@receiver(post_delete, sender=LessonPage)
def lesson_changed(sender, instance, **kwargs):
    course = CoursePage.objects.filter(path=instance.path[: -CoursePage.steplen]).first()
    if course is not None:
        refresh_course_totals(course)
