"""Nudge fan-out: how long a real Celery worker takes to email N learners
through a local SMTP server, against the same worker running N no-op tasks,
measured in the same run. Prints both times and their ratio.

    make bench                      (runs this after the page benchmark)
    .venv/bin/python bench/nudges.py --learners 20000 --concurrency 2

Needs Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/14; the database
number is emptied). Uses var/bench/nudges.sqlite3, or BENCH_DATABASE_URL.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
SQLITE_PATH = BENCH_DIR / "nudges.sqlite3"
RESULTS_PATH = BENCH_DIR / "nudges.json"
WORKER_LOG = BENCH_DIR / "nudge-worker.log"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes")
    parser.add_argument("--chunk", type=int, default=100, help="nudges per delivery task")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per phase at most")
    return parser.parse_args()


def configure(redis_url: str) -> dict:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{SQLITE_PATH}"
    env = {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": url,
        "FMA_VAR_DIR": str(BENCH_DIR),
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return env


def seed(learners: int) -> int:
    """Learners with a nudge each, due now, pointing at one live lesson."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from courses.models import LessonPage
    from lms.nudges.models import Kind, Nudge

    call_command("migrate", interactive=False, verbosity=0)
    if not LessonPage.objects.live().exists():
        call_command("seed_synthetic", lessons=5, stdout=sys.stderr)
    lesson = LessonPage.objects.live().order_by("path").first()
    User = get_user_model()
    now = timezone.now()
    period = f"bench-{now:%Y%m%dT%H%M%S}"
    with transaction.atomic():
        existing = User.objects.filter(email__startswith="bench-learner-").count()
        User.objects.bulk_create(
            User(email=f"bench-learner-{n}@example.com", first_name=f"Learner {n}")
            for n in range(existing, learners)
        )
        users = User.objects.filter(email__startswith="bench-learner-").values_list("pk", flat=True)
        Nudge.objects.bulk_create(
            (
                Nudge(
                    user_id=pk,
                    kind=Kind.NEXT_LESSON,
                    period=period,
                    due_at=now,
                    lesson=lesson,
                    reason="Because you lead in health tech and rated data readiness 2/5.",
                )
                for pk in users[:learners]
            ),
            batch_size=2000,
        )
    return Nudge.objects.filter(period=period).count()


def start_worker(env: dict, concurrency: int, smtp_port: int) -> subprocess.Popen:
    worker_env = dict(
        os.environ, **env, EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp_port), EMAIL_USE_TLS="false"
    )
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "bench.celery_app:app", "worker",
         f"--concurrency={concurrency}", "--pool=prefork", "--without-gossip",
         "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"],
        cwd=ROOT, env=worker_env, stdout=WORKER_LOG.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"bench failed: {what} did not finish in {timeout:.0f}s")
        time.sleep(0.2)


def main() -> int:
    args = parse_args()
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        client.ping()
    except redis.RedisError as error:
        log(f"Nudge fan-out needs Redis at {redis_url} ({error}); set BENCH_REDIS_URL.")
        return 1
    client.flushdb()
    env = configure(redis_url)
    from django.conf import settings
    from django.db import connection

    from bench.celery_app import noop
    from lms.nudges import dispatch
    from lms.nudges.models import Nudge, Status
    from tests.smtp_sink import SmtpSink

    started = time.monotonic()
    count = seed(args.learners)
    log(f"Seeded {count} due nudges in {time.monotonic() - started:.0f}s ({connection.vendor})")
    settings.NUDGE_CHUNK_SIZE = args.chunk
    with SmtpSink() as sink:
        worker = start_worker(env, args.concurrency, sink.port)
        try:
            noop.apply_async(args=[redis_url])  # warm the worker up
            wait(lambda: int(client.get("bench:noop") or 0) == 1, 60, "worker start")
            client.delete("bench:noop")

            log(f"  baseline: {count} no-op tasks")
            began = time.monotonic()
            with noop.app.producer_or_acquire() as producer:
                for _ in range(count):
                    noop.apply_async(args=[redis_url], producer=producer)
            wait(lambda: int(client.get("bench:noop") or 0) >= count, args.timeout, "no-op")
            baseline = time.monotonic() - began

            log(f"  fan-out: {count} nudges in chunks of {args.chunk} to an SMTP server")
            began = time.monotonic()
            dispatch.dispatch(limit=count)
            sent = Nudge.objects.filter(status=Status.SENT)
            wait(lambda: sent.count() >= count, args.timeout, "fan-out")
            fan_out = time.monotonic() - began
            wait(lambda: sum(sink.handler.counts().values()) >= count, 30, "SMTP sink")
        finally:
            worker.terminate()
            worker.wait(timeout=60)
    received = sink.handler.counts()
    duplicates = sum(n - 1 for n in received.values() if n > 1)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": connection.vendor,
        "learners": count,
        "worker_processes": args.concurrency,
        "chunk": args.chunk,
        "noop_seconds": round(baseline, 2),
        "fan_out_seconds": round(fan_out, 2),
        "noop_per_second": round(count / baseline, 1),
        "nudges_per_second": round(count / fan_out, 1),
        "ratio_fan_out_to_noop": round(fan_out / baseline, 2),
        "emails_received": sum(received.values()),
        "duplicates": duplicates,
    }
    print(f"{'target':<34}{'seconds':>10}{'per second':>14}{'vs no-op':>10}")
    print(f"{'no-op tasks (baseline)':<34}{baseline:>10.1f}{count / baseline:>14.1f}{1.0:>10.2f}")
    print(
        f"{'nudge fan-out to SMTP':<34}{fan_out:>10.1f}{count / fan_out:>14.1f}"
        f"{fan_out / baseline:>10.2f}"
    )
    print(f"emails received {result['emails_received']}, duplicates {duplicates}")
    RESULTS_PATH.write_text(json.dumps(result, indent=2) + "\n")
    log(f"Results written to {RESULTS_PATH.relative_to(ROOT)}")
    return 0 if duplicates == 0 and result["emails_received"] == count else 1


if __name__ == "__main__":
    sys.exit(main())
