"""Disclosure control for aggregate tables of learners (equity and funnel
reports): pure functions, no database.

Defaults follow UK official statistics; every threshold is a setting, read
when a table is built:

- EQUITY_MIN_COUNT (10): a count under this is hidden (ONS); zero included.
- EQUITY_ROUND_TO (5): every shown count, totals too, is rounded to the
  nearest multiple of this (halves up). Totals are rounded on their own, so
  a shown total need not equal the sum of the shown rows.
- EQUITY_MIN_GROUP_FOR_RATES (23) and EQUITY_RATE_EDGE (2): a rate, and a
  gap to everyone else, is shown only for a group of at least 23 whose
  numerator is more than 2 and less than the group size minus 2 (OfS). The
  comparison group of a gap (everyone else) must pass the same test.
  Stricter than OfS: a rate is also hidden when its numerator's count or the
  group's count is hidden, so a rate never undoes a count's suppression.
- EQUITY_MIN_DIFFERENCE (10): a filter combination whose population differs
  from one already served to the same person, for the same characteristic,
  by 1 to 9 learners is refused (see `check_differencing`).

Percentages and gaps are computed from the unrounded numbers and shown as
whole percentages and whole percentage points. Medians show for groups of at
least EQUITY_MIN_COUNT learners, in whole minutes.

Secondary suppression: in each count column (learners, and each numerator),
the groups add up to the total (and, where a table has them, to subtotals
such as "declared"). Treating every shown value as exact (not relying on
rounding), if any hidden cell could be solved for from the shown cells, the
smallest shown cell in an equation with it is hidden too, and so on until no
hidden cell is determined. That is checked by linear algebra over the hidden
cells, so it also covers combinations of the total and a subtotal.

Every hidden cell carries the reason it is hidden; the screen and the CSV
show the same text (`screen_rows` / `csv_rows`)."""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.conf import settings

MEASURES = (("activated", "Activated"), ("engaged", "Engaged"), ("completed", "Completed"))
PREFER_NOT_LABEL = "Prefer not to say"
NOT_DECLARED_LABEL = "Not declared"

SECONDARY = "hidden so it cannot be worked out from the total"
HIDDEN_PREFIX = "Hidden: "
NOT_APPLICABLE = "n/a"


# -- settings -----------------------------------------------------------------


def min_count() -> int:
    return int(getattr(settings, "EQUITY_MIN_COUNT", 10))


def round_to() -> int:
    return int(getattr(settings, "EQUITY_ROUND_TO", 5))


def min_group_for_rates() -> int:
    return int(getattr(settings, "EQUITY_MIN_GROUP_FOR_RATES", 23))


def rate_edge() -> int:
    return int(getattr(settings, "EQUITY_RATE_EDGE", 2))


def min_difference() -> int:
    return int(getattr(settings, "EQUITY_MIN_DIFFERENCE", 10))


def reason_small() -> str:
    return f"fewer than {min_count()} learners"


def reason_small_group() -> str:
    return f"group under {min_group_for_rates()} for rates"


def reason_edge() -> str:
    return f"numerator within {rate_edge()} of 0 or of the group size"


def reason_comparison_small() -> str:
    return f"everyone else: group under {min_group_for_rates()} for rates"


def reason_comparison_edge() -> str:
    return f"everyone else: numerator within {rate_edge()} of 0 or of the group size"


# -- cells and tables ---------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One figure: shown (`reason` is None) or hidden with the reason why.
    `value` is what is displayed (rounded); `raw` never leaves this module's
    callers' tests and is not rendered or exported."""

    kind: str  # "count", "rate", "gap", "median", "na"
    value: int | None = None
    reason: str | None = None
    raw: float | int | None = field(default=None, compare=False, repr=False)

    @property
    def shown(self) -> bool:
        return self.reason is None and self.kind != "na"

    @property
    def hidden(self) -> bool:
        return self.reason is not None

    @property
    def text(self) -> str:
        if self.reason is not None:
            if self.reason.startswith("hidden "):
                return "Hidden " + self.reason.removeprefix("hidden ")
            return HIDDEN_PREFIX + self.reason
        if self.kind == "na" or self.value is None:
            return NOT_APPLICABLE
        if self.kind == "rate":
            return f"{self.value}%"
        if self.kind == "gap":
            if self.value == 0:
                return "no gap"
            return f"{abs(self.value)} pp {'higher' if self.value > 0 else 'lower'}"
        return str(self.value)


NA = Cell("na")


@dataclass
class Row:
    label: str
    kind: str  # "group", "subtotal", "total"
    cells: dict[str, Cell]

    def cell_list(self, columns) -> list[Cell]:
        return [self.cells[key] for key, _ in columns]


@dataclass
class Table:
    columns: list[tuple[str, str]]
    rows: list[Row]  # groups, then subtotals, then the total

    @property
    def groups(self) -> list[Row]:
        return [row for row in self.rows if row.kind == "group"]

    @property
    def total(self) -> Row:
        return next(row for row in self.rows if row.kind == "total")

    def row(self, label: str) -> Row:
        return next(row for row in self.rows if row.label == label)

    @property
    def hidden_count(self) -> int:
        return sum(1 for row in self.rows for cell in row.cells.values() if cell.hidden)


@dataclass
class Counts:
    """The input shape: one group's raw counts (lms.cohorts.metrics.GroupCounts
    has these attributes, and is accepted as it is)."""

    group: str
    learners: int = 0
    activated: int = 0
    engaged: int = 0
    completed: int = 0
    median_minutes: float | None = None


def _get(obj, name, default=0):
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _counts(obj) -> Counts:
    if isinstance(obj, Counts):
        return obj
    return Counts(
        group=str(_get(obj, "group", "")),
        learners=int(_get(obj, "learners", 0) or 0),
        activated=int(_get(obj, "activated", 0) or 0),
        engaged=int(_get(obj, "engaged", 0) or 0),
        completed=int(_get(obj, "completed", 0) or 0),
        median_minutes=_get(obj, "median_minutes", None),
    )


# -- rounding -----------------------------------------------------------------


def _half_up(value) -> int:
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def round_count(value: int) -> int:
    base = round_to()
    if base <= 1:
        return int(value)
    return base * _half_up_fraction(Fraction(int(value), base))


def percent(numerator: int, denominator: int) -> Fraction:
    return Fraction(100 * numerator, denominator)


def _half_up_fraction(value: Fraction) -> int:
    # Exact half-up rounding of a fraction (negative halves away from zero).
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    whole = magnitude.numerator // magnitude.denominator
    if magnitude - whole >= Fraction(1, 2):
        whole += 1
    return sign * whole


# -- secondary suppression ------------------------------------------------------


def _determined(hidden: Sequence[int], equations: Sequence[tuple[Sequence[int], int]]) -> list:
    """The hidden cells that the equations (margin = sum of members) pin down
    exactly, whatever the hidden values are: e_i in the row space of the
    equations restricted to the hidden cells."""
    hidden_set = set(hidden)
    if not hidden_set:
        return []
    index = {cell: position for position, cell in enumerate(sorted(hidden_set))}
    matrix = []
    for members, margin in equations:
        row = [Fraction(0)] * len(index)
        for member in members:
            if member in index:
                row[index[member]] += 1
        if margin in index:
            row[index[margin]] -= 1
        if any(row):
            matrix.append(row)
    # Reduced row echelon form.
    pivot_row = 0
    pivots = []
    for column in range(len(index)):
        found = next((r for r in range(pivot_row, len(matrix)) if matrix[r][column] != 0), None)
        if found is None:
            continue
        matrix[pivot_row], matrix[found] = matrix[found], matrix[pivot_row]
        lead = matrix[pivot_row][column]
        matrix[pivot_row] = [value / lead for value in matrix[pivot_row]]
        for r in range(len(matrix)):
            if r != pivot_row and matrix[r][column] != 0:
                factor = matrix[r][column]
                matrix[r] = [
                    a - factor * b for a, b in zip(matrix[r], matrix[pivot_row], strict=True)
                ]
        pivots.append((pivot_row, column))
        pivot_row += 1
    cells = sorted(hidden_set)
    found_cells = []
    for r, column in pivots:
        if sum(1 for value in matrix[r] if value != 0) == 1:
            found_cells.append(cells[column])
    return found_cells


def protect_column(
    values: Sequence[int], equations: Sequence[tuple[Sequence[int], int]], hidden: Iterable[int]
) -> set[int]:
    """Cells (indexes into `values`) to hide so that no hidden cell can be
    solved for. `equations`: (member indexes, margin index), meaning
    values[margin] == sum(values[members]). `hidden`: the primary
    suppressions. Returns the extra (secondary) cells."""
    hidden = set(hidden)
    secondary: set[int] = set()
    margins = {margin for _, margin in equations}
    while True:
        determined = _determined(sorted(hidden), equations)
        if not determined:
            return secondary
        target = determined[0]
        candidates = set()
        for members, margin in equations:
            cells = set(members) | {margin}
            if target in cells:
                candidates |= cells - hidden
        if not candidates:  # cannot happen for consistent equations; stay safe
            candidates = set(range(len(values))) - hidden
            if not candidates:
                return secondary

        # Prefer a cell that leaves nothing determined, then one that at
        # least frees this cell; then a group over a (sub)total; the smallest.
        def score(cell, target=target):
            after = _determined(sorted(hidden | {cell}), equations)
            return (bool(after), target in after, cell in margins, values[cell], cell)

        choice = min(candidates, key=score)
        hidden.add(choice)
        secondary.add(choice)


# -- the table ------------------------------------------------------------------


def _columns(measures, gaps: bool) -> list[tuple[str, str]]:
    columns = [("learners", "Learners")]
    for key, label in measures:
        columns.append((key, label))
        columns.append((f"{key}_rate", f"{label} %"))
        if gaps:
            columns.append((f"{key}_gap", f"{label}: gap to everyone else"))
    columns.append(("median_minutes", "Median minutes"))
    return columns


def _rate_cell(n: int, k: int, n_cell: Cell, k_cell: Cell) -> Cell:
    edge = rate_edge()
    if n < min_group_for_rates():
        return Cell("rate", reason=reason_small_group())
    if k <= edge or k >= n - edge:
        return Cell("rate", reason=reason_edge())
    if n_cell.hidden:
        return Cell("rate", reason=n_cell.reason)
    if k_cell.hidden:
        return Cell("rate", reason=k_cell.reason)
    raw = percent(k, n)
    return Cell("rate", value=_half_up_fraction(raw), raw=float(raw))


def _gap_cell(rate: Cell, n: int, k: int, total_n: int, total_k: int) -> Cell:
    if rate.hidden:
        return Cell("gap", reason=rate.reason)
    rest_n, rest_k = total_n - n, total_k - k
    edge = rate_edge()
    if rest_n < min_group_for_rates():
        return Cell("gap", reason=reason_comparison_small())
    if rest_k <= edge or rest_k >= rest_n - edge:
        return Cell("gap", reason=reason_comparison_edge())
    raw = percent(k, n) - percent(rest_k, rest_n)
    return Cell("gap", value=_half_up_fraction(raw), raw=float(raw))


def _median_cell(n: int, median) -> Cell:
    if n < min_count():
        return Cell("median", reason=reason_small())
    if median is None:
        return NA
    return Cell("median", value=_half_up(median), raw=median)


def disclose(
    groups: Sequence,
    total=None,
    *,
    subtotals: Sequence[tuple[str, Sequence[str]]] = (),
    measures: Sequence[tuple[str, str]] = MEASURES,
    gaps: bool = True,
) -> Table:
    """Groups (each with group, learners, activated, engaged, completed,
    median_minutes; they partition the population) and the total row (its
    counts default to the sums; its median is taken from `total` if given)
    in, a Table of Cells out. `subtotals`: (label, group labels) rows such as
    declared = every group but "Prefer not to say" and "Not declared"."""
    rows_in = [_counts(group) for group in groups]
    total_in = Counts(group="Total") if total is None else _counts(total)
    summed = Counts(
        group=total_in.group or "Total",
        learners=sum(r.learners for r in rows_in),
        activated=sum(r.activated for r in rows_in),
        engaged=sum(r.engaged for r in rows_in),
        completed=sum(r.completed for r in rows_in),
        median_minutes=total_in.median_minutes,
    )
    # The groups partition the total: the total is their sum (a total that
    # disagreed would itself let a hidden cell be worked out).
    total_in = summed
    label_index = {row.group: position for position, row in enumerate(rows_in)}
    sub_in = []
    for label, members in subtotals:
        member_rows = [rows_in[label_index[m]] for m in members if m in label_index]
        sub_in.append(
            (
                [label_index[m] for m in members if m in label_index],
                Counts(
                    group=label,
                    learners=sum(r.learners for r in member_rows),
                    activated=sum(r.activated for r in member_rows),
                    engaged=sum(r.engaged for r in member_rows),
                    completed=sum(r.completed for r in member_rows),
                ),
            )
        )
    all_rows = rows_in + [counts for _, counts in sub_in] + [total_in]
    kinds = ["group"] * len(rows_in) + ["subtotal"] * len(sub_in) + ["total"]
    total_index = len(all_rows) - 1
    equations = [(list(range(len(rows_in))), total_index)]
    for position, (members, _) in enumerate(sub_in):
        equations.append((members, len(rows_in) + position))

    threshold = min_count()
    count_cells: dict[str, list[Cell]] = {}
    for key in ["learners", *[m for m, _ in measures]]:
        values = [getattr(row, key) for row in all_rows]
        primary = {i for i, value in enumerate(values) if value < threshold}
        secondary = protect_column(values, equations, primary)
        cells = []
        for i, value in enumerate(values):
            if i in primary:
                cells.append(Cell("count", reason=reason_small(), raw=value))
            elif i in secondary:
                cells.append(Cell("count", reason=SECONDARY, raw=value))
            else:
                cells.append(Cell("count", value=round_count(value), raw=value))
        count_cells[key] = cells

    out_rows = []
    for i, (row, kind) in enumerate(zip(all_rows, kinds, strict=True)):
        cells: dict[str, Cell] = {"learners": count_cells["learners"][i]}
        for key, _ in measures:
            k = getattr(row, key)
            cells[key] = count_cells[key][i]
            rate = _rate_cell(row.learners, k, cells["learners"], cells[key])
            cells[f"{key}_rate"] = rate
            if gaps:
                if kind == "group":
                    cells[f"{key}_gap"] = _gap_cell(
                        rate, row.learners, k, total_in.learners, getattr(total_in, key)
                    )
                else:
                    cells[f"{key}_gap"] = NA
        if kind == "subtotal":
            cells["median_minutes"] = NA
        else:
            cells["median_minutes"] = _median_cell(row.learners, row.median_minutes)
        out_rows.append(Row(label=row.group, kind=kind, cells=cells))
    return Table(columns=_columns(measures, gaps), rows=out_rows)


def disclose_equity(table) -> Table:
    """An lms.equity.metrics.equity_breakdown table: its group rows (with
    "Prefer not to say" and "Not declared" among them, or as their own
    attributes), the total, and a "Declared" subtotal of the other groups."""
    groups = list(_get(table, "rows", None) or _get(table, "groups", None) or [])
    labels = [str(_get(group, "group", "")) for group in groups]
    for attribute, label in (
        ("prefer_not", PREFER_NOT_LABEL),
        ("not_declared", NOT_DECLARED_LABEL),
    ):
        extra = _get(table, attribute, None)
        if extra is not None and label not in labels and _get(extra, "group", None) is not None:
            groups.append(extra)
            labels.append(str(_get(extra, "group", label)))
    kinds = [_get(group, "kind", None) for group in groups]
    if all(kind is not None for kind in kinds):
        declared = [label for label, kind in zip(labels, kinds, strict=True) if kind == "group"]
    else:
        declared = [
            label for label in labels if label not in (PREFER_NOT_LABEL, NOT_DECLARED_LABEL)
        ]
    subtotals = [("Declared", declared)] if len(declared) < len(labels) else []
    return disclose(groups, _get(table, "total", None), subtotals=subtotals)


# -- output ---------------------------------------------------------------------


def header(table: Table) -> list[str]:
    return ["Group", *[label for _, label in table.columns]]


def screen_rows(table: Table) -> list[list[str]]:
    """What the dashboard shows, row by row (the template renders these)."""
    return [
        [row.label, *[cell.text for cell in row.cell_list(table.columns)]] for row in table.rows
    ]


def _csv_safe(text: str) -> str:
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def csv_rows(table: Table) -> list[list[str]]:
    """The CSV export: the same rows as the screen (labels guarded against
    spreadsheet formulas; no figure text starts with one)."""
    return [[_csv_safe(row[0]), *row[1:]] for row in screen_rows(table)]


def to_csv(table: Table, preamble: Sequence[Sequence[str]] = ()) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in preamble:
        writer.writerow([_csv_safe(str(item)) for item in line])
    writer.writerow(header(table))
    writer.writerows(csv_rows(table))
    return buffer.getvalue()


def share_cell(part: int, whole: int, part_cell: Cell, whole_cell: Cell) -> Cell:
    """A share (e.g. how many declared) under the same rules as a rate."""
    return _rate_cell(whole, part, whole_cell, part_cell)


# -- differencing -----------------------------------------------------------------


def check_differencing(population_now: int, recent_populations: Iterable[int]) -> str | None:
    """None if the population may be served; otherwise why not. Refused when
    it differs from a population already served (to the same person, for the
    same characteristic) by at least 1 and fewer than EQUITY_MIN_DIFFERENCE
    learners: the two tables could be subtracted to reveal those few."""
    limit = min_difference()
    for previous in recent_populations:
        difference = abs(int(population_now) - int(previous))
        if 0 < difference < limit:
            return (
                f"Refused: this selection differs by fewer than {limit} learners from one "
                "you have already looked at, so comparing the two could reveal individual "
                "learners. Widen the dates or choose a larger group of cohorts, or use the "
                "pooled view (all cohorts, all time)."
            )
    return None


def suggest_pooled(population: int) -> bool:
    """Whether to point the viewer to the pooled view (all cohorts, all
    time): the selection is too small for rates."""
    return population < min_group_for_rates()
