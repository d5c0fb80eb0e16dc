from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from content.models import Partner

from .freshness import record_review
from .models import CoursePage, LessonPage
from .services import refresh_course_totals
from .workspace import provision_partner


@receiver(page_published, sender=LessonPage)
@receiver(page_unpublished, sender=LessonPage)
@receiver(post_delete, sender=LessonPage)
def lesson_changed(sender, instance, **kwargs):
    course = CoursePage.objects.filter(path=instance.path[: -CoursePage.steplen]).first()
    if course is not None:
        refresh_course_totals(course)


@receiver(page_published, sender=LessonPage)
def lesson_reviewed(sender, instance, **kwargs):
    record_review(instance)


@receiver(post_save, sender=Partner)
def partner_saved(sender, instance, raw=False, **kwargs):
    """Creating a partner sets up its shelf, authors' group and collection."""
    if not raw:
        provision_partner(instance)
