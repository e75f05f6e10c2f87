#!/usr/bin/env bash
# Fresh machine -> the main job on the bundled SQLite sample data.
# Creates .venv (if missing), installs the project, builds data/processed/jewelcrime.sqlite
# from data/raw/ and starts the dashboard.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
.venv/bin/jewelcrime etl
if .venv/bin/jewelcrime --help | grep -q " serve "; then
  exec .venv/bin/jewelcrime serve "$@"
fi
.venv/bin/jewelcrime figures
