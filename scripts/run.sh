#!/usr/bin/env bash
# Fresh machine -> the main job on the bundled SQLite sample data.
# Installs Debian's chromium and fonts-liberation if missing (campaign graphics), creates .venv (if missing), installs the project, brings data/processed/jewelcrime.sqlite
# up to date with data/raw/ and serves the dashboard on http://127.0.0.1:8050
# (extra arguments go to `jewelcrime serve`, e.g. --port 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
# campaign graphics are laid out and drawn by Debian's chromium (never a downloaded browser) in Liberation
# Sans, the typeface their text is fitted in (a wider fallback font makes long text refuse to fit)
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -q "Liberation Sans" || missing+=(fonts-liberation)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
.venv/bin/jewelcrime etl
exec .venv/bin/jewelcrime serve "$@"
