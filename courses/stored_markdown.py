"""What a course or lesson page stores of its Markdown when it is saved
(`StoresRenderedMarkdown` in courses.models): the sanitised HTML of each
text and a digest of what it was made from (a lesson's whole body: also the
key of the body's HTML in the cache). Also fills pages saved before they
stored it, or stored under another rendering (migration 0009,
`manage.py store_rendered_markdown`)."""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder

from content.blocks import LessonStreamBlock, markdown_texts
from content.markdown import RENDERING, stored_html, text_key


def body_digest(body_json: list) -> str:
    source = json.dumps(body_json, sort_keys=True, cls=DjangoJSONEncoder)
    return hashlib.sha256(source.encode()).hexdigest()[:32]


def lesson_texts(body_json: list) -> list[str]:
    return markdown_texts(LessonStreamBlock(), body_json)


# "source" names what the HTML was made from: a page whose source and
# rendering are unchanged is not rendered again when saved.


def lesson_stored(body_json: list) -> dict:
    return stored_html(lesson_texts(body_json), source=body_digest(body_json))


def course_stored(introduction: str) -> dict:
    return stored_html([introduction], source=text_key(introduction))


def store_all(lesson_model, course_model, *, stale_only: bool = False) -> int:
    """Stores the rendered Markdown of every lesson and course (with
    `stale_only`, of those stored under another rendering or not at all),
    without saving them otherwise: no revision, no signal. Returns how many."""
    count = 0
    for page in lesson_model.objects.only("pk", "body", "rendered_markdown").iterator():
        if stale_only and (page.rendered_markdown or {}).get("version") == RENDERING:
            continue
        stored = lesson_stored(page.body.get_prep_value())
        lesson_model.objects.filter(pk=page.pk).update(rendered_markdown=stored)
        count += 1
    for page in course_model.objects.only("pk", "introduction", "rendered_markdown").iterator():
        if stale_only and (page.rendered_markdown or {}).get("version") == RENDERING:
            continue
        stored = course_stored(page.introduction)
        course_model.objects.filter(pk=page.pk).update(rendered_markdown=stored)
        count += 1
    return count
