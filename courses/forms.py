from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.blocks import StreamBlockValidationError
from wagtail.blocks.struct_block import StructBlockValidationError

from . import publish_checks


class PublishCheckedPageForm(WagtailAdminPageForm):
    """Runs the publish checks when the page is published, submitted for review
    or approved from the editor; drafts can still be saved while work is in
    progress."""

    def is_going_live(self) -> bool:
        return bool(
            self.data.get("action-publish")
            or self.data.get("action-submit")
            or (
                self.data.get("action-workflow-action")
                and self.data.get("workflow-action-name") == "approve"
            )
        )

    def publish_errors(self, cleaned_data) -> dict[str, list]:
        raise NotImplementedError

    def clean(self):
        cleaned_data = super().clean()
        if self.is_going_live():
            for field, messages in self.publish_errors(cleaned_data).items():
                for message in messages:
                    self.add_error(field, message)
        return cleaned_data


class LessonPageForm(PublishCheckedPageForm):
    def publish_errors(self, cleaned_data):
        if "body" not in cleaned_data:
            return {}
        body = cleaned_data["body"]
        errors = publish_checks.lesson_errors(body=body, summary=cleaned_data.get("summary", ""))
        if errors.get("body"):
            # One error on the body: the list of messages at the top, and each
            # block's own message on the block (and its field) in the editor.
            errors["body"] = [
                StreamBlockValidationError(
                    block_errors=block_errors(publish_checks.block_problems(body)),
                    non_block_errors=errors["body"],
                )
            ]
        return errors


def block_errors(problems) -> dict[int, ValidationError]:
    by_block: dict[int, dict[str, ValidationError]] = {}
    for problem in problems:
        by_block.setdefault(problem.index, {})[problem.field] = ValidationError(
            problem.message[0].upper() + problem.message[1:]
        )
    return {
        index: StructBlockValidationError(block_errors=fields) for index, fields in by_block.items()
    }


class CoursePageForm(PublishCheckedPageForm):
    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("cover_image") and not (cleaned_data.get("cover_alt") or "").strip():
            self.add_error(
                "cover_alt",
                "Add alt text for the cover: say what it shows, for people who cannot see it.",
            )
        return cleaned_data

    def publish_errors(self, cleaned_data):
        errors = publish_checks.course_errors(
            sectors=cleaned_data.get("sectors"),
            seniority_levels=cleaned_data.get("seniority_levels"),
            learning_outcomes=cleaned_data.get("learning_outcomes"),
        )
        if self.instance.pk:
            # Approving a course publishes its draft lessons with it, so those
            # lessons must pass their checks too.
            lesson_messages = publish_checks.draft_lesson_errors(self.instance)
            if lesson_messages:
                errors[None] = lesson_messages
        return errors
