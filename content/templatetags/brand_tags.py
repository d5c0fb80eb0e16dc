from django import template

register = template.Library()


@register.filter
def with_site_name(title, site_name):
    """ "Lesson title · Site" — or the site name alone when the page has no title
    of its own or its title is the site name (the home page)."""
    title = " ".join(str(title).split())
    if not title or title == site_name:
        return site_name
    return f"{title} · {site_name}"
