"""Publishing the outbox. Due rows are handed to Celery in chunks; a chunk
whose message was lost (broker down, worker killed before it started) is
handed out again after `NUDGE_REDISPATCH_SECONDS`, and a row left mid-send by
a dead worker after its claim lease. If the broker cannot be reached the rows
simply wait: nothing is lost and no web request ever waits on the broker,
because only this task (in a worker) publishes nudges.

The chunk task it publishes, `deliver_nudges`, is defined here (registered
under its name in tasks.py, which imports it), so this module never imports
tasks.py."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from . import delivery
from .delivery import abandoned_claim
from .models import Nudge, Status

log = logging.getLogger(__name__)


@shared_task(name="lms.nudges.tasks.deliver_nudges", ignore_result=True, acks_late=True)
def deliver_nudges(nudge_ids: list[int]) -> dict:
    return delivery.deliver(nudge_ids)


def due_ids(now, limit: int) -> list[int]:
    stale_dispatch = now - timedelta(seconds=settings.NUDGE_REDISPATCH_SECONDS)
    never_or_long_ago = Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=stale_dispatch)
    return list(
        Nudge.objects.filter(due_at__lte=now)
        .filter(Q(status=Status.PLANNED) & never_or_long_ago | abandoned_claim(now))
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def dispatch(now=None, limit: int | None = None) -> int:
    """Publishes due nudges in chunks; returns how many were handed out."""
    now = now or timezone.now()
    ids = due_ids(now, limit or settings.NUDGE_DISPATCH_LIMIT)
    size = settings.NUDGE_CHUNK_SIZE
    handed_out = 0
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        try:
            deliver_nudges.apply_async(args=[chunk], retry=False)
        except (OperationalError, OSError) as error:
            log.warning(
                "Broker unreachable, %s nudges wait for the next run: %s",
                len(ids) - handed_out,
                error,
            )
            break
        # Marked after publishing: a crash in between only means the chunk is
        # handed out again, which the per-row claim makes harmless.
        Nudge.objects.filter(pk__in=chunk).update(dispatched_at=now)
        handed_out += len(chunk)
    return handed_out
