"""Differencing: no pair of served queries lets anyone work out a small or
hidden count exactly. A hypothesis property over random populations and
random pairs of queries, served through the real disclosure functions (the
equity table of lms.reports.disclosure, the funnel figures of
lms.reports.views.cohort_funnel.served_stages).

The property proved
-------------------
Take any population (learners with cohorts, answers, activation, engagement
and completion days, and a record key) and any two queries A and B (any
cohorts or all of them pooled, any date range, any characteristic). For
every count figure a served by A and b served by B (any row, any column,
also two figures of one table) whose true sets of learners are nested,
S_b ⊆ S_a, with d = |S_a \\ S_b| between 1 and EQUITY_MIN_COUNT - 1:

1. a and b are the cell key perturbation of exactly those learners: the
   perturbed count is |S| + pTable(|S|, sum of the record keys of S mod 256),
   worked out here from the records, independently of the code. So the same
   people give the same figure in every query, filter and characteristic:
   repeating or varying a query averages nothing away.
2. Even given the unrounded perturbed values p_a and p_b (more than the
   screen shows: it rounds table counts to 5), p_a - p_b equals d exactly
   when the two cells drew the same noise, and otherwise misses it.
3. The pair is consistent with at least two values of d, the true one among
   them: counts c_a, c_b with c_a - c_b ≠ d exist that the pTable maps to
   the same p_a, p_b (and that the shown-count rule allows). So an attacker
   who happens to subtract to the truth cannot know it.

And every rate served beside those counts is a function of the perturbed
counts only (so no unperturbed count comes back through a percentage).

Why this and not "served(A) - served(B) is never d unless both noises are
zero": no zero-mean noise can promise that. Two cells with equal noise, zero
or not, cancel (about a third of pairs with this pTable), and rounding to 5
can land a difference on d by chance. What the cell key method guarantees,
and what an attacker needs to be denied, is certainty: (3) says no pair of
figures pins d down, (2) says exactly when subtraction happens to be right,
and (1) says asking again, or asking differently about the same people,
gives no fresh noise to average. `test_an_exact_difference_is_luck` measures
how often (2) strikes.

Hidden counts are covered twice: a hidden cell's learners are some S_a \\ S_b
of served figures (the property above), and within one table no hidden cell
is determined by the shown cells (tests/test_disclosure.py)."""

import math
import random
import types
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.reports import disclosure, ptable
from lms.reports.disclosure import NOT_DECLARED_LABEL, PREFER_NOT_LABEL, Counts
from lms.reports.views.cohort_funnel import served_stages

THRESHOLD = 10
COLUMNS = ("learners", "activated", "engaged", "completed")
CHARACTERISTICS = {
    # name: (attribute of a record, {answer: group label}, offers "prefer not to say")
    "sex": ("sex", {"female": "Female", "male": "Male"}, True),
    "ethnic_group": (
        "ethnic",
        {"asian": "Asian", "black": "Black", "mixed": "Mixed", "white": "White", "other": "Other"},
        True,
    ),
    "local_area": ("area", {"north": "North", "south": "South"}, False),
}
STAGE_DAY = {"activated": "activated_on", "engaged": "engaged_on", "completed": "completed_on"}


@dataclass(frozen=True)
class Record:
    id: int
    cohorts: frozenset
    sex: str
    ethnic: str
    area: str
    activated_on: int | None
    engaged_on: int | None
    completed_on: int | None
    key: int


@dataclass(frozen=True)
class Query:
    cohorts: frozenset | None  # None: every cohort, pooled
    since: int | None
    until: int | None
    characteristic: str


def in_window(day, query) -> bool:
    if day is None:
        return False
    return (query.since is None or day >= query.since) and (
        query.until is None or day <= query.until
    )


def members(population, query, column) -> frozenset:
    """The ids of the learners a query counts in one column, before groups."""
    chosen = [
        r for r in population if query.cohorts is None or (r.cohorts & query.cohorts)
    ]  # fmt: skip
    if column == "learners":
        return frozenset(r.id for r in chosen)
    return frozenset(r.id for r in chosen if in_window(getattr(r, STAGE_DAY[column]), query))


def equity_rows(population, query):
    """The rows the metrics would return (Counts with key sums), and each
    row's true sets of learners per column."""
    attribute, groups, prefer_not = CHARACTERISTICS[query.characteristic]
    by_id = {r.id: r for r in population}
    labels = [(label, "group", {answer}) for answer, label in groups.items()]
    if prefer_not:
        labels.append((PREFER_NOT_LABEL, "prefer_not", {"prefer_not"}))
    labels.append((NOT_DECLARED_LABEL, "not_declared", {""}))
    rows, sets = [], {}
    for label, kind, answers in labels:
        values, keys = {}, {}
        for column in COLUMNS:
            ids = frozenset(
                i for i in members(population, query, column)
                if getattr(by_id[i], attribute) in answers
            )  # fmt: skip
            sets[(label, column)] = ids
            values[column] = len(ids)
            keys[f"{column}_key"] = sum(by_id[i].key for i in ids)
        rows.append(Counts(label, kind=kind, **values, **keys))
    return rows, sets


def serve(population, query):
    """Every count figure one query serves, through the real functions:
    {name: (true set, perturbed value, shown, is a table cell)}, plus the
    table."""
    rows, sets = equity_rows(population, query)
    table = disclosure.disclose_equity(types.SimpleNamespace(rows=rows, total=None))
    everyone = {column: members(population, query, column) for column in COLUMNS}
    declared = [label for label, kind in ((r.group, r.kind) for r in rows) if kind == "group"]
    for column in COLUMNS:
        sets[("Total", column)] = everyone[column]
        sets[("Declared", column)] = frozenset().union(
            *(sets[(label, column)] for label in declared)
        )
    figures = {}
    for row in table.rows:
        for column in COLUMNS:
            cell = row.cells[column]
            figures[("table", row.label, column)] = (
                sets[(row.label, column)],
                cell.perturbed,
                cell.shown,
                True,
            )
    by_id = {r.id: r for r in population}
    funnel = types.SimpleNamespace(invited=0)
    for column, stage in zip(COLUMNS, ("joined", "activated", "engaged", "completed"), strict=True):
        setattr(funnel, stage, len(everyone[column]))
        setattr(funnel, f"{stage}_key", sum(by_id[i].key for i in everyone[column]))
    for (label, value), column in zip(served_stages(funnel)[1:], COLUMNS, strict=True):
        figures[("funnel", label, column)] = (everyone[column], value, True, False)
    return figures, table


def expected(population, ids) -> int:
    """|S| + pTable(|S|, sum of the keys of S), worked out from the records."""
    key_sum = sum(r.key for r in population if r.id in ids)
    return len(ids) + ptable.noise(len(ids), key_sum % 256)


@cache
def support(count: int) -> frozenset:
    return frozenset(ptable.row(ptable.design().name, ptable.pcv(count)))


def consistent_counts(perturbed: int, shown_in_table: bool) -> set:
    """The true counts the pTable maps to this perturbed value (and, for a
    count shown in a table, that the rule allows: 10 or more)."""
    lowest = THRESHOLD if shown_in_table else 0
    spread = max(ptable.DESIGNS[name].max_noise for name in ptable.DESIGNS)
    return {
        count
        for count in range(max(lowest, perturbed - spread), perturbed + spread + 1)
        if perturbed - count in support(count)
    }


# -- strategies -------------------------------------------------------------------


# One learner's record, drawn as one integer and read digit by digit in these
# bases (one draw per learner instead of nine: drawing dominated the run
# time). Each field has the distribution it would have drawn alone: a day is
# None half the time, else one of 60.
COHORT_SETS = [frozenset(s) for s in ({0}, {1}, {2}, {0, 1}, {0, 2}, {1, 2})]
SEXES = ["female"] * 4 + ["male"] * 4 + ["prefer_not", ""]
ETHNIC_GROUPS = ["white"] * 5 + ["asian", "black", "mixed", "other", ""]
AREAS = ["north", "north", "south", ""]
DAYS = [None] * 60 + list(range(60))
KEYS = list(range(256))
RECORD_FIELDS = (COHORT_SETS, SEXES, ETHNIC_GROUPS, AREAS, DAYS, DAYS, DAYS, KEYS)
RECORD_CHOICES = math.prod(len(values) for values in RECORD_FIELDS)


def record(i: int, n: int) -> Record:
    picked = []
    for values in RECORD_FIELDS:
        n, digit = divmod(n, len(values))
        picked.append(values[digit])
    cohorts, sex, ethnic, area, activated_on, engaged_on, completed_on, key = picked
    return Record(i, cohorts, sex, ethnic, area, activated_on, engaged_on, completed_on, key)


@st.composite
def populations(draw):
    size = draw(st.integers(min_value=5, max_value=90))  # uniform, as a list's length is not
    numbers = draw(
        st.lists(
            st.integers(min_value=0, max_value=RECORD_CHOICES - 1), min_size=size, max_size=size
        )
    )
    return [record(i, n) for i, n in enumerate(numbers)]


@st.composite
def queries(draw):
    cohorts = draw(
        st.one_of(
            st.none(),
            st.frozensets(st.integers(min_value=0, max_value=2), min_size=1, max_size=3),
        )
    )
    since = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=59)))
    until = draw(st.one_of(st.none(), st.integers(min_value=since or 0, max_value=59)))
    return Query(cohorts, since, until, draw(st.sampled_from(sorted(CHARACTERISTICS))))


@st.composite
def pairs(draw):
    """Two queries; often the second narrows the first (fewer cohorts, a
    later start, an earlier end, another characteristic), the shape of a
    differencing attack."""
    first = draw(queries())
    if draw(st.booleans()):
        return first, draw(queries())
    cohorts = first.cohorts
    if draw(st.booleans()):
        cohorts = frozenset(draw(st.sets(st.sampled_from(sorted(cohorts or {0, 1, 2})))))
        cohorts = cohorts or None
    since = first.since
    if draw(st.booleans()):
        since = draw(st.integers(min_value=first.since or 0, max_value=59))
    until = first.until
    if draw(st.booleans()):
        until = draw(st.integers(min_value=0, max_value=59 if first.until is None else first.until))
    if since is not None and until is not None and until < since:
        until = since
    characteristic = first.characteristic
    if draw(st.booleans()):
        characteristic = draw(st.sampled_from(sorted(CHARACTERISTICS)))
    return first, Query(cohorts, since, until, characteristic)


# -- the property -------------------------------------------------------------------


def nested_small_pairs(served_a, served_b):
    """(a, b) of figures, both served as numbers, with S_b ⊆ S_a and
    0 < |S_a \\ S_b| < THRESHOLD: the subtractions an attacker would try."""
    figures = list(served_a.values()) + list(served_b.values())
    for a in figures:
        for b in figures:
            set_a, _, shown_a, _ = a
            set_b, _, shown_b, _ = b
            if shown_a and shown_b and set_b <= set_a and 0 < len(set_a - set_b) < THRESHOLD:
                yield a, b


def half_up(value: Fraction) -> int:
    sign = -1 if value < 0 else 1
    return sign * int(abs(value) + Fraction(1, 2))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(populations(), pairs())
def test_no_pair_of_served_queries_reveals_a_small_count_exactly(population, pair):
    query_a, query_b = pair
    served_a, table_a = serve(population, query_a)
    served_b, table_b = serve(population, query_b)

    # (1) Every served count is the perturbation of exactly its learners.
    for figures in (served_a, served_b):
        for name, (ids, perturbed, _shown, _in_table) in figures.items():
            assert perturbed == expected(population, ids), name

    for (set_a, p_a, _, table_a_cell), (set_b, p_b, _, table_b_cell) in nested_small_pairs(
        served_a, served_b
    ):
        d = len(set_a - set_b)
        noise_a, noise_b = p_a - len(set_a), p_b - len(set_b)
        # (2) Subtraction lands on d exactly when the noises are equal.
        assert (p_a - p_b == d) == (noise_a == noise_b)
        # (3) The pair never pins d down.
        differences = {
            c_a - c_b
            for c_a in consistent_counts(p_a, table_a_cell)
            for c_b in consistent_counts(p_b, table_b_cell)
        }
        assert d in differences and len(differences) >= 2, (d, p_a, p_b)

    # Rates are functions of the perturbed counts only.
    for table in (table_a, table_b):
        for row in table.rows:
            n = row.cells["learners"]
            for column in COLUMNS[1:]:
                rate = row.cells[f"{column}_rate"]
                if rate.shown:
                    assert rate.value == half_up(
                        Fraction(100 * row.cells[column].perturbed, n.perturbed)
                    )

    # Asking again returns the same figures; asking about the same people in
    # another characteristic gives them the same perturbed count (whether a
    # table shows it or hides it to protect its own cells).
    again, _ = serve(population, query_a)
    assert again == served_a
    other = Query(query_a.cohorts, query_a.since, query_a.until, "local_area")
    served_other, _ = serve(population, other)
    for column in COLUMNS:
        assert (
            served_other[("table", "Total", column)][:2] == served_a[("table", "Total", column)][:2]
        )


def test_an_exact_difference_is_luck():
    """Over many random populations and nested pairs (one cohort, a later
    start), how often subtraction lands on the number of learners between:
    the unrounded perturbed values about a third of the time (equal noise),
    the served, rounded ones less often; never always."""
    rng = random.Random(2021)
    exact = shown_exact = tried = 0
    for _ in range(400):
        size = rng.randrange(40, 80)
        population = [
            Record(
                id=i,
                cohorts=frozenset({0}),
                sex=rng.choice(["female", "male"]),
                ethnic="white",
                area="north",
                activated_on=rng.randrange(60),
                engaged_on=None,
                completed_on=None,
                key=rng.randrange(256),
            )
            for i in range(size)
        ]
        late = rng.randrange(1, 10)
        since = sorted(r.activated_on for r in population)[late]  # a later start
        wide = Query(frozenset({0}), None, None, "sex")
        narrow = Query(frozenset({0}), since, None, "sex")
        a, _ = serve(population, wide)
        b, _ = serve(population, narrow)
        set_a, p_a, shown_a, _ = a[("table", "Total", "activated")]
        set_b, p_b, shown_b, _ = b[("table", "Total", "activated")]
        d = len(set_a - set_b)
        if not (shown_a and shown_b and set_b <= set_a and 0 < d < THRESHOLD):
            continue
        tried += 1
        exact += p_a - p_b == d
        shown_exact += disclosure.round_count(p_a) - disclosure.round_count(p_b) == d
    assert tried > 200
    # Equal noise: (1/2)² + 2(3/16)² + 2(1/16)² ≈ 0.33 with the default table.
    assert 0.2 < exact / tried < 0.45
    assert shown_exact / tried < 0.45
