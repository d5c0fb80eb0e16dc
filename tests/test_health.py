from datetime import timedelta

import pytest
from django.utils import timezone

from lms.celery import app as celery_app
from lms.core.health import record_worker_heartbeat

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] == "ok"
    assert body["worker"] == "not seen yet"


def test_healthz_reports_a_recent_worker_heartbeat(client):
    record_worker_heartbeat()
    assert client.get("/healthz").json()["worker"] == "ok"
    record_worker_heartbeat(now=timezone.now() - timedelta(minutes=10))
    assert client.get("/healthz").json()["worker"] == "stale"


def test_healthz_is_unavailable_when_the_broker_is_unreachable(client, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["broker"] != "ok"
    assert body["database"] == "ok"


def test_ci_runs_against_postgresql_and_redis():
    from django.conf import settings
    from django.db import connection

    from tests.conftest import need

    need(connection.vendor == "postgresql", "DATABASE_URL does not point at PostgreSQL")
    need(settings.CELERY_BROKER_URL.startswith("redis://"), "REDIS_URL is not set")
