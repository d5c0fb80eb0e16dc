import io
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse
from wagtail.images import get_image_model

from courses.models import LessonPage

pytestmark = pytest.mark.django_db
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


@pytest.fixture
def learner_pages(library):
    lesson = LessonPage.objects.live().first()
    return ["/", "/courses/", lesson.get_parent().url, lesson.url]


def test_learner_pages_send_a_strict_content_security_policy(client, learner_pages):
    for url in learner_pages:
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy


def test_learner_pages_have_no_inline_script_or_event_handler(client, learner_pages):
    for url in learner_pages:
        html = client.get(url).content.decode()
        assert not INLINE_SCRIPT.search(html), url
        assert not INLINE_HANDLER.search(html), url
        assert ' style="' not in html, url


def test_svg_upload_is_refused(admin_client):
    svg = io.BytesIO(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>')
    svg.name = "logo.svg"
    count = get_image_model().objects.count()
    response = admin_client.post(
        reverse("wagtailimages:add"), {"title": "Logo", "file": svg}, follow=True
    )
    assert "Not a supported image format" in response.content.decode()
    assert get_image_model().objects.count() == count


def test_production_settings_pass_the_deploy_check():
    env = dict(
        {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        SECRET_KEY="x" * 20 + "-production-check-" + "y" * 30,
        ALLOWED_HOSTS="learn.example.org",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DJANGO_SETTINGS_MODULE"] = "lms.settings.production"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
