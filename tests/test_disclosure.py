"""Disclosure control (lms.reports.disclosure) on hand-made tables: property
tests with hypothesis that every served count is its cell key perturbation,
that nothing shown lets a hidden count be worked out, that rates and gaps
come from perturbed counts only; and a unit test for each rule and reason.

Rule-by-rule examples choose record key sums whose noise is 0 in every cell
(`noiseless`), so they show the suppression and rounding rules on their own;
the perturbation has its own examples. Differencing across tables is in
tests/test_disclosure_differencing.py; the pTable in tests/test_equity_ptable.py."""

import csv
import dataclasses
import io
import itertools
import random
import types
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wagtail.admin.views.mixins import SpreadsheetExportMixin

from lms.reports import disclosure, ptable
from lms.reports.disclosure import (
    NOT_DECLARED_LABEL,
    PREFER_NOT_LABEL,
    SECONDARY,
    Cell,
    Counts,
    disclose,
    disclose_equity,
    screen_rows,
)
from lms.reports.views.cohort_report import Section, disclosed_section


def exported(section: Section) -> list[list[str]]:
    """The CSV a report serves for this section: Wagtail's spreadsheet
    export (with the project's formula guard), parsed."""
    exporter = SpreadsheetExportMixin()
    exporter.list_export = [name for name, _ in section.columns]
    exporter.export_headings = dict(section.columns)
    body = b"".join(exporter.stream_csv(section.rows)).decode()
    return list(csv.reader(io.StringIO(body)))


COUNT_COLUMNS = ("learners", "activated", "engaged", "completed")
MEASURES = ("activated", "engaged", "completed")
MAX_NOISE = ptable.DESIGNS[ptable.DEFAULT_DESIGN].max_noise

property_settings = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


# -- helpers ------------------------------------------------------------------


def key_sums(groups, subtotals):
    """{(row label, column): the sum of the record keys of that cell}, worked
    out here from the groups: a subtotal's and the total's cell is the union
    of its groups' learners, so its key is the sum of theirs."""
    sums = {}
    for column in COUNT_COLUMNS:
        for group in groups:
            sums[(group.group, column)] = getattr(group, f"{column}_key")
        for label, members in subtotals:
            sums[(label, column)] = sum(
                getattr(g, f"{column}_key") for g in groups if g.group in members
            )
        sums[("Total", column)] = sum(getattr(g, f"{column}_key") for g in groups)
    return sums


def noiseless(groups, subtotals=(), seed=0):
    """The groups with record key sums for which every cell of the table
    (groups, subtotals, total) gets noise 0."""
    rng = random.Random(seed)
    groups = [dataclasses.replace(group) for group in groups]
    labels = [g.group for g in groups] + [label for label, _ in subtotals] + ["Total"]
    for column in COUNT_COLUMNS:
        counts = [getattr(g, column) for g in groups]
        counts += [
            sum(getattr(g, column) for g in groups if g.group in members)
            for _, members in subtotals
        ]
        counts.append(sum(getattr(g, column) for g in groups))
        for _ in range(200_000):
            for group in groups:
                setattr(group, f"{column}_key", rng.randrange(ptable.KEY_RANGE))
            sums = key_sums(groups, subtotals)
            if all(
                ptable.noise(count, sums[(label, column)]) == 0
                for label, count in zip(labels, counts, strict=True)
            ):
                break
        else:  # pragma: no cover - 200,000 tries always find one
            raise AssertionError("no noiseless keys found")
    return groups


def key_with_noise(count, wanted, start=0):
    """A cell key sum that gives `count` the noise `wanted`."""
    return next(k for k in range(start, start + 256) if ptable.noise(count, k) == wanted)


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
    keys = {
        f"{column}_key": draw(st.integers(min_value=0, max_value=255 * 200))
        for column in COUNT_COLUMNS
    }
    return Counts(label, n, *numerators, median_minutes=median, **keys)


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


def _half_up(value: Fraction) -> int:
    sign = -1 if value < 0 else 1
    return sign * int(abs(value) + Fraction(1, 2))


# -- properties ---------------------------------------------------------------


@property_settings
@given(tables())
def test_every_count_is_its_cell_key_perturbation_rounded(table_in):
    groups, subtotals = table_in
    table = disclose(groups, subtotals=subtotals)
    sums = key_sums(groups, subtotals)
    for row in table.rows:
        for key in COUNT_COLUMNS:
            cell = row.cells[key]
            assert cell.kind == "count"
            # The perturbed value is the pTable's, for this count and the sum
            # of the record keys of exactly this cell's learners.
            assert cell.perturbed == ptable.perturb(cell.raw, sums[(row.label, key)])
            assert abs(cell.perturbed - cell.raw) <= MAX_NOISE
            assert cell.raw == 0 or cell.perturbed >= 1
            if cell.shown:
                assert cell.value % 5 == 0 and cell.value >= 10, (row.label, key, cell)
                assert cell.raw >= 10 and cell.perturbed >= 10
                assert abs(cell.value - cell.perturbed) <= 2
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
        # Even taking every shown figure as exact (no noise, no rounding).
        assert _derivable(table, key, declared) == [], (key, screen_rows(table))
        # The plain form of the rule: never exactly one hidden group beside a shown total.
        hidden = [label for kind, label, c in _cells(table, key) if kind == "group" and c.hidden]
        if table.total.cells[key].shown:
            assert len(hidden) != 1
        # Every hidden cell says why; hidden as small exactly when the count,
        # or its perturbed value, is under 10.
        for _kind, _label, cell in _cells(table, key):
            if cell.hidden:
                assert cell.reason in (disclosure.reason_small(), SECONDARY)
                small = min(cell.raw, cell.perturbed) < 10
                assert (cell.reason == disclosure.reason_small()) == small


@property_settings
@given(tables())
def test_rates_and_gaps_come_from_perturbed_counts_of_big_enough_groups(table_in):
    groups, subtotals = table_in
    table = disclose(groups, subtotals=subtotals)
    total = table.total
    for row in table.rows:
        n_cell = row.cells["learners"]
        for key in MEASURES:
            k_cell = row.cells[key]
            rate = row.cells[f"{key}_rate"]
            if rate.shown:
                for n, k in ((n_cell.raw, k_cell.raw), (n_cell.perturbed, k_cell.perturbed)):
                    assert n >= 23 and 2 < k < n - 2
                # From the unrounded perturbed numbers, whole percentages, halves up:
                # a rate is a function of perturbed counts only.
                exact = Fraction(100 * k_cell.perturbed, n_cell.perturbed)
                assert rate.value == _half_up(exact)
                # A rate never sits beside a hidden count it rests on.
                assert n_cell.shown and k_cell.shown
            else:
                assert rate.reason
            if row.kind != "group":
                continue
            gap = row.cells[f"{key}_gap"]
            if gap.shown:
                assert rate.shown
                rest = (
                    (total.cells["learners"].raw - n_cell.raw, total.cells[key].raw - k_cell.raw),
                    (
                        total.cells["learners"].perturbed - n_cell.perturbed,
                        total.cells[key].perturbed - k_cell.perturbed,
                    ),
                )
                for rest_n, rest_k in rest:
                    assert rest_n >= 23 and 2 < rest_k < rest_n - 2
                rest_n, rest_k = rest[1]
                exact = Fraction(100 * k_cell.perturbed, n_cell.perturbed) - Fraction(
                    100 * rest_k, rest_n
                )
                assert gap.value == _half_up(exact)
            else:
                assert gap.reason


@property_settings
@given(tables())
def test_csv_rows_are_the_screen_rows(table_in):
    groups, subtotals = table_in
    table = disclose(groups, subtotals=subtotals)
    parsed = exported(disclosed_section("groups", "Groups", "Group", table))
    assert parsed[0] == disclosure.header(table)
    assert parsed[1:] == screen_rows(table)
    # No figure in the export is a hidden value, a true count or a cell key.
    for row in table.rows:
        for cell in row.cells.values():
            if cell.hidden:
                assert cell.text.startswith("Hidden")
            if cell.kind == "count" and cell.shown:
                assert cell.text == str(cell.value) == str(disclosure.round_count(cell.perturbed))


# -- each rule, by example -----------------------------------------------------


def test_counts_under_ten_are_hidden_and_the_rest_rounded_to_five():
    table = disclose(
        noiseless(
            [Counts("A", 9, 0, 0, 0), Counts("B", 12, 10, 10, 10), Counts("C", 13, 11, 11, 11)]
        )
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
    table = disclose(noiseless([Counts("A", raw, 0, 0, 0), Counts("B", 100, 50, 50, 50)]))
    assert table.groups[0].cells["learners"].value == shown


def test_secondary_suppression_of_one_numerator_in_a_column():
    table = disclose(
        noiseless(
            [
                Counts("A", 40, 5, 20, 20),
                Counts("B", 40, 15, 20, 20),
                Counts("C", 40, 30, 20, 20),
            ]
        )
    )
    cells = [row.cells["activated"] for row in table.groups]
    assert cells[0].reason == disclosure.reason_small()
    assert cells[1].reason == SECONDARY  # the next smallest
    assert cells[2].shown
    assert table.total.cells["activated"].shown
    # Learners are all shown: nothing hidden in that column.
    assert all(row.cells["learners"].shown for row in table.groups)


def test_declared_subtotal_cannot_be_used_to_work_out_prefer_not_to_say():
    labels = ["Female", "Male"]
    rows = noiseless(
        [
            Counts("Female", 60, 40, 30, 20),
            Counts("Male", 70, 40, 30, 20),
            Counts(PREFER_NOT_LABEL, 4, 2, 1, 1, kind="prefer_not"),
            Counts(NOT_DECLARED_LABEL, 30, 20, 10, 10, kind="not_declared"),
        ],
        [("Declared", labels)],
    )
    table = disclose_equity(types.SimpleNamespace(rows=rows, total=None))
    assert [row.label for row in table.rows] == [
        "Female",
        "Male",
        PREFER_NOT_LABEL,
        NOT_DECLARED_LABEL,
        "Declared",
        "Total",
    ]
    prefer_not = table.row(PREFER_NOT_LABEL).cells["learners"]
    assert prefer_not.reason == disclosure.reason_small()
    # Total − declared − not declared would give it: one of those is hidden too.
    others = [table.row(label).cells["learners"] for label in ("Declared", NOT_DECLARED_LABEL)]
    assert any(cell.hidden for cell in others)


def test_each_rate_reason():
    table = disclose(
        noiseless(
            [
                Counts("Small", 20, 15, 15, 15),
                Counts("Edge low", 100, 2, 50, 50),
                Counts("Edge high", 100, 98, 50, 50),
                Counts("Fine", 100, 40, 50, 50),
            ]
        )
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
    even = disclose(noiseless([Counts("A", 100, 50, 50, 50), Counts("B", 60, 30, 30, 30)]))
    assert even.row("A").cells["engaged_gap"].text == "no gap"
    assert even.row("B").cells["engaged_gap"].text == "no gap"


def test_rates_come_from_unrounded_numbers():
    table = disclose(noiseless([Counts("A", 27, 13, 13, 13), Counts("B", 48, 24, 24, 24)]))
    a = table.row("A")
    assert a.cells["learners"].text == "25"
    assert a.cells["activated_rate"].text == "48%"  # 13 / 27, not 15 / 25


def test_gap_hidden_when_everyone_else_is_too_small():
    table = disclose(noiseless([Counts("A", 100, 50, 50, 50), Counts("B", 12, 10, 10, 10)]))
    gap = table.row("A").cells["activated_gap"]
    assert gap.reason == "everyone else: group under 23 for rates"


def test_median_needs_ten_activated_learners():
    table = disclose(
        noiseless(
            [
                Counts("A", 8, 0, 0, 0, 12.4),
                Counts("B", 30, 10, 10, 10, 14.6),
                # Thirty learners but three activated: the median would be the
                # middle one of three people's minutes, so it is hidden.
                Counts("C", 30, 3, 3, 3, 9.0),
            ]
        )
    )
    assert table.row("A").cells["median_minutes"].text == "Hidden: fewer than 10 activated learners"
    assert table.row("B").cells["median_minutes"].text == "15"
    assert table.row("C").cells["median_minutes"].text == "Hidden: fewer than 10 activated learners"


def test_thresholds_are_settings(settings):
    settings.EQUITY_MIN_COUNT = 5
    settings.EQUITY_ROUND_TO = 1
    settings.EQUITY_MIN_GROUP_FOR_RATES = 10
    settings.EQUITY_RATE_EDGE = 0
    table = disclose(noiseless([Counts("A", 7, 6, 6, 6), Counts("B", 11, 5, 5, 5)]))
    assert table.row("A").cells["learners"].text == "7"
    assert table.row("A").cells["activated_rate"].reason == "group under 10 for rates"
    assert table.row("B").cells["activated_rate"].text == "45%"


def test_csv_guards_every_cell_against_formulas():
    groups = noiseless(
        [
            Counts("=HYPERLINK()", 30, 10, 10, 10),
            Counts("@SUM(A1)", 30, 10, 10, 10),
            Counts("\tB", 30, 10, 10, 10),
            Counts("-1", 30, 10, 10, 10),
        ]
    )
    table = disclose(groups)
    rows = exported(disclosed_section("groups", "Groups", "=Group", table))
    assert rows[0][0] == "'=Group"
    labels = [row[0] for row in rows[1:]]
    assert labels[:4] == ["'=HYPERLINK()", "'@SUM(A1)", "'\tB", "'-1"]
    for screen, written in zip(screen_rows(table), rows[1:], strict=True):
        assert screen[1:] == written[1:]
    selection = Section("selection", "Selection", [("item", "Item"), ("value", "Value")])
    selection.rows = [{"item": "Cohort", "value": "+44 cohort"}]
    assert exported(selection)[1] == ["Cohort", "'+44 cohort"]


# -- the perturbation, by example ---------------------------------------------------


def test_a_count_is_moved_by_its_cell_key_and_rounding_shows_the_moved_value():
    up = key_with_noise(12, +2)
    down = key_with_noise(13, -2)
    table = disclose(
        [
            Counts("Up", 12, 0, 0, 0, learners_key=up),
            Counts("Down", 13, 0, 0, 0, learners_key=down),
            Counts("Big", 200, 0, 0, 0),
        ]
    )
    # 12 + 2 = 14 shows as 15 (12 alone would show as 10); 13 − 2 = 11 as 10.
    assert table.row("Up").cells["learners"].text == "15"
    assert table.row("Down").cells["learners"].text == "10"


def test_a_count_of_ten_or_more_moved_under_ten_is_hidden():
    table = disclose(
        [
            Counts("A", 10, 0, 0, 0, learners_key=key_with_noise(10, -1)),
            Counts("B", 200, 0, 0, 0),
            Counts("C", 300, 0, 0, 0),
        ]
    )
    assert table.row("A").cells["learners"].perturbed == 9
    assert table.row("A").cells["learners"].reason == disclosure.reason_small()


def test_a_count_under_ten_moved_to_ten_is_still_hidden():
    table = disclose(
        [
            Counts("A", 9, 0, 0, 0, learners_key=key_with_noise(9, +2)),
            Counts("B", 200, 0, 0, 0),
            Counts("C", 300, 0, 0, 0),
        ]
    )
    assert table.row("A").cells["learners"].perturbed == 11
    assert table.row("A").cells["learners"].reason == disclosure.reason_small()


def test_rates_come_from_perturbed_counts():
    n_key = key_with_noise(27, +1)
    k_key = key_with_noise(13, 0)
    table = disclose(
        [
            Counts("A", 27, 13, 13, 13, learners_key=n_key, activated_key=k_key),
            Counts("B", 480, 240, 240, 240),
        ]
    )
    # 13 / 28, not 13 / 27 (48%).
    assert table.row("A").cells["activated_rate"].text == "46%"


def test_the_same_people_get_the_same_figure_in_every_table():
    """The "Everyone" row of two characteristics is the same set of people:
    the same count and the same sum of keys, so the same figure."""
    by_sex = [Counts("Female", 40, 20, 10, 5, learners_key=1234), Counts("Male", 43, 21, 11, 6)]
    by_area = [
        Counts("North", 50, 30, 15, 8, learners_key=1000),
        Counts("South", 33, 11, 6, 3, learners_key=234),
    ]
    one, other = disclose(by_sex), disclose(by_area)
    assert one.total.cells["learners"].perturbed == other.total.cells["learners"].perturbed
    assert one.total.cells["learners"].text == other.total.cells["learners"].text
    # And asking again gives the same answer: nothing to average.
    assert screen_rows(disclose(by_sex)) == screen_rows(one)


def test_perturb_never_takes_a_learner_count_to_zero():
    for count in (1, 2, 3):
        for key in range(ptable.KEY_RANGE):
            assert disclosure.perturb(count, key) >= 1
    assert {disclosure.perturb(0, key) for key in range(ptable.KEY_RANGE)} == {0}


def test_pooled_view_is_suggested_for_small_selections():
    assert disclosure.suggest_pooled(Cell("count", perturbed=12, raw=14))
    assert not disclosure.suggest_pooled(Cell("count", perturbed=23, raw=21))


def test_the_declared_subtotal_is_the_declared_groups_and_the_total_keeps_its_label():
    rows = noiseless(
        [
            Counts("Female", 60, 40, 30, 20),
            Counts("Male", 70, 40, 30, 20),
            Counts(NOT_DECLARED_LABEL, 30, 20, 10, 10, kind="not_declared"),
        ],
        [("Declared", ["Female", "Male"])],
    )
    total = types.SimpleNamespace(group="All learners", median_minutes=14.5)
    table = disclose_equity(types.SimpleNamespace(rows=rows, total=total))
    declared = table.row("Declared").cells
    assert (declared["learners"].raw, declared["activated"].raw) == (130, 80)
    assert table.total.label == "All learners"
    assert table.total.cells["learners"].raw == 160
    assert table.total.cells["median_minutes"].text == "15"  # 14.5, halves up


def test_a_table_of_declared_groups_only_has_no_declared_subtotal():
    rows = noiseless([Counts("Female", 60, 40, 30, 20), Counts("Male", 70, 40, 30, 20)])
    table = disclose_equity(types.SimpleNamespace(rows=rows, total=None))
    assert [row.label for row in table.rows] == ["Female", "Male", "Total"]


@pytest.mark.parametrize(("minutes", "shown"), [(12.5, "13"), (13.5, "14"), (12.49, "12")])
def test_medians_are_whole_minutes_rounded_half_up(minutes, shown):
    table = disclose(noiseless([Counts("A", 40, 20, 20, 20, minutes), Counts("B", 40, 20, 20, 20)]))
    assert table.row("A").cells["median_minutes"].text == shown


def test_a_share_is_the_part_of_the_whole_under_the_rate_rules():
    table = disclose(
        noiseless([Counts("A", 30, 20, 20, 20), Counts("B", 9, 5, 5, 5), Counts("C", 25, 5, 5, 5)])
    )
    whole = table.total.cells["learners"]
    share = disclosure.share_cell(table.row("A").cells["learners"], whole)
    assert (share.kind, share.text) == ("rate", "47%")  # 30 of 64
    small = disclosure.share_cell(table.row("B").cells["learners"], whole)
    assert small.reason == disclosure.reason_small()  # B is under ten learners


def test_record_keys_are_optional_and_never_in_a_counts_repr():
    plain = Counts("A", 40, 20, 20, 20)
    assert disclose([plain]).rows == disclose([dataclasses.replace(plain)]).rows
    keyed = Counts("A", 40, 20, 20, 20, learners_key=4242, activated_key=4343)
    assert "4242" not in repr(keyed) and "4343" not in repr(keyed)
    assert "_key" not in repr(keyed)


def test_rows_with_the_counts_attributes_are_read_like_counts():
    groups = noiseless([Counts("A", 40, 30, 20, 10, 12.0), Counts("B", 35, 25, 15, 5, 8.0)])
    as_rows = [
        types.SimpleNamespace(**dataclasses.asdict(group) | {"group": f"{group.group}"})
        for group in groups
    ]
    assert screen_rows(disclose(as_rows)) == screen_rows(disclose(groups))
    assert [row.label for row in disclose(as_rows).rows] == ["A", "B", "Total"]
    assert disclose(as_rows).row("A").cells["median_minutes"].text == "12"


def test_the_header_names_every_column():
    table = disclose(noiseless([Counts("A", 40, 20, 20, 20), Counts("B", 40, 20, 20, 20)]))
    assert disclosure.header(table) == [
        "Group",
        "Learners",
        "Activated",
        "Activated %",
        "Activated: gap to everyone else",
        "Engaged",
        "Engaged %",
        "Engaged: gap to everyone else",
        "Completed",
        "Completed %",
        "Completed: gap to everyone else",
        "Median minutes",
    ]


def test_every_rate_cell_is_a_rate_shown_or_hidden():
    table = disclose(
        noiseless(
            [
                Counts("Small", 20, 15, 15, 15),
                Counts("Edge", 100, 2, 50, 50),
                Counts("Fine", 100, 40, 50, 50),
                Counts("Tiny", 5, 3, 3, 3),
            ]
        )
    )
    for row in table.rows:
        for key in ("activated_rate", "engaged_rate", "completed_rate"):
            assert row.cells[key].kind == "rate"
        for key in ("activated_gap", "engaged_gap", "completed_gap"):
            assert row.cells[key].kind == ("gap" if row.kind == "group" else "na")
    fine = table.row("Fine").cells["activated_rate"]
    assert fine.raw == pytest.approx(40.0)


def test_a_group_of_exactly_23_gets_rates_and_22_does_not():
    table = disclose(noiseless([Counts("A", 23, 11, 11, 11), Counts("B", 22, 11, 11, 11)]))
    assert table.row("A").cells["activated_rate"].text == "48%"
    assert table.row("B").cells["activated_rate"].reason == disclosure.reason_small_group()


def test_rounding_to_another_base(settings):
    settings.EQUITY_ROUND_TO = 2
    table = disclose(noiseless([Counts("A", 13, 0, 0, 0), Counts("B", 40, 20, 20, 20)]))
    assert table.row("A").cells["learners"].value == 14  # 6.5 twos, halves up
    assert table.row("B").cells["learners"].value == 40


def test_the_secondary_cell_is_the_smallest_group_not_the_first():
    table = disclose(
        noiseless([Counts("A", 50, 25, 25, 25), Counts("B", 9, 0, 0, 0), Counts("C", 12, 6, 6, 6)])
    )
    cells = {row.label: row.cells["learners"] for row in table.rows}
    assert cells["B"].reason == disclosure.reason_small()
    assert cells["C"].reason == SECONDARY
    assert cells["A"].shown and cells["Total"].shown


def _oracle_determined(hidden, equations, limit=2):
    """A hidden cell is determined when no change of the hidden cells that
    keeps every equation true moves it: searched by brute force over small
    integer changes (the equations have coefficients 0 and +-1, so their
    kernel has a basis of small integer vectors)."""
    rows = []
    for members, margin in equations:
        row = {cell: 0 for cell in hidden}
        for member in members:
            if member in row:
                row[member] += 1
        if margin in row:
            row[margin] -= 1
        rows.append(row)
    movable = set()
    for change in itertools.product(range(-limit, limit + 1), repeat=len(hidden)):
        delta = dict(zip(hidden, change, strict=True))
        if all(sum(row[c] * delta[c] for c in hidden) == 0 for row in rows):
            movable |= {cell for cell, d in delta.items() if d}
    return sorted(set(hidden) - movable)


def _hierarchies(count=60, seed=7):
    """Random tables like the real ones: groups adding up to a total, and
    sometimes one or two subtotals of some groups; random hidden cells."""
    rng = random.Random(seed)
    for _ in range(count):
        groups = rng.randint(2, 5)
        cells = list(range(groups))
        equations = []
        total = groups
        subtotals = []
        for position in range(rng.choice([0, 1, 1, 2])):
            members = rng.sample(cells, rng.randint(1, groups))
            subtotals.append((sorted(members), total + 1 + position))
        equations = [(cells, total), *subtotals]
        size = total + 1 + len(subtotals)
        hidden = sorted(rng.sample(range(size), rng.randint(1, min(5, size))))
        values = [rng.randint(0, 60) for _ in range(size)]
        yield values, equations, hidden


@pytest.mark.parametrize(("values", "equations", "hidden"), list(_hierarchies()))
def test_which_hidden_cells_the_margins_pin_down_matches_brute_force(values, equations, hidden):
    assert sorted(disclosure._determined(hidden, equations)) == _oracle_determined(
        hidden, equations
    )
    secondary = disclosure.protect_column(values, equations, hidden)
    assert not secondary & set(hidden)
    assert _oracle_determined(sorted(set(hidden) | secondary), equations) == []


def _general_systems(count=80, seed=11):
    """Any equations "margin = sum of members", margins also members of other
    equations: the functions promise this, not only tables' shapes."""
    rng = random.Random(seed)
    for _ in range(count):
        size = rng.randint(2, 5)
        equations = []
        for _ in range(rng.randint(1, 3)):
            margin = rng.randrange(size)
            others = [cell for cell in range(size) if cell != margin]
            equations.append((sorted(rng.sample(others, rng.randint(1, len(others)))), margin))
        yield equations, sorted(rng.sample(range(size), rng.randint(1, size)))


@pytest.mark.parametrize(("equations", "hidden"), list(_general_systems()))
def test_determined_cells_of_any_system_match_brute_force(equations, hidden):
    assert sorted(disclosure._determined(hidden, equations)) == _oracle_determined(
        hidden, equations, limit=4
    )


def test_two_subtotals_each_add_up_their_own_groups():
    groups = [
        Counts(label, n, n // 2, n // 2, n // 2)
        for label, n in zip("ABCD", (30, 40, 50, 60), strict=True)
    ]
    table = disclose(noiseless(groups, [("AB", ["A", "B"]), ("CD", ["C", "D"])]),
                     subtotals=[("AB", ["A", "B"]), ("CD", ["C", "D"])])  # fmt: skip
    assert [(row.label, row.kind) for row in table.rows] == [
        ("A", "group"), ("B", "group"), ("C", "group"), ("D", "group"),
        ("AB", "subtotal"), ("CD", "subtotal"), ("Total", "total"),
    ]  # fmt: skip
    assert table.row("AB").cells["learners"].raw == 70
    assert table.row("CD").cells["learners"].raw == 110
    assert table.row("AB").cells["median_minutes"] is disclosure.NA


def test_gaps_and_medians_are_typed_and_keep_their_unrounded_value():
    table = disclose(
        noiseless([Counts("A", 100, 50, 50, 50, 12.5), Counts("B", 60, 20, 20, 20, 3.0)])
    )
    gap = table.row("A").cells["activated_gap"]
    assert (gap.kind, gap.value) == ("gap", 17)  # 50% against 20 of 60 (33.3%)
    assert gap.raw == pytest.approx(50 - 100 * 20 / 60)
    median = table.row("A").cells["median_minutes"]
    assert (median.kind, median.value, median.raw) == ("median", 13, 12.5)
    small = disclose(noiseless([Counts("A", 30, 5, 5, 5, 4.0), Counts("B", 40, 20, 20, 20)]))
    hidden = small.row("A").cells["median_minutes"]
    assert (hidden.kind, hidden.reason) == ("median", disclosure.reason_small_median())


def test_a_gap_needs_everyone_else_big_enough_by_the_true_counts_too():
    # Everyone else: 23 perturbed but 22 true learners -> no gap.
    big = Counts("A", 100, 50, 50, 50)
    rest = Counts("B", 22, 11, 11, 11, learners_key=key_with_noise(22, 1))
    table = disclose([big, rest])
    assert table.row("B").cells["learners"].perturbed == 23
    gap = table.row("A").cells["activated_gap"]
    assert (gap.kind, gap.reason) == ("gap", disclosure.reason_comparison_small())
    edge = disclose(noiseless([Counts("A", 100, 50, 50, 50), Counts("B", 40, 39, 20, 20)]))
    edge_gap = edge.row("A").cells["activated_gap"]
    assert (edge_gap.kind, edge_gap.reason) == ("gap", disclosure.reason_comparison_edge())


@pytest.mark.parametrize(
    ("learners", "value", "unit", "shown"),
    [
        (5, None, "learners", "5"),
        (4, None, "learners", "<5"),
        (0, None, "learners", "<5"),
        (4, 0.5, "percent", "– (fewer than 5 learners)"),
        (5, None, "percent", "– (no data)"),
        (5, 0.125, "percent", "13%"),
        (5, 0.124, "percent", "12%"),
        (5, 12.25, "minutes", "12.3"),
        (5, 12.24, "minutes", "12.2"),
        (4, 12.0, "minutes", "– (fewer than 5 learners)"),
    ],
)
def test_course_analytics_small_numbers(learners, value, unit, shown):
    assert str(disclosure.suppress(learners, value, unit, threshold=5)) == shown


def test_an_unknown_unit_is_an_error():
    with pytest.raises(ValueError, match="Unknown unit 'hours'"):
        disclosure.suppress(10, 1.0, "hours", threshold=5)


def test_a_rate_is_judged_by_the_smaller_of_its_two_counts():
    assert str(disclosure.suppress_rate(3, 40, threshold=5)) == "– (fewer than 5 learners)"
    assert str(disclosure.suppress_rate(10, 40, threshold=5)) == "25%"
    assert str(disclosure.suppress_rate(0, 0, threshold=0)) == "– (no data)"


def test_counts_that_add_up_to_a_total_hide_the_next_smallest_too():
    shown, total = disclosure.protect_counts([3, 20, 8, 40], 71, 5)
    assert [str(s) for s in shown] == ["<5", "20", f"– ({SECONDARY})", "40"]
    assert total is None
    none_small, total = disclosure.protect_counts([10, 20], 30, 5)
    assert [str(s) for s in none_small] == ["10", "20"] and total is None
    # The total cannot be worked out by the reader: the one hidden count is safe.
    alone, total = disclosure.protect_counts([3, 20], 23, 5, total_known=False)
    assert [str(s) for s in alone] == ["<5", "20"] and total is None
    # One count only: hiding it means hiding the total that equals it.
    single, total = disclosure.protect_counts([3], 3, 5)
    assert [str(s) for s in single] == ["<5"]
    assert str(total) == f"– ({disclosure.SECONDARY_TOTAL})"


def test_a_subtotal_never_shows_a_median_even_when_few_activated():
    groups = noiseless(
        [Counts("A", 30, 4, 4, 4, 9.0), Counts("B", 40, 30, 20, 10, 12.0)], [("Few", ["A"])]
    )
    table = disclose(groups, subtotals=[("Few", ["A"])])
    assert table.row("Few").cells["median_minutes"] is disclosure.NA
    assert table.row("A").cells["median_minutes"].reason == disclosure.reason_small_median()


def test_a_second_subtotal_protects_its_own_groups():
    # C (8) is hidden; C+D is the second subtotal, so D must be hidden too, or
    # the subtotal less D gives C.
    groups = [Counts("A", 40, 20, 20, 20), Counts("B", 50, 20, 20, 20)]
    groups += [Counts("C", 8, 0, 0, 0), Counts("D", 30, 15, 15, 15)]
    subtotals = [("AB", ["A", "B"]), ("CD", ["C", "D"])]
    table = disclose(noiseless(groups, subtotals), subtotals=subtotals)
    learners = {row.label: row.cells["learners"] for row in table.rows}
    assert learners["C"].reason == disclosure.reason_small()
    hidden = [label for label, cell in learners.items() if cell.hidden]
    assert hidden == ["C", "D"]  # D, the smallest that frees C; nothing more
    assert (
        _oracle_determined(
            [list(learners).index(label) for label in hidden],
            [([0, 1, 2, 3], 6), ([0, 1], 4), ([2, 3], 5)],
        )
        == []
    )


@pytest.mark.parametrize(
    ("values", "equations", "primary", "secondary"),
    [
        # groups 57 and 9 (hidden) add up to 66; a one-group subtotal repeats the 9
        ([57, 9, 66, 9], [([0, 1], 2), ([1], 3)], {1}, {0, 2, 3}),
        # one cell (41, beside the hidden 5 in the subtotal) frees it everywhere
        ([5, 21, 47, 41, 114, 46], [([0, 1, 2, 3], 4), ([0, 3], 5)], {0}, {3}),
        # hiding the subtotal frees both hidden groups at once
        ([32, 1, 38, 28, 5, 104, 71], [([0, 1, 2, 3, 4], 5), ([0, 1, 2], 6)], {1, 4}, {6}),
        (
            [60, 0, 5, 15, 80, 75, 5],
            [([0, 1, 2, 3], 4), ([0, 1, 3], 5), ([2], 6)],
            {1, 2},
            {0, 3, 4, 6},
        ),
    ],
)
def test_the_secondary_cells_follow_the_choice_rule(values, equations, primary, secondary):
    """First a cell that leaves nothing determined, then one that frees the
    cell in question, then a group before a (sub)total, then the smallest."""
    assert disclosure.protect_column(values, equations, primary) == secondary


def _pair(rest, rest_total_noise):
    """A big group A (100 learners, no noise) and everyone else B (`rest`
    learners), with keys that move the total by `rest_total_noise`: so
    everyone else is `rest` true learners but `rest + noise` served ones."""
    key_a = key_with_noise(100, 0)
    key_b = next(k for k in range(256) if ptable.noise(100 + rest, key_a + k) == rest_total_noise)
    return [
        Counts("A", 100, 50, 50, 50, learners_key=key_a),
        Counts("B", rest, rest // 2, rest // 2, rest // 2, learners_key=key_b),
    ]


@pytest.mark.parametrize(("rest", "noise"), [(22, 1), (23, -1)])
def test_a_gap_needs_23_others_both_true_and_served(rest, noise):
    table = disclose(_pair(rest, noise))
    total, a = table.total.cells["learners"], table.row("A").cells["learners"]
    assert (total.raw - a.raw, total.perturbed - a.perturbed) == (rest, rest + noise)
    gap = table.row("A").cells["activated_gap"]
    assert gap.reason == disclosure.reason_comparison_small()


@pytest.mark.parametrize(("size", "noise"), [(22, 1), (23, -1)])
def test_a_rate_needs_a_group_of_23_both_true_and_served(size, noise):
    group = Counts("B", size, 11, 11, 11, learners_key=key_with_noise(size, noise))
    table = disclose([Counts("A", 100, 50, 50, 50), group])
    cell = table.row("B").cells["learners"]
    assert (cell.raw, cell.perturbed) == (size, size + noise)
    assert table.row("B").cells["activated_rate"].reason == disclosure.reason_small_group()


def test_a_rate_over_a_hidden_count_is_a_hidden_rate_with_its_reason():
    table = disclose(
        noiseless(
            [Counts("A", 9, 0, 0, 0), Counts("B", 25, 12, 12, 12), Counts("C", 40, 5, 20, 20)]
        )
    )
    b_rate = table.row("B").cells["activated_rate"]
    assert table.row("B").cells["learners"].reason == SECONDARY
    assert (b_rate.kind, b_rate.reason) == ("rate", SECONDARY)
    c_rate = table.row("C").cells["activated_rate"]
    assert table.row("C").cells["activated"].reason == disclosure.reason_small()
    assert (c_rate.kind, c_rate.reason) == ("rate", disclosure.reason_small())


def test_course_analytics_counts_by_default_and_show_the_threshold_itself():
    assert str(disclosure.suppress(4, threshold=5)) == "<5"
    assert str(disclosure.suppress(5, threshold=5)) == "5"
    shown, total = disclosure.protect_counts([5, 20], 25, 5)
    assert [str(s) for s in shown] == ["5", "20"] and total is None
