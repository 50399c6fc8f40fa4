#!/usr/bin/env bash
# Installs ropa, loads the example softphone provider into the embedded SQLite store
# (data/ropa.sqlite) and starts the service on http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/ropa demo "$@"
