"""Course files (Markdown with YAML front matter) to plain data, with line
numbers. The files come as a `Source` (sources.py): a mapping of path to
text, read from a folder or a zip.

A course is a folder holding course.md and lesson files whose names start with
a number (01-intro.md, 02-...). Structured blocks in a lesson are fenced:

    ::: check
    question: ...
    :::

Whatever the files hold, parsing never raises: every problem is reported with
its file and line (`Collector`). YAML goes through `safe_yaml` (no anchors,
aliases, tags or deep nesting). Each rule is checked once: front matter by its
form (front_matter.py), blocks by their own `clean` and the publish checks
(checks.py); what is left here is reading the files into those values, with
the type of every YAML value checked before it is used.
"""

import hashlib
import io
import posixpath
import re
import xml.etree.ElementTree as ElementTree
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from PIL import Image

from content.models import Partner, Sector, SeniorityLevel, Skill, SupportProgramme

from . import checks, safe_yaml
from .errors import Problem
from .front_matter import SLUG, CourseFrontMatter, LessonFrontMatter, kind_of, not_text, quote_hint
from .safe_yaml import shown
from .sources import (
    COURSE_FILE,
    LESSON_FILE,
    TAXONOMY_FILE,
    ImageUnavailable,
    Source,
    megabytes,
    printable,
)

# Matched against a line with its trailing whitespace removed: a pattern that
# ends `(.*?)\s*$` takes quadratic time on a long line of spaces.
BLOCK_OPEN = re.compile(r"^:::\s*([A-Za-z][\w-]*)\s*(.*)$")
BLOCK_CLOSE = re.compile(r"^:::$")
SOURCE_LINE = re.compile(
    r"^[-*]\s+\[(?P<title>[^\]]+)\]\((?P<url>https?://[^)\s]+)\)"
    r"(?:\s*[—–-]+\s*(?P<publisher>.+))?\s*$"
)
MAX_SLUG_LENGTH = 100
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg"}
# An SVG is a drawing only: no script, event handlers, links out, embedded
# documents or XML entities (which can expand or fetch files).
SVG_UNSAFE = re.compile(
    r"<\s*(script|foreignObject|iframe|embed|object|use|image|a)\b|\son[a-z]+\s*=|javascript:"
    r"|<!ENTITY|<!DOCTYPE|\bhref\s*=|@import|url\(\s*['\"]?\s*(?!#)",
    re.IGNORECASE,
)
# What a source that holds Markdown only (an upload) says of an image.
NO_IMAGES = {
    "image": (
        "an uploaded course holds Markdown files only, so it cannot include images: remove the "
        "'::: image' block and add the image in the CMS after importing"
    ),
    "cover": (
        "an uploaded course holds Markdown files only, so it cannot include its cover image: "
        "remove 'cover:' from course.md and choose the cover in the CMS after importing"
    ),
}
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
TAXONOMY_TEXT_FIELDS = {
    "sectors": ("name", "description"),
    "seniority_levels": ("name", "description"),
    "skills": ("name", "description"),
    "partners": ("name", "description", "website"),
    "local_areas": ("name",),
    "pathways": ("name", "description"),
    "support_programmes": ("name", "organisation", "url", "description"),
}
# Pathways are lms.pathways' model, a layer above: its loader checks them.
PATHWAY_TEXT_LIMITS = {"name": 150, "description": 2000}


def taxonomy_text_limits(section: str) -> dict[str, int]:
    """The longest text each field of a section may hold: the models' own limits."""
    if section == "pathways":
        return PATHWAY_TEXT_LIMITS
    model = {
        "sectors": Sector,
        "seniority_levels": SeniorityLevel,
        "skills": Skill,
        "partners": Partner,
        "local_areas": SupportProgramme._meta.get_field("local_areas").related_model,
        "support_programmes": SupportProgramme,
    }[section]
    return {name: model._meta.get_field(name).max_length for name in TAXONOMY_TEXT_FIELDS[section]}


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
MAX_PROBLEMS_PER_FILE = 50
MAX_MESSAGE_LENGTH = 500


@dataclass
class Located:
    """A value from a file, with the line it came from (for error messages)."""

    value: object
    line: int


@dataclass
class ImageSpec:
    """An image file a course names: its name and its checked bytes."""

    name: str
    data: bytes


@dataclass
class LessonSpec:
    file: str
    slug: str
    title: str
    summary: str
    blocks: list[tuple[str, object, int]]  # (block type, raw value, line)
    fingerprint: str = ""
    facts_checked: date | None = None
    review_by: date | None = None  # only if the front matter sets one


@dataclass
class CoverSpec:
    image: ImageSpec
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
    """The problems found, at most MAX_PROBLEMS_PER_FILE per file (then one
    line saying how many more), and the YAML budget shared by one import."""

    def __init__(self):
        self._problems: list[Problem] = []
        self.per_file: Counter = Counter()
        self.yaml_left = settings.FMA_IMPORT_MAX_YAML_BYTES
        self.refused_once: set[str] = set()

    def add(self, file, line, message):
        file, message = printable(str(file)), printable(str(message))
        if len(message) > MAX_MESSAGE_LENGTH:
            message = message[: MAX_MESSAGE_LENGTH - 1] + "…"
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


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


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


def front_matter(form, key_lines, body_line, file, out):
    """The form's cleaned data, or None with every problem recorded at its
    key's line (the introduction's at its first line)."""
    problems = form.problems()
    for key, message in problems:
        line = 2 if key is None else body_line if key == "" else key_lines.get(key, 1)
        out.add(file, line, message)
    return None if problems else form.cleaned_data


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Courses and lessons.


def course_folders(source: Source) -> list[str]:
    """The course folders, as path prefixes ("c/"; "" for one course at the root)."""
    root = source.root
    inside = [path[len(root) :] for path in source.files if path.startswith(root)]
    if COURSE_FILE in inside:
        return [root]
    names = {path.split("/", 1)[0] for path in inside if "/" in path}
    return [f"{root}{name}/" for name in sorted(names) if not name.startswith(".")]


def parse_library(source: Source) -> tuple[list[CourseSpec], list[Problem]]:
    out = Collector()
    for problem in source.problems:
        out.add(problem.file, problem.line, problem.message)
    courses = []
    slugs = {}
    for folder in course_folders(source):
        course = parse_course(folder, source, out)
        if course is None:
            continue
        if course.slug in slugs:
            out.add(course.file, 1, f"slug '{course.slug}' is already used by {slugs[course.slug]}")
        slugs[course.slug] = course.file
        courses.append(course)
    return courses, out.problems


def folder_name(folder: str, source: Source) -> str:
    return folder.rstrip("/").rsplit("/", 1)[-1] if folder != source.root else source.name


def parse_course(folder: str, source: Source, out: Collector) -> CourseSpec | None:
    file = folder + COURSE_FILE
    if file not in source.files:
        out.add(folder.rstrip("/") or source.name, 0, f"the course folder has no {COURSE_FILE}")
        return None
    text = source.files[file]
    parsed = text is not None and split_front_matter(text, file, out)
    lessons = parse_lessons(folder, source, file, out)  # their problems are listed too
    if not parsed:
        return None
    meta, key_lines, body, first_line = parsed
    form = CourseFrontMatter(meta, folder=folder_name(folder, source), introduction=body)
    data = front_matter(form, key_lines, first_line, file, out)
    if data is None:
        return None
    cover = data["cover"]
    if cover is not None:
        line = key_lines.get("cover", 1)
        image = image_file(source, folder, cover["file"], file, line, out, what="cover")
        cover = image and CoverSpec(image, cover["alt"], cover["licence"], cover["source"])
    return CourseSpec(
        file=file,
        slug=data["slug"],
        title=data["title"],
        summary=data["summary"],
        introduction=form.introduction,
        partner=Located(data["partner"], key_lines.get("partner", 1)),
        sectors=Located(data["sectors"], key_lines.get("sectors", 1)),
        seniority=Located(data["seniority"], key_lines.get("seniority", 1)),
        skills=Located(data["skills"], key_lines.get("skills", 1)),
        learning_outcomes=data["learning_outcomes"],
        review_by=data["review_by"],
        fingerprint=digest(text),
        cover=cover,
        lessons=lessons,
    )


def parse_lessons(folder: str, source: Source, file: str, out: Collector) -> list[LessonSpec]:
    """The course folder's lessons, in file-name order; `file` is its course.md."""
    paths = sorted(
        path
        for path in source.files
        if path.startswith(folder) and LESSON_FILE.match(path[len(folder) :])
    )
    if not paths:
        out.add(file, 0, "the course has no lessons (files named like 01-first-lesson.md)")
    lessons = []
    seen = {}
    for path in paths:
        lesson = parse_lesson(path, folder, source, out)
        if lesson is None:
            continue
        if lesson.slug in seen:
            out.add(lesson.file, 1, f"slug '{lesson.slug}' is already used by {seen[lesson.slug]}")
        seen[lesson.slug] = lesson.file
        lessons.append(lesson)
    return lessons


def image_file(source: Source, folder: str, name: str, file: str, line: int, out, *, what: str):
    """The checked image at `name` in the course folder, or None with the
    problem recorded. `what` is "image" (a lesson's image block) or "cover"."""
    if source.image is None:
        out.add(file, line, NO_IMAGES[what])
        return None
    shown_name = shown(name)
    path = posixpath.normpath(posixpath.join(folder, name)) if name else ""
    if name and (not path.startswith(folder) or path.split("/")[0] == ".."):
        out.add(file, line, f"{what} files must be inside the course folder")
        return None
    if posixpath.splitext(path)[1].lower() not in IMAGE_SUFFIXES:
        if not name:
            out.add(file, line, f"{what} file '' was not found")
            return None
        out.add(file, line, f"{what}s must be one of {', '.join(sorted(IMAGE_SUFFIXES))}")
        return None
    try:
        data = source.image(path)
    except ImageUnavailable as exc:
        if str(exc) == "outside":
            out.add(file, line, f"{what} files must be inside the course folder")
        else:
            out.add(file, line, f"{what} file '{shown_name}' was not found")
        return None
    most = settings.FMA_IMPORT_MAX_IMAGE_BYTES
    if len(data) > most:
        out.add(file, line, f"the {what} '{shown_name}' is over {megabytes(most)}: make it smaller")
        return None
    if path.lower().endswith(".svg"):
        if problem := svg_problem(data):
            out.add(file, line, f"the {what} '{shown_name}' {problem}")
            return None
    elif not readable_image(data):
        out.add(file, line, f"the {what} '{shown_name}' could not be read as an image")
        return None
    return ImageSpec(posixpath.basename(path), data)


def svg_problem(data: bytes) -> str | None:
    try:
        svg = data.decode("utf-8")
    except UnicodeDecodeError:
        svg = "<script"
    if SVG_UNSAFE.search(svg) or "<svg" not in svg:
        return (
            "is not a plain SVG drawing: SVG files may not contain scripts, event handlers, "
            "links, embedded images or documents, or entities"
        )
    try:
        ElementTree.fromstring(svg)  # no DOCTYPE or entities: checked above
    except (ElementTree.ParseError, ValueError):
        return "is not a well-formed SVG file"
    return None


def readable_image(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except Exception:  # Pillow raises many kinds for a damaged or hostile file
        return False
    return True


def parse_lesson(file: str, folder: str, source: Source, out: Collector) -> LessonSpec | None:
    text = source.files[file]
    parsed = text is not None and split_front_matter(text, file, out)
    if not parsed:
        return None
    problems_before = out.per_file[file]
    meta, key_lines, body, first_line = parsed
    default_slug = re.sub(r"^\d+[-_]", "", posixpath.splitext(file[len(folder) :])[0])
    data = front_matter(LessonFrontMatter(meta, default_slug=default_slug), key_lines, 1, file, out)
    lesson = LessonSpec(
        file=file,
        slug=data["slug"] if data else default_slug,
        title=data["title"] if data else "",
        summary=data["summary"] if data else "",
        blocks=[],
        fingerprint=digest(text),
        facts_checked=data and data["facts_checked"],
        review_by=data and data["review_by"],
    )
    parse_body(body, first_line, folder, source, lesson, out)
    for line, message in checks.block_problems(lesson.blocks):
        out.add(file, line, message)
    if out.per_file[file] == problems_before:  # its blocks parsed and passed their checks
        for message in checks.whole_lesson_problems(lesson.blocks, lesson.summary):
            out.add(file, 1, message)
    return lesson if data else None


def parse_body(body, first_line, folder, source, lesson, out):
    file = lesson.file
    prose: list[str] = []
    prose_line = first_line
    block = None  # (name, argument, opening line, lines)

    def flush_prose():
        text = "\n".join(prose).strip()
        if text:
            lesson.blocks.append(("markdown", text, prose_line))
        prose.clear()

    for number, raw_line in enumerate(body.splitlines(), start=first_line):
        line = raw_line.rstrip()
        if block is not None:
            if BLOCK_CLOSE.match(line):
                parse_block(*block, folder, source, lesson, out)
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


def parse_block(name, argument, line, body_lines, folder, source, lesson, out):
    """The block's value as the editor holds it; None (reported) if a value
    has the wrong type. Its rules are the block's own (checks.py)."""
    if name not in BLOCK_NAMES:
        return
    file = lesson.file
    text = "\n".join(body_lines).strip()
    if name in {"takeaway", "action"}:
        value = {"text": text}
    elif name == "case-study":
        value = {"title": argument, "body": text}
    elif name == "check":
        value = parse_check(body_lines, line, file, out)
    elif name == "sources":
        value = parse_sources(body_lines, line, file, out)
    elif name == "image":
        value = parse_image(body_lines, line, folder, source, file, out)
    else:
        value = parse_video(argument, body_lines, line, file, out)
    if value is not None:
        lesson.blocks.append((BLOCK_NAMES[name], value, line))


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


class BlockFields:
    """Reads a YAML block's fields by type, recording each wrong one at its line."""

    def __init__(self, data, body_lines, line, file, out, what):
        self.data, self.body_lines, self.line = data, body_lines, line
        self.file, self.out, self.what = file, out, what
        self.wrong = False

    def line_of(self, key):
        return key_line(self.body_lines, key, self.line)

    def refuse(self, key, message):
        self.out.add(self.file, self.line_of(key), message)
        self.wrong = True

    def text(self, key) -> str:
        """The text at `key`, stripped; "" if absent or (reported) not text."""
        value = self.data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.refuse(key, f"{self.what}'s '{key}' {not_text(value)}")
            return ""
        return value.strip()


def parse_image(body_lines, line, folder, source, file, out):
    data = load_block_yaml(body_lines, line, file, out, "image")
    if data is None:
        return None
    fields = BlockFields(data, body_lines, line, file, out, "the image")
    alt, caption, name = fields.text("alt"), fields.text("caption"), fields.text("file")
    if fields.wrong:
        return None
    image = image_file(source, folder, name, file, fields.line_of("file"), out, what="image")
    return image and {"file": image, "alt_text": alt, "caption": caption}


def parse_video(title, body_lines, line, file, out):
    data = load_block_yaml(body_lines, line, file, out, "video")
    if data is None:
        return None
    fields = BlockFields(data, body_lines, line, file, out, "the video")
    url, transcript = fields.text("url"), fields.text("transcript")
    duration = data.get("duration")
    if not is_int(duration):
        fields.refuse(
            "duration",
            f"the video's 'duration' must be its length in whole seconds, not {kind_of(duration)}",
        )
    if fields.wrong:
        return None
    return {"title": title, "url": url, "duration_seconds": duration, "transcript": transcript}


def parse_check(body_lines, line, file, out):
    data = load_block_yaml(body_lines, line, file, out, "check")
    if data is None:
        return None
    fields = BlockFields(data, body_lines, line, file, out, "the knowledge check")
    question, explanation = fields.text("question"), fields.text("explanation")
    options = data.get("options") or []
    if not isinstance(options, list):
        fields.refuse(
            "options", f"the knowledge check's 'options' must be a list, not {kind_of(options)}"
        )
        options = []
    elif not all(isinstance(o, str) for o in options):
        fields.refuse(
            "options",
            'every option must be text: put quotes around options such as "Yes", "No" '
            "or ones containing ': '",
        )
        options = []
    correct = data.get("correct", [])
    if is_int(correct):
        correct = [correct]
    if not isinstance(correct, list):
        fields.refuse(
            "correct",
            f"the knowledge check's 'correct' must be a list of option numbers, e.g. [2], not "
            f"{kind_of(correct)}{quote_hint(correct)}",
        )
        correct = []
    for number in correct if options else []:
        if not is_int(number) or not 1 <= number <= len(options):
            fields.refuse(
                "correct",
                f"'correct' names option {shown(number, 20)}, but the options are numbered 1 "
                f"to {len(options)}",
            )
    if fields.wrong:
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
    return {"sources": sources}


# taxonomy.yaml


def parse_taxonomy(source: Source) -> tuple[dict, list[Problem]]:
    """The taxonomy's sections, each a list of entries whose every field has
    been checked; or problems (and then nothing from the file is used)."""
    out = Collector()
    file = TAXONOMY_FILE
    text = source.files.get(file)
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
    return (data if not out.problems else {}), out.problems


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
    for name, most in taxonomy_text_limits(section).items():
        value = entry.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            out.add(file, line, f"{where}: '{name}' {not_text(value)}")
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
