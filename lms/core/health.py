"""Reachability checks behind /healthz: database, broker, and when the task
worker last ran a scheduled task."""

import socket
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from lms.celery import app as celery_app

from .models import WorkerHeartbeat

HEARTBEAT_STALE_AFTER = timedelta(minutes=3)


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "unreachable"
        return False, exc.__class__.__name__
    return True, "ok"


def check_broker() -> tuple[bool, str]:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return False, exc.__class__.__name__
    return True, "ok"


def last_worker_heartbeat():
    return WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()


def record_worker_heartbeat(now=None):
    WorkerHeartbeat.objects.update_or_create(
        hostname=socket.gethostname(), defaults={"seen_at": now or timezone.now()}
    )


def health_report() -> tuple[bool, dict]:
    db_ok, db_detail = check_database()
    broker_ok, broker_detail = check_broker()
    report = {"database": db_detail, "broker": broker_detail}
    if db_ok:
        seen = last_worker_heartbeat()
        fresh = seen is not None and timezone.now() - seen < HEARTBEAT_STALE_AFTER
        report["worker"] = "ok" if fresh else ("stale" if seen else "not seen yet")
        report["worker_last_seen"] = seen.isoformat() if seen else None
    # The worker is reported but does not fail the check: web keeps serving
    # while a worker restarts.
    return db_ok and broker_ok, report
