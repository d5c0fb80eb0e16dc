from celery import shared_task

from .health import record_worker_heartbeat


@shared_task(ignore_result=True)
def record_heartbeat():
    record_worker_heartbeat()
