"""Map page callbacks as plain functions, against a database built by the real ETL."""
from __future__ import annotations

import dash
import pytest

from dashboard.app import create_app
from tests.conftest import FIXTURES

KNOWN = FIXTURES / "figures" / "jsa_known.csv"


@pytest.fixture
def app(cli, db_url):
    assert cli("etl", KNOWN, "--db", db_url).exit_code == 0
    return create_app(db_url)


def test_map_rows_follow_the_data(app):
    from dashboard.pages import map as map_page

    result = map_page.build({"year_from": "2021", "year_to": "2021", "source": "JSA"})
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
    from dashboard.pages import map as map_page

    result = map_page.build({"year_from": "1066", "metric": "DROP TABLE", "source": "x", "category": "<script>"})
    assert "2023" in result.date_range  # the latest year with data
    assert "incidents" in result.rows.columns


def test_click_opens_the_regional_page(app):
    from dashboard.pages import map as map_page

    path, search = map_page.open_region({"points": [{"location": "TX"}]}, {"year_from": 2022, "year_to": 2022})
    assert path == "/risk" and "region=TX" in search and "year_from=2022" in search
    assert map_page.open_region({"points": [{"location": "ZZ"}]}, {})[0] is dash.no_update
