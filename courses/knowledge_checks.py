"""Answering a knowledge check in place: grade the answer and show feedback
with the explanation. Works as an htmx fragment and as a plain form post."""

import uuid
from dataclasses import dataclass

from django.template.response import TemplateResponse


@dataclass(frozen=True)
class Feedback:
    correct: bool
    selected: frozenset[int]
    correct_options: frozenset[int]
    explanation: str
    error: str = ""


def find_check(lesson, block_id: str):
    for child in lesson.body:
        if child.block_type == "knowledge_check" and child.id == block_id:
            return child
    return None


def correct_options(check_value) -> frozenset[int]:
    return frozenset(
        i for i, option in enumerate(check_value["options"], 1) if option["is_correct"]
    )


def grade(check_value, raw_answers: list[str]) -> Feedback:
    answer_key = correct_options(check_value)
    count = len(check_value["options"])
    try:
        selected = frozenset(int(answer) for answer in raw_answers)
    except ValueError:
        selected = frozenset()
    if not selected or not all(1 <= n <= count for n in selected):
        return Feedback(
            False, frozenset(), answer_key, "", error="Choose an answer, then check it."
        )
    return Feedback(selected == answer_key, selected, answer_key, check_value["explanation"])


def serve_answer(lesson, request):
    check = find_check(lesson, request.POST.get("check", ""))
    if check is None:
        response = lesson.serve(_as_get(request))
        response.status_code = 400
        return response
    from lms.progress.services import answer_check

    feedback = answer_check(
        request.user, lesson, check, request.POST.getlist("answer"), request.POST.get("attempt", "")
    )
    context = {
        "page": lesson,
        "attempt_token": uuid.uuid4().hex,
        "value": check.value,
        "block_id": check.id,
        "answered_block_id": check.id,
        "feedback": feedback,
    }
    status = 422 if feedback.error else 200
    if request.htmx:
        return TemplateResponse(request, "blocks/knowledge_check.html", context, status=status)
    context = lesson.get_context(request) | context
    return TemplateResponse(request, lesson.get_template(request), context, status=status)


def _as_get(request):
    request.method = "GET"
    return request
