"""What must hold before a course or lesson goes live. The editor forms, the
Markdown importer and the review workflow call these same functions.

Problems inside the lesson body are reported per block (`BlockProblem`), so
the editor can show each message on the block itself and the summary can name
the block ("Knowledge check 2 “What is…”: …")."""

from dataclasses import dataclass

from django.utils.text import Truncator

from content import reading_time


@dataclass(frozen=True)
class BlockProblem:
    index: int  # position of the block in the body, from 0
    name: str  # "Knowledge check 2 “Which of these…”"
    field: str | None  # the block's own field at fault, if there is one
    message: str

    def __str__(self):
        return f"{self.name}: {self.message}"


def _label(child) -> str:
    # Wagtail's label: the block's Meta label, else its name ("Markdown").
    return str(child.block.label)


def _title(child) -> str:
    value = child.value
    # An image is only ever named when its alt text is missing: no "alt_text" here.
    for key in ("question", "title", "caption"):
        text = value.get(key) if hasattr(value, "get") else None
        if text:
            return f" “{Truncator(str(text)).chars(40)}”"
    return ""


def block_names(body) -> list[str]:
    """Each block's name in messages: "Knowledge check 2 “Which of these…”"."""
    names, seen = [], {}
    for child in body:
        seen[child.block_type] = seen.get(child.block_type, 0) + 1
        names.append(f"{_label(child)} {seen[child.block_type]}{_title(child)}")
    return names


def block_problems(body) -> list[BlockProblem]:
    problems: list[BlockProblem] = []
    for index, (child, name) in enumerate(zip(body, block_names(body), strict=True)):
        value = child.value

        def problem(field, message, index=index, name=name):
            problems.append(BlockProblem(index, name, field, message))

        if child.block_type == "image" and not (value.get("alt_text") or "").strip():
            problem("alt_text", "add alt text that says what the image shows.")
        elif child.block_type == "video" and not (value.get("transcript") or "").strip():
            problem("transcript", "add a transcript of the video.")
        elif child.block_type == "knowledge_check":
            if not any(option.get("is_correct") for option in value.get("options") or []):
                problem("options", "mark at least one option as the correct answer.")
            if not (value.get("explanation") or "").strip():
                problem("explanation", "add an explanation of why the right answer is right.")
    return problems


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def lesson_errors(*, body, summary: str = "") -> dict[str, list[str]]:
    messages = [str(problem) for problem in block_problems(body)]
    messages += whole_lesson_problems(body=body, summary=summary)
    return {"body": messages} if messages else {}


def whole_lesson_problems(*, body, summary: str = "") -> list[str]:
    """The checks of the lesson as a whole, not of one block: it cites its
    sources and fits in five minutes."""
    messages = []
    if not any(block.block_type == "sources" for block in body):
        messages.append("Add a Sources block: every lesson cites where its facts come from.")
    estimate = reading_time.estimate(body, extra_text=summary)
    if not estimate.fits:
        messages.append(
            f"This lesson takes about {estimate.minutes} minutes ({estimate.words} words, "
            f"{plural(estimate.images, 'image')}, {plural(estimate.checks, 'knowledge check')}"
            + (f", {estimate.video_seconds} seconds of video" if estimate.video_seconds else "")
            + "); a lesson must take five minutes or less. "
            f"Cut about {estimate.over_limit_by_words} words "
            "or split it into two lessons before publishing."
        )
    return messages


def course_errors(*, sectors, seniority_levels, learning_outcomes=None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not sectors:
        errors["sectors"] = ["Choose at least one sector before publishing this course."]
    if not seniority_levels:
        errors["seniority_levels"] = [
            "Choose at least one seniority level before publishing this course."
        ]
    if learning_outcomes is not None and not any(
        str(block.value).strip() for block in learning_outcomes
    ):
        errors["learning_outcomes"] = [
            "Add at least one learning outcome: what a learner can do after the course."
        ]
    return errors


def draft_lesson_errors(course) -> list[str]:
    """Checks the latest drafts of the course's lessons that are not live yet
    or have unpublished changes: the ones a course approval would publish."""
    messages = []
    for lesson in course.lessons_to_publish_with():
        draft = lesson.get_latest_revision_as_object()
        for found in lesson_errors(body=draft.body, summary=draft.summary).values():
            messages += [f"Lesson “{draft.title}”: {message}" for message in found]
    return messages
