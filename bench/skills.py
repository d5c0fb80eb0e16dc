"""The Skills gaps report's queries on PostgreSQL at programme scale
(lms.reports.skills_gaps.gap_report: ratings and completions grouped by
sector, local area and seniority, for everyone) against hand-written SQL for
the same figures, at several sizes, in the same run; prints the ratio.

    make bench                                (runs this after the others)
    .venv/bin/python bench/skills.py --sizes 10000,100000 --runs 3
    .venv/bin/python bench/skills.py --rebuild (drop and regenerate the data)

Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/fma_bench_skills),
created if missing, one schema per size (skills_<learners>), migrated. Each
size's data is generated once in SQL and kept: N learners with profiles (95%),
a first self-check sitting rating every skill, a re-rating for 30%, and 10
completed lessons each. Every size checks the report's raw figures against
the hand-written SQL's."""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fma_bench_skills")

from bench.cohorts import (  # noqa: E402
    best_of,
    catalogue,
    configure,
    insert_users,
    loading_without_checks,
    log,
    use_schema,
)

EMAIL_DOMAIN = "bench-skills.invalid"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    return parser.parse_args()


def generate(learners: int) -> None:
    from django.db import connection, transaction

    from content.models import Sector, SeniorityLevel, Skill

    lessons, _ = catalogue()
    for n in range(8):
        Skill.objects.get_or_create(slug=f"bench-skill-{n}", defaults={"name": f"Skill {n}"})
    sectors = list(Sector.objects.values_list("pk", flat=True))
    levels = list(SeniorityLevel.objects.values_list("pk", flat=True))
    skills = list(Skill.objects.values_list("pk", flat=True))
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        loading_without_checks(cursor)
        cursor.execute("SELECT setseed(0.18)")
        cursor.execute(
            "INSERT INTO courses_coursepage_skills (coursepage_id, skill_id) "
            "SELECT c.page_ptr_id, s FROM courses_coursepage c, unnest(%s::int[]) s "
            "WHERE (c.page_ptr_id + s) %% 3 = 0 ON CONFLICT DO NOTHING",
            [skills],
        )
        insert_users(cursor, "skills", EMAIL_DOMAIN, learners)
        cursor.execute(
            "CREATE TEMP TABLE bench_users ON COMMIT DROP AS "
            "SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM accounts_user "
            "WHERE email LIKE %s",
            [f"%@{EMAIL_DOMAIN}"],
        )
        cursor.execute(
            """
            INSERT INTO learners_learnerprofile (user_id, seniority_id, sector_id,
                organisation_name, organisation_size, local_area_id, time_zone,
                onboarded_at, updated_at)
            SELECT u.id, (%s::int[])[1 + u.n %% %s], (%s::int[])[1 + (u.n / 7) %% %s],
                   'Org', '50-249',
                   (SELECT id FROM learners_localarea ORDER BY id OFFSET (u.n %% 12) LIMIT 1),
                   'Europe/London', now(), now()
            FROM bench_users u WHERE u.n %% 20 <> 0
            """,
            [levels, len(levels), sectors, len(sectors)],
        )
        cursor.execute(
            "INSERT INTO learners_selfcheck (user_id, taken_at) "
            "SELECT id, timestamptz '2026-01-05' + (n % 60) * interval '1 day' FROM bench_users "
            "UNION ALL SELECT id, timestamptz '2026-04-01' + (n % 30) * interval '1 day' "
            "FROM bench_users WHERE n % 10 < 3"
        )
        cursor.execute(
            "INSERT INTO learners_selfcheckrating (self_check_id, skill_id, rating) "
            "SELECT sc.id, s, 1 + floor(random() * 5)::int FROM learners_selfcheck sc "
            "JOIN bench_users u ON u.id = sc.user_id, unnest(%s::int[]) s",
            [skills],
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_lessons (idx int, lesson_id int, course_id int) ON COMMIT DROP"
        )
        cursor.executemany(
            "INSERT INTO bench_lessons VALUES (%s, %s, %s)",
            [(i, lesson, course) for i, (lesson, course) in enumerate(lessons)],
        )
        cursor.execute(
            """
            INSERT INTO progress_lessonprogress (user_id, lesson_id, course_id, started_at,
                completed_at, seconds_spent)
            SELECT u.id, l.lesson_id, l.course_id, timestamptz '2026-02-01',
                   timestamptz '2026-02-01' + (u.n %% 90) * interval '1 day', 300
            FROM bench_users u JOIN bench_lessons l ON (l.idx - u.n %% %s + %s) %% %s < 10
            """,
            [len(lessons), len(lessons), len(lessons)],
        )
        cursor.execute("ANALYZE")
    log(f"Generated {learners:,} learners in {time.perf_counter() - began:.1f} s")


HAND_RATINGS = """
WITH firsts AS (
    SELECT DISTINCT ON (sc.user_id, r.skill_id) sc.user_id, r.skill_id, r.rating
    FROM learners_selfcheckrating r JOIN learners_selfcheck sc ON sc.id = r.self_check_id
    ORDER BY sc.user_id, r.skill_id, sc.taken_at, sc.id
), lasts AS (
    SELECT DISTINCT ON (sc.user_id, r.skill_id) sc.user_id, r.skill_id, r.rating,
        count(*) OVER (PARTITION BY sc.user_id, r.skill_id) AS n
    FROM learners_selfcheckrating r JOIN learners_selfcheck sc ON sc.id = r.self_check_id
    ORDER BY sc.user_id, r.skill_id, sc.taken_at DESC, sc.id DESC
)
SELECT p.sector_id, p.local_area_id, p.seniority_id, f.skill_id, count(*),
    sum(f.rating), sum(l.rating), sum((l.rating <= 2)::int), sum((l.n > 1)::int),
    sum(CASE WHEN l.n > 1 THEN l.rating - f.rating ELSE 0 END), sum(coalesce(k.key, 0))
FROM firsts f JOIN lasts l USING (user_id, skill_id)
LEFT JOIN learners_learnerprofile p ON p.user_id = f.user_id
LEFT JOIN equity_recordkey k ON k.user_id = f.user_id
GROUP BY 1, 2, 3, 4
"""
HAND_COMPLETIONS = """
SELECT p.sector_id, p.local_area_id, p.seniority_id, cs.skill_id, count(*)
FROM progress_lessonprogress lp
JOIN courses_coursepage_skills cs ON cs.coursepage_id = lp.course_id
LEFT JOIN learners_learnerprofile p ON p.user_id = lp.user_id
WHERE lp.completed_at IS NOT NULL
GROUP BY 1, 2, 3, 4
"""


def hand():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(HAND_RATINGS)
        ratings = cursor.fetchall()
        cursor.execute(HAND_COMPLETIONS)
        return ratings, cursor.fetchall()


def check(report_figures, hand_figures) -> None:
    ratings, completions = hand_figures
    for sector, area, level, skill, rated, first, latest, low, rerated, change, _ in ratings:
        mine = report_figures[(sector, area, level)][skill]
        got = (mine.rated, mine.first_sum, mine.latest_sum, mine.low, mine.rerated)
        assert got == (rated, first, latest, low, rerated), (got, rated)
        assert mine.change_sum == change
    for sector, area, level, skill, count in completions:
        assert report_figures[(sector, area, level)][skill].completed == count


def main() -> int:
    args = parse_args()
    configure()
    from django.db import connection

    from lms.reports import skills_gaps
    from lms.reports.facts import recompute_skill_facts

    for learners in [int(s) for s in args.sizes.split(",")]:
        if args.rebuild:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA IF EXISTS "skills_{learners}" CASCADE')
        use_schema(f"skills_{learners}")
        from lms.learners.models import SelfCheck

        if (
            args.rebuild
            or not SelfCheck.objects.filter(user__email__endswith=f"@{EMAIL_DOMAIN}").exists()
        ):
            generate(learners)
            recompute_skill_facts()  # the data was written in SQL, past the signals
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE reports_skillfact")  # as autovacuum would, after a load
        skills_gaps.figures_by_group(None, skills_gaps.DIMENSIONS)  # draws the record keys
        report_time, _ = best_of(args.runs, lambda: skills_gaps.gap_report(None))
        figures_time, figures = best_of(
            args.runs, lambda: skills_gaps.figures_by_group(None, skills_gaps.DIMENSIONS)
        )
        hand_time, hand_figures = best_of(args.runs, hand)
        check(figures, hand_figures)
        print(
            f"skills gaps, {learners:,} learners: report {report_time * 1000:.0f} ms "
            f"(its two grouped queries {figures_time * 1000:.0f} ms), hand-written SQL "
            f"{hand_time * 1000:.0f} ms, ratio {figures_time / hand_time:.2f}x "
            f"(whole report {report_time / hand_time:.2f}x); figures equal"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
