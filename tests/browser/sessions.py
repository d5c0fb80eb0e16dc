"""A browser context of a given size, signed in as a user or not."""

from django.conf import settings
from django.test import Client


def open_context(browser, live_server, size, user=None, **options):
    """(context, page) at `size`; the page collects console errors in
    `page.console_errors`. The caller closes the context."""
    context = browser.new_context(viewport=size, **options)
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.console_errors = errors
    return context, page
