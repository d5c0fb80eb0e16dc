from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from courses.importer import LibraryImportError, import_library
from courses.importer.sources import read_folder


class Command(BaseCommand):
    help = (
        "Import courses from Markdown files with front matter (default: the starter library). "
        "All or nothing; running it again changes only what changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(settings.FMA_LIBRARY_DIR))
        parser.add_argument(
            "--draft", action="store_true", help="Save as drafts instead of publishing."
        )

    def handle(self, *args, path, draft, traceback=False, **options):
        root = Path(path)
        if not root.is_dir():
            raise CommandError(f"{root} is not a folder of courses.")
        try:
            report = import_library(read_folder(root), publish=not draft)
        except LibraryImportError as exc:
            count = len(exc.problems)
            raise CommandError(
                f"Nothing was imported: {count} problem{'s' if count != 1 else ''} to fix.\n{exc}"
            ) from None
        except Exception as exc:  # a bug, not the files: rolled back (one transaction)
            if traceback:
                raise
            raise CommandError(
                "Nothing was imported: the import failed unexpectedly and was rolled back "
                f"({type(exc).__name__}: {str(exc)[:300]}). Run again with --traceback to see "
                "where."
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Imported from {root}: {report}."))
