"""Throughput and latency of the learner pages against a bare Django view.

Seeds a synthetic catalogue into its own database, serves it with gunicorn on
127.0.0.1 and drives it with keep-alive HTTP clients on threads. Every figure
is also given as a ratio to the bare view measured in the same run on the same
server, which is what stays comparable between machines. See docs/performance.md.
"""

import argparse
import http.client
import json
import math
import os
import platform
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from courses.models import LessonPage

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
SQLITE_PATH = BENCH_DIR / "db.sqlite3"
RESULTS_PATH = BENCH_DIR / "results.json"
SERVER_LOG = BENCH_DIR / "gunicorn.log"
BASELINE = "bare"
LEARNER_EMAIL = "bench-learner@example.com"


class BenchError(Exception):
    pass


@dataclass(frozen=True)
class Target:
    """One URL to measure. Requests are sent exactly as described here."""

    name: str
    path: str
    method: str = "GET"
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expect: tuple[bytes, ...] = ()  # if given, every body must contain one of these


@dataclass
class Result:
    target: Target
    requests: int
    seconds: float
    latencies: list[float]
    complete: bool

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile_ms(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", type=int, default=1000, help="synthetic lessons to seed")
    parser.add_argument("--requests", type=int, default=400, help="measured requests per target")
    parser.add_argument("--warmup", type=int, default=50, help="unmeasured requests per target")
    parser.add_argument("--concurrency", type=int, default=4, help="client connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=150,
        help="time limit per target, warm-up included; stops early and marks the row with *",
    )
    return parser.parse_args()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def configure_environment() -> None:
    """Points this process (and gunicorn, which inherits it) at the bench database."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.unlink(missing_ok=True)
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{SQLITE_PATH}"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings", DATABASE_URL=url, FMA_VAR_DIR=str(BENCH_DIR)
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(lessons: int) -> tuple[int, str, "LessonPage"]:
    """Migrates and tops the synthetic catalogue up to `lessons`; returns the
    lesson count, the URL of the middle course and its middle lesson."""
    from django.core.management import call_command
    from django.db import connections

    from courses.models import CoursePage, LessonPage

    call_command("migrate", interactive=False, verbosity=0)
    synthetic = LessonPage.objects.live().filter(url_path__contains="/synthetic-course-")
    missing = lessons - synthetic.count()
    if missing > 0:
        log(f"Seeding {missing} synthetic lessons...")
        started = time.monotonic()
        call_command("seed_synthetic", lessons=missing, stdout=sys.stderr)
        log(f"Seeded in {time.monotonic() - started:.0f}s")
    courses = list(
        CoursePage.objects.live().filter(slug__startswith="synthetic-course-").order_by("path")
    )
    course = courses[len(courses) // 2]
    course_lessons = list(LessonPage.objects.live().child_of(course).order_by("path"))
    lesson = course_lessons[len(course_lessons) // 2]
    count = synthetic.count()
    connections.close_all()
    return count, course.url, lesson


def sign_in_learner(lesson: "LessonPage", history: int = 50) -> tuple[str, str]:
    """Creates an onboarded learner who has completed `history` lessons outside
    `lesson`'s course, signs them in and returns their session id and a CSRF token.
    A learner left by an earlier run on the same database is deleted first."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connections
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.test import Client
    from django.utils.crypto import get_random_string

    from content.models import Sector, SeniorityLevel
    from courses.models import LessonPage
    from lms.learners.models import LearnerProfile
    from lms.learners.services import delete_account
    from lms.progress.services import complete_lesson

    for old in get_user_model().objects.filter(email=LEARNER_EMAIL):
        delete_account(old)
    user = get_user_model().objects.create_user(LEARNER_EMAIL)
    LearnerProfile.objects.create(
        user=user,
        sector=Sector.objects.get(slug="synthetic-sector-1"),
        seniority=SeniorityLevel.objects.get(slug="synthetic-level-1"),
        organisation_name="Bench Health NHS Trust",
        organisation_size="1000+",
        time_zone="Europe/London",
    )
    done = LessonPage.objects.live().filter(url_path__contains="/synthetic-course-")
    for page in done.not_child_of(lesson.get_parent()).order_by("path")[:history]:
        complete_lesson(user, page)
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    connections.close_all()
    return session, get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)


def targets(
    course_url: str, lesson_url: str, complete_url: str, port: int, session: str, csrf: str
) -> list[Target]:
    """The bare view first: every other target is compared against it."""
    from django.conf import settings

    cookie = f"{settings.CSRF_COOKIE_NAME}={csrf}; {settings.SESSION_COOKIE_NAME}={session}"
    htmx_post = {
        "Cookie": cookie,
        "Content-Type": "application/x-www-form-urlencoded",
        "HX-Request": "true",
        "X-CSRFToken": csrf,
        "Origin": f"http://127.0.0.1:{port}",
        "Referer": f"http://127.0.0.1:{port}{lesson_url}",
    }
    return [
        Target(BASELINE, "/bench/bare/"),
        Target("catalogue", "/courses/"),
        Target("catalogue filtered+search", "/courses/?sector=synthetic-sector-1&q=decision"),
        Target("course", course_url),
        Target("lesson", lesson_url),
        Target(
            "lesson (signed in)",
            lesson_url,
            headers={"Cookie": cookie},
            expect=(b"Mark complete", b"Lesson complete"),
        ),
        Target(
            "complete (htmx POST)",
            complete_url,
            "POST",
            b"",
            htmx_post,
            expect=(b"Lesson complete.",),
        ),
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "lms.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--worker-class=sync",
        "--log-level=warning",
    ]
    with SERVER_LOG.open("w") as server_log:
        return subprocess.Popen(command, cwd=ROOT, stdout=server_log, stderr=subprocess.STDOUT)


def wait_for_server(server: subprocess.Popen, port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"gunicorn exited with code {server.returncode}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/bench/bare/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer on port {port} within {timeout:.0f}s")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def hammer(port: int, target: Target, count: int, concurrency: int, stop_at: float) -> Result:
    """Sends `count` requests over `concurrency` connections, or as many as fit
    before `stop_at` (time.monotonic()). Any status other than 200 stops the run."""
    lock = threading.Lock()
    remaining = [count]
    latencies: list[float] = []
    errors: list[str] = []

    def client():
        # Gunicorn's sync workers close the connection after each response;
        # http.client then reconnects on the next request by itself.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            while not errors and time.monotonic() < stop_at:
                with lock:
                    if remaining[0] == 0:
                        return
                    remaining[0] -= 1
                started = time.perf_counter()
                conn.request(target.method, target.path, target.body, target.headers)
                response = conn.getresponse()
                body = response.read()
                elapsed = time.perf_counter() - started
                if response.status != 200:
                    errors.append(f"HTTP {response.status}: {body[:200]!r}")
                    return
                if target.expect and not any(text in body for text in target.expect):
                    errors.append(f"none of {target.expect!r} in the body: {body[:200]!r}")
                    return
                latencies.append(elapsed)
        except (OSError, http.client.HTTPException) as exc:
            errors.append(repr(exc))
        finally:
            conn.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if errors:
        raise BenchError(f"{target.name} ({target.method} {target.path}): {errors[0]}")
    if not latencies:
        raise BenchError(f"{target.name}: no request completed within the time limit")
    return Result(target, len(latencies), seconds, latencies, len(latencies) == count)


def report(results: list[Result]) -> list[dict]:
    base = results[0]
    rows = [
        {
            "target": r.target.name,
            "method": r.target.method,
            "path": r.target.path,
            "requests": r.requests,
            "complete": r.complete,
            "rps": round(r.rps, 1),
            "p50_ms": round(r.percentile_ms(50), 2),
            "p95_ms": round(r.percentile_ms(95), 2),
            "throughput_ratio": round(r.rps / base.rps, 3),
            "latency_ratio": round(r.percentile_ms(50) / base.percentile_ms(50), 2),
        }
        for r in results
    ]
    header = ("target", "requests", "req/s", "p50 ms", "p95 ms", "req/s vs bare", "p50 vs bare")
    width = max(len(header[0]), *(len(row["target"]) for row in rows))
    print(f"{header[0]:<{width}}" + "".join(f"{h:>15}" for h in header[1:]))
    for row in rows:
        cells = (
            f"{row['requests']}" + ("" if row["complete"] else "*"),
            f"{row['rps']:.1f}",
            f"{row['p50_ms']:.1f}",
            f"{row['p95_ms']:.1f}",
            f"{row['throughput_ratio']:.3f}",
            f"{row['latency_ratio']:.1f}x",
        )
        print(f"{row['target']:<{width}}" + "".join(f"{c:>15}" for c in cells))
    if not all(row["complete"] for row in rows):
        print("* stopped at the time limit (--max-seconds) before all requests were sent")
    sys.stdout.flush()
    return rows


def main() -> int:
    args = parse_args()
    began = time.monotonic()
    load_average = os.getloadavg()  # other work on the machine skews every figure
    configure_environment()
    from django.db import connection
    from django.urls import reverse

    lessons, course_url, lesson = seed(args.lessons)
    port = free_port()
    complete_url = reverse("progress:complete_lesson", args=[lesson.pk])
    plan = targets(course_url, lesson.url, complete_url, port, *sign_in_learner(lesson))
    log(f"Serving {lessons} lessons ({connection.vendor}) with gunicorn on 127.0.0.1:{port}")
    server = start_server(port, args.workers)
    try:
        wait_for_server(server, port)
        results = []
        for target in plan:
            log(f"  {target.name}: {target.method} {target.path}")
            stop_at = time.monotonic() + args.max_seconds
            hammer(port, target, args.warmup, args.concurrency, stop_at)
            results.append(hammer(port, target, args.requests, args.concurrency, stop_at))
    finally:
        stop_server(server)
    rows = report(results)
    RESULTS_PATH.write_text(
        json.dumps(
            {
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": {
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                    "python": platform.python_version(),
                    "load_average_at_start": [round(load, 2) for load in load_average],
                },
                "database": connection.vendor,
                "lessons": lessons,
                "workers": args.workers,
                "requests_per_target": args.requests,
                "concurrency": args.concurrency,
                "warmup": args.warmup,
                "seconds": round(time.monotonic() - began, 1),
                "results": rows,
            },
            indent=2,
        )
        + "\n"
    )
    log(f"Results written to {RESULTS_PATH.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        log(f"bench failed: {error}")
        if SERVER_LOG.exists():
            log(f"--- {SERVER_LOG.relative_to(ROOT)} ---\n{SERVER_LOG.read_text()[-3000:]}")
        sys.exit(1)
