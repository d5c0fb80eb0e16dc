"""Nudge fan-out: how long a real Celery worker takes to email N learners
through a local SMTP server, against the same worker running N no-op tasks,
measured in the same run. Prints both times and their ratio. Before that,
the planner: how long planning one slot for M onboarded learners takes when
each has review cards due (lms.reviews), against the same learners with none.

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
from datetime import UTC, datetime, timedelta
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
    parser.add_argument("--planner-learners", type=int, default=2_000)
    parser.add_argument("--review-cards", type=int, default=5, help="due per planner learner")
    parser.add_argument("--planner-rounds", type=int, default=3, help="best of this many")
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
    from lms.nudges.models import Cadence, Kind, Nudge, NudgePreference

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
        # Nobody is nudged who never chose a cadence (NudgePreference.for_user).
        NudgePreference.objects.bulk_create(
            (NudgePreference(user_id=pk, cadence=Cadence.WEEKLY, days=[1]) for pk in users),
            batch_size=2000,
            ignore_conflicts=True,
        )
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


# A Tuesday 08:01 in London (GMT): the planner learners' weekly slot is open.
PLANNER_NOW = datetime(2026, 11, 24, 8, 1, tzinfo=UTC)


def seed_planner(learners: int) -> list[int]:
    """Onboarded learners, nudged weekly on Tuesdays at 08:00 in London."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from content.models import Sector, SeniorityLevel
    from lms.learners.models import LearnerProfile
    from lms.nudges.models import Cadence, NudgePreference

    User = get_user_model()
    sector, level = Sector.objects.order_by("pk").first(), SeniorityLevel.objects.first()
    with transaction.atomic():
        existing = User.objects.filter(email__startswith="bench-planner-").count()
        User.objects.bulk_create(
            User(email=f"bench-planner-{n}@example.com", first_name=f"Planner {n}")
            for n in range(existing, learners)
        )
        users = list(
            User.objects.filter(email__startswith="bench-planner-")
            .order_by("pk")
            .values_list("pk", flat=True)[:learners]
        )
        LearnerProfile.objects.bulk_create(
            (
                LearnerProfile(user_id=pk, sector=sector, seniority=level,
                               organisation_name="Bench Ltd", organisation_size="50-249",
                               time_zone="Europe/London")
                for pk in users
            ),
            batch_size=2000, ignore_conflicts=True,
        )  # fmt: skip
        NudgePreference.objects.bulk_create(
            (NudgePreference(user_id=pk, cadence=Cadence.WEEKLY, days=[1], hour=8) for pk in users),
            batch_size=2000, ignore_conflicts=True,
        )  # fmt: skip
    return users


def add_due_cards(users: list[int], per_learner: int) -> int:
    """`per_learner` review cards due a week ago for each learner."""
    from courses.models import CoursePage, LessonPage
    from lms.reviews.models import ReviewCard
    from lms.reviews.scheduling import first_card

    courses = {course.path: course.pk for course in CoursePage.objects.live()}
    lessons = [
        (lesson.pk, courses[lesson.parent_path])
        for lesson in LessonPage.objects.live().order_by("path")[:per_learner]
    ]
    answered = PLANNER_NOW - timedelta(weeks=3)
    state = first_card(True, answered)
    ReviewCard.objects.bulk_create(
        (
            ReviewCard(user_id=pk, lesson_id=lesson, course_id=course,
                       block_id=f"bench-check-{n}", fsrs_state=state.to_dict(),
                       due=state.due, last_answered_at=answered, created_at=answered)
            for pk in users
            for n, (lesson, course) in enumerate(lessons)
        ),
        batch_size=2000, ignore_conflicts=True,
    )  # fmt: skip
    return ReviewCard.objects.filter(user_id__in=users).count()


def time_planner(users: list[int]) -> float:
    """One plan of the open slot for these learners (their rows deleted first)."""
    from lms.nudges import planner
    from lms.nudges.models import Nudge

    Nudge.objects.filter(user_id__in=users).delete()
    began = time.monotonic()
    written = planner.plan(PLANNER_NOW, user_ids=users)
    elapsed = time.monotonic() - began
    if written != len(users):
        raise SystemExit(f"bench failed: the planner wrote {written} of {len(users)} nudges")
    return elapsed


def bench_planner(learners: int, cards: int, rounds: int) -> dict:
    """The best of `rounds` plans without and with due cards, taken in turn
    so that warming up and machine noise fall on both alike."""
    from lms.nudges.models import Nudge
    from lms.reviews.models import ReviewCard

    users = seed_planner(learners)
    log(f"  planner: {len(users)} learners, without and then with {cards} due cards each")
    without, with_reviews, total, offering = [], [], 0, 0
    for _ in range(rounds):
        ReviewCard.objects.filter(user_id__in=users).delete()
        without.append(time_planner(users))
        total = add_due_cards(users, cards)
        with_reviews.append(time_planner(users))
        planned = Nudge.objects.filter(user_id__in=users)
        offering = planned.filter(details__has_key="reviews_due").count()
        planned.delete()
    best_without, best_with = min(without), min(with_reviews)
    return {
        "planner_learners": len(users),
        "planner_review_cards": total,
        "planner_seconds": round(best_without, 3),
        "planner_with_reviews_seconds": round(best_with, 3),
        "ratio_planner_reviews_to_without": round(best_with / best_without, 2),
        "planner_nudges_offering_review": offering,
    }


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
    planning = bench_planner(args.planner_learners, args.review_cards, args.planner_rounds)
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
        **planning,
    }
    print(f"{'target':<34}{'seconds':>10}{'per second':>14}{'vs no-op':>10}")
    print(f"{'no-op tasks (baseline)':<34}{baseline:>10.1f}{count / baseline:>14.1f}{1.0:>10.2f}")
    print(
        f"{'nudge fan-out to SMTP':<34}{fan_out:>10.1f}{count / fan_out:>14.1f}"
        f"{fan_out / baseline:>10.2f}"
    )
    without, with_reviews = planning["planner_seconds"], planning["planner_with_reviews_seconds"]
    per = planning["planner_learners"]
    print(f"{'planner, no reviews due':<34}{without:>10.2f}{per / without:>14.1f}{'':>10}")
    print(
        f"{'planner, reviews due':<34}{with_reviews:>10.2f}{per / with_reviews:>14.1f}"
        f"{planning['ratio_planner_reviews_to_without']:>10.2f}"
    )
    print(f"emails received {result['emails_received']}, duplicates {duplicates}")
    RESULTS_PATH.write_text(json.dumps(result, indent=2) + "\n")
    log(f"Results written to {RESULTS_PATH.relative_to(ROOT)}")
    offered_all = planning["planner_nudges_offering_review"] == planning["planner_learners"]
    return 0 if duplicates == 0 and result["emails_received"] == count and offered_all else 1


if __name__ == "__main__":
    sys.exit(main())
