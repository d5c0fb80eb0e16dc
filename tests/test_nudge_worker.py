"""Nudges through a real Celery worker on the real Redis and PostgreSQL, into a
real SMTP server: a worker killed in the middle of a chunk and a Redis outage
both end with every due learner nudged exactly once.

No test here depends on the day or hour it runs. The learners' weekly slot is
set three days away from today, so no scheduled planner (in this process or in
a `manage.py` subprocess on the real clock) ever finds it open; the test of the
scheduled planner pins this process's clock (time-machine) to an instant when
the slot is open, and hands that instant to the worker as beat does."""

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lms.celery import app as celery_app
from lms.nudges import dispatch, planner, tasks
from lms.nudges.models import Kind, Nudge, Status
from lms.progress.models import LessonProgress
from tests.celery_worker import Worker, database_url
from tests.conftest import need, using_postgres
from tests.nudge_fixtures import make_learner
from tests.smtp_sink import SmtpSink, free_port

LEARNERS = 12
# Tuesday 24 November 2026, 09:00 in London (GMT): an hour into a Tuesday 08:00 slot.
TUESDAY_9AM_LONDON = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def services(starter_library, settings):
    need(using_postgres(), "a worker process needs a shared database (PostgreSQL)")
    need(settings.CELERY_BROKER_URL.startswith("redis://"), "REDIS_URL is not set")
    settings.NUDGE_CHUNK_SIZE = 5
    settings.NUDGE_CLAIM_LEASE_SECONDS = 4
    settings.NUDGE_REDISPATCH_SECONDS = 3
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


def never_open_today() -> tuple[int]:
    """A weekly slot three days from today: closed all of today and tomorrow,
    whatever the clock says (the planning window is hours, not days)."""
    return ((timezone.localdate().weekday() + 3) % 7,)


@pytest.fixture
def learners(services, django_user_model):
    """Twelve learners nudged "now" (`plan_now`), whose own slot is days away."""
    days = never_open_today()
    users = [
        make_learner(django_user_model, f"exec{n:02d}@example.com", days=days)
        for n in range(LEARNERS)
    ]
    assert planner.plan_now([user.pk for user in users]) == LEARNERS
    return users


@pytest.fixture
def tuesday_learners(services, django_user_model):
    """Twelve learners with the default slot, Tuesday 08:00 London, and no nudge yet."""
    return [make_learner(django_user_model, f"exec{n:02d}@example.com") for n in range(LEARNERS)]


def nudge_worker(smtp_port: int, broker_url: str | None = None) -> Worker:
    env = {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "false",
        "EMAIL_TIMEOUT": "60",
        "NUDGE_CLAIM_LEASE_SECONDS": "3",
        "CELERY_VISIBILITY_TIMEOUT": "5",
    }
    if broker_url:
        env["REDIS_URL"] = broker_url
    return Worker(**env)


def wait_for(condition, seconds=90, every=0.25, tick=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if tick:
            tick()
        if condition():
            return True
        time.sleep(every)
    return False


def all_sent():
    return Nudge.objects.filter(status=Status.SENT).count() == LEARNERS


def test_a_worker_killed_mid_chunk_then_restarted_nudges_everyone_exactly_once(learners):
    celery_app.control.purge()
    with SmtpSink(stall_at=4) as sink:
        first = nudge_worker(sink.port).start()
        try:
            assert dispatch.dispatch() == LEARNERS  # three chunks: 5, 5, 2
            assert sink.handler.stalled.wait(60), "the worker never reached the 4th email"
            first.kill()  # mid-chunk: 3 accepted, the 4th not yet, 1 more unclaimed
        finally:
            first.stop()
        sink.handler.release.set()
        assert sum(sink.handler.counts().values()) == 3
        assert Nudge.objects.filter(status=Status.SENDING).count() == 1

        second = nudge_worker(sink.port).start()
        try:
            # Beat runs the dispatcher every 30 s; here four times a second.
            assert wait_for(all_sent, tick=dispatch.dispatch), Nudge.objects.values_list(
                "status", flat=True
            )
            time.sleep(6)  # past the visibility timeout: a redelivered chunk sends nothing
            dispatch.dispatch()
        finally:
            second.stop()
    counts = sink.handler.counts()
    assert set(counts) == {user.email for user in learners}
    assert set(counts.values()) == {1}


def planned_rows():
    return sorted(Nudge.objects.values_list("user__email", "kind", "period", "due_at"))


def test_scheduled_planner_run_twice_sends_nothing_twice(tuesday_learners):
    """Beat's `plan_nudges`, run twice while the slot is open: the worker plans
    each learner's Tuesday nudge once, and each is emailed once."""
    celery_app.control.purge()
    slot = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    expected = sorted(
        (user.email, Kind.NEXT_LESSON, "2026-11-24", slot) for user in tuesday_learners
    )
    with time_machine.travel(TUESDAY_9AM_LONDON, tick=True), SmtpSink() as sink:
        worker = nudge_worker(sink.port).start()
        try:
            assert tasks.plan_nudges() == LEARNERS  # all twelve are due at 09:00
            assert wait_for(lambda: Nudge.objects.count() == LEARNERS, seconds=60)
            assert planned_rows() == expected

            dispatch.dispatch()
            assert wait_for(all_sent, tick=dispatch.dispatch)

            assert tasks.plan_nudges() == LEARNERS  # still due: the slot is open
            time.sleep(3)  # the worker plans again, and writes nothing new
            assert planner.plan() == 0  # nor does the planner in this process
            assert planned_rows() == expected
            assert dispatch.dispatch() == 0
            time.sleep(3)
        finally:
            worker.stop()
    assert set(sink.handler.counts().values()) == {1}
    assert set(sink.handler.counts()) == {user.email for user in tuesday_learners}


@pytest.fixture
def private_redis(services):
    """A Redis server of this test's own, so stopping it harms nothing else."""
    port = free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no"]  # fmt: skip

    def start():
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        import redis

        client = redis.Redis(port=port)
        assert wait_for(lambda: _pings(client), seconds=10, every=0.1)
        return process

    state = {"process": start(), "url": f"redis://127.0.0.1:{port}/0", "start": start}
    yield state
    if state["process"].poll() is None:
        state["process"].terminate()
        state["process"].wait(timeout=10)


def _pings(client):
    from redis.exceptions import RedisError

    try:
        return client.ping()
    except RedisError:
        return False


def run_command(url, *args):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="lms.settings.test", DATABASE_URL=database_url())
    env["REDIS_URL"] = url
    env["CELERY_TASK_ALWAYS_EAGER"] = "false"
    return subprocess.run(
        [sys.executable, "manage.py", "send_nudges_now", *args],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def scheduled_here(url):
    """`send_nudges_now --scheduled` (the planner, then the dispatcher), in
    this process, publishing to the broker at `url`."""
    with broker_at(url):
        planner.plan()
        dispatch.dispatch()


@contextmanager
def broker_at(url: str):
    """This process's Celery app publishes to `url` (as a web process would
    with REDIS_URL pointing there), then goes back to the usual broker."""

    def point_at(address):
        # kombu keeps one connection pool per broker URL in a global registry:
        # forget this app's, never close it (a closed pool stays registered).
        celery_app.conf.broker_url = address
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    usual = celery_app.conf.broker_url
    point_at(url)
    try:
        yield
    finally:
        point_at(usual)


def test_redis_outage_keeps_pages_serving_and_nudges_go_out_once_it_is_back(
    private_redis, learners, settings
):
    from courses.models import LessonPage

    Nudge.objects.all().delete()
    settings.CACHES = {
        "default": {
            "BACKEND": "lms.core.cache.ResilientRedisCache",
            "LOCATION": private_redis["url"],
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    private_redis["process"].terminate()
    private_redis["process"].wait(timeout=10)

    # The web side keeps serving, signed in or not, with both its cache and its
    # broker gone, and the learning is recorded.
    lesson = LessonPage.objects.live().order_by("path").first()
    visitor, learner = Client(), Client()
    learner.force_login(learners[0])
    with broker_at(private_redis["url"]):
        for client in (visitor, learner):
            for url in ("/", "/courses/", lesson.url):
                assert client.get(url).status_code == 200, url
        complete = reverse("progress:complete_lesson", args=[lesson.pk])
        assert learner.post(complete).status_code in (200, 302)
        assert learner.get("/dashboard/").status_code == 200
    progress = LessonProgress.objects.get(user=learners[0], lesson=lesson)
    assert progress.started_at is not None and progress.completed_at is not None
    assert not LessonProgress.objects.exclude(user=learners[0]).exists()

    # Planning writes the outbox; publishing fails fast and keeps every row.
    result = run_command(private_redis["url"])
    assert result.returncode == 0, result.stderr
    assert Nudge.objects.filter(status=Status.PLANNED, dispatched_at__isnull=True).count() == (
        LEARNERS
    )

    with SmtpSink() as sink:
        private_redis["process"] = private_redis["start"]()
        worker = nudge_worker(sink.port, broker_url=private_redis["url"]).start()
        try:
            scheduled = run_command(private_redis["url"], "--scheduled")
            assert scheduled.returncode == 0, scheduled.stderr
            assert "Planned 0 nudges" in scheduled.stdout  # no learner's slot is open
            # Then what beat runs every minute, here four times a second, in this
            # process (publishing to the restarted server): a subprocess per
            # tick cost a Django start-up each.
            assert wait_for(all_sent, tick=lambda: scheduled_here(private_redis["url"]))
        finally:
            worker.stop()
    assert Nudge.objects.count() == LEARNERS
    assert set(sink.handler.counts().values()) == {1}
    assert set(sink.handler.counts()) == {user.email for user in learners}
