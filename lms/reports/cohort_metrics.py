"""Cohort funnel and engagement, computed in the database.

Every function runs a fixed, small number of queries whatever the number of
learners or events, and returns RAW counts: disclosure control (suppressing
small groups) is applied by the callers that show or export them. The
reports (`funnel`, `cohort_funnels`, `breakdown`, and `grouped_figures` for
lms.reports.equity_metrics) read the per-learner facts (lms.reports.facts,
always equal to a recomputation from the progress tables) in one grouped
query each; `learner_rows` works the same per-learner figures out straight
from the progress tables, the definition the facts are checked against.

Scope
-----
- Cohorts in scope: `scope.cohort_ids` (None = every cohort) whose dates
  overlap the window: `ends_on >= since` and `starts_on <= until` (an open end
  of the window does not filter).
- Learners in scope (`learners_in`): members of a cohort in scope, each
  counted once however many in-scope cohorts they belong to.
- The window is `since` 00:00 to the end of `until` (both inclusive, in the
  site's time zone); either end may be open. Activity is counted only inside
  it: lesson completions (`LessonProgress.completed_at`), learning events
  (`LearningEvent.occurred_at`) and the minutes of lessons completed in it.

Definitions (per learner in scope)
----------------------------------
- invited: distinct e-mail addresses invited to a cohort in scope (a join by
  the link records an invitation too). Not limited by the window.
- joined: learners in scope (memberships; not limited by the window).
- activated: completed at least one lesson within the window.
- engaged: learning events (any verb) in 3 or more distinct ISO weeks
  (Monday-based, site time zone) within the window; not 3 events.
- completed: for at least one of the learner's in-scope cohorts, completed
  every lesson of that cohort's pathway (the lessons that count in it, as
  lms.pathways.services.pathway_lesson_ids lists them: live lessons of live
  courses, each once; an empty pathway is never completed), all by the end
  of the window, with the last of those completions inside the window (so
  a pathway finished before `since` does not count again). A learner in
  several cohorts with different pathways counts once if they completed any
  one of those pathways.
- minutes: the listed minutes of the lessons completed within the window
  (lms.progress.minutes: whole minutes per lesson, the same as the learner's
  dashboard and CPD log; not the seconds the pages were open). A group's or
  cohort's minutes are the sum of its learners' minutes, never rounded.
- median_minutes (in breakdowns): the median of minutes over the group's
  activated learners; None when none is activated.

The stages are counted independently; they are not forced to nest (someone
can finish a two-lesson pathway within one week without being "engaged").

Per cohort
----------
`cohort_funnels` gives each of many cohorts the figures `funnel` gives it
alone (Scope((cohort,), since, until)), record key sums included, from one
query grouped by cohort (and one for the invitations): the learners are the
cohort's members, completed means completing that cohort's pathway.

Cell keys
---------
Beside each count, the same grouped query adds up the record keys
(lms.equity.models.RecordKey) of the learners it counts: `<stage>_key` is
the sum over exactly the rows of `<stage>`, and the weekly completions carry
the sum of their learners' keys, one per completion. The reports turn count
and key sum into the figure they serve (lms.reports.disclosure, the cell key
method); the sums are never shown. A learner without a key yet (the reports
draw them first) adds 0.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from content.models import SeniorityLevel
from lms.cohorts.models import Cohort, Invitation, Membership
from lms.equity.models import RecordKey
from lms.learners.models import OrganisationSize
from lms.pathways.services import pathway_lesson_ids
from lms.progress.minutes import lesson_minutes
from lms.progress.models import LearningEvent, LessonProgress

from .medians import medians as median_of
from .models import LearnerDay, LearnerTotals, Member


@dataclass(frozen=True)
class Scope:
    """What a report covers. `cohort_ids` is already limited to what the
    viewer may see (lms.cohorts.access); None means every cohort."""

    cohort_ids: tuple[int, ...] | None = None
    since: date | None = None
    until: date | None = None


def _key_sum():
    # A sum of record keys: not shown, not compared, not printed.
    return field(default=0, compare=False, repr=False)


@dataclass
class GroupCounts:
    """One row of a breakdown: raw (unsuppressed) counts for one group, and
    the sum of the record keys behind each count."""

    group: str
    learners: int = 0
    activated: int = 0
    engaged: int = 0
    completed: int = 0
    minutes: int = 0
    median_minutes: float | None = None
    learners_key: int = _key_sum()
    activated_key: int = _key_sum()
    engaged_key: int = _key_sum()
    completed_key: int = _key_sum()


@dataclass
class Funnel:
    invited: int = 0
    joined: int = 0
    activated: int = 0
    engaged: int = 0
    completed: int = 0
    minutes: int = 0
    per_week: list[tuple[date, int]] = field(default_factory=list)  # completions per week
    joined_key: int = _key_sum()
    activated_key: int = _key_sum()
    engaged_key: int = _key_sum()
    completed_key: int = _key_sum()
    # the sum of the record keys of each week's completions, by Monday
    per_week_keys: dict[date, int] = field(default_factory=dict, compare=False, repr=False)


DIMENSIONS = ("sector", "seniority", "organisation_size", "local_area")
NOT_KNOWN = "Not known"
ENGAGED_WEEKS = 3

# The profile field each dimension groups by (a label), and how groups sort.
_DIMENSION_FIELDS = {
    "sector": "learner_profile__sector__name",
    "seniority": "learner_profile__seniority__name",
    "organisation_size": "learner_profile__organisation_size",
    "local_area": "learner_profile__local_area__name",
}


# -- scope ------------------------------------------------------------------


def window(scope: Scope) -> tuple[datetime | None, datetime | None]:
    """The window as aware datetimes: [start, end), end exclusive."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(scope.since, time.min, tzinfo=tz) if scope.since else None
    end = (
        datetime.combine(scope.until + timedelta(days=1), time.min, tzinfo=tz)
        if scope.until
        else None
    )
    return start, end


def cohorts_in(scope: Scope):
    """Cohorts in scope: the chosen ones whose dates overlap the window."""
    cohorts = Cohort.objects.all()
    if scope.cohort_ids is not None:
        cohorts = cohorts.filter(pk__in=scope.cohort_ids)
    if scope.since:
        cohorts = cohorts.filter(ends_on__gte=scope.since)
    if scope.until:
        cohorts = cohorts.filter(starts_on__lte=scope.until)
    return cohorts.order_by()


def _every_cohort(scope: Scope) -> bool:
    return scope.cohort_ids is None and not scope.since and not scope.until


def memberships_in(scope: Scope):
    """Memberships of the cohorts in scope, as `Member` rows (what a report
    groups a learner by is joined on the user id). Every membership belongs
    to a cohort, so a scope of every cohort at all times reads the
    memberships alone, without the cohorts."""
    memberships = Member.objects.order_by()
    if _every_cohort(scope):
        return memberships
    return memberships.filter(cohort_id__in=cohorts_in(scope).values("pk"))


def learners_in(scope: Scope):
    """A queryset of the distinct user ids of members of the cohorts in scope
    (for use as a subquery: `user__in=learners_in(scope)`)."""
    return memberships_in(scope).values_list("user_id", flat=True).distinct()


def _in_window(lookup: str, scope: Scope) -> Q:
    start, end = window(scope)
    q = Q(**{f"{lookup}__isnull": False})
    if start:
        q &= Q(**{f"{lookup}__gte": start})
    if end:
        q &= Q(**{f"{lookup}__lt": end})
    return q


def _pathways_of(cohorts: dict[int, int], lessons: dict[int, list[int]]) -> dict[int, list[int]]:
    """Pathway id → the in-scope cohorts on it, for pathways with lessons."""
    by_pathway = defaultdict(list)
    for cohort_id, pathway_id in cohorts.items():
        if lessons.get(pathway_id):
            by_pathway[pathway_id].append(cohort_id)
    return by_pathway


def _with_pathway_done(memberships, scope: Scope, by_pathway, lessons):
    """`memberships` annotated with `m_completed`: the member completed their
    cohort's pathway (see the module docstring). `by_pathway` maps pathways
    to their in-scope cohorts (`_pathways_of`), `lessons` pathways to the ids
    of the lessons that count in them (lms.pathways.services.pathway_lesson_ids):
    both go into the SQL as literals, so each check reads only the member's
    progress (no join to the cohorts or pathways)."""
    start, _ = window(scope)
    done = LessonProgress.objects.filter(user_id=OuterRef("user_id")).filter(
        _in_window("completed_at", Scope(until=scope.until))
    )

    def count(progress):
        return Coalesce(
            Subquery(
                progress.order_by().values("user_id").annotate(n=Count("pk")).values("n"),
                output_field=IntegerField(),
            ),
            0,
        )

    def per_cohort(value):
        return Case(
            *(When(cohort_id__in=ids, then=value(pathway)) for pathway, ids in by_pathway.items()),
            output_field=IntegerField(),
        )

    memberships = memberships.annotate(
        m_size=per_cohort(lambda pathway: Value(len(lessons[pathway]))),
        m_done=per_cohort(lambda pathway: count(done.filter(lesson_id__in=lessons[pathway]))),
    )
    finished = Q(m_done=F("m_size"))
    if start:
        memberships = memberships.annotate(
            m_done_before=per_cohort(
                lambda pathway: count(
                    done.filter(lesson_id__in=lessons[pathway], completed_at__lt=start)
                )
            )
        )
        finished &= Q(m_done_before__lt=F("m_size"))
    return memberships.annotate(
        m_completed=Case(
            When(finished, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


def _completed_membership(
    scope: Scope, cohorts: dict[int, int], lessons: dict[int, list[int]]
) -> Exists:
    """Exists: a membership of OuterRef('pk') in an in-scope cohort (`cohorts`:
    cohort → pathway) whose pathway the learner completed."""
    by_pathway = _pathways_of(cohorts, lessons)
    if not by_pathway:
        return Exists(Membership.objects.none())
    memberships = Membership.objects.filter(
        user_id=OuterRef("pk"), cohort_id__in=[c for ids in by_pathway.values() for c in ids]
    ).order_by()
    return Exists(
        _with_pathway_done(memberships, scope, by_pathway, lessons).filter(m_completed=True)
    )


def _learner_figures(scope: Scope, user: str, key: str) -> dict:
    """The per-learner annotations of the module docstring, for rows whose
    learner is the column `user` (and whose record key is at `key`)."""
    done = LessonProgress.objects.filter(_in_window("completed_at", scope), user_id=OuterRef(user))
    events = LearningEvent.objects.filter(_in_window("occurred_at", scope), user_id=OuterRef(user))
    return {
        "m_key": Coalesce(F(key), Value(0), output_field=IntegerField()),
        "m_activated": Exists(done),
        "m_weeks": Coalesce(
            Subquery(
                events.order_by()
                .values("user_id")
                .annotate(n=Count(TruncWeek("occurred_at"), distinct=True))
                .values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
        "m_minutes": Coalesce(
            Subquery(
                done.order_by().values("user_id").annotate(s=Sum(lesson_minutes())).values("s"),
                output_field=IntegerField(),
            ),
            0,
        ),
    }


def learner_rows(scope: Scope):
    """A User queryset, one row per learner in scope, annotated with
    `m_activated`, `m_weeks` (distinct active ISO weeks in the window),
    `m_minutes`, `m_completed` and `m_key` (their record key, 0 if none).
    Costs the cohort and pathway look-ups (4 queries, sized by the number of
    cohorts and pathways, not learners)."""
    cohorts = dict(cohorts_in(scope).values_list("pk", "pathway_id"))
    lessons = pathway_lesson_ids(set(cohorts.values()))
    return (
        get_user_model()
        .objects.filter(pk__in=learners_in(scope))
        .order_by()
        .annotate(
            **_learner_figures(scope, "pk", "record_key__key"),
            m_completed=_completed_membership(scope, cohorts, lessons),
        )
    )


def medians(rows, group_expr=None) -> dict:
    """The median minutes of activated learners per group (key None without a
    group) over `learner_rows`, in one query (lms.reports.medians)."""
    return median_of(rows.filter(m_activated=True), "m_minutes", group_expr)


# -- the grouped query over the facts -------------------------------------------
#
# Every report below is one statement over lms.reports.models.LearnerDay
# (lms.reports.facts keeps it equal to a recomputation from the progress):
#
#   people   the learners in scope (one row each; per cohort: one row per
#            membership), their record key and the group they fall in;
#   days     their facts inside the window, summed per learner: completions,
#            minutes, distinct weeks with events (without a window: their
#            LearnerTotals row, the same sums kept ready);
#   progress their completed lessons of the in-scope pathways by the end of the
#            window, per learner: whether they completed each pathway (the
#            pathways' lessons as literals, lms.pathways.services);
#   learners one row per person: activated, engaged, completed, minutes;
#
# then the counts, record key sums, minutes and median minutes per group and
# for everyone: GROUP BY GROUPING SETS with PERCENTILE_CONT on PostgreSQL; on
# other databases (SQLite) the same figures from a UNION ALL of the two
# groupings and the middle rows by ROW_NUMBER, still one statement.

_COLUMNS = ("learners", "activated", "engaged", "completed")


def _compiled(queryset) -> tuple[str, list]:
    """A queryset's SQL and params; or what a function that writes the SQL
    itself (`_people`) returns."""
    if callable(queryset):
        return queryset()
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def _day_window(scope: Scope) -> tuple[str, list]:
    sql, params = "", []
    for bound, op in ((scope.since, ">="), (scope.until, "<=")):
        if bound:
            sql += f" AND f.day {op} %s"
            params.append(connection.ops.adapt_datefield_value(bound))
    return sql, params


def _ids(values) -> str:
    return ", ".join(str(int(value)) for value in values)


def _aggregate(function: str, value: str, condition: str) -> str:
    """`function` (COUNT, MAX) of `value` over the rows where `condition`
    holds: FILTER where the database has it, else CASE."""
    if connection.features.supports_aggregate_filter_clause:
        return f"{function}({value}) FILTER (WHERE {condition})"
    return f"{function}(CASE WHEN {condition} THEN {value} END)"


def _pathway_progress(scope: Scope, by_pathway, lessons) -> tuple[str, list, list[str]]:
    """Per learner in scope who completed lessons of the in-scope pathways:
    `user_id` and, for the n-th pathway of `by_pathway`, `d<n>` = 1 if they
    completed every one of its lessons by the end of the window, the last of
    them inside it (the module docstring), else 0. Returns the SQL (it reads
    the `people` of the WITH clause), its params and the flag column of each
    pathway, in `by_pathway` order. Written as SQL, as the rest of the
    statement is: the lesson ids are integers written into it."""
    start, end = window(scope)
    adapt = connection.ops.adapt_datetimefield_value
    every = sorted({pk for pathway in by_pathway for pk in lessons[pathway]})
    columns, params, flags = [], [], []
    for n, pathway in enumerate(by_pathway):
        listed = f"lesson_id IN ({_ids(lessons[pathway])})"
        condition = f"{_aggregate('COUNT', '1', listed)} = {len(lessons[pathway])}"
        if start:
            condition += f" AND {_aggregate('MAX', 'completed_at', listed)} >= %s"
            params.append(adapt(start))
        columns.append(f"CASE WHEN {condition} THEN 1 ELSE 0 END AS d{n}")
        flags.append(f"d{n}")
    where = ["completed_at IS NOT NULL", f"lesson_id IN ({_ids(every)})"]
    if scope.cohort_ids is not None:
        where.append("user_id IN (SELECT uid FROM people)")
    if end:
        where.append("completed_at < %s")
        params.append(adapt(end))
    table = connection.ops.quote_name(LessonProgress._meta.db_table)
    sql = (
        f"SELECT user_id, {', '.join(columns)} FROM {table} "
        f"WHERE {' AND '.join(where)} GROUP BY user_id"
    )
    return sql, params, flags


def _in_list(values) -> tuple[str, list]:
    values = list(values)
    return ", ".join(["%s"] * len(values)), values


def _learners_sql(scope: Scope, people, *, per_cohort: bool) -> tuple[str, list]:
    """The WITH clause (people, days, progress, learners) of the module
    comment. `people`: a queryset of values uid, rkey, grp (per cohort, the
    membership's cohort as grp), or `_people`'s function that writes them.
    Costs the cohort and pathway look-ups."""
    cohorts = dict(cohorts_in(scope).values_list("pk", "pathway_id"))
    lessons = pathway_lesson_ids(set(cohorts.values()))
    by_pathway = _pathways_of(cohorts, lessons)
    people_sql, params = _compiled(people)
    window_sql, window_params = _day_window(scope)
    facts = connection.ops.quote_name(LearnerDay._meta.db_table)
    totals = connection.ops.quote_name(LearnerTotals._meta.db_table)
    # A choice of cohorts reads only its members' facts and progress; the
    # whole programme reads them all (the join to `people` keeps members).
    narrow = "f.user_id IN (SELECT uid FROM people)" if scope.cohort_ids is not None else "1 = 1"
    if scope.since or scope.until:
        days = (
            "SELECT f.user_id, SUM(f.completions) AS c, SUM(f.minutes) AS mins, "
            "COUNT(DISTINCT CASE WHEN f.events > 0 THEN f.week END) AS weeks "
            f"FROM {facts} f WHERE {narrow}{window_sql} GROUP BY f.user_id"
        )
    else:  # all time: each learner's days already added up
        days = (
            "SELECT f.user_id, f.completions AS c, f.minutes AS mins, f.weeks AS weeks "
            f"FROM {totals} f WHERE {narrow}"
        )
    sql = f"WITH people AS ({people_sql}), days AS ({days})"
    params += window_params
    join, completed = "", "0"
    if by_pathway:
        progress_sql, progress_params, flags = _pathway_progress(scope, by_pathway, lessons)
        sql += f", progress AS ({progress_sql})"
        params += progress_params
        whens, when_params = [], []
        for flag, cohort_ids in zip(flags, by_pathway.values(), strict=True):
            listed, values = _in_list(cohort_ids)
            whens.append((flag, listed))
            when_params += values
        if per_cohort:
            completed = (
                "COALESCE(CASE "
                + " ".join(f"WHEN p.grp IN ({listed}) THEN g.{flag}" for flag, listed in whens)
                + " END, 0)"
            )
            join = " LEFT JOIN progress g ON g.user_id = p.uid"
            completed_params = when_params
        else:
            memberships = connection.ops.quote_name(Membership._meta.db_table)
            sql += (
                f", done AS (SELECT DISTINCT m.user_id FROM {memberships} m "
                "JOIN progress g ON g.user_id = m.user_id WHERE "
                + " OR ".join(
                    f"(m.cohort_id IN ({listed}) AND g.{flag} = 1)" for flag, listed in whens
                )
                + ")"
            )
            params += when_params
            join = " LEFT JOIN done x ON x.user_id = p.uid"
            completed = "CASE WHEN x.user_id IS NULL THEN 0 ELSE 1 END"
            completed_params = []
    else:
        completed_params = []
    sql += (
        ", learners AS (SELECT p.grp AS grp, p.rkey AS rkey, "
        "CASE WHEN d.c > 0 THEN 1 ELSE 0 END AS act, "
        f"CASE WHEN d.weeks >= {int(ENGAGED_WEEKS)} THEN 1 ELSE 0 END AS eng, "
        f"COALESCE(d.mins, 0) AS mins, {completed} AS comp "
        f"FROM people p LEFT JOIN days d ON d.user_id = p.uid{join})"
    )
    return sql, params + completed_params


_AGGREGATES = (
    "COUNT(*), SUM(rkey), SUM(act), SUM(act * rkey), SUM(eng), SUM(eng * rkey), "
    "SUM(comp), SUM(comp * rkey), SUM(mins)"
)


def _grouped(scope: Scope, people, *, totals: bool, groups: bool, median: bool,
             per_cohort: bool = False) -> tuple[GroupCounts | None, dict]:  # fmt: skip
    """Runs the one statement: (the counts of everyone in `people` or None,
    {group: GroupCounts}), as asked (`totals`, `groups`, `median`). No
    query when `people` can have no rows (an empty choice of cohorts)."""
    try:
        sql, params = _learners_sql(scope, people, per_cohort=per_cohort)
    except EmptyResultSet:
        return (GroupCounts(group=None) if totals else None), {}
    if connection.vendor == "postgresql":
        med = (
            ", PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY mins) FILTER (WHERE act = 1)"
            if median
            else ", NULL"
        )
        if totals and groups:
            sql += (
                f" SELECT GROUPING(grp), grp, {_AGGREGATES}{med} FROM learners "
                "GROUP BY GROUPING SETS ((), (grp))"
            )
        elif totals:
            sql += f" SELECT 1, NULL, {_AGGREGATES}{med} FROM learners"
        else:
            sql += f" SELECT 0, grp, {_AGGREGATES}{med} FROM learners GROUP BY grp"
    else:
        parts = []
        if median:
            sql += (
                ", ranked AS (SELECT grp, mins, "
                "ROW_NUMBER() OVER (PARTITION BY grp ORDER BY mins) AS r, "
                "COUNT(*) OVER (PARTITION BY grp) AS n, ROW_NUMBER() OVER (ORDER BY mins) AS ra, "
                "COUNT(*) OVER () AS na FROM learners WHERE act = 1)"
            )
        if totals:
            med = (
                ", (SELECT AVG(mins) FROM ranked WHERE 2 * ra - na BETWEEN 0 AND 2)"
                if median
                else ", NULL"
            )
            parts.append(f"SELECT 1, NULL, {_AGGREGATES}{med} FROM learners")
        if groups:
            med = (
                ", (SELECT AVG(k.mins) FROM ranked k WHERE k.grp = l.grp "
                "AND 2 * k.r - k.n BETWEEN 0 AND 2)"
                if median
                else ", NULL"
            )
            parts.append(f"SELECT 0, l.grp, {_AGGREGATES}{med} FROM learners l GROUP BY l.grp")
        sql += " " + " UNION ALL ".join(parts)
    total, by_group = None, {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            counts = _group_counts(row)
            if row[0]:
                total = counts
            else:
                by_group[row[1]] = counts
    return total, by_group


def _group_counts(row) -> GroupCounts:
    n, n_key, act, act_key, eng, eng_key, comp, comp_key, mins = (int(v or 0) for v in row[2:11])
    return GroupCounts(
        group=row[1],
        learners=n,
        activated=act,
        engaged=eng,
        completed=comp,
        minutes=mins,
        median_minutes=None if row[11] is None else float(row[11]),
        learners_key=n_key,
        activated_key=act_key,
        engaged_key=eng_key,
        completed_key=comp_key,
    )


def _people(scope: Scope, group_expr=None):
    """The learners in scope as `people` rows: uid, rkey and grp, one per
    learner, for `_grouped`. `group_expr` is an expression over a learner
    (e.g. `learner_profile__sector__name`), read through `Member`. Written
    as the hand-written SQL has it: the distinct user ids of the memberships
    in scope first (an index-only scan), then each learner's record key and
    group joined on the user id, each one row per learner. Grouping the
    joined rows by user id instead, with MAX of the group's label, cost a
    hash aggregate over every membership: 1.2 to 1.3 times the hand-written
    SQL at 10,000 and at 1,000,000 learners (docs/performance.md).

    Returns a function that writes the SQL, so that an empty choice of
    cohorts raises EmptyResultSet where `_grouped` expects it."""
    grp = group_expr if group_expr is not None else Value("", output_field=CharField())
    rows = Member.objects.order_by().values(
        uid=F("user_id"),
        rkey=Coalesce(F("record_key__key"), Value(0), output_field=IntegerField()),
        grp=grp,
    )

    def sql() -> tuple[str, list]:
        rows_sql, row_params = _compiled(rows)
        learners_sql, learner_params = _compiled(learners_in(scope))
        table = connection.ops.quote_name(Member._meta.db_table)
        select, found, joins = rows_sql.partition(f" FROM {table}")
        # Only joins on the user id follow: no filter, and no parameter in them.
        if not found or " WHERE " in joins or joins.count("%s"):
            raise ValueError(f"Unexpected SQL for the people of a report: {rows_sql}")
        return f"{select} FROM ({learners_sql}) {table}{joins}", row_params + learner_params

    return sql


def grouped_figures(scope: Scope, group_expr, *, median: bool = True):
    """(everyone, {group: GroupCounts}) for the learners in scope, grouped by
    `group_expr` (an expression over the User rows, e.g.
    dimension_expression): one grouped query over the facts, after the
    cohort and pathway look-ups."""
    return _grouped(scope, _people(scope, group_expr), totals=True, groups=True, median=median)


# -- the report -------------------------------------------------------------


def _invited(scope: Scope) -> int:
    return (
        Invitation.objects.filter(cohort__in=cohorts_in(scope).values("pk"))
        .order_by()
        .aggregate(n=Count("email", distinct=True))["n"]
    )


def funnel(scope: Scope) -> Funnel:
    """The funnel for everyone in scope (module docstring for definitions):
    7 queries, whatever the data size."""
    invited = _invited(scope)
    totals, _ = _grouped(scope, _people(scope), totals=True, groups=False, median=False)
    per_week, per_week_keys = _weekly(scope)
    return Funnel(
        invited=invited,
        joined=totals.learners,
        activated=totals.activated,
        engaged=totals.engaged,
        completed=totals.completed,
        minutes=totals.minutes,
        per_week=per_week,
        joined_key=totals.learners_key,
        activated_key=totals.activated_key,
        engaged_key=totals.engaged_key,
        completed_key=totals.completed_key,
        per_week_keys=per_week_keys,
    )


def cohort_funnels(cohort_ids, since: date | None = None, until: date | None = None):
    """{cohort id: the Funnel of that cohort alone} for each of `cohort_ids`,
    the same figures and record key sums as funnel(Scope((id,), since,
    until)) (without the weekly series), whatever the number of cohorts in a
    fixed number of queries: the cohort and pathway look-ups, the invitations
    grouped by cohort, and one grouped query over the memberships (each
    member's figures from the facts; completed means that cohort's pathway).
    A cohort whose dates miss the window has no learners in scope: zeros,
    like `funnel`."""
    cohort_ids = list(cohort_ids)
    result = {pk: Funnel() for pk in cohort_ids}
    scope = Scope(tuple(cohort_ids), since, until)
    in_scope = cohorts_in(scope).values("pk")
    invited = (
        Invitation.objects.filter(cohort_id__in=in_scope)
        .order_by()
        .values("cohort_id")
        .annotate(n=Count("email", distinct=True))
    )
    for row in invited:
        result[row["cohort_id"]].invited = row["n"]
    members = memberships_in(scope).values(
        uid=F("user_id"),
        rkey=Coalesce(F("record_key__key"), Value(0), output_field=IntegerField()),
        grp=F("cohort_id"),
    )
    _, rows = _grouped(scope, members, totals=False, groups=True, median=False, per_cohort=True)
    for cohort_id, counts in rows.items():
        figures = result[int(cohort_id)]
        figures.joined = counts.learners
        figures.joined_key = counts.learners_key
        figures.minutes = counts.minutes
        for stage in ("activated", "engaged", "completed"):
            setattr(figures, stage, getattr(counts, stage))
            setattr(figures, f"{stage}_key", getattr(counts, f"{stage}_key"))
    return result


def _weekly(scope: Scope) -> tuple[list[tuple[date, int]], dict[date, int]]:
    """Lesson completions by learners in scope within the window, per ISO
    week: (the week's Monday, completions), every week from the first to the
    last (or the window's ends, when set), weeks without completions as 0;
    and the sum of the record keys of each week's completions (each
    completion counts its learner's key). One query, over the facts."""
    counts, keys = {}, {}
    for week, n, k in _weekly_rows(scope):
        monday = date.fromisoformat(week) if isinstance(week, str) else week
        counts[monday] = int(n)
        keys[monday] = int(k or 0)
    first = min(counts, default=None)
    last = max(counts, default=None)
    if scope.since:
        first = _monday(scope.since) if first is None else min(first, _monday(scope.since))
    if scope.until:
        last = _monday(scope.until) if last is None else max(last, _monday(scope.until))
    if first is None or last is None:
        return [], keys
    series = []
    week = first
    while week <= last:
        series.append((week, counts.get(week, 0)))
        week += timedelta(weeks=1)
    return series, keys


def _weekly_rows(scope: Scope) -> list[tuple]:
    """(week, completions, key sum) per week with completions, over the
    facts of the members of the cohorts in scope (no query for an empty
    choice of cohorts)."""
    members = memberships_in(scope)
    try:
        members_sql, params = _compiled(members.values("user_id"))
    except EmptyResultSet:
        return []
    window_sql, window_params = _day_window(scope)
    facts = connection.ops.quote_name(LearnerDay._meta.db_table)
    keys = connection.ops.quote_name(RecordKey._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT f.week, SUM(f.completions), SUM(f.completions * COALESCE(k.key, 0)) "
            f"FROM {facts} f LEFT JOIN {keys} k ON k.user_id = f.user_id "
            f"WHERE f.completions > 0 AND f.user_id IN ({members_sql}){window_sql} "
            "GROUP BY f.week",
            params + window_params,
        )
        return cursor.fetchall()


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def dimension_expression(dimension: str):
    if dimension not in DIMENSIONS:
        raise ValueError(f"Unknown dimension {dimension!r}; choose one of {', '.join(DIMENSIONS)}.")
    return Coalesce(F(_DIMENSION_FIELDS[dimension]), Value(NOT_KNOWN), output_field=CharField())


def breakdown(scope: Scope, dimension: str) -> list[GroupCounts]:
    """The funnel stages (from joined on), minutes and median minutes per
    group of `dimension` (one of DIMENSIONS); learners without a value are in
    "Not known" (always last). Only groups with learners appear. Sectors and
    local areas sort by name, seniority by rank, organisation sizes by size.
    5 queries (6 for seniority): the cohort and pathway look-ups and one
    grouped query over the facts."""
    _, groups = grouped_figures(scope, dimension_expression(dimension))
    if dimension == "organisation_size":
        labels = dict(OrganisationSize.choices)
        order = {code: n for n, code in enumerate(labels)}
        for counts in groups.values():
            counts.group = labels.get(counts.group, counts.group)
        key = _order_by({labels[c]: n for c, n in order.items()})
    elif dimension == "seniority":
        ranks = {
            name: n for n, name in enumerate(SeniorityLevel.objects.values_list("name", flat=True))
        }
        key = _order_by(ranks)
    else:
        key = _order_by({})
    return sorted(groups.values(), key=key)


def _order_by(positions: dict[str, int]):
    def key(counts: GroupCounts):
        if counts.group == NOT_KNOWN:
            return (2, 0, "")
        if counts.group in positions:
            return (0, positions[counts.group], "")
        return (1, 0, counts.group.casefold())

    return key
