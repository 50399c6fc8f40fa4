#!/usr/bin/env bash
# Installs what ropa needs on a Debian machine with Python 3.11: Graphviz (diagrams), the uv
# installer, then the locked Python packages into .venv.
#   scripts/setup.sh          to run the service
#   scripts/setup.sh --dev    to run the tests as well (adds LibreOffice, Chromium, test tools)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
command -v dot >/dev/null 2>&1 || packages+=(graphviz)
if [ "${1:-}" = "--dev" ]; then
  command -v soffice >/dev/null 2>&1 || packages+=(libreoffice-calc)
  # Liberation Sans: LibreOffice prints the workbook's Arial in it (same metrics)
  fc-list 2>/dev/null | grep -q LiberationSans || packages+=(fonts-liberation2)
  [ -x /usr/bin/chromium ] || packages+=(chromium)
fi
if [ "${#packages[@]}" -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "installing Debian packages: ${packages[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  else
    echo "missing Debian packages (run as root to install): ${packages[*]}" >&2
  fi
fi

if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check uv
fi
export UV_PYTHON_DOWNLOADS=never
if [ "${1:-}" = "--dev" ]; then
  uv sync --frozen --quiet
else
  uv sync --frozen --quiet --no-dev
fi
