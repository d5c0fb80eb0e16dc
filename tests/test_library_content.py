"""The starter library in content/library/ as content: every lesson dated,
sourced, checked and under five minutes; every course with a cover; every case
study honest about whether it is real; and enough lessons for every reader.
Read with the importer's own parser, so no database is needed."""

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from content.blocks import LessonStreamBlock, case_study_problems
from content.reading_time import estimate
from courses.importer.parser import parse_library
from courses.importer.sources import read_folder

LIBRARY = Path(settings.BASE_DIR) / "content" / "library"
TAXONOMY = yaml.safe_load((LIBRARY / "taxonomy.yaml").read_text(encoding="utf-8"))
COURSES, PROBLEMS = parse_library(read_folder(LIBRARY))
LESSONS = [(course, lesson) for course in COURSES for lesson in course.lessons]


def offenders(found: list[str]) -> str:
    return "\n".join(sorted(found))


def test_the_library_parses_without_a_problem():
    assert not PROBLEMS, offenders(str(problem) for problem in PROBLEMS)


@pytest.mark.parametrize(
    "block, name",
    [("knowledge_check", "a knowledge check"), ("action", "an action"), ("sources", "sources")],
)
def test_every_lesson_has_its_block(block, name):
    missing = [
        lesson.file for _, lesson in LESSONS if not any(k == block for k, _, _ in lesson.blocks)
    ]
    assert not missing, f"lessons without {name}:\n{offenders(missing)}"


def test_every_lesson_records_when_its_facts_were_checked():
    undated = [
        lesson.file
        for _, lesson in LESSONS
        if not isinstance(lesson.facts_checked, date) or lesson.facts_checked > date.today()
    ]
    assert not undated, f"lessons without a past facts_checked date:\n{offenders(undated)}"


def test_every_course_has_a_cover_with_alt_text():
    bare = [
        course.file
        for course in COURSES
        if course.cover is None or not course.cover.alt.strip() or not course.cover.image.data
    ]
    assert not bare, f"courses without a cover and its alt text:\n{offenders(bare)}"


def test_every_cover_is_a_small_file():
    large = [
        f"{course.file}: {len(course.cover.image.data)} bytes"
        for course in COURSES
        if course.cover and len(course.cover.image.data) > 100_000
    ]
    assert not large, offenders(large)


def test_every_case_study_says_it_is_illustrative_or_cites_its_source():
    """The rule (docs/authoring.md): a case-study title ends "(illustrative)",
    or the block has a line "Source: [Title](https://...)" naming where the
    real case is reported."""
    unlabelled = [
        f"{lesson.file}:{line}: {value['title']}: {problem}"
        for _, lesson in LESSONS
        for kind, value, line in lesson.blocks
        if kind == "case_study"
        for problem in case_study_problems(value["title"], value["body"])
    ]
    assert not unlabelled, f"case studies without their label:\n{offenders(unlabelled)}"


def body_of(lesson):
    """The lesson body as the editor holds it; an image counts as an image
    without needing the image library."""
    items = [
        {
            "type": kind,
            "value": {"image": None, "alt_text": value["alt_text"], "caption": value["caption"]}
            if kind == "image"
            else value,
        }
        for kind, value, _ in lesson.blocks
    ]
    return LessonStreamBlock().to_python(items)


def test_every_lesson_reads_in_five_minutes_by_the_platforms_estimate():
    too_long = []
    for _, lesson in LESSONS:
        time = estimate(body_of(lesson), extra_text=lesson.summary)
        if not time.fits:
            too_long.append(f"{lesson.file}: {time.seconds} s ({time.words} words)")
    assert not too_long, f"lessons over {settings.FMA_MAX_LESSON_SECONDS} s:\n{offenders(too_long)}"


# How much there is. The issue asks for twice the starter library.


def lessons_per_cell() -> Counter:
    cells = Counter()
    for course in COURSES:
        for sector in course.sectors.value:
            for level in course.seniority.value:
                cells[sector, level] += len(course.lessons)
    return cells


def test_every_sector_and_seniority_cell_has_at_least_four_lessons():
    cells = lessons_per_cell()
    thin = [
        f"{sector['slug']} × {level['slug']}: {cells[sector['slug'], level['slug']]} lessons"
        for sector in TAXONOMY["sectors"]
        for level in TAXONOMY["seniority_levels"]
        if cells[sector["slug"], level["slug"]] < 4
    ]
    assert not thin, offenders(thin)


def test_generative_ai_has_at_least_ten_lessons():
    count = sum(len(c.lessons) for c in COURSES if "generative-ai" in c.skills.value)
    assert count >= 10, f"{count} lessons in courses with the generative-ai skill"


def test_the_library_has_at_least_fifteen_courses_and_sixty_lessons():
    assert len(COURSES) >= 15, [course.slug for course in COURSES]
    assert len(LESSONS) >= 60, f"{len(LESSONS)} lessons"
