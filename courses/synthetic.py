"""A synthetic catalogue of any size, for benchmarks and query-count tests.
Built in one transaction; lessons are realistic in shape (every block type)."""

import itertools
from datetime import date

from django.db import transaction

from content.models import Partner, Sector, SeniorityLevel, Skill

from .models import CoursePage, LessonPage
from .services import refresh_course_totals
from .site_tree import ensure_catalogue

PARAGRAPH = (
    "Leaders do not need to build models to decide well about them. They need to ask what "
    "decision will improve, what data it relies on, who checks the output and how success "
    "will be measured before any money is committed."
)


def lesson_body(n: int) -> list[dict]:
    return [
        {"type": "markdown", "value": f"## Part {n}\n\n{PARAGRAPH}\n\n- One\n- Two\n\n{PARAGRAPH}"},
        {"type": "case_study", "value": {"title": f"Example {n}", "body": PARAGRAPH}},
        {"type": "key_takeaway", "value": {"text": "Start from the decision, not the tool."}},
        {
            "type": "knowledge_check",
            "value": {
                "question": "What should come first?",
                "options": [
                    {"text": "The decision to improve", "is_correct": True},
                    {"text": "The model", "is_correct": False},
                    {"text": "The vendor", "is_correct": False},
                ],
                "explanation": "Value comes from better decisions.",
            },
        },
        {"type": "action", "value": {"text": "List three decisions AI could improve."}},
        {
            "type": "sources",
            "value": {
                "sources": [
                    {
                        "title": "AI Playbook for the UK Government",
                        "url": "https://www.gov.uk/government/publications/ai-playbook-for-the-uk-government",
                        "publisher": "UK Government",
                    }
                ]
            },
        },
    ]


def ensure_taxonomy():
    def get(model, slug, **extra):
        return model.objects.get_or_create(slug=slug, defaults={"name": slug.title(), **extra})[0]

    return {
        "sectors": [get(Sector, f"synthetic-sector-{i}") for i in range(4)],
        "levels": [get(SeniorityLevel, f"synthetic-level-{i}", rank=i + 1) for i in range(3)],
        "skills": [get(Skill, f"synthetic-skill-{i}") for i in range(8)],
        "partners": [get(Partner, f"synthetic-partner-{i}") for i in range(3)],
    }


@transaction.atomic
def build_catalogue(*, lessons: int, lessons_per_course: int = 5, prefix: str = "synthetic"):
    """Adds `lessons` published lessons in courses of `lessons_per_course`."""
    catalogue = ensure_catalogue()
    terms = ensure_taxonomy()
    start = CoursePage.objects.filter(slug__startswith=f"{prefix}-course-").count()
    made = 0
    for number in itertools.count(start):
        if made >= lessons:
            break
        course = CoursePage(
            title=f"Synthetic course {number}",
            slug=f"{prefix}-course-{number}",
            summary="A generated course used for measuring performance.",
            partner=terms["partners"][number % 3],
            review_by=date(2030, 1, 1),
        )
        course.sectors.set([terms["sectors"][number % 4]])
        course.seniority_levels.set([terms["levels"][number % 3]])
        course.skills.set([terms["skills"][number % 8], terms["skills"][(number + 3) % 8]])
        terms["partners"][number % 3].shelf.add_child(instance=course)
        for index in range(min(lessons_per_course, lessons - made)):
            course.add_child(
                instance=LessonPage(
                    title=f"Synthetic lesson {number}.{index}",
                    slug=f"lesson-{index}",
                    summary="A generated lesson.",
                    body=lesson_body(index),
                )
            )
            made += 1
        refresh_course_totals(course)
    return catalogue
