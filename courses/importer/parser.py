"""Markdown files with YAML front matter to plain data, with line numbers.

A course is a folder holding course.md and lesson files whose names start with
a number (01-intro.md, 02-...). Structured blocks in a lesson are fenced:

    ::: check
    question: ...
    :::

Whatever the files hold, parsing never raises: every problem is reported with
its file and line (`Collector`). YAML goes through `safe_yaml` (no anchors,
aliases, tags or deep nesting); files, YAML and Markdown markup are capped in
size; and every field is checked for its type before it is used.
"""

import hashlib
import re
import xml.etree.ElementTree as ElementTree
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from PIL import Image

from . import safe_yaml
from .errors import Problem
from .safe_yaml import CONTROL, shown

COURSE_FILE = "course.md"
LESSON_FILE = re.compile(r"^\d+[-_].+\.md$")
# Matched against a line with its trailing whitespace removed: a pattern that
# ends `(.*?)\s*$` takes quadratic time on a long line of spaces.
BLOCK_OPEN = re.compile(r"^:::\s*([A-Za-z][\w-]*)\s*(.*)$")
BLOCK_CLOSE = re.compile(r"^:::$")
SOURCE_LINE = re.compile(
    r"^[-*]\s+\[(?P<title>[^\]]+)\]\((?P<url>https?://[^)\s]+)\)"
    r"(?:\s*[—–-]+\s*(?P<publisher>.+))?\s*$"
)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG_LENGTH = 100
DATE_TEXT = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
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
COURSE_KEYS = {
    "title",
    "slug",
    "summary",
    "partner",
    "sectors",
    "seniority",
    "skills",
    "learning_outcomes",
    "review_by",
    "cover",
}
LESSON_KEYS = {"title", "slug", "summary", "facts_checked", "review_by"}
COVER_KEYS = {"file", "alt", "licence", "source"}
BLOCK_KEYS = {
    "check": {"question", "options", "correct", "explanation"},
    "image": {"file", "alt", "caption"},
    "video": {"url", "duration", "transcript"},
}
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
# The longest text each field of each section may hold (the models' limits).
TAXONOMY_TEXT_LIMITS = {
    "sectors": {"name": 100, "description": 255},
    "seniority_levels": {"name": 100, "description": 255},
    "skills": {"name": 100, "description": 255},
    "partners": {"name": 150, "description": 255, "website": 200},
    "local_areas": {"name": 120},
    "pathways": {"name": 150, "description": 2000},
    "support_programmes": {"name": 150, "organisation": 150, "url": 300, "description": 300},
}
WEB_ADDRESS = re.compile(r"^https?://\S+$")
BLOCK_NAMES = {
    "takeaway": "key_takeaway",
    "case-study": "case_study",
    "check": "knowledge_check",
    "action": "action",
    "sources": "sources",
    "image": "image",
    "video": "video",
}

# Limits: the FMA_IMPORT_MAX_* settings (lms/settings/base.py, docs/authoring.md).
KB = 1024
MB = 1024 * KB
# Python-Markdown takes time that grows with the square of the number of
# unclosed brackets and tags in a paragraph: 8,000 '[' take 11 seconds.
MARKUP_LIMITS = {"[": 200, "<": 200}
MAX_PROBLEMS_PER_FILE = 50
MAX_MESSAGE_LENGTH = 500
LINE_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def max_file_bytes() -> int:
    return settings.FMA_IMPORT_MAX_FILE_BYTES


def megabytes(size: int) -> str:
    return f"{size / MB:.3g} MB" if size >= MB else f"{size / KB:.3g} KB"


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
    introduction_line: int = 1


def printable(text: str) -> str:
    """Text that can be printed and stored: file names from a disk may hold
    undecodable bytes (as surrogates) or control characters."""
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return CONTROL.sub("?", text.replace("\ufffd", "?"))


class Collector:
    """The problems found, at most MAX_PROBLEMS_PER_FILE per file (then one
    line saying how many more), and the budgets shared by one import."""

    def __init__(self):
        self._problems: list[Problem] = []
        self.per_file: Counter = Counter()
        self.added = 0  # every problem, kept or not: "did this step find one?"
        self.bytes_left = settings.FMA_IMPORT_MAX_LIBRARY_BYTES
        self.yaml_left = settings.FMA_IMPORT_MAX_YAML_BYTES
        self.refused_once: set[str] = set()

    def add(self, file, line, message):
        file, message = printable(str(file)), printable(str(message))
        if len(message) > MAX_MESSAGE_LENGTH:
            message = message[: MAX_MESSAGE_LENGTH - 1] + "…"
        self.added += 1
        self.per_file[file] += 1
        if self.per_file[file] <= MAX_PROBLEMS_PER_FILE:
            self._problems.append(Problem(file, int(line), message))

    def once(self, key: str, file, line, message):
        """Adds the problem the first time `key` is given."""
        if key not in self.refused_once:
            self.refused_once.add(key)
            self.add(file, line, message)

    @property
    def problems(self) -> list[Problem]:
        more = [
            Problem(
                file,
                max(p.line for p in self._problems if p.file == file),
                f"… and {count - MAX_PROBLEMS_PER_FILE} more problems in this file: fix "
                "these first",
            )
            for file, count in self.per_file.items()
            if count > MAX_PROBLEMS_PER_FILE
        ]
        return self._problems + more


# Types, for messages.


def kind_of(value) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (date, datetime)):
        return "a date"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of 'key: value' lines"
    if value is None:
        return "empty"
    return "text"


def quote_hint(value) -> str:
    if isinstance(value, bool):
        return (
            ": put quotes around it (YAML reads yes, no, on, off, true and false "
            "without quotes as true/false)"
        )
    if isinstance(value, (int, float, date, datetime)):
        return ": put quotes around it"
    return ""


def not_text(what: str, value) -> str:
    return f"{what} must be text, not {kind_of(value)}{quote_hint(value)}"


def as_text(value, what, file, line, out) -> str | None:
    """`value` stripped if it is text, "" if absent, None (reported) otherwise."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    out.add(file, line, not_text(what, value))
    return None


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def markup_problem(text: str) -> str | None:
    for character, most in MARKUP_LIMITS.items():
        if (count := text.count(character)) > most:
            return (
                f"the text holds {count} '{character}' characters; at most {most} are allowed "
                "in one stretch of text (so that it can be shown quickly)"
            )
    return None


def check_markup(text: str, file, line, out) -> None:
    if problem := markup_problem(text):
        out.add(file, line, problem)


def unknown_keys(data: dict, allowed: set, what: str, file, line_of, out) -> None:
    for key in data:
        if not isinstance(key, str):
            out.add(file, line_of(None), f"{what} has a key that is not a word: {shown(key)}")
        elif key not in allowed:
            out.add(
                file,
                line_of(key),
                f"unknown key '{shown(key)}' in {what}; use: {', '.join(sorted(allowed))}",
            )


# Files.


def read_text(path: Path, file: str, out: Collector) -> str | None:
    """The file's text (UTF-8, a byte-order mark dropped), or None with the
    problem recorded: never more than the file cap is read."""
    most = max_file_bytes()
    if out.bytes_left <= 0:
        return None  # already reported
    try:
        with path.open("rb") as handle:
            data = handle.read(most + 1)
    except OSError as exc:
        out.add(file, 0, f"the file could not be read ({printable(exc.strerror or str(exc))})")
        return None
    if len(data) > most:
        out.add(
            file,
            0,
            f"the file is over {megabytes(most)}, the most one course file may be; "
            "a five-minute lesson is far smaller",
        )
        return None
    out.bytes_left -= len(data)
    if out.bytes_left < 0:
        out.add(
            file,
            0,
            "the course files are too large in all to import at once; import fewer courses",
        )
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        out.add(
            file,
            line,
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} on this line): save it "
            "as UTF-8",
        )
        return None
    text = text.removeprefix("\ufeff")
    if bad := CONTROL.search(text):
        line = len(LINE_BREAK.findall(text, 0, bad.start())) + 1
        out.add(
            file,
            line,
            f"the file holds a control character ({safe_yaml.character_name(bad.group())}), "
            "which is not allowed: delete it",
        )
        return None
    return text


REFUSED = object()  # what load_yaml gives when it has recorded a problem


def load_yaml(text: str, first_line: int, file, out: Collector, what: str):
    """The data in `text` (which starts on `first_line` of the file), or
    REFUSED with the problem recorded. Every YAML a course file holds comes
    here."""
    out.yaml_left -= len(text)
    if out.yaml_left < 0:
        out.once(
            "yaml",
            file,
            first_line,
            "the course files hold too much YAML in all (front matter and blocks) to "
            "import at once; import fewer courses",
        )
        return REFUSED
    try:
        return safe_yaml.load(text)
    except safe_yaml.YamlProblem as exc:
        message = f"{what} is not valid YAML: {exc.message}" if exc.syntax else exc.message
        out.add(file, first_line + exc.line, message)
        return REFUSED


def split_front_matter(text: str, file: str, out: Collector):
    """Returns (metadata, key line numbers, body, first body line number)."""
    lines = text.splitlines()
    if not text.strip():
        out.add(
            file, 1, "the file is empty: it must start with front matter: '---', YAML, then '---'"
        )
        return None
    if lines[0].strip() != "---":
        out.add(file, 1, "the file must start with front matter: a line '---', YAML, then '---'")
        return None
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            break
    else:
        out.add(file, 1, "front matter is not closed: add a line '---' after it")
        return None
    meta = load_yaml("\n".join(lines[1:end]), 2, file, out, "front matter")
    if meta is REFUSED:
        return None
    meta = {} if meta is None else meta
    if not isinstance(meta, dict):
        out.add(file, 2, "front matter must be a set of 'key: value' lines")
        return None
    key_lines = {}
    for number, line in enumerate(lines[1:end], start=2):
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:", line)
        if match:
            key_lines.setdefault(match.group(1), number)
    return meta, key_lines, "\n".join(lines[end + 1 :]), end + 2


def check_front_matter_keys(meta, key_lines, allowed, file, out) -> None:
    unknown_keys(meta, allowed, "the front matter", file, lambda k: key_lines.get(k, 2), out)


# Fields.


def required_text(meta, key_lines, key, file, out, *, max_length=None):
    line = key_lines.get(key, 1)
    value = as_text(meta.get(key), f"'{key}'", file, line, out)
    if value is None:
        return ""
    if not value:
        out.add(file, 1, f"'{key}' is missing from the front matter")
        return ""
    if max_length and len(value) > max_length:
        out.add(file, line, f"'{key}' is longer than {max_length} characters")
    return value


def slug_list(meta, key_lines, key, file, out, *, required):
    value = meta.get(key)
    line = key_lines.get(key, 1)
    if value is None or value == [] or value == "":
        if required:
            out.add(file, line, f"'{key}' must list at least one slug")
        return Located([], line)
    if isinstance(value, str):
        if "," in value:
            out.add(
                file,
                line,
                f"'{key}' must be a list in square brackets, e.g. [{key}-one, {key}-two]",
            )
            return Located([], line)
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        out.add(file, line, f"'{key}' must be a list of slugs, e.g. [{key}-one, {key}-two]")
        return Located([], line)
    return Located([v.strip() for v in value], line)


def read_date(meta, key_lines, key, file, out, *, required, past=False):
    """A date written YYYY-MM-DD (quoted or not), or None. With `past`, a
    date after today is refused."""
    value = meta.get(key)
    line = key_lines.get(key, 1)
    if value is None:
        if required:
            out.add(file, 1, f"'{key}' is missing from the front matter: add '{key}: YYYY-MM-DD'")
        return None
    if isinstance(value, datetime):
        value = value.date()
    elif isinstance(value, str):
        text = value.strip()
        if not DATE_TEXT.match(text):
            value = None
        else:
            year, month, day = (int(part) for part in text.split("-"))
            try:
                value = date(year, month, day)
            except ValueError:
                out.add(
                    file,
                    line,
                    f"'{key}' is {text}, which is not a real date: check the month and the "
                    "day (YYYY-MM-DD)",
                )
                return None
    if not isinstance(value, date):
        out.add(file, line, f"'{key}' must be a date written as YYYY-MM-DD")
        return None
    if past and value > date.today():
        out.add(file, line, f"'{key}' is in the future: give the day the facts were last checked")
        return None
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        out.add(
            file,
            line,
            f"'{key}' is {value.isoformat()}: give a date between {EARLIEST_YEAR} and "
            f"{LATEST_YEAR}",
        )
        return None
    return value


def read_slug(meta, key_lines, file, out, default):
    line = key_lines.get("slug", 1)
    value = meta.get("slug")
    if value is not None and not isinstance(value, str):
        out.add(file, line, not_text("'slug'", value))
        return default
    slug = (value or default).strip()
    if not SLUG.match(slug):
        out.add(
            file,
            line,
            f"slug '{shown(slug)}' may hold only lower-case letters, digits and single hyphens",
        )
    elif len(slug) > MAX_SLUG_LENGTH:
        out.add(file, line, f"the slug is longer than {MAX_SLUG_LENGTH} characters")
    return slug


def read_outcomes(meta, key_lines, file, out) -> list[str]:
    line = key_lines.get("learning_outcomes", 1)
    outcomes = meta.get("learning_outcomes")
    if outcomes is None or outcomes == []:
        out.add(file, line, "list at least one learning outcome")
        return []
    if not isinstance(outcomes, list):
        out.add(file, line, "'learning_outcomes' must be a list")
        return []
    texts = []
    for number, outcome in enumerate(outcomes, start=1):
        text = as_text(outcome, f"learning outcome {number}", file, line, out)
        if text is None:
            continue
        if not text:
            out.add(file, line, f"learning outcome {number} is empty")
        elif len(text) > 250:
            out.add(file, line, "a learning outcome is over 250 characters")
        else:
            check_markup(text, file, line, out)
        texts.append(text)
    return texts


# Courses and lessons.


def parse_course(folder: Path, root: Path, out: Collector) -> CourseSpec | None:
    path = folder / COURSE_FILE
    file = path.relative_to(root).as_posix()
    if not path.exists():
        out.add(folder.relative_to(root).as_posix(), 0, f"the course folder has no {COURSE_FILE}")
        return None
    text = read_text(path, file, out)
    parsed = text is not None and split_front_matter(text, file, out)
    if not parsed:
        parse_lessons(folder, root, file, out)  # their problems are listed too
        return None
    meta, key_lines, body, first_line = parsed
    check_front_matter_keys(meta, key_lines, COURSE_KEYS, file, out)
    partner = meta.get("partner")
    partner_line = key_lines.get("partner", 1)
    if not isinstance(partner, str) or not partner.strip():
        out.add(file, partner_line, "'partner' must name a partner's slug")
        partner = ""
    introduction = body.strip()
    check_markup(introduction, file, first_line, out)
    course = CourseSpec(
        file=file,
        slug=read_slug(meta, key_lines, file, out, folder.name),
        title=required_text(meta, key_lines, "title", file, out, max_length=255),
        summary=required_text(meta, key_lines, "summary", file, out, max_length=500),
        introduction=introduction,
        introduction_line=first_line,
        partner=Located(partner.strip(), partner_line),
        sectors=slug_list(meta, key_lines, "sectors", file, out, required=True),
        seniority=slug_list(meta, key_lines, "seniority", file, out, required=True),
        skills=slug_list(meta, key_lines, "skills", file, out, required=False),
        learning_outcomes=read_outcomes(meta, key_lines, file, out),
        review_by=read_date(meta, key_lines, "review_by", file, out, required=True),
        fingerprint=digest(text),
        cover=parse_cover(meta, key_lines, folder, file, out),
    )
    course.lessons = parse_lessons(folder, root, file, out)
    return course


def parse_lessons(folder: Path, root: Path, file: str, out: Collector) -> list[LessonSpec]:
    """The course folder's lessons, in file-name order; `file` is its course.md."""
    try:
        lesson_paths = sorted(p for p in folder.iterdir() if LESSON_FILE.match(p.name))
    except OSError as exc:
        out.add(file, 0, f"the course folder could not be read ({printable(str(exc))})")
        return []
    if not lesson_paths:
        out.add(file, 0, "the course has no lessons (files named like 01-first-lesson.md)")
    lessons = []
    seen = {}
    for lesson_path in lesson_paths:
        lesson = parse_lesson(lesson_path, root, out)
        if lesson is None:
            continue
        if lesson.slug in seen:
            out.add(lesson.file, 1, f"slug '{lesson.slug}' is already used by {seen[lesson.slug]}")
        seen[lesson.slug] = lesson.file
        lessons.append(lesson)
    return lessons


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
    unknown = {key for key in data if key not in COVER_KEYS}
    if unknown:
        allowed = ", ".join(sorted(COVER_KEYS))
        names = ", ".join(sorted(shown(key, 30) for key in unknown))
        out.add(file, line, f"'cover' has unknown keys {names}; use: {allowed}")
    texts = {}
    for key, limit in (("alt", 250), ("licence", 100), ("source", 500)):
        value = as_text(data.get(key), f"the cover's '{key}'", file, line, out)
        texts[key] = value or ""
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
    if name is not None and not isinstance(name, str):
        out.add(file, line, not_text(f"the {what}'s 'file'", name))
        return None
    name = (name or "").strip()
    shown_name = shown(name)
    try:
        path = (folder / name).resolve()
        if not path.is_relative_to(folder.resolve()):
            out.add(file, line, f"{what} files must be inside the course folder")
            return None
        if not name or not path.is_file():
            out.add(file, line, f"{what} file '{shown_name}' was not found")
            return None
        size = path.stat().st_size
    except (OSError, ValueError, RuntimeError):
        out.add(file, line, f"{what} file '{shown_name}' was not found")
        return None
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        allowed = ", ".join(sorted(IMAGE_SUFFIXES))
        out.add(file, line, f"{what}s must be one of {allowed}")
        return None
    most = settings.FMA_IMPORT_MAX_IMAGE_BYTES
    if size > most:
        out.add(file, line, f"the {what} '{shown_name}' is over {megabytes(most)}: make it smaller")
        return None
    if path.suffix.lower() == ".svg":
        try:
            svg = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            svg = "<script"
        if SVG_UNSAFE.search(svg) or "<svg" not in svg:
            out.add(
                file,
                line,
                f"the {what} '{shown_name}' is not a plain SVG drawing: SVG files may not "
                "contain scripts, event handlers, links, embedded images or documents, or "
                "entities",
            )
            return None
        try:
            ElementTree.fromstring(svg)  # no DOCTYPE or entities: checked above
        except (ElementTree.ParseError, ValueError):
            out.add(file, line, f"the {what} '{shown_name}' is not a well-formed SVG file")
            return None
    elif not readable_image(path):
        out.add(file, line, f"the {what} '{shown_name}' could not be read as an image")
        return None
    return path


def readable_image(path: Path) -> bool:
    try:
        with Image.open(path) as image:
            image.verify()
    except Exception:  # Pillow raises many kinds for a damaged or hostile file
        return False
    return True


def parse_lesson(path: Path, root: Path, out: Collector) -> LessonSpec | None:
    file = path.relative_to(root).as_posix()
    text = read_text(path, file, out)
    parsed = text is not None and split_front_matter(text, file, out)
    if not parsed:
        return None
    meta, key_lines, body, first_line = parsed
    check_front_matter_keys(meta, key_lines, LESSON_KEYS, file, out)
    default_slug = re.sub(r"^\d+[-_]", "", path.stem)
    lesson = LessonSpec(
        file=file,
        slug=read_slug(meta, key_lines, file, out, default_slug),
        title=required_text(meta, key_lines, "title", file, out, max_length=255),
        summary=required_text(meta, key_lines, "summary", file, out, max_length=300),
        blocks=[],
        fingerprint=digest(text),
        facts_checked=read_date(
            meta, key_lines, "facts_checked", file, out, required=True, past=True
        ),
        review_by=read_date(meta, key_lines, "review_by", file, out, required=False),
    )
    check_markup(lesson.summary, file, key_lines.get("summary", 1), out)
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
            check_markup(text, file, prose_line, out)
            lesson.blocks.append(("markdown", text, prose_line))
        prose.clear()

    for number, raw_line in enumerate(body.splitlines(), start=first_line):
        line = raw_line.rstrip()
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
                block[3].append(raw_line)
            continue
        opening = BLOCK_OPEN.match(line)
        if opening:
            flush_prose()
            name, argument = opening.groups()
            if name not in BLOCK_NAMES:
                known = ", ".join(sorted(BLOCK_NAMES))
                out.add(file, number, f"unknown block '::: {shown(name)}'; use one of: {known}")
            block = (name, argument, number, [])
        elif BLOCK_CLOSE.match(line):
            out.add(file, number, "':::' closes a block that was never opened")
        else:
            if not prose:
                prose_line = number
            prose.append(raw_line)
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
        check_markup(text, file, line, out)
        lesson.blocks.append((kind, {"text": text}, line))
    elif name == "case-study":
        if not argument:
            out.add(file, line, "give the case study a title: '::: case-study Your title'")
        if not text:
            out.add(file, line, "the 'case-study' block is empty")
        check_markup(argument + "\n" + text, file, line, out)
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
        value = parse_image(body_lines, line, path, file, out)
        if value is not None:
            lesson.blocks.append((kind, value, line))
    elif name == "video":
        value = parse_video(argument, body_lines, line, file, out)
        if value is not None:
            lesson.blocks.append((kind, value, line))


def block_text(data, key, body_lines, line, file, out, what) -> str | None:
    """A text field of a YAML block; "" if absent, None (reported) if not text."""
    where = key_line(body_lines, key, line)
    value = as_text(data.get(key), what, file, where, out)
    if value:
        check_markup(value, file, where, out)
    return value


def parse_image(body_lines, line, path, file, out):
    data = load_block_yaml(body_lines, line, file, out, "image")
    if data is None:
        return None
    problems_before = out.added
    alt = block_text(data, "alt", body_lines, line, file, out, "the image's 'alt'")
    caption = block_text(data, "caption", body_lines, line, file, out, "the image's 'caption'")
    if alt == "":
        out.add(file, line, "the image has no 'alt' text; describe what it shows")
    image_path = image_file(path.parent, data.get("file"), file, line, out, what="image")
    if image_path is None or out.added > problems_before:
        return None
    return {"file": image_path, "alt_text": alt, "caption": caption}


def parse_video(title, body_lines, line, file, out):
    data = load_block_yaml(body_lines, line, file, out, "video")
    if data is None:
        return None
    problems_before = out.added
    if not title:
        out.add(file, line, "give the video a title: '::: video Your title'")
    check_markup(title, file, line, out)
    url = block_text(data, "url", body_lines, line, file, out, "the video's 'url'")
    if url is not None and not url.startswith(("https://", "http://")):
        out.add(file, key_line(body_lines, "url", line), "the video needs a 'url' (https://...)")
    duration = data.get("duration")
    if not is_int(duration) or not 1 <= duration <= 600:
        out.add(
            file,
            key_line(body_lines, "duration", line),
            "the video needs 'duration': its length in seconds, from 1 to 600",
        )
    transcript = block_text(
        data, "transcript", body_lines, line, file, out, "the video's 'transcript'"
    )
    if transcript == "":
        out.add(file, line, "the video has no 'transcript'; add everything said and shown")
    if out.added > problems_before:
        return None
    return {"title": title, "url": url, "duration_seconds": duration, "transcript": transcript}


def load_block_yaml(body_lines, line, file, out, name):
    data = load_yaml("\n".join(body_lines), line + 1, file, out, f"the '{name}' block")
    if data is REFUSED:
        return None
    if not isinstance(data, dict):
        out.add(file, line, f"the '{name}' block must be 'key: value' lines")
        return None
    unknown_keys(
        data,
        BLOCK_KEYS[name],
        f"the '{name}' block",
        file,
        lambda key: key_line(body_lines, key, line) if key else line,
        out,
    )
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
    problems_before = out.added
    question = data.get("question")
    if question is not None and not isinstance(question, str):
        out.add(
            file,
            key_line(body_lines, "question", line),
            "the question must be text" + quote_hint(question),
        )
        question = ""
    question = (question or "").strip()
    if not question:
        out.add(file, line, "the knowledge check has no 'question'")
    check_markup(question, file, key_line(body_lines, "question", line), out)
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
    for option in options:
        check_markup(option, file, key_line(body_lines, "options", line), out)
    correct = data.get("correct")
    if is_int(correct):
        correct = [correct]
    if not isinstance(correct, list) or not correct:
        out.add(
            file,
            key_line(body_lines, "correct", line),
            "the knowledge check needs 'correct': a list of option numbers, e.g. [2]",
        )
        correct = []
    for number in correct if options else []:
        if not is_int(number) or not 1 <= number <= len(options):
            out.add(
                file,
                key_line(body_lines, "correct", line),
                f"'correct' names option {shown(number, 20)}, but the options are numbered 1 "
                f"to {len(options)}",
            )
    explanation = block_text(
        data, "explanation", body_lines, line, file, out, "the knowledge check's 'explanation'"
    )
    if explanation == "":
        out.add(file, line, "the knowledge check has no 'explanation' of the right answer")
    if out.added > problems_before:
        return None
    return {
        "question": question,
        "options": [
            {"text": text.strip(), "is_correct": number in correct}
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


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_library(root: Path) -> tuple[list[CourseSpec], list[Problem]]:
    out = Collector()
    courses = []
    slugs = {}
    try:
        folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError as exc:
        out.add(root.name, 0, f"the folder could not be read ({printable(str(exc))})")
        return [], out.problems
    for folder in folders:
        course = parse_course(folder, root, out)
        if course is None:
            continue
        if course.slug in slugs:
            out.add(course.file, 1, f"slug '{course.slug}' is already used by {slugs[course.slug]}")
        slugs[course.slug] = course.file
        courses.append(course)
    return courses, out.problems


# taxonomy.yaml


def parse_taxonomy(path: Path, root: Path) -> tuple[dict, list[Problem]]:
    """The taxonomy's sections, each a list of entries whose every field has
    been checked; or problems (and then nothing from the file is used)."""
    out = Collector()
    file = path.relative_to(root).as_posix()
    text = read_text(path, file, out)
    data = REFUSED if text is None else load_yaml(text, 1, file, out, "the taxonomy")
    if data is REFUSED:
        return {}, out.problems
    data = data or {}
    if not isinstance(data, dict):
        out.add(file, 1, "the taxonomy must map sectors, seniority_levels, skills and partners")
        return {}, out.problems
    lines = text.splitlines()

    def line_of(key):
        return next((n for n, line in enumerate(lines, 1) if line.startswith(f"{key}:")), 1)

    for key, entries in data.items():
        if key not in TAXONOMY_FIELDS:
            known = ", ".join(TAXONOMY_FIELDS)
            out.add(file, line_of(key), f"unknown section '{shown(key)}'; use: {known}")
            continue
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) and e.get("slug") and e.get("name") for e in entries
        ):
            out.add(file, line_of(key), f"'{key}' must be a list of entries with a slug and a name")
            continue
        seen: dict = {}
        for entry in entries:
            check_taxonomy_entry(key, entry, seen, file, line_of(key), out)
    return (data if not out.added else {}), out.problems


def check_taxonomy_entry(section: str, entry: dict, seen: dict, file, line, out) -> None:
    """Every field of one entry, by type and length (the models' limits)."""
    slug = entry["slug"]
    where = f"'{shown(slug, 40)}' in '{section}'"
    if not isinstance(slug, str) or not SLUG.match(slug) or len(slug) > MAX_SLUG_LENGTH:
        out.add(
            file,
            line,
            f"'{section}' has the slug '{shown(slug)}': a slug is up to {MAX_SLUG_LENGTH} "
            "lower-case letters, digits and single hyphens",
        )
        return
    unknown = [k for k in entry if not isinstance(k, str) or k not in TAXONOMY_FIELDS[section]]
    if unknown:
        allowed = ", ".join(sorted(TAXONOMY_FIELDS[section]))
        out.add(
            file,
            line,
            f"{where} has unknown fields {', '.join(sorted(shown(k, 30) for k in unknown))}; "
            f"allowed: {allowed}",
        )
    for name, most in TAXONOMY_TEXT_LIMITS[section].items():
        value = entry.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            out.add(file, line, not_text(f"{where}: '{name}'", value))
        elif len(value.strip()) > most:
            out.add(file, line, f"{where}: '{name}' is longer than {most} characters")
    name = entry["name"]
    if isinstance(name, str):
        for key, value in (("slug", slug), ("name", name.strip())):
            if value in seen.setdefault(key, set()):
                out.add(
                    file, line, f"{where}: the {key} '{shown(value)}' appears twice in '{section}'"
                )
            seen[key].add(value)
    if "rank" in entry and (not is_int(entry["rank"]) or not 1 <= entry["rank"] <= 1000):
        out.add(file, line, f"{where}: 'rank' must be a whole number from 1 (the most senior)")
    if "is_cross_sector" in entry and not isinstance(entry["is_cross_sector"], bool):
        out.add(file, line, f"{where}: 'is_cross_sector' must be true or false")
    for key in ("website", "url"):
        value = entry.get(key)
        if key in entry and (not isinstance(value, str) or not WEB_ADDRESS.match(value.strip())):
            out.add(file, line, f"{where}: '{key}' must be a web address starting https://")
    for key in ("sectors", "seniority_levels", "skills", "local_areas", "steps"):
        value = entry.get(key)
        if key in entry and (
            not isinstance(value, list) or not all(isinstance(v, str) for v in value)
        ):
            out.add(file, line, f"{where}: '{key}' must be a list of slugs")
    if section == "support_programmes":
        check_support_programme(entry, file, line, out)


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
