"""Disclosure control (lms.equity.disclosure) on hand-made tables: property
tests with hypothesis that nothing shown lets a hidden count be worked out,
and a unit test for each rule and reason."""

import csv
import io
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.equity import disclosure
from lms.equity.disclosure import (
    NOT_DECLARED_LABEL,
    PREFER_NOT_LABEL,
    SECONDARY,
    Counts,
    check_differencing,
    csv_rows,
    disclose,
    disclose_equity,
    screen_rows,
    to_csv,
)

COUNT_COLUMNS = ("learners", "activated", "engaged", "completed")
MEASURES = ("activated", "engaged", "completed")

property_settings = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def group_counts(draw, label):
    n = draw(st.integers(min_value=0, max_value=200))
    # Bias towards the edges that matter: small groups and numerators near 0 or n.
    numerators = [
        draw(
            st.one_of(
                st.integers(min_value=0, max_value=n),
                st.integers(min_value=0, max_value=min(n, 3)),
                st.integers(min_value=max(0, n - 3), max_value=n),
            )
        )
        for _ in MEASURES
    ]
    median = draw(st.one_of(st.none(), st.floats(min_value=0, max_value=300)))
    return Counts(label, n, *numerators, median_minutes=median)


@st.composite
def tables(draw):
    """(groups, subtotals): 1 to 8 groups, sometimes with "Prefer not to say"
    and "Not declared" and a "Declared" subtotal of the rest."""
    size = draw(st.integers(min_value=1, max_value=8))
    labels = [f"Group {chr(65 + i)}" for i in range(size)]
    groups = [draw(group_counts(label)) for label in labels]
    subtotals = []
    if draw(st.booleans()):
        groups.append(draw(group_counts(PREFER_NOT_LABEL)))
        groups.append(draw(group_counts(NOT_DECLARED_LABEL)))
        subtotals = [("Declared", labels)]
    return groups, subtotals


def _cells(table, key):
    """(kind, label, cell) of one column, groups then subtotals then total."""
    return [(row.kind, row.label, row.cells[key]) for row in table.rows]


def _derivable(table, key, declared_labels) -> list[str]:
    """Hidden cells of a count column that the shown cells pin down exactly,
    worked out independently of the module: with a total and a "Declared"
    subtotal the only equations are the total, the subtotal and their
    difference, and a hidden cell is determined exactly when one of those
    (or the whole system) involves that hidden cell alone."""
    cells = _cells(table, key)
    hidden_groups = [label for kind, label, c in cells if kind == "group" and c.hidden]
    total_hidden = table.total.cells[key].hidden
    involved = []
    total_eq = hidden_groups + (["Total"] if total_hidden else [])
    involved.append(total_eq)
    if declared_labels is not None:
        declared_hidden = table.row("Declared").cells[key].hidden
        in_declared = [label for label in hidden_groups if label in declared_labels]
        outside = [label for label in hidden_groups if label not in declared_labels]
        involved.append(in_declared + (["Declared"] if declared_hidden else []))
        involved.append(
            outside
            + (["Total"] if total_hidden else [])
            + (["Declared"] if declared_hidden else [])
        )
    every_hidden = {label for kind, label, c in cells if c.hidden}
    found = [eq[0] for eq in involved if len(eq) == 1]
    if len(every_hidden) == 1 and any(every_hidden & set(eq) for eq in involved):
        found += list(every_hidden)
    return found


@property_settings
@given(tables())
def test_shown_counts_are_rounded_and_at_least_ten(table_in):
    groups, subtotals = table_in
    table = disclose(groups, subtotals=subtotals)
    for row in table.rows:
        for key in COUNT_COLUMNS:
            cell = row.cells[key]
            assert cell.kind == "count"
            if cell.shown:
                assert cell.value % 5 == 0 and cell.value >= 10, (row.label, key, cell)
                assert cell.raw >= 10
                assert abs(cell.value - cell.raw) <= 2
            else:
                assert cell.reason
                assert cell.value is None


@property_settings
@given(tables())
def test_no_hidden_count_can_be_worked_out_from_the_others(table_in):
    groups, subtotals = table_in
    table = disclose(groups, subtotals=subtotals)
    declared = set(subtotals[0][1]) if subtotals else None
    for key in COUNT_COLUMNS:
        assert _derivable(table, key, declared) == [], (key, screen_rows(table))
        # The plain form of the rule: never exactly one hidden group beside a shown total.
        hidden = [label for kind, label, c in _cells(table, key) if kind == "group" and c.hidden]
        if table.total.cells[key].shown:
            assert len(hidden) != 1
        # Every hidden cell says why, and only a count under 10 is hidden as small.
        for _kind, _label, cell in _cells(table, key):
            if cell.hidden:
                assert cell.reason in (disclosure.reason_small(), SECONDARY)
                assert (cell.reason == disclosure.reason_small()) == (cell.raw < 10)


@property_settings
@given(tables())
def test_rates_and_gaps_only_for_big_enough_groups_and_numerators(table_in):
    groups, subtotals = table_in
    table = disclose(groups, subtotals=subtotals)
    total = table.total
    for row, source in zip(table.groups, groups, strict=True):
        n = source.learners
        for key in MEASURES:
            k = getattr(source, key)
            rate = row.cells[f"{key}_rate"]
            gap = row.cells[f"{key}_gap"]
            if rate.shown:
                assert n >= 23 and 2 < k < n - 2
                # From the unrounded numbers, whole percentages, halves up.
                exact = Fraction(100 * k, n)
                assert rate.value == int(exact + Fraction(1, 2))
                # A rate never sits beside a hidden count it rests on.
                assert row.cells["learners"].shown and row.cells[key].shown
            else:
                assert rate.reason
            if gap.shown:
                assert rate.shown
                rest_n = total.cells["learners"].raw - n
                rest_k = total.cells[key].raw - k
                assert rest_n >= 23 and 2 < rest_k < rest_n - 2
            else:
                assert gap.reason


@property_settings
@given(tables())
def test_csv_rows_are_the_screen_rows(table_in):
    groups, subtotals = table_in
    table = disclose(groups, subtotals=subtotals)
    parsed = list(csv.reader(io.StringIO(to_csv(table))))
    assert parsed[0] == disclosure.header(table)
    assert parsed[1:] == screen_rows(table) == csv_rows(table)
    # No figure in the export is a raw hidden value.
    for row in table.rows:
        for cell in row.cells.values():
            if cell.hidden:
                assert cell.text.startswith("Hidden")


# -- each rule, by example -----------------------------------------------------


def test_counts_under_ten_are_hidden_and_the_rest_rounded_to_five():
    table = disclose(
        [Counts("A", 9, 0, 0, 0), Counts("B", 12, 10, 10, 10), Counts("C", 13, 11, 11, 11)]
    )
    a, b, c = table.groups
    assert a.cells["learners"].text == "Hidden: fewer than 10 learners"
    # B is the next-smallest: hidden so A is not the total less B and C.
    assert b.cells["learners"].reason == SECONDARY
    assert b.cells["learners"].text == "Hidden so it cannot be worked out from the total"
    assert c.cells["learners"].text == "15"
    assert table.total.cells["learners"].text == "35"  # 34, rounded the same way


@pytest.mark.parametrize(("raw", "shown"), [(10, 10), (12, 10), (13, 15), (17, 15), (18, 20)])
def test_rounding_to_the_nearest_five(raw, shown):
    table = disclose([Counts("A", raw, 0, 0, 0), Counts("B", 100, 50, 50, 50)])
    assert table.groups[0].cells["learners"].value == shown


def test_secondary_suppression_of_one_numerator_in_a_column():
    table = disclose(
        [
            Counts("A", 40, 5, 20, 20),
            Counts("B", 40, 15, 20, 20),
            Counts("C", 40, 30, 20, 20),
        ]
    )
    cells = [row.cells["activated"] for row in table.groups]
    assert cells[0].reason == disclosure.reason_small()
    assert cells[1].reason == SECONDARY  # the next smallest
    assert cells[2].shown
    assert table.total.cells["activated"].shown
    # Learners are all shown: nothing hidden in that column.
    assert all(row.cells["learners"].shown for row in table.groups)


def test_declared_subtotal_cannot_be_used_to_work_out_prefer_not_to_say():
    table = disclose_equity(
        {
            "rows": [
                Counts("Female", 60, 40, 30, 20),
                Counts("Male", 70, 40, 30, 20),
                Counts(PREFER_NOT_LABEL, 4, 2, 1, 1),
                Counts(NOT_DECLARED_LABEL, 30, 20, 10, 10),
            ],
            "total": Counts("Total", 164, 102, 71, 51),
        }
    )
    labels = [row.label for row in table.rows]
    assert labels == ["Female", "Male", PREFER_NOT_LABEL, NOT_DECLARED_LABEL, "Declared", "Total"]
    prefer_not = table.row(PREFER_NOT_LABEL).cells["learners"]
    assert prefer_not.reason == disclosure.reason_small()
    # Total − declared − not declared would give it: one of those is hidden too.
    others = [table.row(label).cells["learners"] for label in ("Declared", NOT_DECLARED_LABEL)]
    assert any(cell.hidden for cell in others)


def test_each_rate_reason():
    table = disclose(
        [
            Counts("Small", 20, 15, 15, 15),
            Counts("Edge low", 100, 2, 50, 50),
            Counts("Edge high", 100, 98, 50, 50),
            Counts("Fine", 100, 40, 50, 50),
        ]
    )
    assert table.row("Small").cells["activated_rate"].text == "Hidden: group under 23 for rates"
    assert (
        table.row("Edge low").cells["activated_rate"].text
        == "Hidden: numerator within 2 of 0 or of the group size"
    )
    assert (
        table.row("Edge high").cells["activated_rate"].reason
        == "numerator within 2 of 0 or of the group size"
    )
    fine = table.row("Fine")
    assert fine.cells["activated_rate"].text == "40%"
    # Gap to everyone else (220 learners, 115 activated: 52.27%), from unrounded numbers.
    assert fine.cells["activated_gap"].text == "12 pp lower"
    assert fine.cells["engaged_gap"].text == "2 pp lower"  # 50% against 52.27%
    even = disclose([Counts("A", 100, 50, 50, 50), Counts("B", 60, 30, 30, 30)])
    assert even.row("A").cells["engaged_gap"].text == "no gap"
    assert even.row("B").cells["engaged_gap"].text == "no gap"


def test_rates_come_from_unrounded_numbers():
    table = disclose([Counts("A", 27, 13, 13, 13), Counts("B", 48, 24, 24, 24)])
    a = table.row("A")
    assert a.cells["learners"].text == "25"
    assert a.cells["activated_rate"].text == "48%"  # 13 / 27, not 15 / 25


def test_gap_hidden_when_everyone_else_is_too_small():
    table = disclose([Counts("A", 100, 50, 50, 50), Counts("B", 12, 10, 10, 10)])
    gap = table.row("A").cells["activated_gap"]
    assert gap.reason == "everyone else: group under 23 for rates"


def test_median_hidden_for_small_groups():
    table = disclose([Counts("A", 8, 0, 0, 0, 12.4), Counts("B", 30, 10, 10, 10, 14.6)])
    assert table.row("A").cells["median_minutes"].text == "Hidden: fewer than 10 learners"
    assert table.row("B").cells["median_minutes"].text == "15"


def test_thresholds_are_settings(settings):
    settings.EQUITY_MIN_COUNT = 5
    settings.EQUITY_ROUND_TO = 1
    settings.EQUITY_MIN_GROUP_FOR_RATES = 10
    settings.EQUITY_RATE_EDGE = 0
    table = disclose([Counts("A", 7, 6, 6, 6), Counts("B", 11, 5, 5, 5)])
    assert table.row("A").cells["learners"].text == "7"
    assert table.row("A").cells["activated_rate"].reason == "group under 10 for rates"
    assert table.row("B").cells["activated_rate"].text == "45%"


def test_csv_guards_labels_against_formulas():
    table = disclose([Counts("=HYPERLINK()", 30, 10, 10, 10), Counts("B", 30, 10, 10, 10)])
    assert csv_rows(table)[0][0] == "'=HYPERLINK()"
    assert screen_rows(table)[0][1:] == csv_rows(table)[0][1:]


def test_differencing_refuses_a_population_close_to_one_already_served():
    message = check_differencing(103, [200, 95])
    assert message and "fewer than 10 learners" in message
    assert check_differencing(104, [95]) is not None  # 9 apart
    assert check_differencing(105, [95]) is None  # 10 apart
    assert check_differencing(95, [95]) is None  # the same selection again
    assert check_differencing(95, []) is None


def test_differencing_threshold_is_a_setting(settings):
    settings.EQUITY_MIN_DIFFERENCE = 20
    assert check_differencing(110, [95]) is not None
    assert check_differencing(115, [95]) is None


def test_pooled_view_is_suggested_for_small_selections():
    assert disclosure.suggest_pooled(12)
    assert not disclosure.suggest_pooled(23)
