"""The curated pathways of a library (the `pathways:` section of
taxonomy.yaml), loaded when the course importer has written the courses."""

from django.dispatch import receiver

from courses.importer.errors import Problem
from courses.importer.loader import TAXONOMY_FILE, ImportReport
from courses.importer.safe_yaml import shown
from courses.importer.signals import library_loaded
from courses.models import CoursePage, LessonPage

from .models import Pathway, PathwayItem


@receiver(library_loaded, sender=ImportReport)
def pathways_of_the_library(sender, taxonomy, catalogue, terms, report, **kwargs):
    return load_pathways(taxonomy.get("pathways", []), catalogue, terms, report)


def load_pathways(entries, catalogue, terms, report) -> list[Problem]:
    """Creates curated pathways that do not exist yet; staff edit them in Wagtail
    afterwards, so an existing pathway is never overwritten."""
    problems = []
    courses = {c.slug: c for c in CoursePage.objects.descendant_of(catalogue)}
    for entry in entries:
        if Pathway.objects.filter(slug=entry["slug"]).exists():
            continue
        steps = []
        for step in entry.get("steps") or []:
            course_slug, _, lesson_slug = str(step).partition("/")
            course = courses.get(course_slug)
            lesson = (
                LessonPage.objects.child_of(course).filter(slug=lesson_slug).first()
                if course and lesson_slug
                else None
            )
            if course is None or (lesson_slug and lesson is None):
                problems.append(
                    Problem(TAXONOMY_FILE, 1, f"pathway '{entry['slug']}': no step '{shown(step)}'")
                )
                continue
            steps.append(PathwayItem(course=None if lesson else course, lesson=lesson))
        if not steps:
            problems.append(Problem(TAXONOMY_FILE, 1, f"pathway '{entry['slug']}' has no steps"))
            continue
        pathway = Pathway(
            title=entry["name"].strip(),
            slug=entry["slug"],
            description=(entry.get("description") or "").strip(),
        )
        for key, relation in (
            ("sectors", "sectors"),
            ("seniority_levels", "seniority_levels"),
            ("skills", "skills"),
        ):
            known = terms.by_slug[key]
            getattr(pathway, relation).set([known[s] for s in entry.get(key, []) if s in known])
        pathway.items = steps
        pathway.save()
        report.counts["pathways created"] += 1
    return problems
