"""Fuzzing the course parser (issue 11): whatever a course file holds, parsing
gives reported problems (file, line, a short message), never an exception, and
what it accepts has the types the loader relies on.

The inputs start from the real files (every course of content/library/ and the
template in docs/course-template/) and are mutated: lines replaced, inserted,
deleted, repeated thousands of times; YAML values swapped for random ones;
anchors and aliases, deep nesting, tags, impossible dates, control characters
and random Unicode inserted; bytes flipped; files truncated, emptied,
re-encoded (BOM, CRLF, UTF-16, Latin-1). Hypothesis runs derandomized with no
example database, so every run (and CI) tries the same examples; the whole file
takes about 30 seconds on two cores (plus the shared test database setup).
"""

import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from courses.importer import LibraryImportError, import_library, safe_yaml
from courses.importer.errors import Problem
from courses.importer.parser import (
    MAX_MESSAGE_LENGTH,
    MAX_PROBLEMS_PER_FILE,
    Collector,
    parse_library,
    parse_taxonomy,
    split_front_matter,
)
from courses.importer.sources import read_folder
from courses.importer.zip_upload import course_template_dir

LIBRARY = Path(settings.BASE_DIR) / "content" / "library"


@dataclass(frozen=True)
class Course:
    name: str
    files: tuple[tuple[str, bytes], ...]  # (file name, content): course.md and lessons
    images: tuple[Path, ...] = ()  # copied as they are, so covers and image blocks resolve


def seed_courses() -> list[Course]:
    folders = sorted(p for p in LIBRARY.iterdir() if p.is_dir())
    folders += sorted(p for p in course_template_dir().iterdir() if p.is_dir())
    return [
        Course(
            folder.name,
            tuple((path.name, path.read_bytes()) for path in sorted(folder.glob("*.md"))),
            tuple(sorted(p for p in folder.iterdir() if p.suffix in {".png", ".svg"})),
        )
        for folder in folders
    ]


SEEDS = seed_courses()
TAXONOMY = (LIBRARY / "taxonomy.yaml").read_bytes()
LAUGHS = [
    "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
    *(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 9)),
    "slug: [*a8]",
]
HOSTILE_LINES = [
    "---",
    ":::",
    "::: check",
    "::: case-study A title",
    "::: image",
    "::: video A video",
    "::: sources",
    "::: takeaway",
    "::: nonsense",
    "review_by: 2027-02-30",
    "facts_checked: 2027-02-30",
    "facts_checked: 9999-12-31",
    "review_by: 0000-00-00",
    "review_by: 2027-01-01 25:61:00",
    "review_by: [2027-01-01]",
    *LAUGHS,
    "<<: *a0",
    "title: *nowhere",
    "title: &anchor text",
    "x: " + "[" * 3000 + "]" * 3000,
    "x: " + "{a: " * 500 + "1" + "}" * 500,
    "- " * 300 + "x",
    "  " * 400 + "deep: value",
    "title: !!python/object/apply:os.system [echo hacked]",
    "title: !!binary aGVsbG8=",
    "sectors: !!set {a, b}",
    "title: !custom value",
    "title: " + "9" * 5000,
    "duration: 1e999",
    "duration: .nan",
    "duration: 1:30",
    "correct: [true, 1.5, -1, 99999999999999999999]",
    "correct: yes",
    "options: [yes, no, on, off]",
    "options: a, b",
    'title: "\\0\\x07\\u200b\\ud800"',
    "title: T\ntitle: U",
    "? [a, b]\n: c",
    "{[a]: b}: c",
    "1: one",
    "null: nothing",
    "cover: {file: ../../../../etc/passwd, alt: x}",
    "cover: {file: /dev/zero, alt: x}",
    "file: " + "a/" * 2000,
    "file: \u0000",
    "%YAML 1.1",
    "...",
    "--- !!map",
    "*a",
    "&a",
    "!",
    "|",
    ">-",
    "'",
    '"',
    "#",
    "@",
    "`",
    "\t",
    "\ufeff",
    "\x00",
    "\x1b[31m",
    "\r",
    "\u2028",
    "\x85",
    "\ud7ff\ue000\ufffd\U0010ffff",
    "[" * 300,
    "<a " * 300,
    "a\n: b\n" * 30,
    "Source: [x](https://example.org)",
    "Source: not a link",
    "- [t](https://a) " + "-" * 3000,
    "::: a x" + " " * 20000 + "y",
]
SCALARS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.dates(),
    st.text(max_size=40),
)
YAML_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def yaml_text(value) -> str:
    """A value written as one line of flow YAML (or as it comes)."""
    import yaml

    try:
        return yaml.safe_dump(value, default_flow_style=True, width=10**6).strip()
    except yaml.YAMLError:
        return str(value)


@st.composite
def mutation(draw, text: str) -> str:
    lines = text.split("\n")
    where = draw(st.integers(min_value=0, max_value=max(len(lines) - 1, 0)))
    kind = draw(
        st.sampled_from(
            [
                "replace line",
                "insert line",
                "delete line",
                "duplicate line",
                "swap lines",
                "yaml value",
                "unicode",
                "repeat",
                "truncate",
            ]
        )
    )
    if kind == "replace line":
        lines[where] = draw(st.sampled_from(HOSTILE_LINES))
    elif kind == "insert line":
        lines.insert(where, draw(st.sampled_from(HOSTILE_LINES)))
    elif kind == "delete line" and lines:
        del lines[where]
    elif kind == "duplicate line":
        lines.insert(where, lines[where])
    elif kind == "swap lines":
        other = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        lines[where], lines[other] = lines[other], lines[where]
    elif kind == "yaml value":
        keyed = [n for n, line in enumerate(lines) if ":" in line and not line.startswith(":::")]
        if keyed:
            where = draw(st.sampled_from(keyed))
            key = lines[where].split(":", 1)[0]
            lines[where] = f"{key}: {yaml_text(draw(YAML_VALUES))}"
    elif kind == "unicode":
        line = lines[where]
        at = draw(st.integers(min_value=0, max_value=len(line)))
        lines[where] = line[:at] + draw(st.text(min_size=1, max_size=30)) + line[at:]
    elif kind == "repeat":
        count = draw(st.sampled_from([2, 50, 1000, 20000]))
        lines[where : where + 1] = [lines[where]] * min(count, 70000 // (len(lines[where]) + 1))
    elif kind == "truncate":
        lines = lines[:where]
    return "\n".join(lines)


@st.composite
def mutated_bytes(draw, original: bytes) -> bytes:
    text = original.decode("utf-8")
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        text = draw(mutation(text))
    encoding = draw(
        st.sampled_from(["utf-8"] * 12 + ["bom", "crlf", "cr", "utf-16", "latin-1", "empty", "---"])
    )
    if encoding == "bom":
        data = b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
    elif encoding == "crlf":
        data = text.replace("\n", "\r\n").encode("utf-8", "surrogatepass")
    elif encoding == "cr":
        data = text.replace("\n", "\r").encode("utf-8", "surrogatepass")
    elif encoding == "utf-16":
        data = text.encode("utf-16", "surrogatepass")
    elif encoding == "latin-1":
        data = text.encode("latin-1", "replace")
    elif encoding == "empty":
        data = b""
    elif encoding == "---":
        data = b"---\n"
    else:
        data = text.encode("utf-8", "surrogatepass")
    for _ in range(draw(st.sampled_from([0, 0, 0, 0, 1, 2, 3]))):  # change or drop a byte
        at = draw(st.integers(min_value=0, max_value=len(data)))
        byte = bytes([draw(st.integers(min_value=0, max_value=255))])
        data = draw(
            st.sampled_from([data[:at] + byte + data[at + 1 :], data[:at] + data[at + 1 :]])
        )
    return data


@st.composite
def mutated_course(draw) -> Course:
    seed = draw(st.sampled_from(SEEDS))
    files = dict(seed.files)
    for name in draw(st.lists(st.sampled_from(sorted(files)), min_size=1, max_size=2, unique=True)):
        files[name] = draw(mutated_bytes(files[name]))
    name = seed.name
    if draw(st.integers(min_value=0, max_value=9)) == 0:  # an odd folder name, now and then
        name = draw(st.text(st.characters(exclude_characters="/\x00"), min_size=1, max_size=40))
        if name.strip(".") == "":
            name = seed.name
    return Course(name, tuple(files.items()), seed.images)


FUZZ = hypothesis_settings(
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def assert_only_problems(problems, files: int):
    assert isinstance(problems, list)
    per_file = {}
    for problem in problems:
        assert isinstance(problem, Problem)
        assert isinstance(problem.file, str) and isinstance(problem.line, int)
        assert problem.line >= 0
        assert isinstance(problem.message, str) and 0 < len(problem.message) <= MAX_MESSAGE_LENGTH
        str(problem).encode("utf-8")  # printable on a terminal, storable, no lone surrogates
        per_file[problem.file] = per_file.get(problem.file, 0) + 1
    assert all(count <= MAX_PROBLEMS_PER_FILE + 1 for count in per_file.values()), per_file
    assert len(per_file) <= files + 1


def assert_typed(courses):
    """What the parser accepts without a problem has the loader's types."""
    for course in courses:
        assert isinstance(course.title, str) and course.title
        assert isinstance(course.summary, str) and isinstance(course.introduction, str)
        assert isinstance(course.partner.value, str)
        for located in (course.sectors, course.seniority, course.skills):
            assert all(isinstance(slug, str) for slug in located.value)
        assert all(isinstance(outcome, str) for outcome in course.learning_outcomes)
        assert isinstance(course.review_by, date)
        for lesson in course.lessons:
            assert isinstance(lesson.title, str) and isinstance(lesson.summary, str)
            assert isinstance(lesson.facts_checked, date)
            assert lesson.review_by is None or isinstance(lesson.review_by, date)
            for kind, value, line in lesson.blocks:
                assert isinstance(kind, str) and isinstance(line, int)
                if kind == "knowledge_check":
                    assert isinstance(value["question"], str)
                    assert isinstance(value["explanation"], str)
                    assert all(isinstance(o["text"], str) for o in value["options"])
                elif kind == "video":
                    assert type(value["duration_seconds"]) is int


@hypothesis_settings(FUZZ, max_examples=1200)
@given(mutated_course())
def test_any_mutated_course_gives_problems_never_an_exception(course):
    with tempfile.TemporaryDirectory(prefix="fma-fuzz-") as tmp:
        folder = Path(tmp) / course.name
        try:
            folder.mkdir()
        except OSError:  # a name this file system refuses (too long in bytes)
            folder = Path(tmp) / "course"
            folder.mkdir()
        for name, data in course.files:
            (folder / name).write_bytes(data)
        for image in course.images:
            shutil.copyfile(image, folder / image.name)
        courses, problems = parse_library(read_folder(Path(tmp)))
    assert_only_problems(problems, len(course.files))
    for problem in problems[:3]:  # shown by --hypothesis-show-statistics
        event(problem.message[:45])
    if not problems:
        assert_typed(courses)


@hypothesis_settings(FUZZ, max_examples=400)
@given(mutated_bytes(TAXONOMY))
def test_any_mutated_taxonomy_gives_problems_never_an_exception(data):
    with tempfile.TemporaryDirectory(prefix="fma-fuzz-") as tmp:
        path = Path(tmp) / "taxonomy.yaml"
        path.write_bytes(data)
        source = read_folder(Path(tmp))
        taxonomy, problems = parse_taxonomy(source)
        problems = source.problems + problems  # reading it, then its YAML
    assert_only_problems(problems, 1)
    assert isinstance(taxonomy, dict)
    if problems:
        assert taxonomy == {}, "nothing from a taxonomy with problems is used"
    for entries in taxonomy.values():
        for entry in entries:
            assert isinstance(entry["slug"], str) and isinstance(entry["name"], str)


@hypothesis_settings(FUZZ, max_examples=800)
@given(
    st.lists(
        st.one_of(st.sampled_from(HOSTILE_LINES), st.text(max_size=60), YAML_VALUES.map(yaml_text)),
        max_size=12,
    ).map("\n".join)
)
def test_any_text_as_front_matter_gives_data_or_a_problem(text):
    """The YAML loader alone, and the front-matter split."""
    try:
        safe_yaml.load(text)
    except safe_yaml.YamlProblem as exc:
        assert exc.line >= 0 and exc.message
    out = Collector()
    parsed = split_front_matter("---\n" + text + "\n---\nBody.\n", "course.md", out)
    assert bool(parsed) != bool(out.problems) or (parsed and out.problems)
    assert_only_problems(out.problems, 1)


@pytest.mark.parametrize("course", SEEDS, ids=[seed.name for seed in SEEDS])
def test_the_unmutated_seeds_parse_without_a_problem(course, tmp_path):
    """The fuzzing starts from files that are right, so what it finds is the mutation's."""
    folder = tmp_path / course.name
    folder.mkdir()
    for name, data in course.files:
        (folder / name).write_bytes(data)
    for image in course.images:
        shutil.copyfile(image, folder / image.name)
    _, problems = parse_library(read_folder(tmp_path))
    assert not problems, problems


class RolledBack(Exception):
    pass


@st.composite
def mutated_template(draw) -> Course:
    """The template with a few YAML values, lines or characters changed: still
    UTF-8 and mostly well formed, so most examples get as far as the loader."""
    seed = next(seed for seed in SEEDS if seed.name == "ai-and-your-supply-chain")
    files = dict(seed.files)
    name = draw(st.sampled_from(sorted(files)))
    lines = files[name].decode().split("\n")
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        keyed = [n for n, line in enumerate(lines) if ": " in line and not line.startswith("- [")]
        where = draw(st.sampled_from(keyed))
        key = lines[where].split(":", 1)[0]
        value = draw(
            st.one_of(
                st.text(min_size=1, max_size=200).map(yaml_text),  # text: what most keys want
                st.text(min_size=1, max_size=200).map(yaml_text),
                st.text(min_size=1, max_size=200).map(yaml_text),
                YAML_VALUES.map(yaml_text),
                st.sampled_from(HOSTILE_LINES).map(lambda line: line.split(": ", 1)[-1]),
            )
        )
        lines[where] = f"{key}: {value}"
    files[name] = "\n".join(lines).encode("utf-8", "surrogatepass")
    return Course(seed.name, tuple(files.items()))


@pytest.mark.django_db
@hypothesis_settings(
    FUZZ,
    max_examples=60,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(mutated_template())
def test_any_mutated_template_imports_or_reports_problems(course):
    """Through the loader too (one transaction per example, rolled back): the
    editor's block validation, the publish checks and the database either
    accept what the parser accepted or report it."""
    from django.db import transaction

    with tempfile.TemporaryDirectory(prefix="fma-fuzz-") as tmp:
        folder = Path(tmp) / course.name
        folder.mkdir()
        for name, data in course.files:
            (folder / name).write_bytes(data)
        try:
            with transaction.atomic():
                try:
                    import_library(Path(tmp), publish=False)
                    event("imported")
                except LibraryImportError as exc:
                    assert_only_problems(exc.problems, len(course.files))
                    event("reported")
                raise RolledBack
        except RolledBack:
            pass
