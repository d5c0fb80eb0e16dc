"""Where an import's files come from: a folder on disk (`import_courses`) or a
zip in memory (the admin's upload, `zip_upload.read_zip`). Either way the
parser gets one `Source`: every text file by its path as the author sees it,
decoded once here, so the parser never touches a disk or a zip.

Reading enforces the limits on files, once: the file cap
(FMA_IMPORT_MAX_FILE_BYTES), UTF-8 with a byte-order mark dropped, no control
characters; a folder also the library cap (FMA_IMPORT_MAX_LIBRARY_BYTES), a zip
its own limits (see zip_upload). A file refused here stays in the mapping as
None, so the parser knows it is there, and its problem is in `problems`."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from .errors import Problem
from .safe_yaml import CONTROL, character_name

COURSE_FILE = "course.md"
TAXONOMY_FILE = "taxonomy.yaml"
LESSON_FILE = re.compile(r"^\d+[-_].+\.md$")
LINE_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
KB = 1024
MB = 1024 * KB


class ImageUnavailable(Exception):
    """An image a course names could not be read; `str()` says why."""


@dataclass
class Source:
    """The files of one import. `files` maps a relative POSIX path, as the
    author sees it, to its text (None: there, but refused when read; the
    reason is in `problems`). `root` is the folder in those paths that holds
    the course folders ("" for the top), or one course's own files. `name`
    names the import in problems about it as a whole, and is the slug of a
    course whose course.md is at the root and gives none. `image(path)` gives
    an image's bytes, or raises ImageUnavailable; None when the source holds
    Markdown only (an upload)."""

    files: dict[str, str | None]
    problems: list[Problem] = field(default_factory=list)
    root: str = ""
    name: str = ""
    image: Callable[[str], bytes] | None = None


def max_file_bytes() -> int:
    return settings.FMA_IMPORT_MAX_FILE_BYTES


def megabytes(size: int) -> str:
    return f"{size / MB:.3g} MB" if size >= MB else f"{size / KB:.3g} KB"


def printable(text: str) -> str:
    """Text that can be printed and stored: file names from a disk may hold
    undecodable bytes (as surrogates) or control characters."""
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return CONTROL.sub("?", text.replace("\ufffd", "?"))


def decode(data: bytes, file: str) -> tuple[str | None, Problem | None]:
    """The text of a course file (UTF-8, a byte-order mark dropped), or None
    and the problem."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Problem(
            file,
            line,
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} on this line): save it "
            "as UTF-8",
        )
    text = text.removeprefix("\ufeff")
    if bad := CONTROL.search(text):
        line = len(LINE_BREAK.findall(text, 0, bad.start())) + 1
        return None, Problem(
            file,
            line,
            f"the file holds a control character ({character_name(bad.group())}), "
            "which is not allowed: delete it",
        )
    return text, None


# A folder on disk.


class FolderReader:
    """Reads files under `root`, never more than the file cap of one file nor
    the library cap in all."""

    def __init__(self, root: Path):
        self.root = root
        self.source = Source(files={}, name=printable(root.name), image=self.image)
        self.bytes_left = settings.FMA_IMPORT_MAX_LIBRARY_BYTES

    def refuse(self, file: str, line: int, message: str) -> None:
        self.source.files[file] = None
        self.source.problems.append(Problem(file, line, message))

    def read(self, path: Path) -> None:
        file = printable(path.relative_to(self.root).as_posix())
        most = max_file_bytes()
        if self.bytes_left <= 0:
            self.source.files[file] = None  # already reported
            return
        try:
            with path.open("rb") as handle:
                data = handle.read(most + 1)
        except OSError as exc:
            why = printable(exc.strerror or str(exc))
            return self.refuse(file, 0, f"the file could not be read ({why})")
        if len(data) > most:
            return self.refuse(
                file,
                0,
                f"the file is over {megabytes(most)}, the most one course file may be; "
                "a five-minute lesson is far smaller",
            )
        self.bytes_left -= len(data)
        if self.bytes_left < 0:
            return self.refuse(
                file,
                0,
                "the course files are too large in all to import at once; import fewer courses",
            )
        text, problem = decode(data, file)
        self.source.files[file] = text
        if problem:
            self.source.problems.append(problem)

    def read_folder(self, folder: Path) -> None:
        name = printable(folder.relative_to(self.root).as_posix())
        try:
            paths = sorted(
                p for p in folder.iterdir() if p.name == COURSE_FILE or LESSON_FILE.match(p.name)
            )
        except OSError as exc:
            why = printable(str(exc))
            self.source.problems.append(
                Problem(name, 0, f"the course folder could not be read ({why})")
            )
            return
        if not paths:
            self.source.problems.append(Problem(name, 0, f"the course folder has no {COURSE_FILE}"))
        for path in paths:
            self.read(path)

    def image(self, name: str) -> bytes:
        """The bytes of the image at `name` (a path under the root, already
        checked to stay in its course folder), at most one byte over the cap."""
        folder = name.split("/", 1)[0]
        try:
            path = (self.root / name).resolve()
            if not path.is_relative_to((self.root / folder).resolve()):
                raise ImageUnavailable("outside")  # a symbolic link out of the folder
            with path.open("rb") as handle:
                return handle.read(settings.FMA_IMPORT_MAX_IMAGE_BYTES + 1)
        except (OSError, ValueError, RuntimeError):
            raise ImageUnavailable("not found") from None


def read_folder(root: Path) -> Source:
    """taxonomy.yaml and, in each folder under `root` (hidden ones left out),
    course.md and the lesson files."""
    root = Path(root)
    reader = FolderReader(root)
    if (root / TAXONOMY_FILE).exists():
        reader.read(root / TAXONOMY_FILE)
    try:
        folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError as exc:
        why = printable(str(exc))
        reader.source.problems.append(
            Problem(reader.source.name, 0, f"the folder could not be read ({why})")
        )
        return reader.source
    for folder in folders:
        reader.read_folder(folder)
    return reader.source
