#!/usr/bin/env bash
# Mutation score of one module with the tests that guard it, as in
# docs/testing.md:   scripts/mutation_one.sh lms/nudges/links.py tests/test_nudge_links.py
# It runs on a detached copy of HEAD (a git worktree under var/), so the
# [tool.mutmut] settings it narrows are never those of your checkout; the copy
# stays for `mutmut results` and `mutmut show NAME` until the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: $0 MODULE TEST [TEST...]" >&2; exit 2; }
module=$1; shift
root=$(pwd)
copy=$root/var/mutation-one
git worktree remove --force "$copy" 2>/dev/null || rm -rf "$copy"
git worktree add --quiet --detach "$copy" HEAD
ln -s "$root/.venv" "$copy/.venv"
cd "$copy"
.venv/bin/python - "$module" "$@" <<'PY'
import re, sys
module, tests = sys.argv[1], sys.argv[2:]
text = open("pyproject.toml").read()
text = re.sub(r"only_mutate = \[.*?\]", f'only_mutate = ["{module}"]', text, flags=re.S)
selection = ", ".join(f'"{test}"' for test in tests)
text = re.sub(
    r"pytest_add_cli_args_test_selection = \[.*?\]",
    f"pytest_add_cli_args_test_selection = [{selection}]",
    text,
    flags=re.S,
)
open("pyproject.toml", "w").write(text)
PY
mkdir -p var
TEST_DATABASE_NAME=$copy/var/mutation-test.sqlite3 nice .venv/bin/mutmut run --max-children 2 >/dev/null 2>&1 || true
.venv/bin/python scripts/mutation_scores.py || true
echo "Survivors: cd $copy && .venv/bin/mutmut results; .venv/bin/mutmut show NAME"
