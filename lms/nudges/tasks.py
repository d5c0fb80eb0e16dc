"""Thin Celery tasks over the planner, dispatcher and delivery. Beat runs
`plan_nudges` and `dispatch_nudges` every minute (lms/settings/base.py); both
are idempotent, so a second beat or a re-run changes nothing. `deliver_nudges`
(one chunk of nudge ids) is defined next to the dispatcher that publishes it."""

from celery import shared_task
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import dispatch, planner
from .dispatch import deliver_nudges  # noqa: F401  (lms.nudges.tasks.deliver_nudges)


@shared_task(ignore_result=True)
def plan_nudges() -> int:
    now = timezone.now()
    ids = planner.due_user_ids(now)
    for start in range(0, len(ids), planner.CHUNK):
        plan_nudges_for.delay(ids[start : start + planner.CHUNK], now.isoformat())
    return len(ids)


@shared_task(ignore_result=True, acks_late=True)
def plan_nudges_for(user_ids: list[int], now: str) -> int:
    return planner.plan(parse_datetime(now), user_ids)


@shared_task(ignore_result=True)
def dispatch_nudges() -> int:
    return dispatch.dispatch()
