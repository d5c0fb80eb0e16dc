"""A lesson's blocks checked once, as the editor checks them: each block's own
`clean` (lengths, required fields, Markdown that cannot be shown, case-study
labels) and the publish checks (`courses.publish_checks`), reported at the
block's line."""

from django.core.exceptions import ValidationError

from courses import publish_checks
from courses.models import LessonPage

IMAGE_TEXT = ("alt_text", "caption")


def lesson_body(blocks):
    """The StreamValue of parsed blocks; an image is checked without its image,
    which is only added to the image library when the lesson is saved."""
    raw = [
        {"type": kind, "value": {**value, "image": None} if kind == "image" else value}
        for kind, value, _ in blocks
    ]
    return LessonPage.body.field.stream_block.to_python(raw)


def block_problems(blocks) -> list[tuple[int, str]]:
    """(line, message) for every rule a block breaks."""
    body = lesson_body(blocks)
    problems = []
    for (kind, _, line), child, name in zip(
        blocks, body, publish_checks.block_names(body), strict=True
    ):
        # An image's own file is only added to the image library when the
        # lesson is saved: its other fields (alt text, caption) are checked.
        fields = (
            [(field, child.block.child_blocks[field], child.value[field]) for field in IMAGE_TEXT]
            if kind == "image"
            else [("", child.block, child.value)]
        )
        for field, block, value in fields:
            try:
                block.clean(value)
            except ValidationError as error:
                where = f"{name}: {block.label}: " if field else f"{name}: "
                problems += [(line, where + message) for message in validation_messages(error)]
    problems += [(blocks[p.index][2], str(p)) for p in publish_checks.block_problems(body)]
    return problems


def whole_lesson_problems(blocks, summary: str) -> list[str]:
    """The publish checks of the lesson as a whole (its sources, five minutes)."""
    return publish_checks.whole_lesson_problems(body=lesson_body(blocks), summary=summary)


def validation_messages(error) -> list[str]:
    """Flattens a (nested) block ValidationError into readable messages."""
    if not hasattr(error, "as_json_data"):
        return list(error.messages)
    messages = []

    def walk(node, where):
        if isinstance(node, list):
            for child in node:
                walk(child, where)
            return
        if not isinstance(node, dict):
            return
        for message in node.get("messages", []):
            messages.append(f"{where}: {message}" if where else message)
        children = node.get("blockErrors") or {}
        items = children.items() if isinstance(children, dict) else enumerate(children)
        for name, child in items:
            if child is not None:
                label = name if isinstance(name, str) else f"item {int(name) + 1}"
                walk(child, f"{where} {label}".strip())

    walk(error.as_json_data(), "")
    return messages
