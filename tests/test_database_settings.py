"""The database connection as configured for production use."""

import pytest
from django.db import connection

from tests.conftest import need, using_postgres

pytestmark = pytest.mark.django_db


def test_postgresql_does_not_compile_queries_just_in_time():
    """JIT compiling took 1.2–1.9 s per report query on a few dozen rows
    (lms/settings/base.py); every connection turns it off."""
    need(using_postgres(), "PostgreSQL is not configured (DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
