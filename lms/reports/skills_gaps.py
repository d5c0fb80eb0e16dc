"""Skills gaps: the learners' AI-readiness self-ratings (lms.learners
SelfCheck / SelfCheckRating, 1–5 per content Skill, one sitting per
onboarding or re-rating, earlier sittings kept) and the lessons they
completed, per skill, for any set of people and broken down by sector,
local area and seniority. Computed in the database; disclosed through
lms.reports.disclosure (the equity tables' rules) before anything is shown.

Definitions, per person and skill (only sittings taken inside the period,
when there is one, count):
- first: their rating of the skill in their earliest sitting that rated it;
  latest: in their latest one (sittings ordered by `taken_at`, then id).
- rated: people with at least one rating of the skill.
- average at first / now: the mean of first / latest over the people rated.
- rating 1–2 (`share_low`): people whose latest rating is 1 or 2, and that
  as a share of the people rated.
- re-rated: people with two or more sittings rating the skill; change: the
  mean of latest − first over them only.
- lessons completed: completions (LessonProgress.completed_at, inside the
  period) of lessons of courses tagged with the skill, by the people; a
  lesson of a course with two skills counts for each.

Where the figures come from: with no period (all time), from
lms.reports.models.SkillFact (kept by lms.reports.facts, one row per person
and skill with their first and latest rating, sittings, lessons completed,
profile groups and record key): one grouped scan, no window and no join.
With a period (since and/or until) "first" and "latest" are those of the
sittings inside the period, which all-time facts cannot give (the first
sitting in a period is not in them), so the window over the people's ratings
inside the period, and their completions inside it, are read instead. Both
give the same figures for all time (tests/test_skill_facts.py).

Queries: `skill_averages` and `regional_averages` run one over all time
(two with a period: ratings, completions) plus the skill names; `gap_report`
runs the same grouped by sector, local area and seniority together, and every coarser breakdown is
added up from those rows in Python (sums, counts, key sums, minima and
maxima all add up), so the report's query count does not depend on the data.
Each count carries the sum of its people's record keys (lms.reports.models
RecordKey; a learner without one adds 0) for the cell key method; the sums
are never shown.

Nothing here reads the equity profile (tests/test_nudge_boundaries.py)."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date
from fractions import Fraction

from django.core.exceptions import EmptyResultSet
from django.db import connection

from content.models import LocalArea, Sector, SeniorityLevel, Skill
from courses.models import CoursePage
from lms.learners.models import LearnerProfile, SelfCheck
from lms.progress.models import LessonProgress

from . import disclosure
from .cohort_metrics import NOT_KNOWN, Scope, window
from .disclosure import Cell
from .facts import first_and_latest_sql
from .models import Member, RecordKey, SkillFact

DIMENSIONS = ("sector", "local_area", "seniority")
DIMENSION_LABELS = {"sector": "Sector", "local_area": "Local area", "seniority": "Seniority"}
LOW_RATING = 2  # a latest rating of 1 or 2 is "rating themselves 1–2"

# The disclosed cells of each skill's figures, with their headings.
CELL_COLUMNS = (
    ("rated", "People rated"),
    ("average_first", "Average at first (1–5)"),
    ("average_latest", "Average now (1–5)"),
    ("low", "Rating 1–2"),
    ("low_rate", "Rating 1–2 %"),
    ("rerated", "Re-rated"),
    ("change", "Change for re-raters"),
    ("completed", "Lessons completed"),
)


@dataclass
class Figures:
    """Raw sums for one group of people and one skill (never shown): the
    `*_key` fields are record key sums of the people (or completions) counted."""

    rated: int = 0
    rated_key: int = field(default=0, repr=False)
    first_sum: int = 0
    latest_sum: int = 0
    first_min: int | None = None
    first_max: int | None = None
    latest_min: int | None = None
    latest_max: int | None = None
    low: int = 0
    low_key: int = field(default=0, repr=False)
    rerated: int = 0
    rerated_key: int = field(default=0, repr=False)
    change_sum: int = 0
    change_min: int | None = None
    change_max: int | None = None
    completed: int = 0
    completed_key: int = field(default=0, repr=False)

    def add(self, other: "Figures") -> None:
        mine, theirs = self.__dict__, other.__dict__
        for name in _SUMMED:
            mine[name] += theirs[name]
        for name, pick in _PICKED:
            a, b = mine[name], theirs[name]
            mine[name] = a if b is None else b if a is None else pick(a, b)


_SUMMED = tuple(f.name for f in fields(Figures) if not f.name.endswith(("_min", "_max")))
_PICKED = tuple(
    (f.name, min if f.name.endswith("_min") else max)
    for f in fields(Figures)
    if f.name.endswith(("_min", "_max"))
)


def _unanimous(low, high) -> bool:
    return low is not None and low == high


def _cells(figures: Figures, counts: dict[str, Cell]) -> dict[str, Cell]:
    """Every disclosed cell of one group's figures for one skill, given its
    disclosed count cells (rated, low, rerated, completed)."""
    rated, low, rerated = counts["rated"], counts["low"], counts["rerated"]
    return {
        "rated": rated,
        "average_first": disclosure.mean_cell(
            rated, figures.first_sum, unanimous=_unanimous(figures.first_min, figures.first_max)
        ),
        "average_latest": disclosure.mean_cell(
            rated, figures.latest_sum, unanimous=_unanimous(figures.latest_min, figures.latest_max)
        ),
        "low": low,
        "low_rate": disclosure.share_cell(low, rated),
        "rerated": rerated,
        "change": disclosure.mean_cell(
            rerated,
            figures.change_sum,
            unanimous=_unanimous(figures.change_min, figures.change_max),
            kind="change",
        ),
        "completed": counts["completed"],
    }


COUNTED = ("rated", "low", "rerated", "completed")


def disclose_column(groups: list[Figures], total: Figures | None = None) -> list[dict[str, Cell]]:
    """Disclosed cells for groups of one skill. With `total` (the groups
    partition it), the total's cells come last and secondary suppression
    keeps every hidden count from being worked out from the others and the
    total; without, each group stands alone."""
    rows = [*groups, total] if total is not None else list(groups)
    equations = [(list(range(len(groups))), len(groups))] if total is not None else []
    columns = {
        name: disclosure.count_cells(
            [getattr(row, name) for row in rows],
            [getattr(row, f"{name}_key") for row in rows],
            equations,
        )
        for name in COUNTED
    }
    return [_cells(row, {name: columns[name][i] for name in COUNTED}) for i, row in enumerate(rows)]


@dataclass
class SkillAverage:
    """One skill's figures for a set of people: raw (`rated`, `share_low`
    and the averages, for code that compares; never shown as they are) and
    `cells`, the disclosed figures the screens and exports show (keys of
    CELL_COLUMNS)."""

    skill: int
    skill_name: str
    rated: int
    average_latest: Fraction | None
    share_low: int
    average_first: Fraction | None = None
    rerated: int = 0
    change: Fraction | None = None
    lessons_completed: int = 0
    cells: dict[str, Cell] = field(default_factory=dict, repr=False)

    @property
    def rated_cell(self) -> Cell:
        return self.cells["rated"]

    @property
    def average_cell(self) -> Cell:
        return self.cells["average_latest"]

    @property
    def share_low_cell(self) -> Cell:
        return self.cells["low_rate"]

    def row(self) -> dict[str, str]:
        """The row as the screen and the export show it."""
        return {"skill": self.skill_name} | {key: self.cells[key].text for key, _ in CELL_COLUMNS}


def _mean(total: int, count: int) -> Fraction | None:
    return Fraction(total, count) if count else None


def _average(skill: Skill, figures: Figures, cells: dict[str, Cell]) -> SkillAverage:
    return SkillAverage(
        skill=skill.pk,
        skill_name=skill.name,
        rated=figures.rated,
        average_latest=_mean(figures.latest_sum, figures.rated),
        share_low=figures.low,
        average_first=_mean(figures.first_sum, figures.rated),
        rerated=figures.rerated,
        change=_mean(figures.change_sum, figures.rerated),
        lessons_completed=figures.completed,
        cells=cells,
    )


def people_in(cohort_ids: Iterable[int] | None = None, seniority=None):
    """The people a report covers, as a queryset of user ids for the
    functions here: members of the cohorts `cohort_ids` (None: everyone,
    members or not), of the seniority level `seniority` if given. None
    stands for everyone."""
    people = None
    if cohort_ids is not None:
        people = Member.objects.filter(cohort_id__in=list(cohort_ids)).values("user_id")
    if seniority is not None:
        profiles = LearnerProfile.objects.filter(seniority=seniority)
        if people is not None:
            profiles = profiles.filter(user_id__in=people)
        people = profiles.values("user_id")
    return people


# -- the queries ----------------------------------------------------------------


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _period(column: str, since: date | None, until: date | None) -> tuple[list[str], list]:
    """(SQL conditions on `column`, their params) for the period."""
    start, end = window(Scope(since=since, until=until))
    conditions, params = [], []
    for bound, op in ((start, ">="), (end, "<")):
        if bound is not None:
            conditions.append(f"{column} {op} %s")
            params.append(connection.ops.adapt_datetimefield_value(bound))
    return conditions, params


def _people(people) -> tuple[str, list] | None:
    """`people` as SQL for `IN (...)`; ("", []) for everyone; None when the
    queryset can match nobody."""
    if people is None:
        return "", []
    try:
        sql, params = people.query.sql_with_params()
    except EmptyResultSet:
        return None
    return sql, list(params)


def _grouping(dims: tuple[str, ...], table: str) -> str:
    """The group-by columns of `dims` (each followed by a comma) in `table`,
    an alias of SkillFact or LearnerProfile (same column names)."""
    return "".join(f"{table}.{dim}_id, " for dim in dims)


def _aggregates(first: str, latest: str, sittings: str, key: str) -> str:
    """The raw sums of Figures in _RATING_FIELDS order, as SQL over rows
    with a person's first and latest rating of a skill (NULL: not rated),
    their sittings and record key."""
    rerated = f"{sittings} > 1"
    change = f"{latest} - {first}"
    return f"""
        COUNT({first}), SUM(CASE WHEN {first} IS NOT NULL THEN {key} ELSE 0 END),
        COALESCE(SUM({first}), 0), COALESCE(SUM({latest}), 0),
        MIN({first}), MAX({first}), MIN({latest}), MAX({latest}),
        SUM(CASE WHEN {latest} <= {LOW_RATING} THEN 1 ELSE 0 END),
        SUM(CASE WHEN {latest} <= {LOW_RATING} THEN {key} ELSE 0 END),
        SUM(CASE WHEN {rerated} THEN 1 ELSE 0 END),
        SUM(CASE WHEN {rerated} THEN {key} ELSE 0 END),
        SUM(CASE WHEN {rerated} THEN {change} ELSE 0 END),
        MIN(CASE WHEN {rerated} THEN {change} END),
        MAX(CASE WHEN {rerated} THEN {change} END)
    """


def _fact_rows(people_sql, dims) -> list[tuple]:
    """All time: one row per group and skill with the group's ids, the
    skill, the raw sums of Figures in _RATING_FIELDS order, then lessons
    completed and their record key sum. One grouped scan of SkillFact."""
    where_people, params = people_sql
    where = f" WHERE f.user_id IN ({where_people})" if where_people else ""
    group = _grouping(dims, "f")
    sql = f"""
        SELECT {group}f.skill_id,
            {_aggregates("f.first_rating", "f.latest_rating", "f.sittings", "f.record_key")},
            SUM(f.completed), SUM(f.completed * f.record_key)
        FROM {_table(SkillFact)} f{where}
        GROUP BY {group}f.skill_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _profile_join(dims) -> str:
    if not dims:
        return ""
    return f" LEFT JOIN {_table(LearnerProfile)} p ON p.user_id = x.uid"


def _rating_rows(people_sql, dims, since, until) -> list[tuple]:
    """With a period: one row per group and skill, the group's ids, the
    skill, then the raw sums of Figures in _RATING_FIELDS order, from each
    person's first and latest rating of each skill among their sittings
    inside the period (one window)."""
    where_people, params = people_sql
    group = _grouping(dims, "p")
    period, period_params = _period("sc.taken_at", since, until)
    conditions = [f"sc.user_id IN ({where_people})"] if where_people else []
    sql = f"""
        WITH x AS ({first_and_latest_sql(conditions + period)})
        SELECT {group}x.skill,
            {_aggregates("x.first_rating", "x.latest", "x.sittings", "COALESCE(k.key, 0)")}
        FROM x LEFT JOIN {_table(RecordKey)} k ON k.user_id = x.uid{_profile_join(dims)}
        GROUP BY {group}x.skill
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params + period_params)
        return cursor.fetchall()


_RATING_FIELDS = (
    "rated",
    "rated_key",
    "first_sum",
    "latest_sum",
    "first_min",
    "first_max",
    "latest_min",
    "latest_max",
    "low",
    "low_key",
    "rerated",
    "rerated_key",
    "change_sum",
    "change_min",
    "change_max",
)


def _completion_rows(people_sql, dims, since, until) -> list[tuple]:
    """One row per group and skill: the group's ids, the skill, lessons
    completed and the sum of the completing learners' record keys (one per
    completion)."""
    where_people, params = people_sql
    period, period_params = _period("lp.completed_at", since, until)
    period_sql = "".join(f" AND {condition}" for condition in period)
    group, join = _grouping(dims, "p"), _profile_join(dims)
    people_clause = f" AND lp.user_id IN ({where_people})" if where_people else ""
    skills = CoursePage.skills.through
    sql = f"""
        SELECT {group}cs.skill_id, COUNT(*), SUM(COALESCE(k.key, 0))
        FROM (
            SELECT lp.user_id AS uid, lp.course_id AS course
            FROM {_table(LessonProgress)} lp
            WHERE lp.completed_at IS NOT NULL{people_clause}{period_sql}
        ) x
        JOIN {_table(skills)} cs ON cs.coursepage_id = x.course
        LEFT JOIN {_table(RecordKey)} k ON k.user_id = x.uid{join}
        GROUP BY {group}cs.skill_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params + period_params)
        return cursor.fetchall()


def figures_by_group(
    people=None, dims: tuple[str, ...] = (), since: date | None = None, until: date | None = None
) -> dict[tuple, dict[int, Figures]]:
    """{group ids (one per dim, None where not known): {skill id: Figures}}
    for `people` (a queryset of user ids; None: everyone). One query over all
    time, two with a period, after drawing the record keys of people rated
    who have none yet (one query, and an insert and an update of their facts
    only when some are missing)."""
    for dim in dims:
        if dim not in DIMENSIONS:
            raise ValueError(f"Unknown breakdown {dim!r}; choose one of {', '.join(DIMENSIONS)}.")
    people_sql = _people(people)
    if people_sql is not None:
        rated = SelfCheck.objects.order_by().values("user_id").distinct()
        RecordKey.objects.ensure_for(rated if people is None else rated.filter(user_id__in=people))
    out: dict[tuple, dict[int, Figures]] = defaultdict(lambda: defaultdict(Figures))
    if people_sql is None:
        return {}
    width = len(dims)
    if since is None and until is None:
        names = (*_RATING_FIELDS, "completed", "completed_key")
        rating_rows, completion_rows = _fact_rows(people_sql, dims), []
    else:
        names = _RATING_FIELDS
        rating_rows = _rating_rows(people_sql, dims, since, until)
        completion_rows = _completion_rows(people_sql, dims, since, until)
    for row in rating_rows:
        figures = out[tuple(row[:width])][row[width]].__dict__
        for name, value in zip(names, row[width + 1 :], strict=True):
            figures[name] = value if value is None else int(value)
    for row in completion_rows:
        figures = out[tuple(row[:width])][row[width]]
        figures.completed, figures.completed_key = int(row[width + 1]), int(row[width + 2] or 0)
    return {group: dict(skills) for group, skills in out.items()}


def _averages(people, since=None, until=None) -> list[SkillAverage]:
    by_skill = figures_by_group(people, (), since, until).get((), {})
    result = []
    for skill in Skill.objects.order_by("name"):
        figures = by_skill.get(skill.pk, Figures())
        (cells,) = disclose_column([figures])
        result.append(_average(skill, figures, cells))
    return result


def skill_averages(people) -> list[SkillAverage]:
    """Each skill's figures (every Skill, by name) over `people`: a queryset
    of user ids, e.g. `User.objects.filter(...).values("pk")`. Three queries.
    Read `cells` (disclosed) for anything shown or exported."""
    return _averages(people)


def regional_averages() -> list[SkillAverage]:
    """skill_averages over every learner."""
    return _averages(None)


# -- the map ------------------------------------------------------------------------


def rollup(
    by_group: dict[tuple, dict[int, Figures]], dims: tuple[str, ...], keep: Iterable[str]
) -> dict[tuple, dict[int, Figures]]:
    """The figures of `by_group` (grouped by `dims`) added up to the dims in
    `keep` (in `keep`'s order)."""
    keep = tuple(keep)
    positions = [dims.index(d) for d in keep]
    out: dict[tuple, dict[int, Figures]] = defaultdict(lambda: defaultdict(Figures))
    for group, skills in by_group.items():
        target = out[tuple(group[p] for p in positions)]
        for skill, figures in skills.items():
            target[skill].add(figures)
    return {group: dict(skills) for group, skills in out.items()}


@dataclass
class MapRow:
    label: str
    cells: dict[int, dict[str, Cell]]  # skill id -> disclosed cells


@dataclass
class GapMap:
    """A disclosed breakdown: `rows` (one per group with ratings, "Not known"
    last), `total` (everyone in the selection) and `skills` in column order."""

    dimension: str
    skills: list[Skill]
    rows: list[MapRow]
    total: MapRow

    def cell(self, row: MapRow, skill: Skill, name: str) -> Cell:
        return row.cells[skill.pk][name]


def _labels() -> dict[str, dict]:
    return {
        "sector": dict(Sector.objects.values_list("pk", "name")),
        "local_area": dict(LocalArea.objects.values_list("pk", "name")),
        "seniority": dict(SeniorityLevel.objects.values_list("pk", "name")),
    }


def _order(dimension: str, ids, labels) -> list:
    def key(pk):
        if pk is None:
            return (1, "")
        return (0, labels.get(pk, "").casefold())

    if dimension == "seniority":
        ranks = {pk: n for n, pk in enumerate(SeniorityLevel.objects.values_list("pk", flat=True))}
        return sorted(ids, key=lambda pk: (pk is None, ranks.get(pk, 0)))
    return sorted(ids, key=key)


def disclose_map(
    by_group: dict[tuple, dict[int, Figures]],
    dimension: str,
    skills: list[Skill],
    labels: dict,
    order: list,
) -> GapMap:
    """Rows of `dimension` (by_group keyed by one id each) × skills, each
    skill's column disclosed with its total (secondary suppression)."""
    rows = [MapRow(labels.get(pk, NOT_KNOWN), {}) for pk in order]
    total = MapRow("All learners in the selection", {})
    for skill in skills:
        groups = [by_group.get((pk,), {}).get(skill.pk, Figures()) for pk in order]
        whole = Figures()
        for figures in groups:
            whole.add(figures)
        column = disclose_column(groups, whole)
        for row, cells in zip([*rows, total], column, strict=True):
            row.cells[skill.pk] = cells
    return GapMap(dimension, skills, rows, total)


@dataclass
class GapReport:
    """The Skills gaps report: the heat map's breakdown, the skills over
    everyone in the selection (first vs now, …) and the biggest gaps."""

    map: GapMap
    averages: list[SkillAverage]
    sentences: list[str]


def gap_report(
    people=None,
    *,
    dimension: str = "sector",
    since: date | None = None,
    until: date | None = None,
) -> GapReport:
    """The report for `people` (a queryset of user ids; None: everyone),
    broken down by `dimension` (one of DIMENSIONS). Six queries whatever the
    data: ratings and completions grouped by every dimension, the skills and
    the three taxonomies' names."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"Unknown breakdown {dimension!r}; choose one of {', '.join(DIMENSIONS)}.")
    by_all = figures_by_group(people, DIMENSIONS, since, until)
    skills = list(Skill.objects.order_by("name"))
    labels = _labels()
    by_dim = rollup(by_all, DIMENSIONS, (dimension,))
    order = _order(dimension, [group[0] for group in by_dim], labels[dimension])
    gap_map = disclose_map(by_dim, dimension, skills, labels[dimension], order)
    averages = [
        _average(skill, _total_figures(by_dim, skill), gap_map.total.cells[skill.pk])
        for skill in skills
    ]
    sentences = biggest_gaps(by_all, skills, labels)
    return GapReport(gap_map, averages, sentences)


def _total_figures(by_dim, skill) -> Figures:
    whole = Figures()
    for skills in by_dim.values():
        if skill.pk in skills:
            whole.add(skills[skill.pk])
    return whole


# -- the biggest gaps ---------------------------------------------------------------

MAX_SENTENCES = 5


def _place(sector: str | None, area: str | None, seniority: str | None) -> str:
    """Who a sentence is about: "Senior leader learners in health tech in Coventry"."""
    parts = [f"{seniority} learners" if seniority else "Learners"]
    if sector:
        parts.append(f"in {sector.lower()}")
    if area:
        parts.append(f"in {area}")
    return " ".join(parts)


def _format(value) -> str:
    return f"{value}/5"


def biggest_gaps(by_all, skills: list[Skill], labels: dict) -> list[str]:
    """Up to MAX_SENTENCES sentences about the lowest shown averages (now),
    from the disclosed figures only: for each breakdown (sector × local area
    × seniority, sector × local area, sector × seniority, sector, local area),
    each group's cells disclosed with the breakdown's total; the lowest
    shown average of each skill is compared with the other shown groups of
    the same breakdown. A skill or group appears once."""
    candidates = []
    for keep in (
        ("sector", "local_area", "seniority"),
        ("sector", "local_area"),
        ("sector", "seniority"),
        ("sector",),
        ("local_area",),
    ):
        grouped = rollup(by_all, DIMENSIONS, keep)
        known = [g for g in grouped if None not in g]
        order = sorted(known, key=lambda g: tuple(str(x) for x in g))
        for skill in skills:
            groups = [grouped[g].get(skill.pk, Figures()) for g in order]
            whole = Figures()
            for figures in grouped.values():
                whole.add(figures.get(skill.pk, Figures()))
            # the unknown groups are in the total, not in a row: count them as one row
            rest = Figures()
            for g, figures in grouped.items():
                if None in g:
                    rest.add(figures.get(skill.pk, Figures()))
            column = disclose_column([*groups, rest], whole)
            shown = [
                (cells["average_latest"].value, g)
                for g, cells in zip(order, column[: len(order)], strict=True)
                if cells["average_latest"].shown
            ]
            if len(shown) < 2:
                continue
            shown.sort(key=lambda item: (item[0], str(item[1])))
            value, group = shown[0]
            if value == shown[1][0]:
                continue  # no single lowest
            named = dict(zip(keep, group, strict=True))
            names = {dim: labels[dim].get(named.get(dim)) for dim in DIMENSIONS}
            what = {
                ("sector",): "of any sector",
                ("local_area",): "of any local area",
            }.get(keep, "of any group we can show")
            sentence = (
                f"{_place(names['sector'], names['local_area'], names['seniority'])} "
                f"rate {skill.name} {_format(value)}, the lowest {what} "
                f"(next lowest {_format(shown[1][0])})."
            )
            candidates.append((value, len(keep), skill.pk, group, sentence))
    candidates.sort(key=lambda item: (item[0], -item[1], item[4]))
    sentences, seen_skills, seen_groups = [], set(), set()
    for _, width, skill, group, sentence in candidates:
        if skill in seen_skills or (width, group) in seen_groups:
            continue
        sentences.append(sentence)
        seen_skills.add(skill)
        seen_groups.add((width, group))
        if len(sentences) == MAX_SENTENCES:
            break
    return sentences


# -- content gaps ---------------------------------------------------------------------


@dataclass
class ContentGap:
    """One sector × seniority × skill where learners rated themselves: the
    disclosed cells of its people (rated, average now, rating 1–2) and the
    live lessons of the library for them (courses tagged with the skill, the
    seniority level and the sector, or a cross-sector sector)."""

    sector: str
    seniority: str
    skill: str
    cells: dict[str, Cell]
    lessons: int

    @property
    def score(self) -> Fraction:
        """How much a new lesson is needed: the gap below 5 of the average
        now (as shown), shared over the lessons there are plus one."""
        return Fraction(5 - Fraction(self.cells["average_latest"].value)) / (self.lessons + 1)

    @property
    def sentence(self) -> str:
        lessons = f"{self.lessons} lesson{'' if self.lessons == 1 else 's'}"
        return (
            f"{self.cells['rated'].text} {self.seniority} learners in {self.sector} rate "
            f"{self.skill} {self.cells['average_latest'].text}/5; the library has "
            f"{lessons} for them."
        )

    def row(self) -> dict[str, str]:
        return {
            "sector": self.sector,
            "seniority": self.seniority,
            "skill": self.skill,
            "rated": self.cells["rated"].text,
            "average_latest": self.cells["average_latest"].text,
            "low_rate": self.cells["low_rate"].text,
            "lessons": str(self.lessons),
            "sentence": self.sentence,
        }


CONTENT_GAP_COLUMNS = (
    ("sector", "Sector"),
    ("seniority", "Seniority"),
    ("skill", "Skill"),
    ("rated", "People rated"),
    ("average_latest", "Average now (1–5)"),
    ("low_rate", "Rating 1–2 %"),
    ("lessons", "Live lessons for them"),
    ("sentence", "In a sentence"),
)


def library_lessons() -> dict[tuple[int, int, int], int]:
    """{(sector, seniority, skill): live lessons} of live courses, from each
    course's lesson count (courses.services); a course in a cross-sector
    sector counts for every sector. One query for the courses' tags, one for
    the sectors."""
    rows = (
        CoursePage.objects.live()
        .filter(lesson_count__gt=0)
        .order_by()
        .values("pk", "lesson_count", "sectors", "seniority_levels", "skills")
    )
    sectors = dict(Sector.objects.values_list("pk", "is_cross_sector"))
    every = [pk for pk, cross in sectors.items() if not cross]
    seen = set()
    out: dict[tuple[int, int, int], int] = defaultdict(int)
    for row in rows:
        if None in (row["sectors"], row["seniority_levels"], row["skills"]):
            continue
        targets = every if sectors.get(row["sectors"]) else [row["sectors"]]
        for sector in targets:
            key = (row["pk"], sector, row["seniority_levels"], row["skills"])
            if key in seen:  # a course both in its sector and cross-sector
                continue
            seen.add(key)
            out[(sector, row["seniority_levels"], row["skills"])] += row["lesson_count"]
    return dict(out)


def content_gaps(people=None, *, since=None, until=None, limit: int = 50):
    """(ranked ContentGaps, how many sector × seniority × skill groups with
    ratings could not be shown). Ranked by `score`, largest first, from the
    disclosed figures only: each skill's groups disclosed together with
    their total (secondary suppression), learners whose sector or seniority
    is not known counted in the total as one more group."""
    by_all = figures_by_group(people, DIMENSIONS, since, until)
    keep = ("sector", "seniority")
    grouped = rollup(by_all, DIMENSIONS, keep)
    labels = _labels()
    lessons = library_lessons()
    known = sorted((g for g in grouped if None not in g), key=lambda g: (g[0], g[1]))
    gaps, hidden = [], 0
    for skill in Skill.objects.order_by("name"):
        groups = [grouped[g].get(skill.pk, Figures()) for g in known]
        rest, whole = Figures(), Figures()
        for g, figures in grouped.items():
            whole.add(figures.get(skill.pk, Figures()))
            if None in g:
                rest.add(figures.get(skill.pk, Figures()))
        column = disclose_column([*groups, rest], whole)
        for (sector, seniority), figures, cells in zip(known, groups, column, strict=False):
            if not figures.rated:
                continue
            if not cells["average_latest"].shown:
                hidden += 1
                continue
            gaps.append(
                ContentGap(
                    labels["sector"].get(sector, NOT_KNOWN),
                    labels["seniority"].get(seniority, NOT_KNOWN),
                    skill.name,
                    cells,
                    lessons.get((sector, seniority, skill.pk), 0),
                )
            )
    gaps.sort(key=lambda gap: (-gap.score, gap.lessons, gap.sector, gap.seniority, gap.skill))
    return gaps[:limit], hidden
