"""Throughput and latency of the learner pages against a bare Django view.

For each database (SQLite, then PostgreSQL), seeds a synthetic catalogue into
a database of its own, serves it with gunicorn (2 sync workers) on 127.0.0.1
and drives every target with wrk (-t2 -c4) in interleaved rounds: round 1 runs
every target once, then round 2, and so on, so that a slow spell of the machine
falls on all targets alike. Every figure is also given as a ratio to the bare
view measured in the same round on the same server, which is what stays
comparable between machines. See docs/performance.md.
"""

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import psycopg

if TYPE_CHECKING:
    from courses.models import LessonPage

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
SQLITE_PATH = BENCH_DIR / "db.sqlite3"
RESULTS_PATH = BENCH_DIR / "results.json"
SERVER_LOG = BENCH_DIR / "gunicorn.log"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/fma_bench_pages"
BASELINE = "bare"
LEARNER_EMAIL = "bench-learner@example.com"
DATABASES = ("sqlite", "postgresql")


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
    expect: tuple[bytes, ...] = ()  # if given, the body must contain one of these
    unique: bool = False  # a query string of its own on every request: never a cache hit
    goal: float | None = None  # the least throughput ratio to the bare view aimed at
    goal_on: tuple[str, ...] = ("sqlite", "postgresql")  # the databases the goal is for


@dataclass
class Round:
    """One wrk run of one target."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", type=int, default=1000, help="synthetic lessons to seed")
    parser.add_argument("--rounds", type=int, default=8, help="interleaved rounds")
    parser.add_argument("--seconds", type=int, default=2, help="wrk seconds per target a round")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured seconds per target")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections (-c)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (-t)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument(
        "--databases",
        default=",".join(DATABASES),
        help="comma-separated: sqlite, postgresql (BENCH_DATABASE_URL, default "
        f"{DEFAULT_POSTGRES_URL})",
    )
    parser.add_argument("--only", choices=DATABASES, help=argparse.SUPPRESS)
    return parser.parse_args()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def database_url(database: str) -> str:
    if database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{SQLITE_PATH}"
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES_URL)
    create_postgres_database(url)
    return url


def create_postgres_database(url: str) -> None:
    """Creates the bench database if the server does not have it yet."""

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def configure_environment(database: str) -> None:
    """Points this process (and gunicorn, which inherits it) at the bench database."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=database_url(database),
        FMA_VAR_DIR=str(BENCH_DIR),
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(lessons: int) -> tuple[int, str, "LessonPage"]:
    """Migrates and tops the synthetic catalogue up to `lessons`; returns the
    lesson count, the URL of the middle course and its middle lesson."""
    from django.core.management import call_command
    from django.db import connection, connections

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
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # planner statistics for the rows just seeded
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
    """The bare view first: every other target is compared against it. The
    goals are issue 16's, as ratios of throughput to the bare view."""
    from django.conf import settings

    cookie = f"{settings.CSRF_COOKIE_NAME}={csrf}; {settings.SESSION_COOKIE_NAME}={session}"
    signed_in = {"Cookie": cookie}
    htmx_post = {
        "Cookie": cookie,
        "Content-Type": "application/x-www-form-urlencoded",
        "HX-Request": "true",
        "X-CSRFToken": csrf,
        "Origin": f"http://127.0.0.1:{port}",
        "Referer": f"http://127.0.0.1:{port}{lesson_url}",
    }
    done = (b"Mark complete", b"Lesson complete")
    return [
        Target(BASELINE, "/bench/bare/"),
        Target("home (anonymous)", "/", goal=0.8),
        Target("lesson (anonymous, cached)", lesson_url, goal=0.8),
        Target("lesson (anonymous, uncached)", lesson_url, unique=True, goal=1 / 10),
        Target("lesson (signed in)", lesson_url, headers=signed_in, expect=done, goal=1 / 10),
        Target("course (anonymous, cached)", course_url, goal=0.8),
        Target("course (anonymous, uncached)", course_url, unique=True),
        Target("catalogue (anonymous, cached)", "/courses/", goal=0.8),
        Target("catalogue (uncached)", "/courses/", unique=True, goal=1 / 12),
        Target("catalogue filtered (uncached)", "/courses/?sector=synthetic-sector-1", unique=True),
        Target(
            "search (uncached)",
            "/courses/?q=decision",
            unique=True,
            goal=1 / 30,
            goal_on=("postgresql",),
        ),
        Target(
            "complete (htmx POST)", complete_url, "POST", b"", htmx_post, (b"Lesson complete.",)
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


def check(port: int, target: Target) -> None:
    """One request as wrk will send it: it must be a 200 with the promised text,
    so that a redirect to sign-in or an error page cannot pass for a fast page."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        path = unique_path(target.path, "check") if target.unique else target.path
        conn.request(target.method, path, target.body, target.headers)
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.status != 200:
        raise BenchError(f"{target.name} ({target.method} {target.path}): HTTP {response.status}")
    if target.expect and not any(text in body for text in target.expect):
        raise BenchError(f"{target.name}: none of {target.expect!r} in {body[:200]!r}")


def unique_path(path: str, tag: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}bench={tag}"


def lua_script(target: Target, tag: str) -> Path:
    """The wrk script for a target: its method, headers and body, and for a
    `unique` target a query string of its own on every request (per thread and
    round, so no request can hit the cache)."""

    def lua(text: str) -> str:
        return json.dumps(text)  # a JSON string is a valid Lua string here

    headers = "".join(f"wrk.headers[{lua(k)}] = {lua(v)}\n" for k, v in target.headers.items())
    body = lua((target.body or b"").decode())
    path = lua(target.path)
    separator = lua("&" if "?" in target.path else "?")
    script = f"""wrk.method = {lua(target.method)}
wrk.body = {body}
{headers}local counter = 0
local thread_id = 0
local next_id = 0
function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
end
function init(args)
  thread_id = tid or 0
end
function request()
  local path = {path}
  if {"true" if target.unique else "false"} then
    counter = counter + 1
    path = path .. {separator} .. "bench={tag}-" .. thread_id .. "-" .. counter
  end
  return wrk.format(nil, path)
end
"""
    script_path = BENCH_DIR / "wrk" / f"{re.sub(r'[^a-z0-9]+', '-', target.name.lower())}.lua"
    script_path.parent.mkdir(parents=True, exist_ok=True)
    script_path.write_text(script)
    return script_path


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def run_wrk(port: int, target: Target, seconds: float, tag: str, args) -> Round:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(lua_script(target, tag)),
        f"http://127.0.0.1:{port}",
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        raise BenchError(f"{target.name}: {match.group(1)} responses were not 2xx/3xx")
    match = re.search(r"Socket errors: (.*)", output)
    if match and re.search(r"(read|write|timeout) [1-9]", match.group(1)):
        raise BenchError(f"{target.name}: socket errors: {match.group(1)}")

    def percentile(p: int) -> float:
        found = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
        if found is None:
            raise BenchError(f"{target.name}: no {p}th percentile in wrk's output:\n{output}")
        return float(found.group(1)) * UNITS[found.group(2)]

    return Round(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=percentile(50),
        p99_ms=percentile(99),
        requests=int(re.search(r"(\d+) requests in", output).group(1)),
    )


def measure(port: int, plan: list[Target], args) -> dict[str, list[Round]]:
    rounds: dict[str, list[Round]] = {target.name: [] for target in plan}
    for target in plan:
        check(port, target)
        run_wrk(port, target, args.warmup, "warmup", args)
    for number in range(1, args.rounds + 1):
        log(f"  round {number}/{args.rounds}")
        for target in plan:
            rounds[target.name].append(run_wrk(port, target, args.seconds, f"r{number}", args))
    return rounds


def summarise(plan: list[Target], rounds: dict[str, list[Round]], database: str) -> list[dict]:
    """Per target: the median over rounds of req/s and latency, and the median
    of the per-round ratios to the bare view of the same round."""
    base = rounds[BASELINE]
    rows = []
    for target in plan:
        runs = rounds[target.name]
        ratios = [run.rps / bare.rps for run, bare in zip(runs, base, strict=True)]
        ratio = statistics.median(ratios)
        goal = target.goal if database in target.goal_on else None
        rows.append(
            {
                "target": target.name,
                "method": target.method,
                "path": target.path + (" (+ a query string of its own)" if target.unique else ""),
                "requests": sum(run.requests for run in runs),
                "rps": round(statistics.median(run.rps for run in runs), 1),
                "p50_ms": round(statistics.median(run.p50_ms for run in runs), 2),
                "p99_ms": round(statistics.median(run.p99_ms for run in runs), 2),
                "throughput_ratio": round(ratio, 3),
                "ratio_range": [round(min(ratios), 3), round(max(ratios), 3)],
                "goal": round(goal, 3) if goal else None,
                "meets_goal": None if goal is None else ratio >= goal,
            }
        )
    return rows


def print_table(database: str, rows: list[dict]) -> None:
    print(f"\n{database}")
    header = ("target", "req/s", "p50 ms", "p99 ms", "vs bare", "range", "goal")
    width = max(len(header[0]), *(len(row["target"]) for row in rows))
    print(f"{header[0]:<{width}}" + "".join(f"{h:>14}" for h in header[1:]))
    for row in rows:
        low, high = row["ratio_range"]
        goal = ""
        if row["goal"]:
            goal = f"≥ {fraction(row['goal'])} " + ("yes" if row["meets_goal"] else "NO")
        cells = (
            f"{row['rps']:.0f}",
            f"{row['p50_ms']:.1f}",
            f"{row['p99_ms']:.1f}",
            fraction(row["throughput_ratio"]),
            f"{fraction(low)}–{fraction(high)}",
            goal,
        )
        print(f"{row['target']:<{width}}" + "".join(f"{c:>14}" for c in cells))
    sys.stdout.flush()


def fraction(ratio: float) -> str:
    """0.8 as 0.80, 0.04 as 1/25: small ratios read better as fractions."""
    return f"{ratio:.2f}" if ratio >= 0.5 else f"1/{1 / ratio:.0f}"


def bench_one(database: str, args) -> dict:
    began = time.monotonic()
    load_average = os.getloadavg()  # other work on the machine skews every figure
    configure_environment(database)
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
        rows = summarise(plan, measure(port, plan, args), connection.vendor)
    finally:
        stop_server(server)
    return {
        "database": connection.vendor,
        "lessons": lessons,
        "load_average_at_start": [round(load, 2) for load in load_average],
        "seconds": round(time.monotonic() - began, 1),
        "results": rows,
    }


def main() -> int:
    args = parse_args()
    if args.only:  # one database per process: Django is set up once per process
        print(json.dumps(bench_one(args.only, args)))
        return 0
    if not shutil.which("wrk"):
        raise BenchError("wrk is not installed: make bench-deps")
    runs = []
    for database in args.databases.split(","):
        command = [sys.executable, __file__, *sys.argv[1:], "--only", database.strip()]
        done = subprocess.run(command, capture_output=False, stdout=subprocess.PIPE, text=True)
        if done.returncode:
            return done.returncode
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print_table(runs[-1]["database"], runs[-1]["results"])
    settings = {k: v for k, v in vars(args).items() if k not in ("only", "databases")}
    RESULTS_PATH.write_text(
        json.dumps(
            {
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": {
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                    "python": platform.python_version(),
                },
                "settings": settings,
                "runs": runs,
            },
            indent=2,
        )
        + "\n"
    )
    log(f"Results written to {RESULTS_PATH.relative_to(ROOT)}")
    missed = [
        f"{run['database']}: {row['target']}"
        for run in runs
        for row in run["results"]
        if row["meets_goal"] is False
    ]
    if missed:
        log("Below the goal: " + "; ".join(missed))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        log(f"bench failed: {error}")
        if SERVER_LOG.exists():
            log(f"--- {SERVER_LOG.relative_to(ROOT)} ---\n{SERVER_LOG.read_text()[-3000:]}")
        sys.exit(1)
