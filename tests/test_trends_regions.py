"""Region trends, series breaks, the map's change measure and the risk verdict's measure, on small fixtures.

tests/fixtures/dashboard/jsa_trends.csv, incidents by state and year (counted by hand):
        2019 2020 2021 2022 2023
  CA       0    0    5    6    0
  ID       4    2    5    9    0
  IL      12    3   15   12    9
  NV       0    0    0    6    0
  ON       0    0    0    4    0      (Canada)
  TX       4    0    5    6    0
  U.S. totals: 20, 5, 30, 39, 9.
tests/fixtures/period/: JSA-style incidents 2022-2024, JM-style claims 2023-2024 (four, all Colorado).
"""
from __future__ import annotations

import pytest

from dashboard import series_breaks
from dashboard.app import create_app
from tests.conftest import FIXTURES, bound

TRENDS = FIXTURES / "dashboard" / "jsa_trends.csv"
PERIOD = FIXTURES / "period"


@pytest.fixture
def app(cli, db_url):
    assert cli("etl", TRENDS, "--db", db_url).exit_code == 0
    return create_app(db_url)


def test_two_regions_against_their_country(app):
    trends = bound(app, "trends")
    result = trends.build_yearly({"region": "tx,IL", "source": "JSA"})
    rows = result.rows.set_index("year")
    assert rows["total"].tolist() == [16, 3, 20, 18, 9]  # IL + TX
    assert rows["country_total"].tolist() == [20, 5, 30, 39, 9]  # the whole U.S.
    assert rows.loc[2022, "share_of_country_pct"] == pytest.approx(18 / 39 * 100)
    assert set(rows["regions"]) == {"IL,TX"}
    assert "Illinois and Texas" in result.summary and "Illinois and Texas" in result.date_range
    assert "100.0% of United States's 9 incidents in 2023" in result.summary


def test_region_index_draws_the_country_line(app):
    trends = bound(app, "trends")
    result = trends.build_index({"region": "IL,TX", "source": "JSA", "base_year": "2019"})
    rows = result.rows
    mine = rows[rows["series"] == "data"].set_index("year")
    whole = rows[rows["series"] == "whole country: United States"].set_index("year")
    assert mine.loc[2022, "index"] == pytest.approx(18 / 16 * 100)
    assert whole.loc[2022, "index"] == pytest.approx(39 / 20 * 100)
    names = [t.name for t in result.figure.data]
    assert "United States, all of it (same filters)" in names
    # the campaign's national claim is not drawn over two states; without regions it is, and no country line
    assert "Campaign claim" not in names
    national = trends.build_index({"source": "JSA", "country": "US", "base_year": "2019"})
    assert "whole country: United States" not in set(national.rows["series"])
    assert "Campaign claim" in [t.name for t in national.figure.data]


def test_unknown_regions_are_dropped_and_none_means_all(app):
    trends = bound(app, "trends")
    assert trends.current({"region": "ZZ,il"})[0].region == "IL"
    assert trends.build_yearly({"region": "ZZ", "source": "JSA"}).rows["total"].tolist() == [20, 5, 30, 43, 9]


def test_the_break_rule_on_spans():
    spans = {"JSA": (2010, 2024), "JM": (2018, 2024)}
    assert series_breaks.common_years(spans, "combined") == (2018, 2024)
    found = series_breaks.breaks(spans, "combined", 2010, 2024)
    assert [(b.year, b.text) for b in found] == [(2018, "JM-style claims start in 2018")]
    assert series_breaks.breaks(spans, "JSA", 2010, 2024) == []  # one source: nothing breaks
    assert series_breaks.breaks(spans, "combined", 2018, 2024) == []  # like for like
    stop = series_breaks.breaks({"JSA": (2010, 2020), "JM": (2010, 2024)}, "combined", 2015, 2024)
    assert [(b.year, b.text) for b in stop] == [(2021, "JSA-style incidents stop after 2020")]


def test_combined_trends_default_to_like_for_like_and_mark_a_break(cli, db_url):
    assert cli("etl", PERIOD / "jsa_period.csv", PERIOD / "jm_period.csv", "--db", db_url).exit_code == 0
    trends = bound(create_app(db_url), "trends")
    f, _ = trends.current({})
    assert (f.year_from, f.year_to) == (2023, 2024)  # JM claims start in 2023: combined counts both from then
    assert trends.current({"source": "JSA"})[0].year_from == 2022
    wide = trends.build_yearly({"year_from": "2022", "year_to": "2024"})
    assert "Series break: JM-style claims start in 2023" in wide.summary
    assert any(getattr(s, "x0", None) == 2022.5 for s in wide.figure.layout.shapes)
    assert "Series break" not in trends.build_yearly({}).summary


def test_map_change_since_the_base_year(app):
    map_page = bound(app, "map")
    result = map_page.build({"metric": "change_since_base", "base_year": "2019", "year_from": "2022",
                             "year_to": "2022", "source": "JSA"})
    rows = result.rows.set_index("code")
    assert rows.loc["IL", "change_pct"] == 0.0 and rows.loc["TX", "change_pct"] == pytest.approx(50.0)
    assert rows.loc["ID", "change_pct"] == pytest.approx(125.0) and rows.loc["ID", "change_abs"] == 5
    assert bool(rows.loc["TX", "reliable"]) is False  # 4 to 6: too few to read
    assert rows.loc["CA", "change_pct"] != rows.loc["CA", "change_pct"]  # 0 in 2019: no percent (NaN)
    ring = next(t for t in result.figure.data if t.name and t.name.startswith("Ring"))
    # IL (12 to 12: not significant), ID (4 to 9) and TX (4 to 6: too few); CA and NV had none in 2019: grey
    assert len(ring.lon) == 3
    prior = map_page.build({"metric": "change_on_prior", "year_from": "2022", "year_to": "2022", "source": "JSA"})
    assert prior.rows.set_index("code").loc["IL", "change_pct"] == pytest.approx((12 - 15) / 15 * 100)


def test_the_risk_verdict_names_its_measure_and_the_other_one(app):
    from tests.conftest import text

    risk = bound(app, "risk")
    query = {"region": "IL", "year_from": "2022", "year_to": "2022", "source": "JSA"}
    per_resident = risk.profile(query)
    by_count = risk.profile({**query, "metric": "incidents"})
    assert per_resident.filters.metric == "per_million"  # the default measure of risk classes
    assert by_count.rank == 1  # 12 incidents, the most in 2022
    assert per_resident.rank > 1  # Idaho's 9 among far fewer residents come first
    words = text(risk.update_headline(query))
    assert "by incidents per million residents, 2022" in words
    assert f"By number of incidents Illinois ranks 1 of {by_count.ranked}" in words
    assert f"Per resident, the measure risk classes use, it ranks {per_resident.rank}" in words
    other = text(risk.update_headline({**query, "metric": "incidents"}))
    assert f"Per resident (incidents per million residents per year" in other and f"rank {per_resident.rank}" in other


def test_the_general_crime_line_marks_a_change_of_table_or_coverage():
    import pandas as pd

    line = pd.DataFrame({"year": [2018, 2019, 2020, 2021], "source": ["FBI", "FBI", "FBI", "FBI"],
                         "release": ["2024", "2024", "2025", "2025"], "from_places": [True, False, False, False]})
    found = series_breaks.context_breaks(line)
    assert [(b.year, b.text) for b in found] == [(2019, "General-crime line: the national row from 2019"),
                                                 (2020, "General-crime line: FBI, release 2025 from 2020")]
    assert series_breaks.context_breaks(line.iloc[1:2]) == []
