#!/usr/bin/env bash
# Rebuilds dashboard/graphics/vendor/plotly-graphics.min.js: plotly.js (the version plotly.py bundles)
# with only the trace types campaign graphics draw. It parses in about a third of the time of the
# full 4.8 MB bundle, which is most of a cold export. Needs node and npm; run it after upgrading plotly
# or after a chart starts using a new trace type (tests/test_graphics_bundle.py says when).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=$(.venv/bin/python -c "import plotly, pathlib, re; p = pathlib.Path(plotly.__file__).parent / 'package_data' / 'plotly.min.js'; print(re.search(r'plotly.js v([0-9.]+)', p.read_text()[:300]).group(1))")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp scripts/plotly_bundle/entry.js scripts/plotly_bundle/build.js "$WORK"/
(cd "$WORK" && npm init -y >/dev/null && npm install -s --no-audit --no-fund "plotly.js@$VERSION" esbuild \
  esbuild-plugin-environment esbuild-plugin-inline-css && node build.js "$PWD/out.min.js")
cp "$WORK/out.min.js" dashboard/graphics/vendor/plotly-graphics.min.js
echo "dashboard/graphics/vendor/plotly-graphics.min.js: plotly.js v$VERSION, $(wc -c < dashboard/graphics/vendor/plotly-graphics.min.js) bytes"
