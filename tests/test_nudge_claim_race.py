"""Two workers racing for the same nudges on PostgreSQL: each row is claimed by
exactly one of them. The claim is one conditional UPDATE; a check-then-update
(read the status, then save) would let both through."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from lms.nudges import delivery
from lms.nudges.models import Kind, Nudge, Status
from tests.conftest import need, using_postgres

pytestmark = pytest.mark.django_db(transaction=True)
ROWS = 60


@pytest.fixture
def planned(django_user_model):
    need(using_postgres(), "two database sessions racing need PostgreSQL")
    due = timezone.now() - timedelta(minutes=1)
    users = [django_user_model.objects.create_user(f"r{n}@example.com") for n in range(ROWS)]
    return [
        Nudge.objects.create(user=user, kind=Kind.NEXT_LESSON, period="2026-11-24", due_at=due).pk
        for user in users
    ]


def in_thread(target, *args):
    """Runs `target` on a database connection of its own, closed afterwards."""
    outcome = {}

    def run():
        try:
            outcome["value"] = target(*args)
        except BaseException as error:  # re-raised in the test thread
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def result(thread, outcome):
    thread.join(timeout=60)
    assert not thread.is_alive(), "a claimer never finished"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_two_claimers_released_together_never_share_a_row(planned):
    barrier = threading.Barrier(2)

    def claimer(order):
        barrier.wait(timeout=30)
        return {pk for pk in order if delivery.claim(pk) is not None}

    first = in_thread(claimer, planned)
    second = in_thread(claimer, planned)
    mine, theirs = result(*first), result(*second)
    assert not mine & theirs, f"{len(mine & theirs)} rows were claimed twice"
    assert mine | theirs == set(planned)
    claims = Nudge.objects.values_list("status", "attempts")
    assert set(claims) == {(Status.SENDING, 1)}


def blocked_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row) and row[0] == "Lock"


def test_a_claimer_that_waited_for_anothers_claim_gets_nothing(planned):
    """The worst interleaving, made certain: the first claim's transaction is
    held open, the second claimer is seen waiting on its row lock, then the
    first commits. The second must then find the row taken."""
    from django.db import transaction

    [pk] = planned[:1]
    first_claimed, release = threading.Event(), threading.Event()
    second_pid = {}

    def first():
        with transaction.atomic():
            claimed = delivery.claim(pk)
            first_claimed.set()
            assert release.wait(timeout=30)
        return claimed

    def second():
        assert first_claimed.wait(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            second_pid["pid"] = cursor.fetchone()[0]
        return delivery.claim(pk)

    holder = in_thread(first)
    waiter = in_thread(second)
    deadline = timezone.now() + timedelta(seconds=30)
    while not ("pid" in second_pid and blocked_on_a_lock(second_pid["pid"])):
        assert timezone.now() < deadline, "the second claimer never waited for the first"
        assert waiter[0].is_alive(), "the second claimer did not wait for the first's lock"
    release.set()
    won, lost = result(*holder), result(*waiter)
    assert won is not None and won.status == Status.SENDING
    assert lost is None
    assert Nudge.objects.get(pk=pk).attempts == 1
