"""Disclosure control for aggregate tables of learners (the equity dashboard,
the cohort funnel and its breakdowns): pure functions, no database.

Every count is first perturbed by the cell key method (lms.reports.ptable):
the served count is count + noise(count, cell key), where the cell key is
the sum of the record keys of exactly the learners counted, modulo 256. The
same people always give the same figure, in every table, filter and
characteristic, so repeating a request returns nothing new and subtracting
one figure from another gives the people in between plus an unknown noise.
Everything else is then worked out from the perturbed counts only; every
threshold is a setting, read when a table is built:

- EQUITY_MIN_COUNT (10): a count is hidden when it, or its perturbed value,
  is under this (ONS); zero included.
- EQUITY_ROUND_TO (5): every shown count, totals too, is its perturbed value
  rounded to the nearest multiple of this (halves up). Totals are perturbed
  and rounded on their own, so a shown total need not equal the sum of the
  shown rows.
- EQUITY_MIN_GROUP_FOR_RATES (23) and EQUITY_RATE_EDGE (2): a rate, and a
  gap to everyone else, is shown only for a group of at least 23 whose
  numerator is more than 2 and less than the group size minus 2 (OfS), both
  before and after perturbation. The comparison group of a gap (everyone
  else) must pass the same test. Stricter than OfS: a rate is also hidden
  when its numerator's count or the group's count is hidden, so a rate never
  undoes a count's suppression.
- EQUITY_PTABLE ("fma-2"): the perturbation table's design.

Percentages and gaps are computed from the unrounded perturbed counts (the
gap's "everyone else" is the perturbed total less the perturbed group) and
shown as whole percentages and whole percentage points. A median (of the
minutes of a group's activated learners) shows when the group has at least
EQUITY_MIN_COUNT activated learners, in whole minutes; it is not perturbed.

Secondary suppression: in each count column (learners, and each numerator),
the groups add up to the total (and, where a table has them, to subtotals
such as "declared"). Treating every shown value as exact (not relying on
perturbation or rounding), if any hidden cell could be solved for from the
shown cells, the smallest shown cell in an equation with it is hidden too,
and so on until no hidden cell is determined. That is checked by linear
algebra over the hidden cells, so it also covers combinations of the total
and a subtotal.

Every hidden cell carries the reason it is hidden; the screen and the CSV
show the same text (`screen_rows`; the reports export those rows through
Wagtail's spreadsheet export, lms.reports.views.cohort_report). No cell key, record key or
unperturbed count leaves this module's callers: `Cell.raw` and
`Cell.perturbed` are for tests and are never rendered or exported."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.conf import settings

from . import ptable

MEASURES = (("activated", "Activated"), ("engaged", "Engaged"), ("completed", "Completed"))
STAGES = ("learners", "activated", "engaged", "completed")
PREFER_NOT_LABEL = "Prefer not to say"
NOT_DECLARED_LABEL = "Not declared"

SECONDARY = "hidden so it cannot be worked out from the total"
SECONDARY_TOTAL = "hidden so a small figure cannot be worked out from it"
HIDDEN_PREFIX = "Hidden: "
NOT_APPLICABLE = "n/a"


# -- settings -----------------------------------------------------------------


def min_count() -> int:
    return settings.EQUITY_MIN_COUNT


def round_to() -> int:
    return settings.EQUITY_ROUND_TO


def min_group_for_rates() -> int:
    return settings.EQUITY_MIN_GROUP_FOR_RATES


def rate_edge() -> int:
    return settings.EQUITY_RATE_EDGE


def reason_small() -> str:
    return f"fewer than {min_count()} learners"


def reason_small_median() -> str:
    return f"fewer than {min_count()} activated learners"


def reason_small_group() -> str:
    return f"group under {min_group_for_rates()} for rates"


def reason_edge() -> str:
    return f"numerator within {rate_edge()} of 0 or of the group size"


def reason_unanimous() -> str:
    return "everyone gave the same rating, so each person's would be known"


def reason_comparison_small() -> str:
    return f"everyone else: group under {min_group_for_rates()} for rates"


def reason_comparison_edge() -> str:
    return f"everyone else: numerator within {rate_edge()} of 0 or of the group size"


def perturb(count: int, key_sum: int) -> int:
    """A count as it may be served: the cell key method's perturbed value."""
    return ptable.perturb(count, key_sum)


# -- cells and tables ---------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One figure: shown (`reason` is None) or hidden with the reason why.
    `value` is what is displayed (rounded). For a count, `raw` is the true
    count and `perturbed` the count after the cell key method; for a rate or
    gap, `raw` is the unrounded percentage from the perturbed counts. Neither
    is rendered or exported."""

    kind: str  # "count", "rate", "gap", "median", "mean", "change", "na"
    value: int | Decimal | None = None
    reason: str | None = None
    raw: float | int | None = field(default=None, compare=False, repr=False)
    perturbed: int | None = field(default=None, compare=False, repr=False)

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
        if self.kind == "change":
            if self.value == 0:
                return "no change"
            return f"{abs(self.value)} {'up' if self.value > 0 else 'down'}"
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
    """The input shape: one group's raw counts and, for each, the sum of the
        record keys of the learners counted. lms.reports.cohort_metrics.GroupCounts and
        lms.reports.equity_metrics.EquityRow have these attributes and are accepted as
        they are (their `kind`, read by disclose_equity, is not needed here). `kind`
    is the equity row kind ("group" for a declared answer)."""

    group: str
    learners: int = 0
    activated: int = 0
    engaged: int = 0
    completed: int = 0
    median_minutes: float | None = None
    kind: str = "group"
    learners_key: int = field(default=0, repr=False)
    activated_key: int = field(default=0, repr=False)
    engaged_key: int = field(default=0, repr=False)
    completed_key: int = field(default=0, repr=False)


def _counts(row) -> Counts:
    if isinstance(row, Counts):
        return row
    return Counts(
        group=str(row.group),
        median_minutes=row.median_minutes,
        **{stage: int(getattr(row, stage)) for stage in STAGES},
        **{f"{stage}_key": int(getattr(row, f"{stage}_key")) for stage in STAGES},
    )


def _sum(label: str, rows: Sequence[Counts], median=None) -> Counts:
    return Counts(
        group=label,
        median_minutes=median,
        **{stage: sum(getattr(r, stage) for r in rows) for stage in STAGES},
        **{f"{stage}_key": sum(getattr(r, f"{stage}_key") for r in rows) for stage in STAGES},
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


# -- plain suppression (course analytics) ---------------------------------------
#
# Course analytics show partners their own figures unperturbed: a count under
# the threshold (PARTNER_ANALYTICS_MIN_LEARNERS, passed in) is "<threshold",
# and a rate or median resting on fewer learners is "–" with the reason.


@dataclass(frozen=True)
class Shown:
    """A figure as displayed: its text, and why it is hidden if it is."""

    text: str
    reason: str = ""

    def __str__(self) -> str:
        return f"{self.text} ({self.reason})" if self.reason else self.text


NOT_APPLICABLE_SHOWN = Shown("")


def suppress(
    learners: int, value: float | None = None, unit: str = "learners", *, threshold: int
) -> Shown:
    """The one rule for small numbers, used by the screen and the CSV alike.

    `learners` is the size of the group a figure is about. With no `unit`
    (a count), the count itself is shown, or "<5" if it is under the threshold
    (zero included: "0 of 3" would reveal individuals just as "1 of 3" does).
    A rate ("percent", `value` a fraction) or median ("minutes") computed from
    a group under the threshold is shown as "–" with the reason. For a rate,
    use suppress_rate. Rounding happens only here, after the figure was
    computed from unrounded numbers."""
    if unit == "learners":
        return Shown(str(learners)) if learners >= threshold else Shown(f"<{threshold}")
    if learners < threshold:
        return Shown("–", f"fewer than {threshold} learners")
    if value is None:
        return Shown("–", "no data")
    if unit == "percent":
        percent = (Decimal(value) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
        return Shown(f"{percent}%")
    if unit == "minutes":
        return Shown(str(Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)))
    raise ValueError(f"Unknown unit {unit!r}")


def suppress_rate(numerator: int, denominator: int, *, threshold: int) -> Shown:
    """numerator / denominator as a percentage, judged by the smaller of the
    two: a rate over a large group would otherwise reveal a small numerator."""
    value = numerator / denominator if denominator else None
    return suppress(min(numerator, denominator), value, "percent", threshold=threshold)


def protect_counts(
    values: Sequence[int], total: int, threshold: int, *, total_known: bool = True
) -> tuple[list[Shown], Shown | None]:
    """Counts that add up to `total`, each suppressed under the threshold,
    with secondary suppression (protect_column): a count that could be worked
    out from the total and the shown counts is hidden too. `total_known`:
    whether the reader can work the total out (else it counts as hidden).
    Returns the counts as shown and, if the total must be hidden as well, how
    to show it (None: the caller shows it as it is)."""
    margin = len(values)
    primary = {i for i, value in enumerate(values) if value < threshold}
    known = primary if total_known else primary | {margin}
    secondary = protect_column([*values, total], [(list(range(margin)), margin)], known)
    shown = []
    for i, value in enumerate(values):
        if i in primary:
            shown.append(Shown(f"<{threshold}"))
        elif i in secondary:
            shown.append(Shown("–", SECONDARY))
        else:
            shown.append(Shown(str(value)))
    return shown, Shown("–", SECONDARY_TOTAL) if margin in secondary else None


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


def _too_small_for_rates(*sizes: int) -> bool:
    return min(sizes) < min_group_for_rates()


def _at_edge(pairs: Iterable[tuple[int, int]]) -> bool:
    edge = rate_edge()
    return any(k <= edge or k >= n - edge for n, k in pairs)


def _rate_cell(n_cell: Cell, k_cell: Cell) -> Cell:
    """k / n as a whole percentage, from the perturbed counts; every rule is
    met by the true counts and by the perturbed ones."""
    n, k = n_cell.perturbed, k_cell.perturbed
    if _too_small_for_rates(n, n_cell.raw):
        return Cell("rate", reason=reason_small_group())
    if _at_edge([(n, k), (n_cell.raw, k_cell.raw)]):
        return Cell("rate", reason=reason_edge())
    if n_cell.hidden:
        return Cell("rate", reason=n_cell.reason)
    if k_cell.hidden:
        return Cell("rate", reason=k_cell.reason)
    raw = percent(k, n)
    return Cell("rate", value=_half_up_fraction(raw), raw=float(raw))


def _gap_cell(rate: Cell, n_cell: Cell, k_cell: Cell, total_n: Cell, total_k: Cell) -> Cell:
    """The row's rate less everyone else's (the total less the row), from
    perturbed counts; everyone else must pass the rate rules too."""
    if rate.hidden:
        return Cell("gap", reason=rate.reason)
    rest_n, rest_k = total_n.perturbed - n_cell.perturbed, total_k.perturbed - k_cell.perturbed
    true_n, true_k = total_n.raw - n_cell.raw, total_k.raw - k_cell.raw
    if _too_small_for_rates(rest_n, true_n):
        return Cell("gap", reason=reason_comparison_small())
    if _at_edge([(rest_n, rest_k), (true_n, true_k)]):
        return Cell("gap", reason=reason_comparison_edge())
    raw = percent(k_cell.perturbed, n_cell.perturbed) - percent(rest_k, rest_n)
    return Cell("gap", value=_half_up_fraction(raw), raw=float(raw))


def _median_cell(activated: Cell, median) -> Cell:
    if min(activated.raw, activated.perturbed) < min_count():
        return Cell("median", reason=reason_small_median())
    if median is None:
        return NA
    return Cell("median", value=_half_up(median), raw=median)


def _count_column(values, key_sums, equations) -> list[Cell]:
    threshold = min_count()
    served = [perturb(value, key_sum) for value, key_sum in zip(values, key_sums, strict=True)]
    primary = {
        i for i, (value, after) in enumerate(zip(values, served, strict=True))
        if min(value, after) < threshold
    }  # fmt: skip
    secondary = protect_column(served, equations, primary)
    cells = []
    for i, (value, after) in enumerate(zip(values, served, strict=True)):
        if i in primary:
            cells.append(Cell("count", reason=reason_small(), raw=value, perturbed=after))
        elif i in secondary:
            cells.append(Cell("count", reason=SECONDARY, raw=value, perturbed=after))
        else:
            cells.append(Cell("count", value=round_count(after), raw=value, perturbed=after))
    return cells


def count_cells(
    values: Sequence[int], key_sums: Sequence[int], equations: Sequence = ()
) -> list[Cell]:
    """A column of counts (people, or events such as lessons completed, each
    with the sum of the record keys behind it) under the rules of the tables:
    perturbed, hidden under EQUITY_MIN_COUNT, rounded, and with secondary
    suppression over `equations` ((member indexes, margin index): the
    members add up to the margin)."""
    return _count_column(list(values), list(key_sums), list(equations))


MEAN_PLACES = Decimal("0.1")


def mean_cell(count: Cell, total, *, unanimous: bool, kind: str = "mean") -> Cell:
    """The mean of a figure (a 1–5 self-rating, or its change) over the
    people of `count` (a count Cell of them): `total` is the sum of their
    figures. Hidden with the reason when fewer than EQUITY_MIN_COUNT people
    are behind it (before or after perturbation), when their count is hidden
    (so a mean never undoes a count's suppression), or when every one of
    them gave the same figure (the mean would then be each person's). Shown
    to one decimal place (halves up), from the true count: it is not
    perturbed, like a median, and its count is served perturbed."""
    if min(count.raw, count.perturbed) < min_count():
        return Cell(kind, reason=reason_small())
    if count.hidden:
        return Cell(kind, reason=count.reason)
    if unanimous:
        return Cell(kind, reason=reason_unanimous())
    raw = Fraction(total) / count.raw
    value = (Decimal(raw.numerator) / Decimal(raw.denominator)).quantize(
        MEAN_PLACES, rounding=ROUND_HALF_UP
    )
    return Cell(kind, value=value, raw=float(raw))


def disclose(
    groups: Sequence,
    total=None,
    *,
    subtotals: Sequence[tuple[str, Sequence[str]]] = (),
    gaps: bool = True,
) -> Table:
    """Groups (Counts, or rows with the same attributes; they partition the
    population) in, a Table of Cells out. The total row is the sum of the
    groups, counts and record keys alike (a total that disagreed would itself
    let a hidden cell be worked out); its label and median come from `total`
    if given. `subtotals`: (label, group labels) rows such as declared =
    every group but "Prefer not to say" and "Not declared"."""
    rows_in = [_counts(group) for group in groups]
    label = str(total.group) if total is not None and total.group else "Total"
    total_in = _sum(label, rows_in, total.median_minutes if total is not None else None)
    label_index = {row.group: position for position, row in enumerate(rows_in)}
    sub_in = []
    for sub_label, members in subtotals:
        indexes = [label_index[m] for m in members if m in label_index]
        sub_in.append((indexes, _sum(sub_label, [rows_in[i] for i in indexes])))
    all_rows = rows_in + [counts for _, counts in sub_in] + [total_in]
    kinds = ["group"] * len(rows_in) + ["subtotal"] * len(sub_in) + ["total"]
    total_index = len(all_rows) - 1
    equations = [(list(range(len(rows_in))), total_index)]
    for position, (members, _) in enumerate(sub_in):
        equations.append((members, len(rows_in) + position))

    count_cells = {
        key: _count_column(
            [getattr(row, key) for row in all_rows],
            [getattr(row, f"{key}_key") for row in all_rows],
            equations,
        )
        for key in ["learners", *[m for m, _ in MEASURES]]
    }

    total_cells = {key: cells[total_index] for key, cells in count_cells.items()}
    out_rows = []
    for i, row in enumerate(all_rows):
        kind = kinds[i]
        cells: dict[str, Cell] = {"learners": count_cells["learners"][i]}
        for key, _ in MEASURES:
            cells[key] = count_cells[key][i]
            rate = _rate_cell(cells["learners"], cells[key])
            cells[f"{key}_rate"] = rate
            if gaps:
                if kind == "group":
                    cells[f"{key}_gap"] = _gap_cell(
                        rate, cells["learners"], cells[key], total_cells["learners"],
                        total_cells[key],
                    )  # fmt: skip
                else:
                    cells[f"{key}_gap"] = NA
        cells["median_minutes"] = (
            NA  # a subtotal has no median of its own
            if kind == "subtotal"
            else _median_cell(count_cells["activated"][i], row.median_minutes)
        )
        out_rows.append(Row(label=row.group, kind=kind, cells=cells))
    return Table(columns=_columns(MEASURES, gaps), rows=out_rows)


def disclose_equity(table) -> Table:
    """An lms.reports.equity_metrics.EquityTable (rows with a kind: "group" for a
    declared answer, then "prefer_not" and "not_declared"; the total), with a
    "Declared" subtotal of the groups when the table has other rows."""
    rows = list(table.rows)
    declared = [row.group for row in rows if row.kind == "group"]
    subtotals = [("Declared", declared)] if len(declared) < len(rows) else []
    return disclose(rows, table.total, subtotals=subtotals)


def share_cell(part_cell: Cell, whole_cell: Cell) -> Cell:
    """A share (e.g. how many declared) under the same rules as a rate."""
    return _rate_cell(whole_cell, part_cell)


def suggest_pooled(total_learners: Cell) -> bool:
    """Whether to point the viewer to the pooled view (all cohorts, all
    time): the selection (its perturbed total) is too small for rates."""
    return total_learners.perturbed < min_group_for_rates()


# -- output ---------------------------------------------------------------------


def header(table: Table) -> list[str]:
    return ["Group", *[label for _, label in table.columns]]


def screen_rows(table: Table) -> list[list[str]]:
    """What the dashboard shows, row by row (the template renders these)."""
    return [
        [row.label, *[cell.text for cell in row.cell_list(table.columns)]] for row in table.rows
    ]
