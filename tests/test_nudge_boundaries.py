"""Recommendations and nudges make decisions about one learner, so they must
never read equity data (collected, later, for aggregate reporting only). This
test reads their source: no import of an equity module, no mention of one."""

import ast
from pathlib import Path

from django.conf import settings

DECIDING_PACKAGES = ["lms/nudges", "lms/pathways"]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return found


def test_recommendations_and_nudges_never_import_equity_data():
    checked = 0
    for package in DECIDING_PACKAGES:
        for path in (Path(settings.BASE_DIR) / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            checked += 1
            for module in imported_modules(path):
                assert "equity" not in module.lower(), f"{path} imports {module}"
            code = path.read_text().lower()
            assert "equityprofile" not in code and "equity_profile" not in code, path
    assert checked >= 10
