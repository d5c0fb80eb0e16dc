"""Import a course uploaded as a zip of Markdown files (the admin's "Import a
course" screen). The zip is checked before anything is read, its Markdown
files are read in memory into a `Source` (`read_zip`: nothing is written to
disk), which goes to `import_library(..., publish=False)`: drafts only, all or
nothing.

What is refused, with a message naming the file in the zip:
- anything that is not a readable zip, or an upload over FMA_IMPORT_MAX_UPLOAD_BYTES;
- a Markdown file over FMA_IMPORT_MAX_FILE_BYTES (a five-minute lesson is far
  smaller), judged on its declared size and again on the bytes read;
- zip bombs: more than FMA_IMPORT_MAX_UNCOMPRESSED_BYTES in total, or a member
  that expands more than FMA_IMPORT_MAX_COMPRESSION_RATIO times. Judged on the
  sizes the zip declares, and again on the bytes really read while unpacking;
- more than FMA_IMPORT_MAX_ENTRIES entries;
- paths that could escape the folder (absolute, `..`, backslashes, drive
  letters), symlinks, encrypted members;
- any file that is not Markdown (`.md`), nested zips, and taxonomy.yaml.
  `__MACOSX/`, `.DS_Store` and `._*` files, which macOS adds, are skipped.

Two layouts are accepted: course folders (`my-course/course.md`, ...), possibly
inside one wrapping folder, or one course's course.md and lessons at the top of
the zip. The source keeps the paths of the zip, so every problem names a file
as it is in the zip."""

import io
import logging
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from wagtail.models import Revision

from courses.models import CoursePage, PartnerPage

from .errors import LibraryImportError, Problem
from .loader import ImportReport, import_library
from .parser import NO_IMAGES
from .sources import COURSE_FILE, LESSON_FILE, Source, decode, max_file_bytes, megabytes

log = logging.getLogger(__name__)

MAX_PATH_LENGTH = 255
CHUNK = 64 * 1024
ALLOWED_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
DRIVE_LETTER = re.compile(r"^[A-Za-z]:")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
TAXONOMY_NAMES = {"taxonomy.yaml", "taxonomy.yml"}
IMAGE_MESSAGE = NO_IMAGES["image"]
COVER_MESSAGE = NO_IMAGES["cover"]


def max_upload_bytes() -> int:
    return settings.FMA_IMPORT_MAX_UPLOAD_BYTES


def max_uncompressed_bytes() -> int:
    return settings.FMA_IMPORT_MAX_UNCOMPRESSED_BYTES


def max_compression_ratio() -> int:
    return settings.FMA_IMPORT_MAX_COMPRESSION_RATIO


def max_entries() -> int:
    return settings.FMA_IMPORT_MAX_ENTRIES


class UploadRefused(Exception):
    """The zip itself is unacceptable; nothing was unpacked or imported."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass
class UploadResult:
    """What an upload did: on success the loader's report and the courses
    touched (with the draft pages that got a new revision); otherwise the
    problems, and nothing was imported."""

    problems: list[Problem] = field(default_factory=list)
    report: ImportReport | None = None
    courses: list = field(default_factory=list)  # CoursePage, in the zip's order
    changed_pages: list = field(default_factory=list)  # pages given a new draft revision

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, what: str) -> int:
        return self.report.counts[what] if self.report else 0


@dataclass
class Member:
    info: zipfile.ZipInfo
    parts: tuple[str, ...]  # the path in the zip, split on "/"

    @property
    def name(self) -> str:
        return "/".join(self.parts)


# Checking the zip before anything is unpacked.


def is_junk(parts: tuple[str, ...]) -> bool:
    """Files macOS adds to zips; skipped without a word."""
    return "__MACOSX" in parts or parts[-1] == ".DS_Store" or parts[-1].startswith("._")


def is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def path_problem(name: str) -> str | None:
    """Why a member's path is unsafe, or None."""
    if "\\" in name:
        return "the path uses backslashes; zip paths must use '/'"
    if name.startswith("/"):
        return "the path is absolute; paths in the zip must be relative"
    if DRIVE_LETTER.match(name):
        return "the path starts with a drive letter; paths in the zip must be relative"
    if CONTROL_CHARACTERS.search(name):
        return "the path contains control characters"
    parts = name.rstrip("/").split("/")
    if ".." in parts:
        return "the path contains '..', which could reach outside the import folder"
    if any(part in {"", "."} for part in parts):
        return "the path has an empty or '.' folder name"
    if len(name) > MAX_PATH_LENGTH:
        return f"the path is longer than {MAX_PATH_LENGTH} characters"
    return None


def member_problem(member: Member) -> str | None:
    """Why this (non-junk) file cannot be imported, or None."""
    filename = member.parts[-1]
    suffix = PurePosixPath(filename).suffix.lower()
    if filename.lower() in TAXONOMY_NAMES:
        return (
            "taxonomy files cannot be uploaded: sectors, seniority levels, skills and partners "
            "are managed by platform editors in the CMS"
        )
    if suffix in {".zip", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz"}:
        return "archives inside the zip are not accepted; put the Markdown files in the zip itself"
    if PurePosixPath(filename).suffix != ".md":
        return "only Markdown files ending in .md can be uploaded (images and other files cannot)"
    return None


def scan(archive: zipfile.ZipFile) -> list[Member]:
    """The members to unpack, or UploadRefused listing every problem found."""
    infos = archive.infolist()
    if len(infos) > max_entries():
        raise UploadRefused(
            [
                Problem(
                    "",
                    0,
                    f"the zip holds {len(infos)} entries; the most one upload may hold is "
                    f"{max_entries()}. Upload fewer courses at a time.",
                )
            ]
        )
    problems: list[Problem] = []
    members: list[Member] = []
    seen: set[str] = set()
    declared_total = 0
    for info in infos:
        name = info.filename
        if unsafe := path_problem(name):
            problems.append(Problem(name, 0, unsafe))
            continue
        parts = tuple(name.rstrip("/").split("/"))
        if is_symlink(info):
            problems.append(Problem(name, 0, "symbolic links are not accepted"))
            continue
        if info.is_dir():
            continue
        declared_total += info.file_size
        ratio = max_compression_ratio()
        if info.file_size > ratio * max(info.compress_size, 1):
            problems.append(
                Problem(
                    name,
                    0,
                    f"the file expands more than {ratio} times when unzipped, which is how "
                    "zip bombs work; it is refused",
                )
            )
            continue
        if is_junk(parts):
            continue
        if why := member_problem(Member(info, parts)):
            problems.append(Problem(name, 0, why))
            continue
        if info.flag_bits & 0x1:
            problems.append(
                Problem(name, 0, "the file is encrypted; upload a zip without a password")
            )
            continue
        if info.file_size > max_file_bytes():
            problems.append(
                Problem(
                    name,
                    0,
                    f"the file is {megabytes(info.file_size)}; the most one Markdown file may "
                    f"be is {megabytes(max_file_bytes())} (a five-minute lesson is far smaller)",
                )
            )
            continue
        if info.compress_type not in ALLOWED_METHODS:
            problems.append(
                Problem(name, 0, "the file uses an unusual compression method; zip it again")
            )
            continue
        if name.casefold() in seen:
            problems.append(Problem(name, 0, "the zip holds this file twice"))
            continue
        seen.add(name.casefold())
        members.append(Member(info, parts))
    if declared_total > max_uncompressed_bytes():
        problems.insert(
            0,
            Problem(
                "",
                0,
                f"the zip unpacks to {megabytes(declared_total)}; the most one upload may unpack "
                f"to is {megabytes(max_uncompressed_bytes())}",
            ),
        )
    if problems:
        raise UploadRefused(problems)
    return members


# Deciding where the course folders are.


@dataclass
class Layout:
    """Where the courses are in the zip: `root` is the folder holding the
    course folders, or one course's own files ("" for the top); `name` is the
    slug of a course at the top whose course.md gives none."""

    members: list[Member]
    root: str = ""
    name: str = ""


def folder_from_upload_name(upload_name: str) -> str:
    stem = PurePosixPath(upload_name.replace("\\", "/")).name
    stem = re.sub(r"\.zip$", "", stem, flags=re.IGNORECASE)
    stem = re.sub(r"\s*\(\d+\)$", "", stem)  # "my-course (1).zip", a second download
    return slugify(stem) or "course"


def plan(members: list[Member], upload_name: str) -> Layout:
    top_level = [m for m in members if len(m.parts) == 1]
    if any(m.parts == (COURSE_FILE,) for m in top_level):
        nested = [m for m in members if len(m.parts) > 1]
        if nested:
            raise UploadRefused(
                [
                    Problem(
                        m.name,
                        0,
                        "course.md is at the top of the zip, so this zip is one course: its "
                        "lessons must be at the top too, with no folders",
                    )
                    for m in nested
                ]
            )
        return Layout(members, name=folder_from_upload_name(upload_name))
    if any(LESSON_FILE.match(m.parts[0]) for m in top_level):
        raise UploadRefused(
            [
                Problem(
                    "",
                    0,
                    "the zip has lesson files at its top but no course.md: add course.md next "
                    "to them, or put each course in its own folder",
                )
            ]
        )
    # Files at the top other than lessons (a README.md) are ignored, as by
    # import_courses. One folder wrapping all the course folders is the root.
    nested = [m for m in members if len(m.parts) > 1]
    wrapper = ""
    tops = {m.parts[0] for m in nested}
    if len(tops) == 1 and not top_level:
        (only,) = tops
        if not any(m.parts == (only, COURSE_FILE) for m in nested) and all(
            len(m.parts) > 2 for m in nested
        ):
            wrapper = only
    depth = 3 if wrapper else 2
    too_deep = [m for m in nested if len(m.parts) > depth]
    if too_deep:
        raise UploadRefused(
            [
                Problem(
                    m.name,
                    0,
                    "the file is in a folder inside a course folder: put course.md and the "
                    "lessons directly in the course folder",
                )
                for m in too_deep
            ]
        )
    return Layout(members, root=f"{wrapper}/" if wrapper else "")


# Reading.


def read_member(archive: zipfile.ZipFile, member: Member, budget: list[int]) -> bytes:
    """The member's bytes, counting what is really inflated: a zip may declare
    small sizes and inflate to far more. `budget` is the bytes still allowed
    for the whole upload (a one-item list, shared between calls)."""
    info = member.info
    allowed = min(
        info.file_size,
        max_compression_ratio() * max(info.compress_size, 1),
        budget[0],
        max_file_bytes(),
    )
    data = bytearray()
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(CHUNK):
                data += chunk
                if len(data) > allowed:
                    raise UploadRefused(
                        [
                            Problem(
                                member.name,
                                0,
                                "the file unpacks to more than the zip says (or more than "
                                "allowed); the zip may be a zip bomb, so it is refused",
                            )
                        ]
                    )
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError) as exc:
        raise UploadRefused(
            [
                Problem(
                    member.name,
                    0,
                    "the file could not be unzipped: the zip is damaged or its sizes and "
                    f"checksums do not match its contents ({exc})",
                )
            ]
        ) from None
    budget[0] -= len(data)
    return bytes(data)


def read_zip(archive: zipfile.ZipFile, upload_name: str) -> Source:
    """The zip's Markdown files, read in memory and decoded, by their paths in
    the zip; or UploadRefused."""
    members = scan(archive)
    if not members:
        raise UploadRefused([Problem("", 0, "the zip holds no Markdown files")])
    layout = plan(members, upload_name)
    budget = [max_uncompressed_bytes()]
    source = Source(files={}, root=layout.root, name=layout.name)
    for member in layout.members:
        text, problem = decode(read_member(archive, member, budget), member.name)
        source.files[member.name] = text
        if problem:
            source.problems.append(problem)
    return source


# The whole upload.


def too_large(size: int, file: str = "") -> Problem:
    return Problem(
        file,
        0,
        f"the file is {megabytes(size)}; the most one upload may be is "
        f"{megabytes(max_upload_bytes())}. Upload fewer courses at a time.",
    )


def open_zip(upload) -> zipfile.ZipFile:
    try:
        upload.seek(0)
        return zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        raise UploadRefused(
            [
                Problem(
                    "",
                    0,
                    "the file is not a zip file, or it is damaged. Zip the course folder "
                    "(on Windows: Send to, then Compressed folder; on a Mac: Compress) and "
                    "upload the .zip",
                )
            ]
        ) from None


FAILED_MESSAGE = (
    "the import failed unexpectedly and was rolled back; the error has been logged. Try "
    "again, or ask a platform editor for help"
)


def import_zip(upload, *, partners, upload_name: str | None = None, user=None) -> UploadResult:
    """Imports the courses in an uploaded zip (a Django UploadedFile or any
    binary file object with a size) as drafts for `partners`. Never raises for
    a bad upload: the result holds the problems, and nothing was imported."""
    upload_name = upload_name or getattr(upload, "name", None) or "upload.zip"
    display = PurePosixPath(upload_name.replace("\\", "/")).name or "upload.zip"
    try:
        with transaction.atomic():  # whatever goes wrong, nothing is left half-imported
            return _import_zip(upload, partners=partners, upload_name=upload_name, user=user)
    except Exception:  # a bug, not the upload: rolled back, logged, no traceback shown
        log.exception("Course upload %s failed unexpectedly", display)
        return UploadResult(problems=[Problem(display, 0, FAILED_MESSAGE)])


def _import_zip(upload, *, partners, upload_name: str, user=None) -> UploadResult:
    display = PurePosixPath(upload_name.replace("\\", "/")).name or "upload.zip"

    def named(problems: list[Problem]) -> list[Problem]:
        """Problems of the whole upload name the file uploaded."""
        return [Problem(p.file or display, p.line, p.message) for p in problems]

    size = getattr(upload, "size", None)
    if size is None:
        size = upload.seek(0, io.SEEK_END)
    if size > max_upload_bytes():
        return UploadResult(problems=named([too_large(size)]))
    try:
        with open_zip(upload) as archive:
            source = read_zip(archive, upload_name)
    except UploadRefused as exc:
        return UploadResult(problems=named(exc.problems))
    source.name = source.name or display
    before = Revision.objects.aggregate(last=Max("pk"))["last"] or 0
    try:
        with transaction.atomic():
            report = import_library(source, publish=False, partners=partners, user=user)
    except LibraryImportError as exc:
        return UploadResult(problems=named(exc.problems))
    except Exception:  # rolled back like any other problem; no traceback shown
        log.exception("Course upload %s failed unexpectedly", display)
        return UploadResult(problems=named([Problem("", 0, FAILED_MESSAGE)]))
    courses, changed = touched_pages(report.course_slugs, partners, before)
    return UploadResult(report=report, courses=courses, changed_pages=changed)


def touched_pages(slugs: list[str], partners, revisions_before: int):
    shelves = PartnerPage.objects.filter(partner__in=partners)
    by_slug = {}
    for shelf in shelves:
        for course in CoursePage.objects.child_of(shelf).filter(slug__in=slugs):
            by_slug[course.slug] = course
    courses = [by_slug[slug] for slug in slugs if slug in by_slug]
    changed = []
    for course in courses:
        pages = [course, *course.get_children().order_by("path").specific()]
        changed += [page for page in pages if (page.latest_revision_id or 0) > revisions_before]
    return courses, changed


# Building a zip from a folder (the course template download, and tests).


def zip_folder(folder: Path, *, include_folder: bool = True) -> bytes:
    """The zip of a folder's files (hidden files and caches left out), with
    fixed timestamps so the same folder always gives the same bytes. With
    `include_folder`, paths start with the folder's name (a course folder);
    otherwise its files sit at the top of the zip."""
    folder = Path(folder)
    base = folder.parent if include_folder else folder
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(base)
            if not path.is_file() or any(
                part.startswith(".") or part == "__pycache__" for part in relative.parts
            ):
                continue
            info = zipfile.ZipInfo(relative.as_posix(), date_time=(2025, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def course_template_dir() -> Path:
    return Path(
        getattr(
            settings,
            "FMA_COURSE_TEMPLATE_DIR",
            Path(settings.BASE_DIR) / "docs" / "course-template",
        )
    )


def course_template_zip() -> tuple[str, bytes]:
    """(file name, zip bytes) of the course template authors download."""
    root = course_template_dir()
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(folders) == 1:
        return f"{folders[0].name}.zip", zip_folder(folders[0])
    return "course-template.zip", zip_folder(root, include_folder=False)
