from wagtail.admin.forms import WagtailAdminPageForm

from . import publish_checks


class PublishCheckedPageForm(WagtailAdminPageForm):
    """Runs the publish checks when the editor publishes or submits for review;
    drafts can still be saved while work is in progress."""

    def is_going_live(self) -> bool:
        return bool(self.data.get("action-publish") or self.data.get("action-submit"))

    def publish_errors(self, cleaned_data) -> dict[str, list[str]]:
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
        return publish_checks.lesson_errors(
            body=cleaned_data["body"], summary=cleaned_data.get("summary", "")
        )


class CoursePageForm(PublishCheckedPageForm):
    def publish_errors(self, cleaned_data):
        return publish_checks.course_errors(
            sectors=cleaned_data.get("sectors"),
            seniority_levels=cleaned_data.get("seniority_levels"),
        )
