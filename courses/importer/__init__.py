"""Import courses written as Markdown files with front matter (see
docs/authoring.md). Parsing is pure and reports every problem with file and
line; loading is one transaction, so an import is all or nothing."""

from .errors import LibraryImportError, Problem
from .loader import ImportReport, import_library

__all__ = ["ImportReport", "LibraryImportError", "Problem", "import_library"]
