"""Cohort and equity metrics on PostgreSQL: the ORM metrics (funnel, one
breakdown, one equity table over all cohorts) against the same aggregates in
hand-written SQL and a plain count(*) of the events table, in the same run.

    make bench                                  (runs this after the others)
    .venv/bin/python bench/cohorts.py --runs 5
    .venv/bin/python bench/cohorts.py --rebuild (regenerate the data)

Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/fma_bench),
created and migrated if missing. The data (100,000 learners, a few hundred
cohorts, 2,000,000 learning events and the matching lesson progress) is
generated once in SQL and kept; later runs only time.
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
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--cohorts", type=int, default=300)
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
            "cohorts_invitation, equity_equityprofile"
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
        cursor.execute(
            """
            INSERT INTO accounts_user (password, is_superuser, email, first_name, last_name,
                                       is_staff, is_active, date_joined)
            SELECT '!', false, 'learner' || g || '@' || %s, '', '', false, true,
                   timestamptz '2025-01-01'
            FROM generate_series(1, %s) g
            """,
            [EMAIL_DOMAIN, args.learners],
        )
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
    with connection.cursor() as cursor:
        for table in ("progress_learningevent", "progress_lessonprogress", "cohorts_membership"):
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("ANALYZE")
    log(f"Generated in {time.perf_counter() - began:.0f} s")


# -- the measures -------------------------------------------------------------


def orm_metrics(dimension: str, characteristic: str) -> dict:
    from lms.reports.cohort_metrics import Scope, breakdown, funnel
    from lms.reports.equity_metrics import equity_breakdown

    scope = Scope()
    result = funnel(scope)
    groups = breakdown(scope, dimension)
    table = equity_breakdown(scope, characteristic)
    return {
        "funnel": [result.invited, result.joined, result.activated, result.engaged,
                   result.completed, round(result.minutes, 2)],
        "per_week": [(week.isoformat(), n) for week, n in result.per_week if n],
        "breakdown": {
            g.group: [g.learners, g.activated, g.engaged, g.completed, round(g.minutes, 2),
                      _round(g.median_minutes)]
            for g in groups
        },
        "equity": {
            r.group: [r.learners, r.activated, r.engaged, r.completed, round(r.minutes, 2),
                      _round(r.median_minutes)]
            for r in [*table.rows, table.total] if r.learners
        },
    }  # fmt: skip


def _round(value):
    return None if value is None else round(value, 4)


HAND_SQL = """
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
         CASE {equity_cases} ELSE 'Not declared' END AS equity
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

PER_WEEK_SQL = """
SELECT date_trunc('week', completed_at AT TIME ZONE %(tz)s)::date AS week, count(*)
FROM progress_lessonprogress
WHERE completed_at IS NOT NULL AND user_id IN (SELECT user_id FROM cohorts_membership)
GROUP BY 1 ORDER BY 1
"""

INVITED_SQL = "SELECT count(DISTINCT email) FROM cohorts_invitation"


def sql_metrics(dimension: str, characteristic: str) -> dict:
    """The same figures in three hand-written statements."""
    from django.conf import settings
    from django.db import connection

    from lms.reports.equity_metrics import CHARACTERISTICS, PREFER_NOT_LABEL

    tables = {"sector": "content_sector", "seniority": "content_senioritylevel",
              "local_area": "learners_localarea"}  # fmt: skip
    if dimension not in tables:
        raise SystemExit("The hand-written SQL covers --dimension sector, seniority or local_area")
    spec = CHARACTERISTICS[characteristic]
    if spec.groups is None:
        raise SystemExit("The hand-written SQL covers the equity profile's questions")
    column = f"e.{characteristic}"  # a key of CHARACTERISTICS, not user input

    def quote(text):
        return "'" + text.replace("'", "''") + "'"

    cases = [
        f"WHEN {column} IN ({', '.join(quote(v) for v in values)}) THEN {quote(label)}"
        for label, values in spec.groups
    ]
    cases.append(f"WHEN {column} = 'prefer_not' THEN {quote(PREFER_NOT_LABEL)}")
    sql = HAND_SQL.format(
        equity_cases=" ".join(cases),
        dimension_table=tables[dimension],
        dimension=dimension,
    )
    params = {"tz": settings.TIME_ZONE}
    with connection.cursor() as cursor:
        cursor.execute(INVITED_SQL)
        invited = cursor.fetchone()[0]
        cursor.execute(PER_WEEK_SQL, params)
        per_week = [(week.isoformat(), n) for week, n in cursor.fetchall()]
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out = {"funnel": None, "per_week": per_week, "breakdown": {}, "equity": {}}

    def figures(row):
        return [row[4], row[5], row[6], row[7], round(float(row[8]), 2), _round(row[9])]

    for row in rows:
        by_dimension, by_equity = row[0], row[1]
        if by_dimension and by_equity:
            total = figures(row)
            out["funnel"] = [invited, row[4], row[5], row[6], row[7], round(float(row[8]), 2)]
            out["equity"]["Everyone"] = total
        elif not by_dimension:
            out["breakdown"][row[2]] = figures(row)
        else:
            out["equity"][row[3]] = figures(row)
    return out


def count_events() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM progress_learningevent")
        return cursor.fetchone()[0]


def best_of(runs: int, fn) -> tuple[float, object]:
    result = fn()  # warm
    best = float("inf")
    for _ in range(runs):
        began = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - began)
    return best, result


def main() -> int:
    args = parse_args()
    url = configure()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    if args.rebuild or not generated(args):
        wipe()
        generate(args)
    else:
        log("Data already generated (--rebuild to regenerate)")

    orm_time, orm = best_of(args.runs, lambda: orm_metrics(args.dimension, args.characteristic))
    sql_time, hand = best_of(args.runs, lambda: sql_metrics(args.dimension, args.characteristic))
    count_time, events = best_of(args.runs, count_events)
    orm_json, hand_json = json.loads(json.dumps(orm)), json.loads(json.dumps(hand))
    if orm_json != hand_json:
        for key in orm_json:
            if orm_json[key] != hand_json.get(key):
                log(f"ORM and SQL differ in {key}:\n  ORM {orm_json[key]}\n  SQL {hand_json[key]}")
        raise SystemExit("The ORM metrics and the hand-written SQL disagree.")

    funnel = orm["funnel"]
    print(f"Cohort metrics on PostgreSQL {connection.pg_version // 10000}: "
          f"{funnel[1]:,} learners, {events:,} events, best of {args.runs}")  # fmt: skip
    print(f"funnel: invited {funnel[0]:,}, joined {funnel[1]:,}, activated {funnel[2]:,}, "
          f"engaged {funnel[3]:,}, completed {funnel[4]:,}, minutes {funnel[5]:,.0f}")  # fmt: skip
    print(f"{'target':<44}{'seconds':>10}{'vs SQL':>10}{'vs count(*)':>13}")
    rows = [
        (f"ORM: funnel + {args.dimension} + {args.characteristic}", orm_time),
        ("hand-written SQL, same figures", sql_time),
        ("SELECT count(*) FROM progress_learningevent", count_time),
    ]
    for name, seconds in rows:
        print(f"{name:<44}{seconds:>10.3f}{seconds / sql_time:>10.2f}{seconds / count_time:>13.2f}")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    summary = (
        f"{stamp} cohorts: {funnel[1]} learners, {events} events: ORM {orm_time:.3f}s, "
        f"SQL {sql_time:.3f}s, count(*) {count_time:.3f}s; ORM/SQL {orm_time / sql_time:.2f}, "
        f"ORM/count(*) {orm_time / count_time:.2f}"
    )
    print(summary)
    with SUMMARY_PATH.open("a") as out:
        out.write(summary + "\n")
    RESULTS_PATH.write_text(
        json.dumps(
            {
                "at": stamp,
                "database": urlsplit(url).path.lstrip("/"),
                "learners": funnel[1],
                "events": events,
                "runs": args.runs,
                "orm_seconds": orm_time,
                "sql_seconds": sql_time,
                "count_seconds": count_time,
                "orm_vs_sql": orm_time / sql_time,
                "orm_vs_count": orm_time / count_time,
                "figures": orm_json,
            },
            indent=2,
        )
        + "\n"
    )
    log(f"Results written to {RESULTS_PATH.relative_to(ROOT)}; summary appended to "
        f"{SUMMARY_PATH.relative_to(ROOT)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
