# make run   the application on http://127.0.0.1:8000 with a Celery worker (and beat)
# make test  everything CI checks: lint, Django checks, pytest on PostgreSQL and
#            SQLite, then the browser tests
# make bench the deadline scan over 100,000 and 1,000,000 open records on SQLite
#            and PostgreSQL, then a backlog of 40,000 emails (not part of
#            `make test`; BENCH_RECORDS=100000 for the small size alone)
# make bench-web  the pages under gunicorn against a bare view, at 10,000 and
#            1,000,000 records on PostgreSQL (not part of `make test`;
#            BENCH_WEB_RECORDS=10000 for the small size alone)
#
# Needs Python 3.11+ (PYTHON=... to choose one). `make test` also needs
# PostgreSQL, Redis and Debian's chromium; .ci/run installs and starts them.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
# The targets share a test database and the browser; never run them side by side.
.NOTPARALLEL:

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# pip runs again only when pyproject.toml is newer than this file.
STAMP := $(VENV)/.installed

# `make test` talks to the services of the project's machines unless told otherwise.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# Each run creates its own test database (test_test_run<pid>): two runs on one machine
# must not drop each other's. pytest-django appends TOX_PARALLEL_ENV to the name.
PG_ENV = DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}" \
	TOX_PARALLEL_ENV="$${TOX_PARALLEL_ENV:-run$$$$}"
# A throw-away key, only so that the production settings load for `check --deploy`.
CHECK_SECRET_KEY := ci-check-only-Vq7xR2mK9pLw4Zt8NbY3cJ6hF1sD5gA0eU9iOoTr
PYTEST := $(PY) -m pytest
# `make test-deploy` runs gunicorn behind nginx in a database of its own (made and
# dropped on TEST_DATABASE_URL's server) and this Redis database, kept apart from the
# tests' (0) so that what it queues never reaches their workers.
DEPLOY_REDIS_URL ?= redis://127.0.0.1:6379/5
ADDRPORT ?= 127.0.0.1:8000
# `make bench` works in databases of its own, made and dropped around each run (a
# failed run leaves them; the next one drops them first). Never the test database.
BENCH_RECORDS ?= 100000 1000000
BENCH_OVERDUE ?= 0.10
BENCH_SQLITE := $(CURDIR)/var/bench_scan.sqlite3
BENCH_PG := -h 127.0.0.1 -p 5432 -U postgres
BENCH_PG_DB := bench_scan
BENCH := $(PY) benchmarks/scan.py --overdue $(BENCH_OVERDUE) $(BENCH_ARGS)
BENCH_ARGS ?=
# `make bench-web` builds each size in a database of its own (bench_web, made and
# dropped around each size) and serves it with gunicorn on a loopback port of its own.
BENCH_WEB_RECORDS ?= 10000 1000000
BENCH_WEB_DB := bench_web
BENCH_WEB_ARGS ?=

.PHONY: help install run test lint check test-postgres test-sqlite test-deploy test-e2e messages bench bench-web

help:
	@echo "make run            migrate, load the demo data, serve http://127.0.0.1:8000 with a Celery worker"
	@echo "make test           lint + checks + pytest on PostgreSQL and SQLite + browser tests (what CI runs)"
	@echo "make lint           ruff check, ruff format --check and the engine's import layers"
	@echo "make check          Django system checks, missing migrations, production settings"
	@echo "make test-postgres  pytest on PostgreSQL and Redis (DATABASE_URL, REDIS_URL)"
	@echo "make test-sqlite    pytest on SQLite with the local broker"
	@echo "make test-deploy    collectstatic, gunicorn behind nginx with TLS, smoke test over https"
	@echo "make test-e2e       browser tests with /usr/bin/chromium"
	@echo "make messages       update and compile the zh_Hans translations (needs gettext)"
	@echo "make bench          the deadline scan at 100,000 and 1,000,000 records, and 40,000 emails"
	@echo "make bench-web      the pages against a bare view under gunicorn, at 10,000 and 1,000,000 records"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 or newer is needed; set PYTHON=/path/to/python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	PIP_DISABLE_PIP_VERSION_CHECK=1 $(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP)

run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Open http://$(ADDRPORT) and log in as a role (e.g. sales) or admin; Ctrl-C stops the server and the worker."
	$(PY) manage.py runworker $(ADDRPORT)

test: lint check test-postgres test-sqlite test-deploy test-e2e

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

check: $(STAMP)
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.production DJANGO_SECRET_KEY='$(CHECK_SECRET_KEY)' \
		DJANGO_ALLOWED_HOSTS=example.com $(PY) manage.py check --deploy --fail-level WARNING

test-postgres: $(STAMP)
	$(PG_ENV) $(PYTEST) -m 'not e2e'

test-sqlite: $(STAMP)
	env -u DATABASE_URL -u REDIS_URL $(PYTEST) -m 'not e2e'

test-deploy: $(STAMP)
	$(PG_ENV) DEPLOY_REDIS_URL="$${DEPLOY_REDIS_URL:-$(DEPLOY_REDIS_URL)}" $(PYTEST) -m deploy tests/deploy

test-e2e: $(STAMP)
	$(PG_ENV) $(PYTEST) -m e2e

messages: $(STAMP)
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv
	$(PY) manage.py compilemessages --ignore=.venv

bench: $(STAMP)
	for n in $(BENCH_RECORDS); do \
		rm -f $(BENCH_SQLITE) $(BENCH_SQLITE)-*; \
		DATABASE_URL=sqlite:///$(BENCH_SQLITE) $(BENCH) --records $$n; \
		rm -f $(BENCH_SQLITE) $(BENCH_SQLITE)-*; \
		dropdb $(BENCH_PG) --if-exists $(BENCH_PG_DB); \
		createdb $(BENCH_PG) $(BENCH_PG_DB); \
		DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(BENCH_PG_DB) $(BENCH) --records $$n; \
		dropdb $(BENCH_PG) $(BENCH_PG_DB); \
	done

bench-web: $(STAMP)
	for n in $(BENCH_WEB_RECORDS); do \
		dropdb $(BENCH_PG) --if-exists $(BENCH_WEB_DB); \
		createdb $(BENCH_PG) $(BENCH_WEB_DB); \
		DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(BENCH_WEB_DB) \
			$(PY) benchmarks/web.py --records $$n $(BENCH_WEB_ARGS); \
		dropdb $(BENCH_PG) $(BENCH_WEB_DB); \
	done
