"""One test database built per run, copied for every pytest-xdist process.

Without this, each xdist process migrates its own empty database and imports
the starter library into it (about 25 s of work each, on two cores, after its
8 s of collecting the tests). Under xdist on PostgreSQL, the controlling
process instead starts this module as a process of its own before any test
process starts: it migrates a database named for this run and imports the
library into it, while the test processes collect. Each test process then
waits for it and copies it with `CREATE DATABASE … TEMPLATE …` (well under a
second), and pytest-django keeps the copy (`keepdb`): its migrate finds every
migration applied. The controlling process drops the built database and the
copies when the run ends.

Nothing outlives a run: every run, a fresh clone's included, migrates and
imports once, from its own code. Run serially (`-n 0`) or on SQLite, each
test process builds its own database as pytest-django does.

The build runs `main` in a new interpreter (BUILD), with Django set up
before this module's imports load the models.
"""

import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import OperationalError, connection
from django.test.utils import setup_test_environment

from courses.importer import import_library
from courses.models import LessonPage
from home.site_tree import ensure_site_tree

WAIT_SECONDS = 900
BUILD = "import django; django.setup(); import tests.template_database as t; t.main()"


def load_library() -> None:
    """The site tree and the real starter library, unless the database has
    them already."""
    if not LessonPage.objects.exists():
        ensure_site_tree()
        import_library(Path(settings.FMA_LIBRARY_DIR))


def wanted(config) -> bool:
    """Under xdist (the controlling process), on PostgreSQL, running tests."""
    return (
        bool(getattr(config.option, "numprocesses", None))
        and not hasattr(config, "workerinput")
        and not config.option.collectonly
        and connection.vendor == "postgresql"
    )


class Template:
    """The controlling process's side: start the build, hand its name to each
    test process, drop everything at the end."""

    def __init__(self):
        base = connection.creation._get_test_db_name()
        self.name = f"{base}_template_{os.getpid()}"
        self.folder = Path(tempfile.mkdtemp(prefix="fma-template-"))
        self.done = self.folder / "done"
        self.copies: list[str] = []
        log = (self.folder / "build.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-c", BUILD, self.name, str(self.done)],
            cwd=settings.BASE_DIR,
            env=dict(os.environ, DJANGO_SETTINGS_MODULE="lms.settings.test"),
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def hand_to(self, node) -> None:
        """xdist's pytest_configure_node: the test process gets the name."""
        node.workerinput["template_database"] = self.name
        node.workerinput["template_done"] = str(self.done)
        base = connection.creation._get_test_db_name()
        self.copies.append(f"{base}_{node.workerinput['workerid']}")

    def drop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        with connection._nodb_cursor() as cursor:
            for name in [*self.copies, self.name]:
                cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)} "
                               "WITH (FORCE)")  # fmt: skip


def copy_for_this_process(workerinput) -> bool:
    """A test process's side, before pytest-django sets its database up:
    wait for the build, then make this process's database a copy of it.
    Returns whether pytest-django should keep (not re-create) the database."""
    template = workerinput.get("template_database")
    if not template:
        return False
    done = Path(workerinput["template_done"])
    deadline = time.monotonic() + WAIT_SECONDS
    while not done.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the test database was not built in {WAIT_SECONDS} s")
        time.sleep(0.1)
    outcome = done.read_text()
    if outcome != "built":
        raise RuntimeError(f"building the test database failed:\n{outcome}")
    name = connection.ops.quote_name(connection.creation._get_test_db_name())
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        for attempt in range(50):  # the other process may be copying it this moment
            try:
                cursor.execute(f"CREATE DATABASE {name} TEMPLATE "
                               f"{connection.ops.quote_name(template)}")  # fmt: skip
                break
            except OperationalError as error:
                in_use = isinstance(error.__cause__, psycopg.errors.ObjectInUse)
                if not in_use or attempt == 49:
                    raise
                time.sleep(0.2)
    return True


def build(name: str) -> None:
    """Migrate a database of this name and import the library into it, with
    the test environment Django gives a test run (email to memory)."""
    setup_test_environment()
    connection.settings_dict["TEST"]["NAME"] = name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    load_library()
    connection.close()


def main() -> None:
    """BUILD's entry: argv is NAME DONE_FILE. DONE_FILE appears, whole, when
    the build ends: "built", or what went wrong."""
    done = Path(sys.argv[2])
    try:
        build(sys.argv[1])
        outcome = "built"
    except BaseException:
        outcome = traceback.format_exc()
    partial = done.with_suffix(".partial")
    partial.write_text(outcome)
    partial.rename(done)  # the test processes never read half of it
