"""Cohort and equity metrics on PostgreSQL at programme scale: each report
(the funnel, one breakdown, one equity table over all cohorts), read from the
per-learner facts (lms.reports.facts), against the best hand-written SQL for
the same figures, at several sizes, in the same run.

    make bench                                  (runs this after the others)
    .venv/bin/python bench/cohorts.py --sizes 10000,100000 --runs 5 (the smaller sizes only)
    .venv/bin/python bench/cohorts.py --rebuild (regenerate the data)

Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/fma_bench),
created if missing, with one schema per size (bench_<learners>), migrated.
Each size's data (N learners, 3 cohorts per 1,000 learners, 20 learning
events per learner and the matching lesson progress, then the facts by the
product's own set-based recomputation) is generated once in SQL and kept;
later runs only time. Every size also checks that the reports give exactly
the figures of hand-written SQL over the progress tables themselves.
"""

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
RESULTS_PATH = BENCH_DIR / "cohorts.json"
SUMMARY_PATH = BENCH_DIR / "cohorts.log"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fma_bench"
EMAIL_DOMAIN = "bench-cohorts.invalid"
PATHWAYS = 8
LESSONS = 60  # in courses of 5


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="10000,100000,1000000",
        help="learners per size, comma-separated (default 10000,100000,1000000)",
    )
    parser.add_argument("--runs", type=int, default=3, help="timed runs each (best is kept)")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the data")
    parser.add_argument("--dimension", default="sector")
    parser.add_argument("--characteristic", default="sex")
    return parser.parse_args()


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            log(f"Creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def configure() -> str:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not url.startswith("postgres"):
        sys.exit("bench/cohorts.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    ensure_database(url)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": url,
            "FMA_VAR_DIR": str(BENCH_DIR),
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return url


# -- data ---------------------------------------------------------------------


def generated(args) -> bool:
    """Whether the current schema holds this size's data."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM accounts_user WHERE email LIKE %s", [f"%@{EMAIL_DOMAIN}"]
        )
        users = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM progress_learningevent")
        events = cursor.fetchone()[0]
    return users == args.learners and events == args.events


def wipe() -> None:
    from django.db import connection

    log("Removing earlier benchmark data")
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE progress_learningevent, progress_lessonprogress, cohorts_membership, "
            "cohorts_invitation, equity_equityprofile, reports_learnerday, reports_learnertotals"
        )
        cursor.execute(
            "DELETE FROM learners_learnerprofile WHERE user_id IN "
            "(SELECT id FROM accounts_user WHERE email LIKE %s)",
            [f"%@{EMAIL_DOMAIN}"],
        )
        cursor.execute("DELETE FROM cohorts_cohort")
        cursor.execute("DELETE FROM cohorts_programme WHERE name = 'Benchmark programme'")
        cursor.execute("DELETE FROM accounts_user WHERE email LIKE %s", [f"%@{EMAIL_DOMAIN}"])


def catalogue():
    """Synthetic courses and lessons, pathways over them, local areas. Returns
    the lessons in catalogue order and each pathway's first lesson index."""
    from django.core.management import call_command

    from content.models import LocalArea
    from courses.models import CoursePage, LessonPage
    from lms.pathways.models import Pathway, PathwayItem

    if LessonPage.objects.live().count() < LESSONS:
        call_command("seed_synthetic", lessons=LESSONS, per_course=5, stdout=sys.stderr)
    for n in range(12):
        LocalArea.objects.get_or_create(slug=f"bench-area-{n}", defaults={"name": f"Area {n}"})
    courses = list(CoursePage.objects.live().order_by("path"))
    lessons = []
    for course in courses:
        for lesson in LessonPage.objects.live().child_of(course).order_by("path"):
            lessons.append((lesson.pk, course.pk))
    starts = {}
    for n in range(PATHWAYS):
        pathway, _ = Pathway.objects.get_or_create(
            slug=f"bench-pathway-{n}", defaults={"title": f"Benchmark pathway {n}"}
        )
        if not pathway.items.exists():
            course = courses[n % len(courses)]
            if n % 4 == 3:  # single-lesson steps: the course's first two lessons
                kids = LessonPage.objects.live().child_of(course).order_by("path")[:2]
                for order, lesson in enumerate(kids):
                    PathwayItem.objects.create(pathway=pathway, lesson=lesson, sort_order=order)
            else:
                PathwayItem.objects.create(pathway=pathway, course=course, sort_order=0)
        first = pathway.items.order_by("sort_order").first()
        course_id = first.course_id or LessonPage.objects.get(pk=first.lesson_id).course.pk
        starts[pathway.pk] = next(i for i, (_, c) in enumerate(lessons) if c == course_id)
    return lessons, starts


def loading_without_checks(cursor) -> None:
    """For the rest of the transaction, no triggers fire, the foreign-key
    checks among them: the generated rows are consistent by construction, and
    checking 20 million deferred references at COMMIT took longer than
    writing them (over 14 minutes at 1,000,000 learners). The bench database
    only; needs a superuser, as the bench's default URL is."""
    cursor.execute("SET LOCAL session_replication_role = replica")
    cursor.execute("SET LOCAL synchronous_commit = off")


def insert_users(cursor, prefix: str, domain: str, count: int) -> None:
    """`count` users who cannot sign in, <prefix><n>@<domain>, in one statement."""
    cursor.execute(
        """
        INSERT INTO accounts_user (password, is_superuser, email, first_name, last_name,
                                   is_staff, is_active, date_joined)
        SELECT '!', false, %s || g || '@' || %s, '', '', false, true, timestamptz '2025-01-01'
        FROM generate_series(1, %s) g
        """,
        [prefix, domain, count],
    )


def generate(args) -> None:
    from django.db import connection, transaction

    from content.models import Sector, SeniorityLevel
    from lms.cohorts.models import Programme

    lessons, starts = catalogue()
    sectors = list(Sector.objects.values_list("pk", flat=True))
    levels = list(SeniorityLevel.objects.values_list("pk", flat=True))
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        programme, _ = Programme.objects.get_or_create(name="Benchmark programme")
        loading_without_checks(cursor)
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(
            "CREATE TEMP TABLE bench_lessons (idx int PRIMARY KEY, lesson_id int, course_id int) "
            "ON COMMIT DROP"
        )
        cursor.executemany(
            "INSERT INTO bench_lessons VALUES (%s, %s, %s)",
            [(i, lesson, course) for i, (lesson, course) in enumerate(lessons)],
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_pathways (n int PRIMARY KEY, pathway_id int, start_idx int) "
            "ON COMMIT DROP"
        )
        cursor.executemany(
            "INSERT INTO bench_pathways VALUES (%s, %s, %s)",
            [(n, p, s) for n, (p, s) in enumerate(starts.items())],
        )
        log(f"Learners: {args.learners:,}")
        insert_users(cursor, "learner", EMAIL_DOMAIN, args.learners)
        cursor.execute(
            "CREATE TEMP TABLE bench_users ON COMMIT DROP AS "
            "SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM accounts_user "
            "WHERE email LIKE %s",
            [f"%@{EMAIL_DOMAIN}"],
        )
        cursor.execute("CREATE UNIQUE INDEX ON bench_users (n)")
        # Learner profiles for 95%: sector, seniority, size, local area (80%).
        cursor.execute(
            """
            INSERT INTO learners_learnerprofile (user_id, seniority_id, sector_id,
                organisation_name, organisation_size, local_area_id, time_zone,
                onboarded_at, updated_at)
            SELECT u.id, (%s::int[])[1 + u.n %% %s], (%s::int[])[1 + (u.n / 7) %% %s],
                   'Org ' || (u.n %% 5000),
                   (ARRAY['1-9','10-49','50-249','250-999','1000+'])[1 + (u.n / 3) %% 5],
                   CASE WHEN random() < 0.8 THEN
                     (SELECT id FROM learners_localarea ORDER BY id
                      OFFSET (u.n %% 12) LIMIT 1) END,
                   'Europe/London', now(), now()
            FROM bench_users u WHERE u.n %% 20 <> 0
            """,
            [levels, len(levels), sectors, len(sectors)],
        )
        # Equity profiles for half; each answer: a value, prefer not, or unanswered.
        cursor.execute(
            """
            INSERT INTO equity_equityprofile (user_id, consent_version, consented_at, updated_at,
                age_band, sex, gender_same_as_birth, ethnic_group, disability, caring,
                parental_occupation)
            SELECT u.id, '1', now(), now(),
              (ARRAY['under_25','25_34','35_44','45_54','55_64','65_plus','prefer_not',''])
                [1 + floor(random() * 8)::int],
              (ARRAY['female','male','female','male','prefer_not',''])
                [1 + floor(random() * 6)::int],
              (ARRAY['yes','yes','yes','no','prefer_not',''])[1 + floor(random() * 6)::int],
              (ARRAY['asian','black','mixed','white','white','white','other','prefer_not',''])
                [1 + floor(random() * 9)::int],
              (ARRAY['yes','no','no','no','prefer_not',''])[1 + floor(random() * 6)::int],
              (ARRAY['no','no','no','under_20','20_49','50_plus','prefer_not',''])
                [1 + floor(random() * 8)::int],
              (ARRAY['professional','manager','clerical','small_business','technical',
                     'routine','unemployed','other','prefer_not',''])
                [1 + floor(random() * 10)::int]
            FROM bench_users u WHERE u.n % 2 = 0
            """
        )
        log(f"Cohorts: {args.cohorts}")
        cursor.execute(
            """
            INSERT INTO cohorts_cohort (name, programme_id, organisation, starts_on, ends_on,
                pathway_id, join_token, join_link_open, created_at)
            SELECT 'Cohort ' || c, %s, '', date '2025-01-06' + (c %% 60) * 7,
                   date '2025-01-06' + (c %% 60) * 7 + 84,
                   (SELECT pathway_id FROM bench_pathways WHERE n = c %% %s),
                   md5('bench' || c || random()), true, now()
            FROM generate_series(0, %s - 1) c
            """,
            [programme.pk, len(starts), args.cohorts],
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_cohorts ON COMMIT DROP AS "
            "SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, pathway_id, starts_on "
            "FROM cohorts_cohort WHERE programme_id = %s",
            [programme.pk],
        )
        # Every learner in one cohort, one in ten in a second; an invitation
        # for each membership, and a fifth more invitations nobody took up.
        cursor.execute(
            """
            CREATE TEMP TABLE bench_members ON COMMIT DROP AS
            SELECT u.id AS user_id, u.n, c.id AS cohort_id, true AS first
            FROM bench_users u JOIN bench_cohorts c ON c.n = u.n %% %s
            UNION ALL
            SELECT u.id, u.n, c.id, false
            FROM bench_users u JOIN bench_cohorts c ON c.n = (u.n * 7 + 1) %% %s
            WHERE u.n %% 10 = 0 AND (u.n * 7 + 1) %% %s <> u.n %% %s
            """,
            [args.cohorts] * 4,
        )
        cursor.execute(
            """
            INSERT INTO cohorts_invitation (cohort_id, email, name, source, token, invited_at,
                                            status, due_at, attempts, last_error)
            SELECT m.cohort_id, 'learner' || (m.n + 1) || '@' || %s, '', 'csv',
                   md5('inv' || m.user_id || '-' || m.cohort_id), now(), 'planned', now(), 0, ''
            FROM bench_members m
            UNION ALL
            SELECT c.id, 'nobody' || g || '@' || %s, '', 'csv', md5('nobody' || g), now(),
                   'planned', now(), 0, ''
            FROM generate_series(1, %s) g JOIN bench_cohorts c ON c.n = g %% %s
            """,
            [EMAIL_DOMAIN, EMAIL_DOMAIN, args.learners // 5, args.cohorts],
        )
        cursor.execute(
            """
            INSERT INTO cohorts_membership (cohort_id, user_id, invitation_id, joined_at)
            SELECT m.cohort_id, m.user_id, i.id, now()
            FROM bench_members m JOIN cohorts_invitation i
              ON i.cohort_id = m.cohort_id AND i.email = 'learner' || (m.n + 1) || '@' || %s
            """,
            [EMAIL_DOMAIN],
        )
        # Lesson progress: from 0 to 12 lessons each, in catalogue order from
        # the first lesson of the learner's (first) cohort's pathway, a few
        # days apart from the cohort's start; four in five completed.
        log("Lesson progress")
        cursor.execute(
            """
            INSERT INTO progress_lessonprogress (user_id, lesson_id, course_id, started_at,
                                                 completed_at, seconds_spent)
            SELECT m.user_id, l.lesson_id, l.course_id, s.started_at,
                   CASE WHEN s.done THEN s.started_at + interval '5 minutes' END,
                   CASE WHEN s.done THEN 120 + floor(random() * 360)::int ELSE 0 END
            FROM bench_members m
            JOIN bench_cohorts c ON c.id = m.cohort_id
            JOIN bench_pathways p ON p.pathway_id = c.pathway_id
            -- "+ m.n * 0": refer to the row, or random() is drawn once for all
            CROSS JOIN LATERAL (SELECT floor(random() * 13 + m.n * 0)::int AS k) k
            CROSS JOIN LATERAL generate_series(0, k.k - 1) j
            CROSS JOIN LATERAL (
              SELECT c.starts_on + (j * 4 + floor(random() * 4)::int) * interval '1 day'
                     + interval '8 hours' + floor(random() * 600) * interval '1 minute'
                     AS started_at,
                     random() < 0.8 AS done
            ) s
            JOIN bench_lessons l ON l.idx = (p.start_idx + j) %% %s
            WHERE m.first
            """,
            [len(lessons)],
        )
        log(f"Learning events: {args.events:,}")
        cursor.execute(
            """
            INSERT INTO progress_learningevent (uuid, user_id, verb, course_id, lesson_id,
                                                result, occurred_at)
            SELECT gen_random_uuid(), user_id, 'started', course_id, lesson_id, '{}',
                   started_at FROM progress_lessonprogress
            UNION ALL
            SELECT gen_random_uuid(), user_id, 'completed', course_id, lesson_id,
                   jsonb_build_object('seconds', seconds_spent), completed_at
            FROM progress_lessonprogress WHERE completed_at IS NOT NULL
            """
        )
        cursor.execute("SELECT count(*) FROM progress_learningevent")
        missing = args.events - cursor.fetchone()[0]
        if missing < 0:
            raise SystemExit(f"Too many events from progress ({-missing} over); raise --events")
        # The rest: knowledge-check answers, round-robin over the progress rows.
        cursor.execute(
            """
            CREATE TEMP TABLE bench_progress ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY id) - 1 AS n, user_id, course_id, lesson_id,
                   started_at FROM progress_lessonprogress
            """
        )
        cursor.execute("CREATE UNIQUE INDEX ON bench_progress (n)")
        cursor.execute("SELECT count(*) FROM bench_progress")
        rows = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO progress_learningevent (uuid, user_id, verb, course_id, lesson_id,
                                                result, occurred_at)
            SELECT gen_random_uuid(), p.user_id, 'answered', p.course_id, p.lesson_id,
                   '{"correct": true}', p.started_at + interval '2 minutes'
            FROM generate_series(0, %s - 1) g JOIN bench_progress p ON p.n = g %% %s
            """,
            [missing, rows],
        )
    log(f"Generated in {time.perf_counter() - began:.0f} s; now the facts")
    generate_facts()


def generate_facts() -> None:
    """The facts, by the product's own backfill (set-based INSERT ... SELECT)."""
    from django.db import connection, transaction

    from lms.reports.facts import recompute

    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        loading_without_checks(cursor)
        recompute()
    log(f"Facts in {time.perf_counter() - began:.0f} s")
    with connection.cursor() as cursor:
        for table in (
            "progress_learningevent",
            "progress_lessonprogress",
            "cohorts_membership",
            "reports_learnerday",
            "reports_learnertotals",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("ANALYZE")


# -- the measures -------------------------------------------------------------


def report_figures(dimension: str, characteristic: str) -> dict:
    """The three reports as the product computes them (over the facts)."""
    return {
        "funnel": funnel_figures(),
        "breakdown": breakdown_figures(dimension),
        "equity": equity_figures(characteristic),
    }


def funnel_figures():
    from lms.reports.cohort_metrics import Scope, funnel

    result = funnel(Scope())
    return {
        "funnel": [result.invited, result.joined, result.activated, result.engaged,
                   result.completed, result.minutes],
        "keys": [result.joined_key, result.activated_key, result.engaged_key,
                 result.completed_key],
        "per_week": [(week.isoformat(), n) for week, n in result.per_week if n],
        "per_week_keys": {week.isoformat(): k for week, k in result.per_week_keys.items()},
    }  # fmt: skip


def _groups(rows):
    return {
        r.group: [r.learners, r.activated, r.engaged, r.completed, int(r.minutes),
                  _round(r.median_minutes), r.learners_key, r.activated_key, r.engaged_key,
                  r.completed_key]
        for r in rows if r.learners
    }  # fmt: skip


def breakdown_figures(dimension):
    from lms.reports.cohort_metrics import Scope, breakdown

    return _groups(breakdown(Scope(), dimension))


def equity_figures(characteristic):
    from lms.reports.cohort_metrics import Scope
    from lms.reports.equity_metrics import equity_breakdown

    table = equity_breakdown(Scope(), characteristic)
    return _groups([*table.rows, table.total])


def _round(value):
    return None if value is None else round(value, 4)


# The best hand-written SQL for the same figures, over the same facts: each
# report in as few statements as it can be (the funnel: the invitations, the
# learners' totals and the weekly series; a breakdown or an equity table: one
# statement). The pathways' lessons are given as arrays, as the product gives
# them as literals (both look them up first, with the same queries).
HAND_LEARNERS = """
WITH people AS (
  SELECT m.user_id AS uid, coalesce(k.key, 0) AS rkey, {group} AS grp
  FROM (SELECT DISTINCT user_id FROM cohorts_membership) m
  LEFT JOIN equity_recordkey k ON k.user_id = m.user_id
  {joins}
),
days AS (SELECT user_id, completions AS c, minutes AS mins, weeks FROM reports_learnertotals),
prog AS (
  SELECT user_id, {counts}
  FROM progress_lessonprogress
  WHERE completed_at IS NOT NULL AND lesson_id = ANY(%(every)s)
  GROUP BY user_id
),
done AS (
  SELECT DISTINCT m.user_id FROM cohorts_membership m
  JOIN cohorts_cohort c ON c.id = m.cohort_id JOIN prog g ON g.user_id = m.user_id
  WHERE {done}
),
learners AS (
  SELECT p.grp, p.rkey, coalesce(d.c > 0, false) AS act, coalesce(d.weeks >= 3, false) AS eng,
         coalesce(d.mins, 0) AS mins, x.user_id IS NOT NULL AS comp
  FROM people p LEFT JOIN days d ON d.user_id = p.uid LEFT JOIN done x ON x.user_id = p.uid
)
SELECT {grouping}, count(*), sum(rkey),
       count(*) FILTER (WHERE act), coalesce(sum(rkey) FILTER (WHERE act), 0),
       count(*) FILTER (WHERE eng), coalesce(sum(rkey) FILTER (WHERE eng), 0),
       count(*) FILTER (WHERE comp), coalesce(sum(rkey) FILTER (WHERE comp), 0),
       sum(mins), percentile_cont(0.5) WITHIN GROUP (ORDER BY mins) FILTER (WHERE act)
FROM learners {group_by}
"""

HAND_WEEKS = """
SELECT f.week, sum(f.completions), sum(f.completions * coalesce(k.key, 0))
FROM reports_learnerday f LEFT JOIN equity_recordkey k ON k.user_id = f.user_id
WHERE f.completions > 0 AND f.user_id IN (SELECT user_id FROM cohorts_membership)
GROUP BY f.week ORDER BY f.week
"""

INVITED_SQL = "SELECT count(DISTINCT email) FROM cohorts_invitation"

DIMENSION_TABLES = {"sector": "content_sector", "seniority": "content_senioritylevel",
                    "local_area": "learners_localarea"}  # fmt: skip


def _quote(text):
    return "'" + text.replace("'", "''") + "'"


def equity_case(characteristic: str, column: str) -> str:
    from lms.reports.equity_metrics import CHARACTERISTICS, NOT_DECLARED, PREFER_NOT_LABEL

    spec = CHARACTERISTICS[characteristic]
    if spec.groups is None:
        raise SystemExit("The hand-written SQL covers the equity profile's questions")
    cases = [
        f"WHEN {column} IN ({', '.join(_quote(v) for v in values)}) THEN {_quote(label)}"
        for label, values in spec.groups
    ]
    cases.append(f"WHEN {column} = 'prefer_not' THEN {_quote(PREFER_NOT_LABEL)}")
    return f"CASE {' '.join(cases)} ELSE {_quote(NOT_DECLARED)} END"


def pathway_lessons() -> dict[int, list[int]]:
    from lms.cohorts.models import Cohort
    from lms.pathways.services import pathway_lesson_ids

    pathways = set(Cohort.objects.values_list("pathway_id", flat=True))
    return {p: ids for p, ids in pathway_lesson_ids(pathways).items() if ids}


def hand_learners(group: str, joins: str, *, groups: bool):
    from django.db import connection

    lessons = pathway_lessons()
    params = {"every": sorted({pk for ids in lessons.values() for pk in ids})}
    counts, done = [], []
    for n, (pathway, ids) in enumerate(sorted(lessons.items())):
        params[f"l{n}"] = ids
        counts.append(f"count(*) FILTER (WHERE lesson_id = ANY(%(l{n})s)) AS n{n}")
        done.append(f"(c.pathway_id = {int(pathway)} AND g.n{n} = {len(ids)})")
    sql = HAND_LEARNERS.format(
        group=group,
        joins=joins,
        counts=", ".join(counts),
        done=" OR ".join(done),
        grouping="GROUPING(grp), grp" if groups else "1, NULL",
        group_by="GROUP BY GROUPING SETS ((), (grp))" if groups else "",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _hand_row(row):
    n, nk, a, ak, e, ek, c, ck, mins, median = row[2:]
    return [n, a, e, c, int(mins or 0), _round(median), nk, ak, ek, ck]


def hand_funnel():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(INVITED_SQL)
        invited = cursor.fetchone()[0]
        cursor.execute(HAND_WEEKS)
        weeks = cursor.fetchall()
    (row,) = hand_learners("NULL", "", groups=False)
    n, a, e, c, mins, _, nk, ak, ek, ck = _hand_row(row)
    return {
        "funnel": [invited, n, a, e, c, mins],
        "keys": [nk, ak, ek, ck],
        "per_week": [(week.isoformat(), count) for week, count, _ in weeks],
        "per_week_keys": {week.isoformat(): int(k) for week, _, k in weeks},
    }


def hand_breakdown(dimension: str):
    from lms.reports.cohort_metrics import NOT_KNOWN

    if dimension not in DIMENSION_TABLES:
        raise SystemExit("The hand-written SQL covers --dimension sector, seniority or local_area")
    joins = (
        "LEFT JOIN learners_learnerprofile lp ON lp.user_id = m.user_id "
        f"LEFT JOIN {DIMENSION_TABLES[dimension]} dim ON dim.id = lp.{dimension}_id"
    )
    rows = hand_learners(f"coalesce(dim.name, {_quote(NOT_KNOWN)})", joins, groups=True)
    return {row[1]: _hand_row(row) for row in rows if not row[0] and row[2]}


def hand_equity(characteristic: str):
    from lms.reports.equity_metrics import TOTAL

    joins = "LEFT JOIN equity_equityprofile e ON e.user_id = m.user_id"
    rows = hand_learners(equity_case(characteristic, f"e.{characteristic}"), joins, groups=True)
    return {(TOTAL if row[0] else row[1]): _hand_row(row) for row in rows if row[2]}


# The figures again from the progress tables themselves (no facts), in one
# hand-written statement: the check that the facts give the true figures.
RAW_SQL = """
WITH pathway_lessons AS (
  SELECT pi.pathway_id, pi.lesson_id
  FROM pathways_pathwayitem pi JOIN wagtailcore_page lp ON lp.id = pi.lesson_id AND lp.live
  JOIN wagtailcore_page cp ON cp.path = substr(lp.path, 1, length(lp.path) - 4) AND cp.live
  UNION
  SELECT pi.pathway_id, lp.id
  FROM pathways_pathwayitem pi
  JOIN wagtailcore_page cp ON cp.id = pi.course_id AND cp.live
  JOIN courses_lessonpage l ON true
  JOIN wagtailcore_page lp ON lp.id = l.page_ptr_id AND lp.live
   AND lp.depth = cp.depth + 1 AND lp.path LIKE cp.path || '%%'
),
sizes AS (SELECT pathway_id, count(*) AS n FROM pathway_lessons GROUP BY pathway_id),
members AS (SELECT DISTINCT user_id FROM cohorts_membership),
done AS (
  SELECT p.user_id, sum(greatest(1, (l.reading_seconds + 59) / 60)) AS minutes
  FROM progress_lessonprogress p JOIN courses_lessonpage l ON l.page_ptr_id = p.lesson_id
  WHERE p.completed_at IS NOT NULL GROUP BY p.user_id
),
weeks AS (
  SELECT user_id, count(DISTINCT date_trunc('week', occurred_at AT TIME ZONE %(tz)s)) AS n
  FROM progress_learningevent WHERE user_id IS NOT NULL GROUP BY user_id
),
completed AS (
  SELECT DISTINCT m.user_id
  FROM cohorts_membership m
  JOIN cohorts_cohort c ON c.id = m.cohort_id
  JOIN sizes s ON s.pathway_id = c.pathway_id
  JOIN pathway_lessons pl ON pl.pathway_id = c.pathway_id
  JOIN progress_lessonprogress p
    ON p.user_id = m.user_id AND p.lesson_id = pl.lesson_id AND p.completed_at IS NOT NULL
  GROUP BY m.id, m.user_id, s.n
  HAVING count(*) = s.n
),
learners AS (
  SELECT m.user_id,
         d.user_id IS NOT NULL AS activated,
         coalesce(w.n, 0) >= 3 AS engaged,
         cp.user_id IS NOT NULL AS completed,
         coalesce(d.minutes, 0) AS minutes,
         coalesce(dim.name, 'Not known') AS dimension,
         {equity} AS equity
  FROM members m
  LEFT JOIN done d ON d.user_id = m.user_id
  LEFT JOIN weeks w ON w.user_id = m.user_id
  LEFT JOIN completed cp ON cp.user_id = m.user_id
  LEFT JOIN learners_learnerprofile lp ON lp.user_id = m.user_id
  LEFT JOIN {dimension_table} dim ON dim.id = lp.{dimension}_id
  LEFT JOIN equity_equityprofile e ON e.user_id = m.user_id
)
SELECT GROUPING(dimension) AS by_dimension, GROUPING(equity) AS by_equity, dimension, equity,
       count(*), count(*) FILTER (WHERE activated), count(*) FILTER (WHERE engaged),
       count(*) FILTER (WHERE completed), sum(minutes),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes) FILTER (WHERE activated)
FROM learners
GROUP BY GROUPING SETS ((), (dimension), (equity))
"""


def raw_figures(dimension: str, characteristic: str) -> dict:
    """funnel counts, breakdown and equity groups (no record keys, no weeks)
    straight from the progress tables."""
    from django.conf import settings
    from django.db import connection

    from lms.reports.equity_metrics import TOTAL

    sql = RAW_SQL.format(
        equity=equity_case(characteristic, f"e.{characteristic}"),
        dimension_table=DIMENSION_TABLES[dimension],
        dimension=dimension,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"tz": settings.TIME_ZONE})
        rows = cursor.fetchall()
    out = {"funnel": None, "breakdown": {}, "equity": {}}
    for by_dimension, by_equity, dim, equity, *figures in rows:
        figures = [*figures[:4], int(figures[4] or 0), _round(figures[5])]
        if by_dimension and by_equity:
            out["funnel"] = figures[:5]
            out["equity"][TOTAL] = figures
        elif not by_dimension:
            out["breakdown"][dim] = figures
        elif figures[0]:
            out["equity"][equity] = figures
    return out


def best_of(runs: int, fn) -> tuple[float, object]:
    result = fn()  # warm
    best = float("inf")
    for _ in range(runs):
        began = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - began)
    return best, result


def timed_once(fn) -> tuple[float, object]:
    began = time.perf_counter()
    result = fn()
    return time.perf_counter() - began, result


class Size:
    def __init__(self, learners: int):
        self.learners = learners
        self.events = 20 * learners
        self.cohorts = max(3, learners * 3 // 1000)


def use_schema(name: str) -> None:
    """Points the connection at one schema of the bench database (one per
    size), created if missing, and migrates it."""
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{name}"')
    connection.close()
    options = connection.settings_dict.setdefault("OPTIONS", {})
    base = options.get("options", "").split(" -c search_path=")[0]
    options["options"] = f"{base} -c search_path={name}".strip()
    call_command("migrate", interactive=False, verbosity=0)


def measure(size: Size, args) -> dict:
    from django.db import connection

    use_schema(f"bench_{size.learners}")
    if args.rebuild or not generated(size):
        wipe()
        generate(size)
    else:
        log(f"{size.learners:,} learners: data already generated (--rebuild to regenerate)")
        from lms.reports.models import LearnerTotals

        if not LearnerTotals.objects.exists():
            generate_facts()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM progress_learningevent")
        events = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM reports_learnerday")
        facts = cursor.fetchone()[0]
    dim, char = args.dimension, args.characteristic
    pairs = {
        "funnel": (funnel_figures, hand_funnel),
        f"breakdown by {dim}": (lambda: breakdown_figures(dim), lambda: hand_breakdown(dim)),
        f"equity by {char}": (lambda: equity_figures(char), lambda: hand_equity(char)),
    }
    rows = {}
    for name, (report, hand) in pairs.items():
        # Interleaved: report, SQL, report, SQL ... best of each.
        report(), hand()
        best_report = best_hand = float("inf")
        for _ in range(args.runs):
            seconds, ours = timed_once(report)
            best_report = min(best_report, seconds)
            seconds, theirs = timed_once(hand)
            best_hand = min(best_hand, seconds)
        if json.loads(json.dumps(ours)) != json.loads(json.dumps(theirs)):
            log(f"{name}: the report and the hand-written SQL differ:\n  {ours}\n  {theirs}")
            raise SystemExit("The reports and the hand-written SQL disagree.")
        rows[name] = {"report": best_report, "sql": best_hand, "figures": ours}
    raw_seconds, raw = timed_once(lambda: raw_figures(dim, char))
    ours = report_figures(dim, char)
    strip = {
        "funnel": ours["funnel"]["funnel"][1:],
        "breakdown": {g: v[:6] for g, v in ours["breakdown"].items()},
        "equity": {g: v[:6] for g, v in ours["equity"].items()},
    }
    if json.loads(json.dumps(strip)) != json.loads(json.dumps(raw)):
        for key in strip:
            if strip[key] != raw[key]:
                log(f"facts and progress tables differ in {key}:\n  {strip[key]}\n  {raw[key]}")
        raise SystemExit("The facts do not give the figures of the progress tables.")
    return {
        "learners": size.learners,
        "events": events,
        "facts": facts,
        "targets": rows,
        "raw_sql_seconds": raw_seconds,
        "funnel": ours["funnel"]["funnel"],
    }


def main() -> int:
    args = parse_args()
    url = configure()
    from django.db import connection

    sizes = [Size(int(n)) for n in args.sizes.split(",") if n.strip()]
    results = [measure(size, args) for size in sizes]
    version = connection.pg_version // 10000
    print(f"Cohort and equity reports on PostgreSQL {version}, over the facts, best of {args.runs}")
    print(f"{'learners':>10}{'events':>12}{'days':>11}  {'report':<24}"
          f"{'seconds':>9}{'SQL s':>9}{'vs SQL':>8}")  # fmt: skip
    for result in results:
        for name, row in result["targets"].items():
            print(f"{result['learners']:>10,}{result['events']:>12,}{result['facts']:>11,}  "
                  f"{name:<24}{row['report']:>9.3f}{row['sql']:>9.3f}"
                  f"{row['report'] / row['sql']:>8.2f}")  # fmt: skip
        print(f"{result['learners']:>10,}{'':>23}  {'from progress tables':<24}"
              f"{result['raw_sql_seconds']:>9.3f}   (same figures, no facts, once)")  # fmt: skip
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    worst = max(row["report"] / row["sql"] for r in results for row in r["targets"].values())
    summary = f"{stamp} cohorts: " + "; ".join(
        f"{r['learners']} learners: "
        + ", ".join(f"{name} {row['report']:.3f}s" for name, row in r["targets"].items())
        for r in results
    ) + f"; worst report/SQL {worst:.2f}"  # fmt: skip
    print(summary)
    with SUMMARY_PATH.open("a") as out:
        out.write(summary + "\n")
    RESULTS_PATH.write_text(
        json.dumps(
            {
                "at": stamp,
                "database": urlsplit(url).path.lstrip("/"),
                "runs": args.runs,
                "sizes": [
                    {k: v for k, v in r.items() if k != "targets"}
                    | {"targets": {n: {"report": t["report"], "sql": t["sql"]}
                                   for n, t in r["targets"].items()}}
                    for r in results
                ],
            },
            indent=2,
        )
        + "\n"
    )  # fmt: skip
    log(f"Results written to {RESULTS_PATH.relative_to(ROOT)}; summary appended to "
        f"{SUMMARY_PATH.relative_to(ROOT)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
