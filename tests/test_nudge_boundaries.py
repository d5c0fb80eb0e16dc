"""Recommendations, nudges, the dashboard and the learner's profile make
decisions about one learner, so they must never read equity data (collected
for aggregate reporting only). This test reads their source: no import of an
equity module, no name of the equity models or the related attribute, no
"equity" app label for apps.get_model. Two things are allowed, by name:
the learner's own data export (their right of access, which decides
nothing) and the URL names of the learner's own equity page, to link to it.

It also checks that no admin, snippet or URL shows one person's answers:
the learner's own /me/equity/ pages are the only ones, and they take no id."""

import ast
from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

from lms.equity.models import EquityProfile, EquityPrompt

DECIDING_PACKAGES = ["lms/nudges", "lms/pathways", "home", "lms/learners"]
# Single files held to the same rule: the skills-gap figures and their reports
# (equity breakdowns of skills gaps belong on the equity dashboard only).
DECIDING_FILES = [
    "lms/reports/skills_gaps.py",
    "lms/reports/views/skills_gaps.py",
    "demo/skills.py",
]
# file -> functions in it allowed to read the learner's own equity answers
OWN_DATA_EXPORT = {"lms/learners/services.py": {"_cohort_and_equity_data"}}
EQUITY_URL_NAMES = {"equity_profile", "equity_not_now", "equity_withdraw"}
URL_FUNCTIONS = {"redirect", "reverse", "reverse_lazy", "resolve_url"}
FORBIDDEN_WORDS = ("equityprofile", "equity_profile", "equityprompt", "equity_prompt")


def imported_modules(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return found


def allowed_url_names(tree: ast.AST) -> set[int]:
    """ids of string constants that name an equity URL in redirect()/reverse()."""
    allowed = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            first = node.args[0]
            if (
                name in URL_FUNCTIONS
                and isinstance(first, ast.Constant)
                and first.value in EQUITY_URL_NAMES
            ):
                allowed.add(id(first))
    return allowed


def words_in(tree: ast.AST) -> list[tuple[int, str]]:
    """Every identifier, attribute and string constant, with its line."""
    allowed = allowed_url_names(tree)
    words = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            words.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute):
            words.append((node.lineno, node.attr))
        elif isinstance(node, ast.keyword) and node.arg:
            words.append((node.lineno, node.arg))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in allowed
        ):
            words.append((node.lineno, node.value))
    return words


def deciding_paths():
    for package in DECIDING_PACKAGES:
        yield from (Path(settings.BASE_DIR) / package).rglob("*.py")
    for name in DECIDING_FILES:
        path = Path(settings.BASE_DIR) / name
        assert path.exists(), name
        yield path


def deciding_source():
    for path in deciding_paths():
        if "migrations" in path.parts:
            continue
        relative = path.relative_to(settings.BASE_DIR).as_posix()
        tree = ast.parse(path.read_text())
        exempt = OWN_DATA_EXPORT.get(relative, set())
        tree.body = [
            node
            for node in tree.body
            if not (isinstance(node, ast.FunctionDef) and node.name in exempt)
        ]
        yield relative, tree


def test_recommendations_nudges_and_dashboard_never_read_equity_data():
    checked = 0
    for path, tree in deciding_source():
        checked += 1
        for module in imported_modules(tree):
            assert "equity" not in module.lower(), f"{path} imports {module}"
        for line, word in words_in(tree):
            lowered = word.lower()
            assert not any(w in lowered for w in FORBIDDEN_WORDS), f"{path}:{line} {word!r}"
            assert lowered != "equity" and "lms.equity" not in lowered, f"{path}:{line} {word!r}"
    assert checked >= 20 + len(DECIDING_FILES)


def test_the_check_catches_a_model_import_and_a_related_attribute():
    for code in (
        "from lms.equity.models import EquityProfile",
        "import lms.equity",
        "answers = user.equity_profile",
        "answers = getattr(user, 'equity_profile')",
        "Model = apps.get_model('equity', 'x')",
    ):
        tree = ast.parse(code)
        found = [m for m in imported_modules(tree) if "equity" in m] + [
            w
            for _, w in words_in(tree)
            if any(f in w.lower() for f in FORBIDDEN_WORDS) or w.lower() == "equity"
        ]
        assert found, code
    linking = ast.parse("redirect(reverse('equity_profile') + '?after=onboarding')")
    assert not [w for _, w in words_in(linking) if "equity" in w.lower()]


def test_equity_answers_are_in_no_admin_and_no_snippet():
    from wagtail.admin.viewsets import viewsets
    from wagtail.snippets.models import get_snippet_models

    assert EquityProfile not in admin.site._registry
    assert EquityPrompt not in admin.site._registry
    assert EquityProfile not in get_snippet_models()

    def all_viewsets(items):
        for viewset in items:
            yield viewset
            yield from all_viewsets(getattr(viewset, "viewsets", []) or [])

    models = {getattr(viewset, "model", None) for viewset in all_viewsets(viewsets.viewsets)}
    assert EquityProfile not in models and EquityPrompt not in models


def url_patterns(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def test_only_the_learners_own_equity_pages_take_no_id():
    """Every URL served by lms.equity (and the equity dashboard and audit log
    in lms.reports) acts on the signed-in user: none captures a person's (or
    a profile's) id."""
    equity_urls = {}
    for route, pattern in url_patterns(get_resolver()):
        module = getattr(pattern.callback, "__module__", "") or ""
        if module.startswith(("lms.equity", "lms.reports.views.equity")):
            equity_urls[route] = pattern
            assert not pattern.pattern.regex.groups, f"{route} takes a parameter"
    learner_pages = {route for route in equity_urls if route.startswith("me/")}
    assert learner_pages == {"me/equity/", "me/equity/not-now/", "me/equity/withdraw/"}
