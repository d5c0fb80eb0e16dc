# Five Minute AI. `make run` and `make test` set up everything they need.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MANAGE := $(PY) manage.py
# pytest-xdist processes for `make test` (one more than the cores by default:
# a test waiting on a Celery worker, Chromium or a sleep leaves its core to
# the extra one; 0 runs the suite in this process). An idle process takes
# tests from another's queue (worksteal), so the run does not end waiting on
# one process's last few.
TEST_PROCESSES ?= $(shell echo $$(( $$(nproc) + 1 )))
TEST_DIST := $(if $(filter 0,$(TEST_PROCESSES)),,--dist worksteal)

.PHONY: run test lint bench bench-deps mutation setup clean-var browser-deps lighthouse lighthouse-deps

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed (set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

## Start web (http://127.0.0.1:8000), Celery worker and Celery beat on the
## embedded default: SQLite, a file-based broker, email to var/outbox.
run: $(STAMP)
	DJANGO_SETTINGS_MODULE=lms.settings.dev $(MANAGE) migrate --noinput
	DJANGO_SETTINGS_MODULE=lms.settings.dev $(MANAGE) seed_demo
	DJANGO_SETTINGS_MODULE=lms.settings.dev $(MANAGE) runstack

## Headless Chromium for the browser tests, from Debian's packages.
browser-deps:
	@command -v chromium >/dev/null || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }

lint: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

test: $(STAMP) browser-deps lint
	DJANGO_SETTINGS_MODULE=lms.settings.test $(MANAGE) check
	DJANGO_SETTINGS_MODULE=lms.settings.test $(MANAGE) makemigrations --check --dry-run
	$(VENV)/bin/pytest -n $(TEST_PROCESSES) $(TEST_DIST) $(PYTEST_ARGS)
	$(MAKE) lighthouse

## Lighthouse (pinned in lighthouse/package.json) for scripts/lighthouse.py.
lighthouse-deps: lighthouse/node_modules/.installed
lighthouse/node_modules/.installed: lighthouse/package.json lighthouse/package-lock.json
	npm ci --prefix lighthouse --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

## Lighthouse scores of the learner pages under production settings; fails below the bar.
lighthouse: $(STAMP) browser-deps lighthouse-deps
	$(PY) scripts/lighthouse.py

## Throughput and latency against a bare Django view in the same run.
## wrk, the load generator of make bench, from Debian's packages.
bench-deps:
	@command -v wrk >/dev/null || { \
	  echo "Installing Debian's wrk for make bench"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

bench: $(STAMP) bench-deps
	$(PY) bench/run.py $(BENCH_ARGS)
	$(PY) bench/nudges.py $(NUDGE_BENCH_ARGS)
	$(PY) bench/cohorts.py $(COHORT_BENCH_ARGS)
	$(PY) bench/skills.py $(SKILLS_BENCH_ARGS)

## Mutation testing of the core modules (docs/testing.md); not part of CI.
## Needs about an hour on two cores: the tests run once per mutant.
mutation: $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,mutation]"
	rm -rf mutants var/mutation-test.sqlite3
	mkdir -p var
	TEST_DATABASE_NAME=$(CURDIR)/var/mutation-test.sqlite3 $(VENV)/bin/mutmut run --max-children 2 || true
	$(PY) scripts/mutation_scores.py

clean-var:
	rm -rf var
