"""Sending planned nudges through the email outbox (lms.core.outbox: the
claim, its lease, the retries with backoff and which SMTP failures are
final). What is the nudges' own: the message (lms.nudges.messages), that a
nudge is skipped once its learner, their preferences or its lesson no longer
want it, that a bounce stops all nudges to the address, and the NUDGE_*
settings. A retried nudge is handed out by the dispatcher again."""

import logging

from lms.core.outbox import Outbox

from .messages import build_message
from .models import EmailStatus, Nudge, NudgePreference
from .services import stop_mail_to


class NudgeOutbox(Outbox):
    model = Nudge
    noun = "Nudge"
    log = logging.getLogger(__name__)
    related = ("lesson", "user__nudge_preference")  # and so "user"
    lease_setting = "NUDGE_CLAIM_LEASE_SECONDS"
    max_attempts_setting = "NUDGE_MAX_ATTEMPTS"
    retry_base_setting = "NUDGE_RETRY_BASE_SECONDS"

    def message_for(self, nudge, connection):
        return build_message(nudge, connection)

    def still_wanted(self, nudge) -> str:
        user = nudge.user
        if user is None or not user.is_active:
            return "Account closed"
        if not NudgePreference.for_user(user).receiving:
            return "Unsubscribed or address not receiving"
        if nudge.lesson is None and not nudge.details.get("reviews_due"):
            return "Lesson no longer published"
        if nudge.lesson is not None and not nudge.lesson.live:
            return "Lesson no longer published"
        return ""

    def bounced(self, nudge) -> None:
        stop_mail_to(nudge.user, EmailStatus.BOUNCED)

    def retry_changes(self) -> dict:
        return {"dispatched_at": None}  # so the dispatcher hands it out again


NUDGES = NudgeOutbox()

# The operations the dispatcher, its task and the tests use.
abandoned_claim = NUDGES.abandoned_claim
claim = NUDGES.claim
finish = NUDGES.finish
backoff = NUDGES.backoff
deliver = NUDGES.deliver
