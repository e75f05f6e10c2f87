"""Map page callbacks as plain functions, against a database built by the real ETL."""
from __future__ import annotations

import dash
import pytest

from dashboard.app import create_app
from tests.conftest import bound, FIXTURES

KNOWN = FIXTURES / "figures" / "jsa_known.csv"


@pytest.fixture
def app(cli, db_url):
    assert cli("etl", KNOWN, "--db", db_url).exit_code == 0
    return create_app(db_url)


def test_map_rows_follow_the_data(app):
    map_page = bound(app, "map")

    result = map_page.build({"year_from": "2021", "year_to": "2021", "source": "JSA", "metric": "incidents"})
    rows = result.rows.set_index("code")
    assert len(rows) == 64  # every state and province is drawn, with or without data
    # 2021 in the fixture: IL 2 (one in August), TX 2, CA 2, WA 1, ID 1
    assert rows.loc["IL", "incidents"] == 2 and rows.loc["WA", "incidents"] == 1
    assert rows.loc["IL", "rank"] == 1
    # no row at all for these under the filters -> no data, never "low"
    assert rows.loc["FL", "risk_class"] == "No data" and rows.loc["ON", "risk_class"] != "No data"
    assert "Illinois" in result.summary or "Texas" in result.summary or "California" in result.summary
    assert result.sample is False


def test_bad_filters_fall_back_to_defaults(app):
    map_page = bound(app, "map")

    result = map_page.build({"year_from": "1066", "metric": "DROP TABLE", "source": "x", "category": "<script>"})
    assert "2023" in result.date_range  # the latest year with data
    assert "per_million" in result.rows.columns  # the default measure of risk classes


def test_click_opens_the_regional_page(app):
    map_page = bound(app, "map")

    path, search = map_page.open_region({"points": [{"location": "TX"}]}, {"year_from": 2022, "year_to": 2022})
    assert path == "/risk" and "region=TX" in search and "year_from=2022" in search
    assert map_page.open_region({"points": [{"location": "ZZ"}]}, {})[0] is dash.no_update


def test_the_map_reaches_the_browser_with_its_projection_and_theme(app):
    """The map figure skips plotly's checks for speed, so what plotly.js receives is exactly what is written:
    no magic-underscore keys (plotly.js would ignore `projection_type`) and the theme as a template."""
    map_page = bound(app, "map")

    for query in ({"year_from": "2021", "year_to": "2021"}, {"layer": "context", "context": "robbery"}):
        layout = map_page.build(query).figure.to_plotly_json()["layout"]
        assert layout["geo"]["projection"] == {"type": "conic conformal", "parallels": [40, 60], "rotation": {"lon": -97}}
        assert layout["geo"]["lonaxis"]["range"] == [-150, -52] and layout["geo2"]["lataxis"]["range"] == [18.7, 22.4]
        assert not [key for key in (*layout, *layout["geo"], *layout["geo2"]) if "_" in key]
        assert layout["template"]["layout"]["font"]["family"].startswith("system-ui")
        assert layout["height"] == 560 and layout["legend"]["orientation"] == "h"
