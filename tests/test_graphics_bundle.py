"""The partial plotly.js bundle graphics are drawn with, and the chart page around it.

The bundle (dashboard/graphics/vendor, built by scripts/build_plotly_bundle.sh) holds only some trace types;
a chart that starts drawing another would come out blank in exports, so these tests say when to rebuild it.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import plotly
import pytest

from dashboard import charts, exporter
from dashboard.graphics import browser
from etl.config import make_engine
from tests.conftest import FIXTURES

pytestmark = pytest.mark.browser  # needs Debian's chromium

QUERIES = ({}, {"region": "CA"}, {"region": "US-TX"}, {"layer": "context"}, {"metric": "per_million"})


@pytest.fixture(scope="module")
def engine(tmp_path_factory):  # noqa: ANN201
    from typer.testing import CliRunner

    from dashboard.cli import app

    url = f"sqlite:///{tmp_path_factory.mktemp('bundle') / 'bundle.sqlite'}"
    for path in (FIXTURES / "exports" / "jsa_sample_small.csv", FIXTURES / "figures" / "nibrs_2020_known.csv"):
        assert CliRunner().invoke(app, ["etl", str(path), "--db", url]).exit_code == 0
    return make_engine(url)


def _trace_types(engine) -> dict[str, set[str]]:  # noqa: ANN001
    found: dict[str, set[str]] = {}
    for chart_id in exporter.exportable():
        for query in QUERIES:
            try:
                figure = charts.build(engine, chart_id, dict(query), export=True).figure
            except (KeyError, ValueError):  # a filter this chart does not take
                continue
            data = figure["data"] if isinstance(figure, dict) else figure.to_plotly_json()["data"]
            for trace in data:
                found.setdefault(trace.get("type") or "scatter", set()).add(chart_id)
    return found


def test_every_trace_type_an_exported_chart_draws_is_in_the_bundle(engine):
    drawn = _trace_types(engine)
    assert {"bar", "choropleth"} <= set(drawn)  # the charts were really built
    missing = {t: sorted(ids) for t, ids in drawn.items() if t not in browser.BUNDLE_TRACES}
    assert not missing, f"rebuild the bundle with these trace types (scripts/build_plotly_bundle.sh): {missing}"


def test_the_bundle_registers_its_trace_types_and_matches_plotlys_version():
    registered = browser.shared().run(lambda s: s.renderer._chart_page_ready().evaluate(
        "Object.keys(Plotly.PlotSchema.get().traces)"))
    assert set(browser.BUNDLE_TRACES) <= set(registered)
    assert "scatter3d" not in registered  # it is the partial bundle, not the full one
    full = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    version = re.search(r"plotly\.js v([0-9.]+)", full.read_text(encoding="utf-8")[:300]).group(1)
    assert browser.PLOTLY_JS.read_text(encoding="utf-8")[:200].startswith(f"/* plotly.js v{version} ")


def test_chart_svg_keeps_text_exactly_and_rounds_only_path_coordinates():
    figure = {"data": [{"type": "bar", "x": ["a", "b"], "y": [1.23456, 2.5], "text": ["1.23456", "2.5"],
                        "textposition": "outside"},
                       {"type": "scatter", "x": ["a", "b"], "y": [0.333333, 2.777777], "mode": "lines"}],
              "layout": {"title": {"text": "Rate 0.123456 per mille"}, "width": 333, "height": 211}}
    svg = browser.shared().run(lambda s: s.chart_svg(json.dumps(figure), 333, 211))
    assert svg.startswith("<svg")
    assert ">1.23456<" in svg and "Rate 0.123456 per mille" in svg
    paths = re.findall(r' d="([^"]*)"', svg)
    assert paths, "plotly drew no paths"
    decimals = [len(n.split(".")[1]) for d in paths for n in re.findall(r"\d+\.\d+", d)]
    assert decimals and max(decimals) <= 2
