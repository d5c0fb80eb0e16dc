"""The recommender's inputs, built for tests (pure data, no database)."""

from datetime import date

from lms.pathways.recommend import CandidateLesson

CROSS = 3  # the cross-sector sector's id in both recommender test files
LONG_AGO = date(2026, 1, 1)


def candidate(
    lesson_id,
    course_id,
    order=1,
    sectors=(),
    levels=(),
    skills=(),
    published=LONG_AGO,
    course_title=None,
):
    """One candidate lesson: the first unfinished lesson of a course."""
    return CandidateLesson(
        lesson_id=lesson_id,
        course_id=course_id,
        course_title=course_title or f"Course {course_id}",
        title=f"Lesson {lesson_id}",
        order=order,
        sector_ids=frozenset(sectors),
        cross_sector=CROSS in sectors,
        seniority_ids=frozenset(levels),
        skill_ids=frozenset(skills),
        published=published,
    )
