"""Staff screens in a real browser (issue 14), axe-clean: the editor's live
preview shows the lesson."""

import re

import pytest

from courses.models import LessonPage
from tests.browser.conftest import assert_accessible
from tests.browser.test_partner_authoring import admin_account, sign_in

pytestmark = pytest.mark.browser


def test_the_live_preview_panel_shows_the_lesson(page, live_server, starter_library):
    editor, secret = admin_account("editor.preview@example.com", "editor")
    lesson = LessonPage.objects.live().order_by("path").first()
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, editor, secret)
    page.goto(f"{live_server.url}/admin/pages/{lesson.pk}/edit/")
    page.get_by_role("button", name=re.compile("Toggle preview", re.I)).click()
    page.locator("iframe.w-preview__proxy").wait_for(state="detached", timeout=15_000)
    frame = page.frame_locator("#w-preview-iframe")
    heading = frame.get_by_role("heading", level=1)
    heading.wait_for(timeout=15_000)
    assert heading.inner_text() == lesson.title
    assert_accessible(page)
