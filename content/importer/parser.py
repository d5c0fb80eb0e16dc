"""Markdown files with YAML front matter to plain data, with line numbers.

A course is a folder holding course.md and lesson files whose names start with
a number (01-intro.md, 02-...). Structured blocks in a lesson are fenced:

    ::: check
    question: ...
    :::
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import yaml

from .errors import Problem

COURSE_FILE = "course.md"
LESSON_FILE = re.compile(r"^\d+[-_].+\.md$")
BLOCK_OPEN = re.compile(r"^:::\s*([A-Za-z][\w-]*)\s*(.*?)\s*$")
BLOCK_CLOSE = re.compile(r"^:::\s*$")
SOURCE_LINE = re.compile(
    r"^[-*]\s+\[(?P<title>[^\]]+)\]\((?P<url>https?://[^)\s]+)\)"
    r"(?:\s*[—–-]+\s*(?P<publisher>.+))?\s*$"
)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg"}
# An SVG is a drawing only: no script, event handlers, links out, embedded
# documents or XML entities (which can expand or fetch files).
SVG_UNSAFE = re.compile(
    r"<\s*(script|foreignObject|iframe|embed|object|use|image|a)\b|\son[a-z]+\s*=|javascript:"
    r"|<!ENTITY|<!DOCTYPE|\bhref\s*=|@import|url\(\s*['\"]?\s*(?!#)",
    re.IGNORECASE,
)
# A case study is either labelled illustrative in its title or names the
# published report of the real one on a line of its own.
ILLUSTRATIVE = re.compile(r"\(illustrative\)\s*$", re.IGNORECASE)
CASE_STUDY_SOURCE = re.compile(r"^source:\s*(?P<rest>.*)$", re.IGNORECASE)
CASE_STUDY_SOURCE_LINK = re.compile(
    r"^\[(?P<title>[^\]]+)\]\((?P<url>https?://[^)\s]+)\)(?:\s*[—–-]+\s*(?P<publisher>.+))?\s*$"
)
COVER_KEYS = {"file", "alt", "licence", "source"}
TAXONOMY_FIELDS = {
    "sectors": {"slug", "name", "description", "is_cross_sector"},
    "seniority_levels": {"slug", "name", "description", "rank"},
    "skills": {"slug", "name", "description"},
    "partners": {"slug", "name", "description", "website"},
    "local_areas": {"slug", "name"},
    "pathways": {"slug", "name", "description", "sectors", "seniority_levels", "skills", "steps"},
    "support_programmes": {
        "slug",
        "name",
        "organisation",
        "url",
        "description",
        "sectors",
        "local_areas",
    },
}
BLOCK_NAMES = {
    "takeaway": "key_takeaway",
    "case-study": "case_study",
    "check": "knowledge_check",
    "action": "action",
    "sources": "sources",
    "image": "image",
    "video": "video",
}


@dataclass
class Located:
    """A value from a file, with the line it came from (for error messages)."""

    value: object
    line: int


@dataclass
class CaseStudySpec:
    title: str
    line: int
    source_url: str = ""  # the published report of a real case study

    @property
    def labelled(self) -> bool:
        """Says it is illustrative, or names where the real one is reported."""
        return bool(self.source_url or ILLUSTRATIVE.search(self.title))


@dataclass
class LessonSpec:
    file: str
    slug: str
    title: str
    summary: str
    blocks: list[tuple[str, object, int]]  # (block type, raw value, line)
    images: list[tuple[Path, int]] = field(default_factory=list)
    fingerprint: str = ""
    facts_checked: date | None = None
    review_by: date | None = None  # only if the front matter sets one
    case_studies: list[CaseStudySpec] = field(default_factory=list)


@dataclass
class CoverSpec:
    file: Path
    alt: str
    licence: str = ""
    source: str = ""


@dataclass
class CourseSpec:
    file: str
    slug: str
    title: str
    summary: str
    introduction: str
    partner: Located
    sectors: Located
    seniority: Located
    skills: Located
    learning_outcomes: list[str]
    review_by: date
    lessons: list[LessonSpec] = field(default_factory=list)
    fingerprint: str = ""
    cover: CoverSpec | None = None


class Collector:
    def __init__(self):
        self.problems: list[Problem] = []

    def add(self, file, line, message):
        self.problems.append(Problem(str(file), line, message))


def split_front_matter(text: str, file: str, out: Collector):
    """Returns (metadata, key line numbers, body, first body line number)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        out.add(file, 1, "the file must start with front matter: a line '---', YAML, then '---'")
        return None
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            break
    else:
        out.add(file, 1, "front matter is not closed: add a line '---' after it")
        return None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc)
        out.add(file, line, f"front matter is not valid YAML: {problem}")
        return None
    if not isinstance(meta, dict):
        out.add(file, 2, "front matter must be a set of 'key: value' lines")
        return None
    key_lines = {}
    for number, line in enumerate(lines[1:end], start=2):
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:", line)
        if match:
            key_lines.setdefault(match.group(1), number)
    return meta, key_lines, "\n".join(lines[end + 1 :]), end + 2


def required_text(meta, key_lines, key, file, out, *, max_length=None):
    value = meta.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        out.add(file, 1, f"'{key}' is missing from the front matter")
        return ""
    if not isinstance(value, (str, int, float)):
        out.add(file, key_lines.get(key, 1), f"'{key}' must be text")
        return ""
    value = str(value).strip()
    if max_length and len(value) > max_length:
        out.add(file, key_lines.get(key, 1), f"'{key}' is longer than {max_length} characters")
    return value


def slug_list(meta, key_lines, key, file, out, *, required):
    value = meta.get(key)
    line = key_lines.get(key, 1)
    if value is None or value == []:
        if required:
            out.add(file, line, f"'{key}' must list at least one slug")
        return Located([], line)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        out.add(file, line, f"'{key}' must be a list of slugs, e.g. [{key}-one, {key}-two]")
        return Located([], line)
    return Located([v.strip() for v in value], line)


def read_date(meta, key_lines, key, file, out, *, required):
    """A date written YYYY-MM-DD (quoted or not), or None."""
    value = meta.get(key)
    line = key_lines.get(key, 1)
    if value is None:
        if required:
            out.add(file, 1, f"'{key}' is missing from the front matter: add '{key}: YYYY-MM-DD'")
        return None
    if isinstance(value, datetime):
        value = value.date()
    elif isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, date):
        out.add(file, line, f"'{key}' must be a date written as YYYY-MM-DD")
        return None
    return value


def read_slug(meta, key_lines, file, out, default):
    slug = str(meta.get("slug") or default).strip()
    if not SLUG.match(slug):
        out.add(
            file,
            key_lines.get("slug", 1),
            f"slug '{slug}' may hold only lower-case letters, digits and single hyphens",
        )
    return slug


def parse_course(folder: Path, root: Path, out: Collector) -> CourseSpec | None:
    path = folder / COURSE_FILE
    file = path.relative_to(root).as_posix()
    if not path.exists():
        out.add(folder.relative_to(root).as_posix(), 0, f"the course folder has no {COURSE_FILE}")
        return None
    text = read_text(path, file, out)
    parsed = text is not None and split_front_matter(text, file, out)
    if not parsed:
        return None
    meta, key_lines, body, _ = parsed
    outcomes = meta.get("learning_outcomes") or []
    if not isinstance(outcomes, list) or not all(isinstance(o, str) for o in outcomes):
        out.add(file, key_lines.get("learning_outcomes", 1), "'learning_outcomes' must be a list")
        outcomes = []
    elif not outcomes:
        out.add(file, key_lines.get("learning_outcomes", 1), "list at least one learning outcome")
    for outcome in outcomes if isinstance(outcomes, list) else []:
        if isinstance(outcome, str) and len(outcome) > 250:
            out.add(
                file,
                key_lines.get("learning_outcomes", 1),
                "a learning outcome is over 250 characters",
            )
    review_by = meta.get("review_by")
    if not isinstance(review_by, date):
        out.add(
            file,
            key_lines.get("review_by", 1),
            "'review_by' must be a date written as YYYY-MM-DD",
        )
        review_by = None
    partner = meta.get("partner")
    if not isinstance(partner, str) or not partner.strip():
        out.add(file, key_lines.get("partner", 1), "'partner' must name a partner's slug")
        partner = ""
    course = CourseSpec(
        file=file,
        slug=read_slug(meta, key_lines, file, out, folder.name),
        title=required_text(meta, key_lines, "title", file, out, max_length=255),
        summary=required_text(meta, key_lines, "summary", file, out, max_length=500),
        introduction=body.strip(),
        partner=Located(partner.strip(), key_lines.get("partner", 1)),
        sectors=slug_list(meta, key_lines, "sectors", file, out, required=True),
        seniority=slug_list(meta, key_lines, "seniority", file, out, required=True),
        skills=slug_list(meta, key_lines, "skills", file, out, required=False),
        learning_outcomes=[o.strip() for o in outcomes],
        review_by=review_by,
        fingerprint=digest(text),
        cover=parse_cover(meta, key_lines, folder, file, out),
    )
    lesson_paths = sorted(p for p in folder.iterdir() if LESSON_FILE.match(p.name))
    if not lesson_paths:
        out.add(file, 0, "the course has no lessons (files named like 01-first-lesson.md)")
    seen = {}
    for lesson_path in lesson_paths:
        lesson = parse_lesson(lesson_path, root, out)
        if lesson is None:
            continue
        if lesson.slug in seen:
            out.add(lesson.file, 1, f"slug '{lesson.slug}' is already used by {seen[lesson.slug]}")
        seen[lesson.slug] = lesson.file
        course.lessons.append(lesson)
    return course


def parse_cover(meta, key_lines, folder: Path, file: str, out: Collector) -> CoverSpec | None:
    """`cover: {file: cover.svg, alt: ..., licence: ..., source: ...}`; optional."""
    data = meta.get("cover")
    line = key_lines.get("cover", 1)
    if data is None:
        return None
    if not isinstance(data, dict):
        out.add(
            file,
            line,
            "'cover' must give 'file' and 'alt', e.g. cover: {file: cover.svg, alt: ...}",
        )
        return None
    unknown = set(data) - COVER_KEYS
    if unknown:
        allowed = ", ".join(sorted(COVER_KEYS))
        out.add(
            file,
            line,
            f"'cover' has unknown keys {', '.join(sorted(map(str, unknown)))}; use: {allowed}",
        )
    texts = {}
    for key, limit in (("alt", 250), ("licence", 100), ("source", 500)):
        value = data.get(key)
        if value is not None and not isinstance(value, (str, int, float)):
            out.add(file, line, f"the cover's '{key}' must be text")
            value = ""
        texts[key] = str(value or "").strip()
        if len(texts[key]) > limit:
            out.add(file, line, f"the cover's '{key}' is longer than {limit} characters")
    if not texts["alt"]:
        out.add(file, line, "the cover has no 'alt' text; describe what it shows")
    path = image_file(folder, data.get("file"), file, line, out, what="cover")
    if path is None:
        return None
    return CoverSpec(path, texts["alt"], texts["licence"], texts["source"])


def image_file(folder: Path, name, file: str, line: int, out: Collector, *, what: str):
    """The image at `name` in the course folder, checked; or None, with the
    problem recorded. `what` is "image" (a lesson's image block) or "cover"."""
    path = (folder / str(name or "")).resolve()
    if not name or not path.is_file():
        out.add(file, line, f"{what} file '{name or ''}' was not found")
        return None
    if not path.is_relative_to(folder.resolve()):
        out.add(file, line, f"{what} files must be inside the course folder")
        return None
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        allowed = ", ".join(sorted(IMAGE_SUFFIXES))
        out.add(file, line, f"{what}s must be one of {allowed}")
        return None
    if path.suffix.lower() == ".svg":
        try:
            svg = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            svg = "<script"
        if SVG_UNSAFE.search(svg) or "<svg" not in svg:
            out.add(
                file,
                line,
                f"the {what} '{name}' is not a plain SVG drawing: SVG files may not contain "
                "scripts, event handlers, links, embedded images or documents, or entities",
            )
            return None
    return path


def parse_lesson(path: Path, root: Path, out: Collector) -> LessonSpec | None:
    file = path.relative_to(root).as_posix()
    text = read_text(path, file, out)
    parsed = text is not None and split_front_matter(text, file, out)
    if not parsed:
        return None
    meta, key_lines, body, first_line = parsed
    default_slug = re.sub(r"^\d+[-_]", "", path.stem)
    lesson = LessonSpec(
        file=file,
        slug=read_slug(meta, key_lines, file, out, default_slug),
        title=required_text(meta, key_lines, "title", file, out, max_length=255),
        summary=required_text(meta, key_lines, "summary", file, out, max_length=300),
        blocks=[],
        fingerprint=digest(text),
        facts_checked=read_date(meta, key_lines, "facts_checked", file, out, required=True),
        review_by=read_date(meta, key_lines, "review_by", file, out, required=False),
    )
    if lesson.facts_checked and lesson.facts_checked > date.today():
        out.add(
            file,
            key_lines.get("facts_checked", 1),
            "'facts_checked' is in the future: give the day the facts were last checked",
        )
    parse_body(body, first_line, path, root, lesson, out)
    if not any(kind == "sources" for kind, _, _ in lesson.blocks):
        out.add(file, 1, "the lesson has no '::: sources' block; every lesson cites its sources")
    return lesson


def parse_body(body, first_line, path, root, lesson, out):
    file = lesson.file
    prose: list[str] = []
    prose_line = first_line
    block = None  # (name, argument, opening line, lines)

    def flush_prose():
        text = "\n".join(prose).strip()
        if text:
            lesson.blocks.append(("markdown", text, prose_line))
        prose.clear()

    for number, line in enumerate(body.splitlines(), start=first_line):
        if block is not None:
            if BLOCK_CLOSE.match(line):
                parse_block(*block, path, root, lesson, out)
                block = None
                prose_line = number + 1
            elif BLOCK_OPEN.match(line):
                out.add(file, number, f"'::: {block[0]}' opened on line {block[2]} is not closed")
                name, argument = BLOCK_OPEN.match(line).groups()
                block = (name, argument, number, [])
            else:
                block[3].append(line)
            continue
        opening = BLOCK_OPEN.match(line)
        if opening:
            flush_prose()
            name, argument = opening.groups()
            if name not in BLOCK_NAMES:
                known = ", ".join(sorted(BLOCK_NAMES))
                out.add(file, number, f"unknown block '::: {name}'; use one of: {known}")
            block = (name, argument, number, [])
        elif BLOCK_CLOSE.match(line):
            out.add(file, number, "':::' closes a block that was never opened")
        else:
            if not prose:
                prose_line = number
            prose.append(line)
    if block is not None:
        out.add(file, block[2], f"'::: {block[0]}' is not closed: add a line ':::' after it")
    flush_prose()


def parse_block(name, argument, line, body_lines, path, root, lesson, out):
    if name not in BLOCK_NAMES:
        return
    file = lesson.file
    text = "\n".join(body_lines).strip()
    kind = BLOCK_NAMES[name]
    if name in {"takeaway", "action"}:
        if not text:
            out.add(file, line, f"the '{name}' block is empty")
        lesson.blocks.append((kind, {"text": text}, line))
    elif name == "case-study":
        if not argument:
            out.add(file, line, "give the case study a title: '::: case-study Your title'")
        if not text:
            out.add(file, line, "the 'case-study' block is empty")
        case_study = CaseStudySpec(title=argument, line=line)
        for offset, body_line in enumerate(body_lines, start=1):
            source = CASE_STUDY_SOURCE.match(body_line.strip())
            if not source:
                continue
            link = CASE_STUDY_SOURCE_LINK.match(source["rest"].strip())
            if link:
                case_study.source_url = link["url"]
            else:
                out.add(
                    file,
                    line + offset,
                    "write a real case study's source as 'Source: [Title](https://address)'",
                )
        if argument and not case_study.labelled:
            out.add(
                file,
                line,
                "label the case study: end an invented one's title with '(illustrative)', or "
                "for a real one add a line 'Source: [Title](https://address)' where it is reported",
            )
        lesson.case_studies.append(case_study)
        lesson.blocks.append((kind, {"title": argument, "body": text}, line))
    elif name == "check":
        value = parse_check(body_lines, line, file, out)
        if value is not None:
            lesson.blocks.append((kind, value, line))
    elif name == "sources":
        value = parse_sources(body_lines, line, file, out)
        if value is not None:
            lesson.blocks.append((kind, value, line))
    elif name == "image":
        data = load_block_yaml(body_lines, line, file, out, "image")
        if data is None:
            return
        alt = str(data.get("alt") or "").strip()
        if not alt:
            out.add(file, line, "the image has no 'alt' text; describe what it shows")
        image_path = image_file(path.parent, data.get("file"), file, line, out, what="image")
        if image_path is None:
            return
        value = {"file": image_path, "alt_text": alt, "caption": str(data.get("caption") or "")}
        lesson.blocks.append((kind, value, line))
    elif name == "video":
        value = parse_video(argument, body_lines, line, file, out)
        if value is not None:
            lesson.blocks.append((kind, value, line))


def parse_video(title, body_lines, line, file, out):
    data = load_block_yaml(body_lines, line, file, out, "video")
    if data is None:
        return None
    problems_before = len(out.problems)
    if not title:
        out.add(file, line, "give the video a title: '::: video Your title'")
    url = str(data.get("url") or "").strip()
    if not url.startswith(("https://", "http://")):
        out.add(file, key_line(body_lines, "url", line), "the video needs a 'url' (https://...)")
    duration = data.get("duration")
    if not isinstance(duration, int) or not 1 <= duration <= 600:
        out.add(
            file,
            key_line(body_lines, "duration", line),
            "the video needs 'duration': its length in seconds, from 1 to 600",
        )
    transcript = str(data.get("transcript") or "").strip()
    if not transcript:
        out.add(file, line, "the video has no 'transcript'; add everything said and shown")
    if len(out.problems) > problems_before:
        return None
    return {"title": title, "url": url, "duration_seconds": duration, "transcript": transcript}


def load_block_yaml(body_lines, line, file, out, name):
    try:
        data = yaml.safe_load("\n".join(body_lines))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = line + 1 + mark.line if mark else line
        problem = getattr(exc, "problem", None) or str(exc)
        out.add(file, where, f"the '{name}' block is not valid YAML: {problem}")
        return None
    if not isinstance(data, dict):
        out.add(file, line, f"the '{name}' block must be 'key: value' lines")
        return None
    return data


def key_line(body_lines, key, line):
    """The line of `key:` inside a block, or the block's opening line."""
    for offset, text in enumerate(body_lines, start=1):
        if text.lstrip().startswith(f"{key}:"):
            return line + offset
    return line


def parse_check(body_lines, line, file, out):
    data = load_block_yaml(body_lines, line, file, out, "check")
    if data is None:
        return None
    problems_before = len(out.problems)
    question = data.get("question")
    if question is not None and not isinstance(question, str):
        out.add(file, key_line(body_lines, "question", line), "the question must be text")
    question = str(question or "").strip()
    if not question:
        out.add(file, line, "the knowledge check has no 'question'")
    options = data.get("options")
    if isinstance(options, list) and not all(isinstance(o, str) for o in options):
        out.add(
            file,
            key_line(body_lines, "options", line),
            'every option must be text: put quotes around options such as "Yes", "No" '
            "or ones containing ': '",
        )
        options = []
    elif not isinstance(options, list) or len(options) < 2:
        out.add(
            file,
            key_line(body_lines, "options", line),
            "the knowledge check needs 'options': a list of at least two answers",
        )
        options = []
    elif len(options) > 6:
        out.add(file, line, "the knowledge check has more than six options")
    correct = data.get("correct")
    if isinstance(correct, int):
        correct = [correct]
    if not isinstance(correct, list) or not correct:
        out.add(
            file,
            key_line(body_lines, "correct", line),
            "the knowledge check needs 'correct': a list of option numbers, e.g. [2]",
        )
        correct = []
    for number in correct if options else []:
        if not isinstance(number, int) or not 1 <= number <= len(options):
            out.add(
                file,
                key_line(body_lines, "correct", line),
                f"'correct' names option {number}, but the options are numbered 1 to "
                f"{len(options)}",
            )
    explanation = str(data.get("explanation") or "").strip()
    if not explanation:
        out.add(file, line, "the knowledge check has no 'explanation' of the right answer")
    if len(out.problems) > problems_before:
        return None
    return {
        "question": question,
        "options": [
            {"text": str(text).strip(), "is_correct": number in correct}
            for number, text in enumerate(options, start=1)
        ],
        "explanation": explanation,
    }


def parse_sources(body_lines, line, file, out):
    sources = []
    for offset, text in enumerate(body_lines, start=1):
        if not text.strip():
            continue
        match = SOURCE_LINE.match(text.strip())
        if not match:
            out.add(
                file,
                line + offset,
                "a source must be written '- [Title](https://address) — Publisher'",
            )
            continue
        sources.append(
            {
                "title": match["title"].strip(),
                "url": match["url"],
                "publisher": (match["publisher"] or "").strip(),
            }
        )
    if not sources:
        out.add(file, line, "the 'sources' block lists no sources")
        return None
    return {"sources": sources}


def read_text(path: Path, file: str, out: Collector) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        out.add(file, 1, f"the file is not UTF-8 text ({exc.reason})")
        return None


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_library(root: Path) -> tuple[list[CourseSpec], list[Problem]]:
    out = Collector()
    courses = []
    slugs = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        course = parse_course(folder, root, out)
        if course is None:
            continue
        if course.slug in slugs:
            out.add(course.file, 1, f"slug '{course.slug}' is already used by {slugs[course.slug]}")
        slugs[course.slug] = course.file
        courses.append(course)
    return courses, out.problems


def parse_taxonomy(path: Path, root: Path) -> tuple[dict, list[Problem]]:
    out = Collector()
    file = path.relative_to(root).as_posix()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        out.add(file, mark.line + 1 if mark else 1, f"not valid YAML: {exc}")
        return {}, out.problems
    if not isinstance(data, dict):
        out.add(file, 1, "the taxonomy must map sectors, seniority_levels, skills and partners")
        return {}, out.problems
    lines = path.read_text(encoding="utf-8").splitlines()

    def line_of(key):
        return next((n for n, text in enumerate(lines, 1) if text.startswith(f"{key}:")), 1)

    for key, entries in data.items():
        if key not in TAXONOMY_FIELDS:
            known = ", ".join(TAXONOMY_FIELDS)
            out.add(file, line_of(key), f"unknown section '{key}'; use: {known}")
            continue
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) and e.get("slug") and e.get("name") for e in entries
        ):
            out.add(file, line_of(key), f"'{key}' must be a list of entries with a slug and a name")
            continue
        for entry in entries:
            unknown = set(entry) - TAXONOMY_FIELDS[key]
            if unknown:
                allowed = ", ".join(sorted(TAXONOMY_FIELDS[key]))
                out.add(
                    file,
                    line_of(key),
                    f"'{entry['slug']}' in '{key}' has unknown fields "
                    f"{', '.join(sorted(unknown))}; allowed: {allowed}",
                )
            if key == "support_programmes":
                check_support_programme(entry, file, line_of(key), out)
    return data, out.problems


def check_support_programme(entry: dict, file: str, line: int, out: Collector) -> None:
    slug = entry["slug"]
    if not isinstance(entry.get("organisation"), str) or not entry["organisation"].strip():
        out.add(file, line, f"support programme '{slug}' needs an 'organisation': who runs it")
    url = entry.get("url")
    if not isinstance(url, str) or not re.match(r"^https?://\S+$", url.strip()):
        out.add(file, line, f"support programme '{slug}' needs a 'url' starting https://")
    for key, required in (("sectors", True), ("local_areas", False)):
        value = entry.get(key)
        if value is None and not required:
            continue
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            out.add(file, line, f"support programme '{slug}': '{key}' must be a list of slugs")
