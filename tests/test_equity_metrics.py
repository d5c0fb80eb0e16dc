"""Equity metrics: per group of a characteristic, "prefer not to say" and
"not declared" rows, totals, the declared share, the sum of record keys
beside every count (the cell key method), record keys drawn once and never
replaced, and fixed query counts. The learners and their learning are those
of tests/test_cohort_metrics.py. (Rates and gaps are worked out from
perturbed counts by lms.reports.disclosure: tests/test_disclosure.py.)"""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.equity.models import EquityProfile, RecordKey
from lms.reports import disclosure
from lms.reports.cohort_metrics import Scope, funnel, learners_in
from lms.reports.equity_metrics import (
    CHARACTERISTICS,
    NOT_DECLARED,
    PREFER_NOT_LABEL,
    EquityTable,
    equity_breakdown,
)
from tests.test_cohort_metrics import MINUTES, add_learners, build_world, set_keys

pytestmark = pytest.mark.django_db


def profile(user, **answers):
    EquityProfile.objects.create(
        user=user, consent_version="1", consented_at=datetime(2026, 3, 1, tzinfo=UTC), **answers
    )


@pytest.fixture
def world(django_user_model, library):
    """one: activated, engaged, completed; two: activated, completed; three:
    activated; four: nothing (no equity profile); five: engaged only."""
    world = build_world(django_user_model)
    one, two, three, four, five = world["users"]
    profile(one, sex="female", caring="20_49", parental_occupation="manager", age_band="45_54")
    profile(two, sex="male", caring="under_20", parental_occupation="routine")
    profile(three, sex="prefer_not", caring="no", parental_occupation="clerical")
    profile(five, parental_occupation="prefer_not")  # sex and caring unanswered
    return world


def figures(row):
    return (row.learners, row.activated, row.engaged, row.completed)


def test_sex_table(world):
    table = equity_breakdown(Scope(), "sex")
    assert isinstance(table, EquityTable) and table.label == "Sex"
    assert [(r.group, r.kind) for r in table.rows] == [
        ("Female", "group"),
        ("Male", "group"),
        (PREFER_NOT_LABEL, "prefer_not"),
        (NOT_DECLARED, "not_declared"),  # four (no profile) and five (unanswered)
    ]
    female, male, prefer_not, not_declared = table.rows
    assert figures(female) == (1, 1, 1, 1)
    assert figures(male) == (1, 1, 0, 1)
    assert figures(prefer_not) == (1, 1, 0, 0)
    assert figures(not_declared) == (2, 0, 1, 0)
    assert figures(table.total) == (5, 3, 2, 2)
    assert table.total.minutes == 6 * MINUTES
    assert female.median_minutes == 3 * MINUTES
    assert table.total.median_minutes == 2 * MINUTES  # of 3, 1 and 2 lessons
    assert (declared(table), declared(table) / table.total.learners) == (2, 0.4)
    assert learners_in(Scope()).count() == table.total.learners == funnel(Scope()).joined


def declared(table):
    """Learners who gave an answer (the dashboard's "Declared" subtotal)."""
    return sum(row.learners for row in table.rows if row.kind == "group")


def keys(row):
    return (row.learners_key, row.activated_key, row.engaged_key, row.completed_key)


def test_every_row_carries_the_sum_of_its_learners_record_keys(world):
    """one 1, two 2, three 4, four 8, five 16 (see the world fixture)."""
    set_keys(world["users"], (1, 2, 4, 8, 16))
    table = equity_breakdown(Scope(), "sex")
    female, male, prefer_not, not_declared = table.rows
    assert keys(female) == (1, 1, 1, 1)  # one
    assert keys(male) == (2, 2, 0, 2)  # two
    assert keys(prefer_not) == (4, 4, 0, 0)  # three
    assert keys(not_declared) == (8 + 16, 0, 16, 0)  # four and five
    # The total is every row's learners: the same sums as the funnel's.
    total = funnel(Scope())
    assert keys(table.total) == (total.joined_key, total.activated_key, 17, total.completed_key)
    # So the "Everyone" row of any two characteristics is the same cell, and
    # is served as the same figure.
    served = {
        name: disclosure.disclose_equity(equity_breakdown(Scope(), name)).total.cells["learners"]
        for name in CHARACTERISTICS
    }
    assert len({cell.perturbed for cell in served.values()}) == 1
    assert served["sex"].perturbed == disclosure.perturb(5, 31)


def test_record_keys_are_drawn_once_for_those_without_and_never_replaced(world):
    users = world["users"]
    RecordKey.objects.filter(user__in=users).delete()
    RecordKey.objects.create(user=users[0], key=200)
    assert RecordKey.objects.ensure_for(learners_in(Scope())) == 4
    stored = dict(RecordKey.objects.filter(user__in=users).values_list("user_id", "key"))
    assert set(stored) == {user.pk for user in users}
    assert stored[users[0].pk] == 200
    assert all(0 <= key <= 255 for key in stored.values())
    # Again: nothing to draw, nothing changes.
    assert RecordKey.objects.ensure_for(learners_in(Scope())) == 0
    assert dict(RecordKey.objects.filter(user__in=users).values_list("user_id", "key")) == stored
    assert str(RecordKey.objects.get(user=users[0])) == "Record key"


def test_record_keys_are_uniform_on_0_to_255():
    from collections import Counter

    from lms.equity.models import draw_record_key

    draws = Counter(draw_record_key() for _ in range(25_600))
    assert set(draws) <= set(range(256)) and len(draws) == 256
    # 100 expected per value; a fair draw stays well inside 40..170.
    assert min(draws.values()) > 40 and max(draws.values()) < 170


def test_caring_grouped_and_in_detail(world):
    table = equity_breakdown(Scope(), "caring")
    assert [(r.group, figures(r)) for r in table.rows] == [
        ("Yes", (2, 2, 1, 2)),
        ("No", (1, 1, 0, 0)),
        (PREFER_NOT_LABEL, (0, 0, 0, 0)),
        (NOT_DECLARED, (2, 0, 1, 0)),
    ]
    assert declared(table) == 3
    detail = equity_breakdown(Scope(), "caring", detail=True)
    assert [(r.group, r.learners) for r in detail.rows] == [
        ("No", 1),
        ("Yes, 19 hours a week or less", 1),
        ("Yes, 20 to 49 hours a week", 1),
        ("Yes, 50 or more hours a week", 0),
        (PREFER_NOT_LABEL, 0),
        (NOT_DECLARED, 2),
    ]
    empty = detail.row("Yes, 50 or more hours a week")
    assert empty.median_minutes is None and keys(empty) == (0, 0, 0, 0)


def test_socio_economic_background(world):
    table = equity_breakdown(Scope(), "parental_occupation")
    assert [(r.group, r.learners) for r in table.rows] == [
        ("Professional background", 1),
        ("Intermediate background", 1),
        ("Lower socio-economic background", 1),
        ("Other or not known", 0),
        (PREFER_NOT_LABEL, 1),
        (NOT_DECLARED, 1),
    ]
    assert (declared(table), declared(table) / table.total.learners) == (3, 0.6)
    detail = equity_breakdown(Scope(), "parental_occupation", detail=True)
    assert len(detail.rows) == 8 + 2


def test_local_area_and_every_characteristic_adds_up(world):
    table = equity_breakdown(Scope(), "local_area")
    assert [(r.group, r.kind, r.learners) for r in table.rows] == [
        ("Metricsville", "group", 2),
        (NOT_DECLARED, "not_declared", 3),
    ]
    for name in CHARACTERISTICS:
        table = equity_breakdown(Scope(cohort_ids=(world["a"].pk,)), name)
        assert figures(table.total) == (4, 3, 2, 1)
        assert sum(r.learners for r in table.rows) == 4
    with pytest.raises(ValueError):
        equity_breakdown(Scope(), "shoe_size")


def test_window_and_cohort_filters(world):
    week2 = equity_breakdown(Scope(since=date(2026, 3, 9), until=date(2026, 3, 15)), "sex")
    assert figures(week2.row("Female")) == (1, 1, 0, 0)
    assert figures(week2.total) == (5, 1, 0, 0)
    b = equity_breakdown(Scope(cohort_ids=(world["b"].pk,)), "sex")
    assert [(r.group, r.learners) for r in b.rows] == [
        ("Female", 0),
        ("Male", 1),
        (PREFER_NOT_LABEL, 0),
        (NOT_DECLARED, 1),
    ]


def test_nothing_about_one_person(world):
    table = equity_breakdown(Scope(), "sex")
    text = repr(table)
    for user in world["users"]:
        assert user.email not in text


def test_query_count_does_not_grow_with_the_data(world):
    scope = Scope(since=date(2026, 3, 1), until=date(2026, 3, 31))

    def count():
        with CaptureQueriesContext(connection) as ctx:
            equity_breakdown(scope, "caring")
        return len(ctx.captured_queries)

    small = count()
    add_learners(world["a"], world["buying"], 30, 100)
    large = count()
    assert small == large <= 7
    assert equity_breakdown(scope, "caring").row(NOT_DECLARED).learners == 32
