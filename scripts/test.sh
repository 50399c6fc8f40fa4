#!/usr/bin/env bash
# Installs ropa with its test tools and runs every check: lint, types (mypy, strict on ropa/),
# schema and migration drift, the test suite.
# Store and API tests run on SQLite and on PostgreSQL (ROPA_TEST_POSTGRES_URL, default
# postgresql://postgres@127.0.0.1:5432/test). Without a reachable PostgreSQL the suite passes
# on SQLite and says the PostgreSQL run was skipped; with CI=true it fails instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
if [ "${CI:-}" = "true" ]; then
  export ROPA_REQUIRE_POSTGRES=1
fi
.venv/bin/ruff check ropa tests bench
.venv/bin/mypy ropa
.venv/bin/ropa schema --check
.venv/bin/python -m ropa.store.drift  # the migrations against ropa/store/tables.py
# Two workers by default (ROPA_TEST_WORKERS=0 runs in one process): each has its own SQLite
# files and PostgreSQL database; the minutes-long tests start first. Tests that measure latency
# (marker `alone`) and the browser tests (Chromium's renderer crashes when starved of CPU) run
# afterwards, in one process, on a machine no other test is using. Headless Chromium's renderer
# still crashes now and then on the 2,000-system map ("Target crashed", the browser's own
# failure, not the page's): such a test runs once more, on a fresh page; no other failure does.
workers=(-n "${ROPA_TEST_WORKERS:-auto}")
if [ "$#" -gt 0 ]; then
  exec .venv/bin/pytest "${workers[@]}" "$@"
fi
.venv/bin/pytest "${workers[@]}" -m "not alone and not browser"
exec .venv/bin/pytest -m "alone or browser" --reruns 1 --only-rerun "Target crashed"
