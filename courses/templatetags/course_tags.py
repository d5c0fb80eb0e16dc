from django import template

from courses.covers import course_cover

register = template.Library()


@register.simple_tag
def generated_cover(course, css_class=""):
    """The course's generated cover art (courses.covers), for a course with no cover image."""
    return course_cover(course, css_class)
