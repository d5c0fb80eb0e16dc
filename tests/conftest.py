import os

import pytest
from django.db import connection, connections, transaction
from pytest_django.plugin import blocking_manager_key

from home.site_tree import ensure_site_tree
from lms.core import page_cache
from lms.core.sites import site_cache
from tests import template_database
from tests.factories import signed_in, staff_user
from tests.template_database import load_library

REQUIRE_SERVICES = os.environ.get("FMA_REQUIRE_SERVICES") == "1"


def need(condition: bool, reason: str) -> None:
    """Skip locally when a real service is missing; under CI, fail instead."""
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"CI requires this: {reason}")
    pytest.skip(reason)


def using_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def fresh_page_cache():
    """Each test starts with no cached pages: the test database is rolled
    back between tests, the (per-process) cache is not."""
    page_cache.purge()


@pytest.fixture
def site_tree(db):
    return ensure_site_tree()


@pytest.fixture
def catalogue(site_tree):
    return site_tree[1]


class TableCopies(list):
    """The database as it stands, one (table, rows in COPY's text format)
    pair per table that has rows: PostgreSQL reloads it with COPY in a
    fraction of a second, where Django's JSON snapshot is saved back object
    by object (a second and a half per transactional test)."""


def copy_tables_out(conn) -> TableCopies:
    copies = TableCopies()
    tables = sorted(conn.introspection.django_table_names(only_existing=True, include_views=False))
    with conn.cursor() as cursor:
        for table in tables:
            with cursor.cursor.copy(f"COPY {conn.ops.quote_name(table)} TO STDOUT") as copy:
                rows = b"".join(bytes(chunk) for chunk in copy)
            if rows:
                copies.append((table, rows))
    return copies


def copy_tables_in(conn, copies: TableCopies) -> None:
    """Empty every table if the last test did not (the first transactional
    test finds the library still there), then copy the rows back. Foreign
    keys are DEFERRABLE INITIALLY DEFERRED: checked at commit, when every
    table is back, so the order of the tables does not matter."""
    tables = conn.introspection.django_table_names(only_existing=True, include_views=False)
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {conn.ops.quote_name(copies[0][0])})")
        if cursor.fetchone()[0]:  # not flushed yet
            cursor.execute("TRUNCATE " + ", ".join(conn.ops.quote_name(t) for t in sorted(tables)))
        for table, rows in copies:
            with cursor.cursor.copy(f"COPY {conn.ops.quote_name(table)} FROM STDIN") as copy:
                copy.write(rows)


def restore_copies_too(creation_class) -> None:
    """Django restores a transactional test's snapshot with
    creation.deserialize_db_from_string (TransactionTestCase._fixture_setup):
    given TableCopies, it copies them in instead."""
    deserialize = creation_class.deserialize_db_from_string

    def deserialize_db_from_string(self, data):
        if isinstance(data, TableCopies):
            return copy_tables_in(self.connection, data)
        return deserialize(self, data)

    creation_class.deserialize_db_from_string = deserialize_db_from_string


def pytest_configure(config):
    """Under xdist on PostgreSQL, one database is built for the run while the
    test processes collect, and each copies it (tests/template_database.py)."""
    if template_database.wanted(config):
        config.stash[TEMPLATE] = template_database.Template()


def pytest_configure_node(node):
    if TEMPLATE in node.config.stash:
        node.config.stash[TEMPLATE].hand_to(node)


def pytest_unconfigure(config):
    if TEMPLATE in config.stash:
        with config.stash[blocking_manager_key].unblock():
            config.stash[TEMPLATE].drop()


TEMPLATE = pytest.StashKey[template_database.Template]()


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_modify_db_settings, django_db_blocker):
    """pytest-django keeps a test process's database that is a copy of the
    run's built one (its migrate then finds every migration applied), and
    otherwise keeps one only when asked to (--reuse-db)."""
    with django_db_blocker.unblock():
        copied = template_database.copy_for_this_process(getattr(request.config, "workerinput", {}))
    return copied or request.config.getvalue("reuse_db")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Import the real starter library once per test process (under xdist
    the copied database has it already); each test's
    transaction is rolled back. Then keep a snapshot of the database as it
    stands (Django's serialized rollback), so a transactional test, which
    empties the database when it ends, starts from the library again by
    loading the snapshot instead of importing it anew (half a minute). On
    PostgreSQL the snapshot is every table's rows as COPY wrote them
    (TableCopies); on SQLite, Django's own JSON. pytest-django runs
    transactional tests after all others."""
    with django_db_blocker.unblock():
        load_library()
        if using_postgres():
            restore_copies_too(type(connection.creation))
            snapshot = copy_tables_out(connection)
        else:
            snapshot = connection.creation.serialize_db_to_string()
    # Django looks for the snapshot on the connection object, and a thread or
    # an event loop (Playwright's) can get a new one: every one gets it.
    make_connection = connections.create_connection

    def create_connection(alias):
        made = make_connection(alias)
        made._test_serialized_contents = snapshot
        return made

    connections.create_connection = create_connection
    for made in connections.all(initialized_only=True):
        made._test_serialized_contents = snapshot


def pytest_collection_modifyitems(items):
    """Every transactional test (a live server, a worker process, a race)
    starts from the snapshot and empties the database without re-running
    post-migrate handlers, so the next one can load the snapshot again."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker else {}
        if kwargs.get("transaction") or {"transactional_db", "live_server"} & set(
            item.fixturenames
        ):
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


@pytest.fixture
def starter_library(transactional_db):
    """A transactional test (a live server, a worker process) on the starter
    library, restored from the snapshot taken after the first import."""


@pytest.fixture
def pace(settings):
    """Reading-time settings pinned to the defaults the five-minute tests count with."""
    settings.FMA_READING_WORDS_PER_MINUTE = 200
    settings.FMA_MAX_LESSON_SECONDS = 300
    settings.FMA_SECONDS_PER_KNOWLEDGE_CHECK = 20
    settings.FMA_SECONDS_PER_IMAGE = 12


@pytest.fixture
def library(db):
    """The catalogue holding the starter library."""
    return ensure_site_tree()[1]


@pytest.fixture
def staff_client(db):
    """staff_client(*roles, email=...): a test client signed in as a new staff
    member with these roles and two-factor set up (tests.factories.staff_user);
    the user is `client.user`."""

    def make(*roles, email: str | None = None, **fields):
        return signed_in(staff_user(*roles, email=email, **fields))

    return make


@pytest.fixture
def admin_client(staff_client):
    """A signed-in superuser who has set up two-factor (staff must)."""
    return staff_client("superuser", email="editor@example.com")


from tests.nudge_fixtures import learner_factory  # noqa: E402, F401
from tests.partner_fixtures import clients, partners, people  # noqa: E402, F401


@pytest.fixture(autouse=True)
def forget_kept_sites():
    """The web process keeps its Site (lms.core.sites); a test's database,
    rolled back after the last test, may not hold what the last test kept."""
    site_cache.forget()
