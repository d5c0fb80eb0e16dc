"""Sending a task from a request or a signal without waiting on the broker."""

import logging

from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)


def enqueue_quietly(task, *args, why_it_can_wait: str = "") -> bool:
    """Publishes `task` once, without retrying. If the broker is down the
    caller carries on; `why_it_can_wait` names the sweep that catches up."""
    try:
        task.apply_async(args=list(args), retry=False)
        return True
    except (OperationalError, OSError) as error:
        log.warning("Broker unreachable; %s not sent (%s): %s", task.name, why_it_can_wait, error)
        return False
