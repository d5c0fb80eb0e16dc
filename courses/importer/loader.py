"""Write parsed courses into the page tree in one transaction."""

import hashlib
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.images import ImageFile
from django.db import transaction
from wagtail.images import get_image_model
from wagtail.models import Collection

from content.models import LocalArea, Partner, Sector, SeniorityLevel, Skill, SupportProgramme
from courses.models import CoursePage, LessonPage, PartnerPage, facts_review_due
from courses.services import refresh_course_totals
from courses.site_tree import ensure_catalogue

from .checks import validation_messages
from .errors import LibraryImportError, Problem
from .parser import CourseSpec, ImageSpec, LessonSpec, parse_library, parse_taxonomy
from .safe_yaml import shown
from .signals import library_loaded
from .sources import TAXONOMY_FILE, Source, read_folder


def taxonomy_models() -> dict:
    return {
        "sectors": Sector,
        "seniority_levels": SeniorityLevel,
        "skills": Skill,
        "partners": Partner,
        "local_areas": LocalArea,
    }


@dataclass
class ImportReport:
    counts: Counter = field(default_factory=Counter)
    course_slugs: list[str] = field(default_factory=list)  # every course imported, in order

    def __str__(self):
        return ", ".join(f"{n} {what}" for what, n in sorted(self.counts.items())) or "nothing"


def import_library(
    source: Source | Path, *, publish: bool = True, partners=None, user=None
) -> ImportReport:
    """Imports every course in `source` (or in the folder at that path).
    `partners`, when given, are the only partners whose courses may be
    imported (an author's own organisation); `user`, when given, owns new
    pages and is named in their history."""
    if not isinstance(source, Source):
        source = read_folder(Path(source))
    taxonomy, problems = parse_taxonomy(source)
    courses, course_problems = parse_library(source)
    problems += course_problems
    if not courses and not problems:
        problems.append(Problem(source.name, 0, "no course folders found"))
    if problems:
        raise LibraryImportError(problems)
    report = ImportReport(course_slugs=[course.slug for course in courses])
    with transaction.atomic():
        problems += load_taxonomy(taxonomy, report)
        if problems:
            raise LibraryImportError(problems)  # rolls back everything
        problems += load_support_programmes(taxonomy.get("support_programmes") or [], report)
        catalogue = ensure_catalogue()
        terms = TermLookup(partners)
        for spec in courses:
            course_problems = terms.resolve(spec)
            problems += course_problems
            if not course_problems:
                problems += upsert_course(spec, terms, publish, report, user)
        # Apps above the page tree load their own sections (lms.pathways: curated
        # pathways), inside this transaction; their problems roll it back too.
        for _, section_problems in library_loaded.send(
            sender=ImportReport, taxonomy=taxonomy, catalogue=catalogue, terms=terms, report=report
        ):
            problems += section_problems or []
        if problems:
            raise LibraryImportError(problems)  # rolls back everything
    return report


def load_taxonomy(taxonomy: dict, report: ImportReport) -> list[Problem]:
    """Creates missing terms; never overwrites what an admin has edited. A new
    term is checked as the admin's form would check it (a name another term
    already has, say) before it is saved."""
    problems = []
    for key, model in taxonomy_models().items():
        for entry in taxonomy.get(key) or []:
            if model.objects.filter(slug=entry["slug"]).exists():
                continue
            fields = {
                name: value.strip() if isinstance(value, str) else value
                for name, value in entry.items()
                if name != "slug" and value is not None
            }
            term = model(slug=entry["slug"], **fields)
            try:
                term.full_clean()
            except ValidationError as exc:
                for message in validation_messages(exc):
                    problems.append(
                        Problem(TAXONOMY_FILE, 1, f"'{entry['slug']}' in '{key}': {message}")
                    )
                continue
            term.save()
            report.counts[f"{key} created"] += 1
    return problems


def load_support_programmes(entries, report: ImportReport) -> list[Problem]:
    """Creates the support programmes that do not exist yet (by slug); one an
    admin has edited, or deleted and re-created, is left as it is."""
    problems = []
    sectors = {sector.slug: sector for sector in Sector.objects.all()}
    areas = {area.slug: area for area in LocalArea.objects.all()}
    for entry in entries:
        if SupportProgramme.objects.filter(slug=entry["slug"]).exists():
            continue
        chosen = {}
        for key, known in (("sectors", sectors), ("local_areas", areas)):
            unknown = [slug for slug in entry.get(key) or [] if slug not in known]
            for slug in unknown:
                problems.append(
                    Problem(
                        TAXONOMY_FILE,
                        1,
                        f"support programme '{entry['slug']}': unknown {key.replace('_', ' ')} "
                        f"'{shown(slug)}'; known: {', '.join(sorted(known)) or 'none'}",
                    )
                )
            chosen[key] = [known[slug] for slug in entry.get(key) or [] if slug in known]
        programme = SupportProgramme(
            slug=entry["slug"],
            name=entry["name"].strip(),
            organisation=entry["organisation"].strip(),
            url=entry["url"].strip(),
            description=str(entry.get("description") or "").strip(),
        )
        try:
            programme.full_clean()
        except ValidationError as exc:
            problems += [
                Problem(TAXONOMY_FILE, 1, f"support programme '{entry['slug']}': {message}")
                for message in validation_messages(exc)
            ]
            continue
        programme.save()
        programme.sectors.set(chosen["sectors"])
        programme.local_areas.set(chosen["local_areas"])
        report.counts["support_programmes created"] += 1
    return problems


class TermLookup:
    def __init__(self, partners=None):
        self.by_slug = {
            key: {term.slug: term for term in model.objects.all()}
            for key, model in taxonomy_models().items()
        }
        if partners is not None:
            self.by_slug["partners"] = {partner.slug: partner for partner in partners}

    def resolve(self, spec: CourseSpec) -> list[Problem]:
        problems = []
        checks = [
            ("partners", "partner", [spec.partner.value], spec.partner.line),
            ("sectors", "sectors", spec.sectors.value, spec.sectors.line),
            ("seniority_levels", "seniority", spec.seniority.value, spec.seniority.line),
            ("skills", "skills", spec.skills.value, spec.skills.line),
        ]
        for key, label, slugs, line in checks:
            known = self.by_slug[key]
            for slug in slugs:
                if slug not in known:
                    choices = ", ".join(sorted(known)) or "none defined yet"
                    what = "known" if key != "partners" else "you can import courses for"
                    problems.append(
                        Problem(
                            spec.file, line, f"unknown {label} '{shown(slug)}'; {what}: {choices}"
                        )
                    )
        return problems

    def terms(self, key, slugs):
        return [self.by_slug[key][slug] for slug in slugs]


def latest_fingerprint(page) -> str:
    if page.has_unpublished_changes and page.latest_revision_id:
        return page.latest_revision.content.get("import_fingerprint", "")
    return page.import_fingerprint


def upsert_course(spec: CourseSpec, terms, publish, report, user=None) -> list[Problem]:
    partner = terms.terms("partners", [spec.partner.value])[0]
    shelf = PartnerPage.objects.filter(partner=partner).first()
    if shelf is None:
        return [Problem(spec.file, spec.partner.line, f"partner '{partner.slug}' has no shelf")]
    elsewhere = CoursePage.objects.filter(slug=spec.slug).exclude(path__startswith=shelf.path)
    if elsewhere.exists():
        return [
            Problem(
                spec.file,
                1,
                f"another partner already has a course at '{spec.slug}'; rename this course's "
                "folder",
            )
        ]
    course = CoursePage.objects.child_of(shelf).filter(slug=spec.slug).first()
    unchanged = course is not None and latest_fingerprint(course) == spec.fingerprint
    if not unchanged or (publish and not course.live):
        is_new = course is None
        course = course or CoursePage(slug=spec.slug)
        course.title = spec.title
        course.summary = spec.summary
        course.introduction = spec.introduction
        course.learning_outcomes = [
            {"type": "outcome", "value": outcome} for outcome in spec.learning_outcomes
        ]
        course.partner = partner
        course.review_by = spec.review_by
        if spec.cover is not None:
            # Without `cover:` a cover chosen in the CMS stays (uploads hold no images).
            cover = spec.cover
            course.cover_image = import_image(cover.image, cover.alt, collection_of(partner))
            course.cover_alt = cover.alt
            course.cover_licence = cover.licence
            course.cover_source = cover.source
        course.import_fingerprint = spec.fingerprint
        course.sectors.set(terms.terms("sectors", spec.sectors.value))
        course.seniority_levels.set(terms.terms("seniority_levels", spec.seniority.value))
        course.skills.set(terms.terms("skills", spec.skills.value))
        save_page(shelf, course, is_new, publish, user)
        report.counts["courses created" if is_new else "courses updated"] += 1
    else:
        report.counts["courses unchanged"] += 1

    collection = collection_of(partner)
    for lesson_spec in spec.lessons:
        upsert_lesson(course, lesson_spec, publish, report, user, collection)
    order_lessons(course, [lesson.slug for lesson in spec.lessons], publish, report)
    refresh_course_totals(course)
    return []


def lesson_review_by(spec: LessonSpec):
    """The facts_checked date plus FMA_FACTS_REVIEW_MONTHS, or the front
    matter's own review_by if that is sooner."""
    dates = [day for day in (facts_review_due(spec.facts_checked), spec.review_by) if day]
    return min(dates) if dates else None


def upsert_lesson(course, spec: LessonSpec, publish, report, user=None, collection=None):
    """Saves the lesson, whose every check passed when it was parsed."""
    lesson = LessonPage.objects.child_of(course).filter(slug=spec.slug).first()
    unchanged = lesson is not None and latest_fingerprint(lesson) == spec.fingerprint
    if unchanged and (lesson.live or not publish):
        report.counts["lessons unchanged"] += 1
        return
    is_new = lesson is None
    lesson = lesson or LessonPage(slug=spec.slug)
    lesson.title = spec.title
    lesson.summary = spec.summary
    lesson.facts_checked = spec.facts_checked
    review_by = lesson_review_by(spec)
    if review_by:
        lesson.review_by = review_by
    lesson.body = [
        {"type": kind, "value": block_value(kind, value, collection)}
        for kind, value, _ in spec.blocks
    ]
    lesson.import_fingerprint = spec.fingerprint
    save_page(course, lesson, is_new, publish, user)
    if publish and review_by:
        # Publishing records a review (courses.freshness), which would put
        # review-by six months on; an import keeps the date its facts call for.
        LessonPage.objects.filter(pk=lesson.pk).update(review_by=review_by)
    report.counts["lessons created" if is_new else "lessons updated"] += 1


def block_value(kind, value, collection=None):
    if kind == "knowledge_check":
        return {**value, "options": [dict(option) for option in value["options"]]}
    if kind == "image":
        return {
            "image": import_image(value["file"], value["alt_text"], collection).pk,
            "alt_text": value["alt_text"],
            "caption": value["caption"],
        }
    return value


def collection_of(partner: Partner):
    """The partner's own media collection, where its authors' images go."""
    return partner.collection or Collection.get_first_root_node()


def import_image(image: ImageSpec, title: str, collection=None):
    """The image library's copy of this file (lesson images and course
    covers): the same content, title and collection is reused, not copied."""
    Image = get_image_model()
    data = image.data
    file_hash = hashlib.sha1(data, usedforsecurity=False).hexdigest()
    collection = collection or Collection.get_first_root_node()
    title = title[:255]
    existing = Image.objects.filter(file_hash=file_hash, title=title, collection=collection)
    if found := existing.first():
        return found
    return Image.objects.create(
        title=title,
        description=title,
        collection=collection,
        file=ImageFile(io.BytesIO(data), name=image.name),
        file_hash=file_hash,
        file_size=len(data),
    )


def save_page(parent, page, is_new, publish, user=None):
    if is_new:
        page.live = publish
        page.owner = user
        parent.add_child(instance=page)
    revision = page.save_revision(user=user, log_action=user is not None)
    if publish:
        revision.publish(user=user)


def order_lessons(course, slugs: list[str], publish, report) -> None:
    children = list(LessonPage.objects.child_of(course).order_by("path"))
    current = [page.slug for page in children if page.slug in slugs]
    if current != slugs:
        by_slug = {page.slug: page for page in children}
        for slug in slugs:
            by_slug[slug].refresh_from_db()
            by_slug[slug].move(course, pos="last-child")
        report.counts["courses reordered"] += 1
    if not publish:
        return  # a draft import never takes anything off the site
    if publish_removed := [page for page in children if page.slug not in slugs and page.live]:
        for page in publish_removed:
            page.unpublish()
        report.counts["lessons withdrawn"] += len(publish_removed)
