"""The one way the tests read what a full recomputation of derived facts
would give, without keeping it."""

from django.db import transaction


def recomputed(recompute, read):
    """What `read()` returns after `recompute()`, rolled back afterwards."""
    with transaction.atomic():
        point = transaction.savepoint()
        recompute()
        fresh = read()
        transaction.savepoint_rollback(point)
    return fresh
