from django import template
from django.utils.safestring import mark_safe

from content.markdown import html_of

register = template.Library()


@register.simple_tag(takes_context=True)
def markdown(context, text):
    """{% markdown text %}: the text as sanitised HTML, as the page in the
    context stored it when it was saved (no rendering per request), or
    rendered now where the page did not store it."""
    stored = getattr(context.get("page"), "rendered_markdown", None)
    return mark_safe(html_of(stored, text))  # html_of's HTML is sanitised
