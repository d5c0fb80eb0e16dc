"""What must hold before a course or lesson goes live. The editor forms, the
Markdown importer and any later workflow step call these same functions."""

from content import reading_time


def lesson_errors(*, body, summary: str = "") -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not any(block.block_type == "sources" for block in body):
        errors.setdefault("body", []).append(
            "Add a Sources block: every lesson cites where its facts come from."
        )
    estimate = reading_time.estimate(body, extra_text=summary)
    if not estimate.fits:
        errors.setdefault("body", []).append(
            f"This lesson reads in about {estimate.minutes} minutes ({estimate.words} words, "
            f"{estimate.images} images, {estimate.checks} knowledge checks); a lesson must read "
            f"in five minutes or less. Cut about {estimate.over_limit_by_words} words "
            "or split it into two lessons before publishing."
        )
    return errors


def course_errors(*, sectors, seniority_levels) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not sectors:
        errors["sectors"] = ["Choose at least one sector before publishing this course."]
    if not seniority_levels:
        errors["seniority_levels"] = [
            "Choose at least one seniority level before publishing this course."
        ]
    return errors
