"""Lighthouse on the learner pages, served as in production: `make lighthouse`
(part of `make test`).

A fresh SQLite database under var/lighthouse/ with the demo content, static
files collected and compressed by WhiteNoise, gunicorn with two workers,
production settings (DEBUG off) without TLS; Lighthouse 12.2.3 (lighthouse/,
pinned) drives Debian's Chromium with mobile emulation. Home, catalogue, a
course, a lesson and the dashboard of a signed-in demo learner (signed in
through allauth's own form) must score at least BAR; the scores are printed.
Lighthouse now and then fails to read its trace (NO_NAVSTART and other
runtime errors): such a run is repeated, up to three times, and never counted
as a pass.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "lighthouse"
LIGHTHOUSE = ROOT / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking"
BAR = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
ATTEMPTS = 3
PYTHON = sys.executable

# The learner whose dashboard is measured, and the pages to measure.
SET_UP = """
import json
from courses.models import CoursePage, LessonPage
from lms.accounts.models import User

# A demo learner (seed_demo has verified their address), with a password we know.
learner = User.objects.filter(is_staff=False, learner_profile__isnull=False).order_by("pk").first()
learner.set_password({password!r})
learner.save()
course = CoursePage.objects.live().public().order_by("path").first()
lesson = LessonPage.objects.live().public().child_of(course).order_by("path").first()
print(json.dumps({{"email": learner.email, "course": course.url, "lesson": lesson.url}}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(port: int) -> dict:
    env = dict(os.environ)
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "EMAIL_HOST"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        SECRET_KEY=secrets.token_urlsafe(40),
        DATABASE_URL=f"sqlite:///{WORK / 'db.sqlite3'}",
        FMA_VAR_DIR=str(WORK),
        STATIC_ROOT=str(WORK / "static"),
        MEDIA_ROOT=str(WORK / "media"),
        SERVE_MEDIA="true",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        SECURE_HSTS_SECONDS="0",
        CELERY_TASK_ALWAYS_EAGER="true",
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def wait_for(url: str, seconds: int = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"{url} did not answer within {seconds} s")


def sign_in(base: str, email: str, password: str) -> str:
    """A session cookie from allauth's own sign-in form, in the same Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROME_FLAGS.split()[1:]
        )
        page = browser.new_page()
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=login]", email)
        page.fill("input[name=password]", password)
        page.click("form button[type=submit]")
        page.wait_for_load_state()
        cookies = page.context.cookies()
        browser.close()
    jar = {cookie["name"]: cookie["value"] for cookie in cookies}
    if "sessionid" not in jar:
        sys.exit(f"Signing in as {email} did not create a session (landed on {page.url})")
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def audit(url: str, headers: dict | None) -> dict:
    """Lighthouse's category scores (0–100) for one page, repeating a run that
    failed to measure."""
    problems = []
    for _ in range(ATTEMPTS):
        with tempfile.TemporaryDirectory() as folder:
            report = Path(folder) / "report.json"
            command = [
                str(LIGHTHOUSE), url, "--output=json", f"--output-path={report}", "--quiet",
                f"--chrome-flags={CHROME_FLAGS}",
                "--only-categories=performance,accessibility,best-practices,seo",
            ]  # fmt: skip
            if headers:
                extra = Path(folder) / "headers.json"
                extra.write_text(json.dumps(headers))
                command.append(f"--extra-headers={extra}")
            run = subprocess.run(
                command, env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True, text=True
            )
            data = json.loads(report.read_text()) if report.exists() else {}
        error = data.get("runtimeError", {}).get("code") or (run.returncode and run.stderr[-400:])
        scores = {key: cat.get("score") for key, cat in data.get("categories", {}).items()}
        if not error and scores and None not in scores.values():
            failing = [
                f"{cat['title']}: {ref['id']} {audit['score']:.2f}"
                + (f" ({audit['displayValue']})" if audit.get("displayValue") else "")
                for cat in data["categories"].values()
                for ref in cat["auditRefs"]
                if ref.get("weight")
                and (audit := data["audits"][ref["id"]]).get("score") is not None
                and audit["score"] < 1
            ]
            return {key: round(value * 100) for key, value in scores.items()} | {"_fail": failing}
        problems.append(error or "a category had no score")
    sys.exit(f"Lighthouse could not measure {url} in {ATTEMPTS} attempts: {problems}")


def main() -> int:
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is not installed: run `make lighthouse-deps`")
    shutil.rmtree(WORK, ignore_errors=True)
    for folder in ("broker/queue", "broker/processed", "broker/control", "media"):
        (WORK / folder).mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = environment(port)
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    manage(env, "seed_demo")
    password = secrets.token_urlsafe(16)
    output = manage(env, "shell", "-c", SET_UP.format(password=password))
    learner = json.loads(output.strip().splitlines()[-1])

    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "lms.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(f"{base}/healthz")
        cookie = sign_in(base, learner["email"], password)
        pages = [
            ("home", "/", None),
            ("catalogue", "/courses/", None),
            ("course", learner["course"], None),
            ("lesson", learner["lesson"], None),
            ("dashboard", "/dashboard/", {"Cookie": cookie}),
        ]
        below = []
        print(f"\nLighthouse 12.2.3, mobile, {base} (bar: {BAR})")
        print(f"{'page':<10} {'perf':>5} {'a11y':>5} {'best':>5} {'seo':>5}  path")
        for name, path, headers in pages:
            url = path if path.startswith("http") else base + path
            scores = audit(url, headers)
            print(
                f"{name:<10} {scores['performance']:>5} {scores['accessibility']:>5} "
                f"{scores['best-practices']:>5} {scores['seo']:>5}  {path}"
            )
            for category, least in BAR.items():
                if scores[category] < least:
                    below.append(f"{name} {category} {scores[category]} < {least}")
            for failing in scores["_fail"]:
                print(f"{'':<10} below full marks: {failing}")
        if below:
            print("\nBelow the bar:\n  " + "\n  ".join(below))
            return 1
        print("Every page meets the bar.")
        return 0
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
