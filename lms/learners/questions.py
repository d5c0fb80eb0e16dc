"""Questions that apps above lms.learners add to the onboarding screen, so
the learner answers everything on one page while each app keeps its own data
(the layers contract: learners may not import them). An app registers a
question from its AppConfig.ready:

    from lms.learners import questions

    questions.register("nudge_cadence", field=cadence_field, save=choose_cadence)

`field(user)` returns the form field, or None when the question is not for
this learner (already answered elsewhere); `save(user, value)` runs inside the
onboarding transaction with the cleaned value."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms


@dataclass(frozen=True)
class Question:
    name: str
    field: Callable[[Any], forms.Field | None]
    save: Callable[[Any, Any], None]
    template: str = ""  # how to show it, if not the standard field include


_questions: dict[str, Question] = {}


def register(name: str, *, field, save, template: str = "") -> None:
    _questions[name] = Question(name, field, save, template)


def registered() -> list[Question]:
    return list(_questions.values())
