#!/usr/bin/env bash
# Installs what ropa needs on a Debian machine with Python 3.11: the uv installer, then the
# locked Python packages into .venv. Usage: scripts/setup.sh [--dev]
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check uv
fi
export UV_PYTHON_DOWNLOADS=never
if [ "${1:-}" = "--dev" ]; then
  uv sync --frozen --quiet
else
  uv sync --frozen --quiet --no-dev
fi
