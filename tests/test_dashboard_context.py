"""General crime beside jewelry crime: the map's general-crime layer, the trends line, the regional figures,
the scatter and the property shares, as plain functions on a database built by the real ETL.

The fixtures (tests/fixtures/context/dashboard/) are small enough to count by hand:

fbi_estimated_small.csv (FBI estimated-crimes layout), populations TX 30M, CA 40M, IL 12M, WA 8M, nation 300M:
    robbery  2022: TX 24,000 (80.0 per 100k), CA 44,000 (110.0), IL 12,000 (100.0), WA 4,400 (55.0)
             2023: TX 27,000 (90.0), CA 40,000 (100.0), IL 13,200 (110.0), WA 4,000 (50.0)
    burglary 2022: TX 81,000 (270.0)  2023: TX 90,000 (300.0), CA 100,000 (250.0), IL 30,000 (250.0), WA 36,000 (450.0)
    larceny  2022: TX 270,000 (900.0)  2023: TX 300,000 (1,000.0), CA 400,000 (1,000.0), IL 168,000 (1,400.0),
             WA 128,000 (1,600.0)
    nation   robbery 2019-2023: 240,000 210,000 216,000 225,000 228,000 (80, 70, 72, 75, 76 per 100k)
             property crime 2019-2023: 6,000,000 5,700,000 5,850,000 5,940,000 6,030,000 (2,000 1,900 1,950 1,980 2,010)
             burglary 2023 900,000 (300.0), larceny 2023 4,500,000 (1,500.0)
statcan_crime_small.csv (Table 35-10-0177-01 layout), incidents and published rates:
    robbery 2022: ON 8,000 (54.00), QC 3,900 (45.00), BC 2,600 (50.00), Canada 20,000 (50.00)
            2023: ON 9,000 (60.00), QC 3,600 (40.00), BC 3,000 (55.00), Canada 21,000 (52.00)
    theft over $5,000 [2130] + under $5,000 [2140], 2023: ON 6,000 + 90,000 (40.00 + 600.00),
            QC 1,800 + 40,500 (20.00 + 450.00), BC 2,200 + 55,000 (40.00 + 1,000.00)
    breaking and entering 2023: ON 33,000 (220.00), QC 27,000 (300.00), BC 16,500 (300.00)
nibrs_{persons,property,society}_by_state_2023.csv (NIBRS by state, reporting agencies only):
    property: TX 3,000, CA 7,000, IL 2,000, NY 2,500 (robbery 1,000, burglary 500, larceny 1,000 of 10,000,000
    covered: 10.0, 5.0, 10.0 per 100k), WA 1,200; persons: TX 1,000, CA 2,000, IL 1,500, NY 1,000;
    society: TX 1,000, CA 1,000, IL 500, NY 500 (WA is in the property table only)
nibrs_participation_2023.csv: TX 95.0%, CA 62.5%, IL 79.9%, NY 50.0%, WA 80.0% of residents covered
jsa_context.csv (JSA-style), incidents per year: 2019 TX 2, IL 2 | 2020 TX 1 | 2021 CA 1 |
    2022 TX 3, CA 2, IL 4, ON 2, WA 1 | 2023 TX 6, CA 4, IL 6, WA 1, ON 3, QC 1, BC 2, NY 2
"""
from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import dash
import pandas as pd
import pytest

from dashboard.app import create_app
from etl.config import REFERENCE_DIR
from tests.conftest import bound, engine_of, FIXTURES

HERE = FIXTURES / "context" / "dashboard"
FILES = ["jsa_context.csv", "fbi_estimated_small.csv", "statcan_crime_small.csv", "nibrs_participation_2023.csv",
         "nibrs_persons_by_state_2023.csv", "nibrs_property_by_state_2023.csv", "nibrs_society_by_state_2023.csv"]
NIBRS_2020 = FIXTURES / "figures" / "nibrs_2020_known.csv"
Y2023 = {"year_from": "2023", "year_to": "2023"}

ROBBERY_2023 = {"IL": 110.0, "CA": 100.0, "TX": 90.0, "ON": 60.0, "BC": 55.0, "WA": 50.0, "QC": 40.0, "NY": 10.0}
ROBBERY_2022 = {"CA": 110.0, "IL": 100.0, "TX": 80.0, "WA": 55.0, "ON": 54.0, "BC": 50.0, "QC": 45.0}
JEWELRY_2023 = {"TX": 6, "CA": 4, "IL": 6, "WA": 1, "ON": 3, "QC": 1, "BC": 2, "NY": 2}


def load(cli, db_url: str, *paths: Path) -> None:  # noqa: ANN001
    for path in paths:
        result = cli("etl", path, "--db", db_url)
        assert result.exit_code == 0, result.output


@pytest.fixture
def app(cli, db_url):
    load(cli, db_url, *[HERE / name for name in FILES], NIBRS_2020)
    return create_app(db_url)


@pytest.fixture
def pages(app):
    map_page = bound(app, "map")
    risk = bound(app, "risk")
    share = bound(app, "share")
    trends = bound(app, "trends")

    return {"map": map_page, "risk": risk, "share": share, "trends": trends}


def ontario_2023_as_manitoba(path: Path, violation: str, count: str | None = None, rate: str | None = None) -> Path:
    """A later Statistics Canada download: Ontario's 2023 rows of one violation (e.g. '[1610]') relabelled as
    Manitoba, with its own count and rate where given."""
    with open(HERE / "statcan_crime_small.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    keep = [r for r in rows[1:] if r[0] == "2023" and r[1] == "Ontario [35]" and violation in r[3]]
    for r in keep:
        r[1], r[2] = "Manitoba [46]", "2021A000246"
        value = count if r[4] == "Actual incidents" else rate
        if value is not None:
            r[11] = value
    with open(path, "w", newline="") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL).writerows([rows[0], *keep])
    return path


def population() -> dict[str, int]:
    """The latest population of each region from the reference file (what jewelry rates per million use)."""
    latest: dict[str, tuple[int, int]] = {}
    with open(REFERENCE_DIR / "region_population.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            year, pop = int(row["year"]), int(row["population"])
            if row["region_code"] not in latest or year > latest[row["region_code"]][0]:
                latest[row["region_code"]] = (year, pop)
    return {code: pop for code, (_, pop) in latest.items()}


def hover(result, code: str) -> str:  # noqa: ANN001
    """Every hover text (customdata) of one region on the map, joined."""
    out = []
    for trace in result.figure.data:
        if trace.type != "choropleth":
            continue
        for loc, data in zip(trace.locations, trace.customdata):
            if loc == code:
                out.append(" ".join(str(x) for x in data))
    return " | ".join(out)


# ---------------------------------------------------------------- etl.context through the real ETL

def test_region_rates_and_ranks(app):
    from dashboard import context
    from etl import context as general

    engine = engine_of(app)
    rates = general.region_rates(engine, "robbery", 2023).set_index("code")
    assert rates["rate"].to_dict() == pytest.approx(ROBBERY_2023)
    assert rates["rank"].to_dict() == {"IL": 1, "CA": 2, "TX": 3, "ON": 4, "BC": 5, "WA": 6, "QC": 7, "NY": 8}
    # the FBI estimate wins over NIBRS where both exist; NY has NIBRS counts only (of its covered residents)
    assert rates.loc["TX", "dataset"] == "fbi-estimated" and rates.loc["NY", "dataset"] == "nibrs-state"
    assert rates.loc["ON", "dataset"] == "statcan-crime" and rates.loc["ON", "count"] == 9_000
    assert rates.loc["TX", "count"] == 27_000 and rates.loc["TX", "population"] == 30_000_000
    assert rates.loc["TX", "release"] == "2019-2023" and rates.loc["ON", "release"] == "2022-2023"
    years = general.region_year_rates(engine, "robbery")
    y2022 = years[years["year"] == 2022].set_index("code")
    assert y2022["rate"].to_dict() == pytest.approx(ROBBERY_2022)
    assert y2022.loc["CA", "rank"] == 1 and y2022.loc["QC", "rank"] == 7 and set(y2022["ranked"]) == {7}
    assert general.years(engine, "robbery") == [2022, 2023]
    national = general.national_series(engine, "robbery", "US")
    assert national["rate"].tolist() == pytest.approx([80, 70, 72, 75, 76])
    assert general.national_series(engine, "robbery", "CA")["rate"].tolist() == pytest.approx([50, 52])


def test_statcan_theft_adds_over_and_under_5000(app, cli, db_url, tmp_path):
    from dashboard import context
    from etl import context as general

    theft = general.region_rates(engine_of(app), "theft", 2023).set_index("code")
    assert theft.loc["ON", "count"] == 96_000 and theft.loc["ON", "rate"] == pytest.approx(640.0)
    assert theft.loc["QC", "count"] == 42_300 and theft.loc["QC", "rate"] == pytest.approx(470.0)
    assert theft.loc["BC", "count"] == 57_200 and theft.loc["BC", "rate"] == pytest.approx(1_040.0)
    assert theft.loc["TX", "rate"] == pytest.approx(1_000.0)  # FBI larceny-theft
    # a later download with theft over $5,000 only for Manitoba: no theft figure there (never half of it
    # counted as theft), and the other provinces keep the fuller file's figures
    load(cli, db_url, ontario_2023_as_manitoba(tmp_path / "statcan_manitoba_over_5000.csv", "[2130]"))
    theft = general.region_rates(engine_of(app), "theft", 2023).set_index("code")
    assert "MB" not in theft.index or math.isnan(theft.loc["MB", "rate"])
    assert theft.loc["ON", "count"] == 96_000


def test_nibrs_coverage_flag(app):
    from dashboard import context
    from etl import context as general

    rates = general.region_rates(engine_of(app), "robbery", 2023).set_index("code")
    assert rates["coverage_pct"].dropna().to_dict() == pytest.approx(
        {"TX": 95.0, "CA": 62.5, "IL": 79.9, "NY": 50.0, "WA": 80.0})
    low = rates["low_coverage"].fillna(False)
    assert sorted(low[low].index) == ["CA", "IL", "NY"]  # below 80%; WA at exactly 80% is not
    assert general.COVERAGE_THRESHOLD_PCT == 80.0


# ---------------------------------------------------------------- the map

def test_context_layer_rates_classes_and_outline(pages):
    result = pages["map"].build({**Y2023, "layer": "context"})
    rows = result.rows.set_index("code")
    assert len(rows) == 64  # every state and province is drawn
    drawn = rows[rows["robbery_per_100k"].notna()]
    assert drawn["robbery_per_100k"].to_dict() == pytest.approx(ROBBERY_2023)
    assert drawn["rank"].to_dict() == {"IL": 1, "CA": 2, "TX": 3, "ON": 4, "BC": 5, "WA": 6, "QC": 7, "NY": 8}
    # breaks from all 15 region-years of robbery (quintiles 49, 54.6, 68, 100 rounded to two figures)
    assert drawn["risk_class"].to_dict() == {
        "IL": "High crime", "CA": "High crime", "TX": "Moderately high", "ON": "Moderate", "BC": "Moderate",
        "WA": "Moderately low", "QC": "Low crime", "NY": "Low crime"}
    assert rows.loc["FL", "risk_class"] == "No data"
    assert rows.loc["TX", "change_pct_on_prior_year"] == pytest.approx(12.5)  # 80 -> 90
    assert rows.loc["ON", "change_pct_on_prior_year"] == pytest.approx(100 / 9)  # 54 -> 60
    pop = population()
    assert rows.loc["IL", "jewelry_per_million"] == pytest.approx(6 / pop["IL"] * 1e6)
    legend = [t.name for t in result.figure.data if t.type == "scattergeo"]
    assert legend[:5] == ["Low crime: 0.0 to under 49.0", "Moderately low: 49.0 to under 55.0",
                          "Moderate: 55.0 to under 68.0", "Moderately high: 68.0 to under 100.0",
                          "High crime: 100.0 or more"]
    outline = next(t for t in result.figure.data if t.type == "choropleth" and t.marker.line.width == 3)
    assert sorted(outline.locations) == ["CA", "IL", "NY"]
    assert "NIBRS covers 62.5% of residents" in hover(result, "CA")
    assert "NIBRS covers 79.9% of residents" in hover(result, "IL")
    assert "NIBRS covers 50% of residents (the counts describe those residents only)" in hover(result, "NY")
    assert "NIBRS covers 95%" in hover(result, "TX") and "NIBRS covers under 80% of residents" in legend
    assert "highest is Illinois with 110.0; 56 have no data; 3 with NIBRS coverage under 80%" in result.summary
    assert "FBI Crime Data Explorer, estimated crimes, release 2019-2023" in result.source
    assert "Statistics Canada, Table 35-10-0177-01, release 2022-2023" in result.source
    assert "not directly comparable across the border" in result.caveat  # U.S. and Canada drawn together
    assert result.sample is False


def test_hover_of_either_layer_shows_both(pages):
    pop = population()
    jewelry = pages["map"].build({**Y2023, "source": "JSA", "metric": "incidents"})
    tx = hover(jewelry, "TX")
    assert f"Jewelry crime: {6 / pop['TX'] * 1e6:.2f} incidents per million residents" in tx
    assert "General robbery: 90.0 per 100,000 (rank 3 of 8; FBI estimate)" in tx
    assert jewelry.rows.set_index("code").loc["TX", "general_robbery_per_100k"] == pytest.approx(90.0)
    context = pages["map"].build({**Y2023, "source": "JSA", "layer": "context", "context": "burglary"})
    tx = hover(context, "TX")
    assert "300.0" in tx and f"{6 / pop['TX'] * 1e6:.2f} incidents per million residents" in tx
    on = context.rows.set_index("code")
    assert on.loc["ON", "burglary_per_100k"] == pytest.approx(220.0)
    assert on.loc["WA", "rank"] == 1 and on.loc["TX", "rank"] == 2  # WA 450, then TX, QC and BC at 300


def test_context_layer_one_country_has_the_shorter_caveat(cli, db_url):
    load(cli, db_url, HERE / "jsa_context.csv", HERE / "fbi_estimated_small.csv")
    app = create_app(db_url)
    map_page = bound(app, "map")

    result = map_page.build({**Y2023, "layer": "context"})
    assert result.caveat.startswith("General crime is all crime reported") and "border" not in result.caveat
    none = map_page.build({"year_from": "2019", "year_to": "2019", "layer": "context"})
    assert none.rows["robbery_per_100k"].isna().all()
    assert "No state or province has a general robbery figure for 2019 (loaded years: 2022-2023)." == none.summary


def test_the_general_crime_table_is_shared_by_jewelry_filters_and_follows_new_data(app, cli, db_url, tmp_path):
    """The map's general-crime table depends on the measure and the years only: filter sets that differ in the
    jewelry filters share one memo entry, a caller that changes its copy changes nothing, and a new load
    (a Manitoba robbery figure) is in the next table."""
    from dataclasses import replace

    from dashboard import queries
    from dashboard.charts import map as map_chart

    engine = engine_of(app)
    entries = lambda: sum(1 for key in queries._cache if key[0] == "general_rows")  # noqa: E731, SLF001
    queries._cache.clear()  # noqa: SLF001
    robbery = map_chart.current(engine, {**Y2023, "source": "JSA", "category": "robbery"})
    first, _ = map_chart.general_table(engine, robbery)
    first["rate"] = -1.0
    burglary_jm = map_chart.current(engine, {**Y2023, "source": "JM", "category": "burglary", "metric": "incidents"})
    second, _ = map_chart.general_table(engine, burglary_jm)
    assert second.set_index("code")["rate"].dropna().to_dict() == pytest.approx(ROBBERY_2023)
    assert entries() == 1
    earlier, _ = map_chart.general_table(engine, replace(robbery, year_from=2022, year_to=2022))
    assert earlier.set_index("code")["rate"].dropna().to_dict() == pytest.approx(ROBBERY_2022)
    assert entries() == 2

    load(cli, db_url, ontario_2023_as_manitoba(tmp_path / "statcan_manitoba_robbery.csv", "[1610]",
                                               count="900", rate="65.00"))
    after, _ = map_chart.general_table(engine, robbery)
    assert after.set_index("code")["rate"].dropna().to_dict() == pytest.approx({**ROBBERY_2023, "MB": 65.0})


def test_map_callback_as_a_plain_function(pages):
    out = pages["map"].update_map({**Y2023, "layer": "context", "context": "theft"})
    assert len(out) == 8
    figure, records, _cols, summary, source, date_range, sample_style, notes = out
    assert {r["code"] for r in records if r["theft_per_100k"] is not None} == set(ROBBERY_2023)
    assert "general theft per 100,000" in summary and "release" in source
    assert "General crime 2023" in date_range and sample_style == {"display": "none"}
    assert "not directly comparable" in str(notes)


# ---------------------------------------------------------------- trends

def test_trends_context_line_indexed_to_the_base_year(pages):
    result = pages["trends"].build_index({"context_line": "1", "source": "JSA"})
    line = result.rows[result.rows["series"].str.startswith("general crime")].set_index("year")
    assert line["index"].tolist() == pytest.approx([100.0, 95.0, 97.5, 99.0, 100.5])  # property, 2019 = 100
    assert line["general_rate_per_100k"].tolist() == pytest.approx([2000, 1900, 1950, 1980, 2010])
    assert "national FBI property crime rate" in result.summary and "2023 stands at 100.5" in result.summary
    assert "dotted line: FBI Crime Data Explorer, estimated crimes, release 2019-2023" in result.source
    assert any(t.name and "FBI property crime rate" in t.name for t in result.figure.data)
    robbery = pages["trends"].build_index({"context_line": "1", "category": "robbery", "base_year": "2022"})
    line = robbery.rows[robbery.rows["series"].str.startswith("general crime")].set_index("year")
    assert line["index"].tolist() == pytest.approx([80 / 75 * 100, 70 / 75 * 100, 96.0, 100.0, 76 / 75 * 100])
    off = pages["trends"].build_index({"category": "robbery"})
    assert not off.rows["series"].str.startswith("general crime").any() and not off.caveat
    none = pages["trends"].build_index({"context_line": "1", "category": "off_premises"})
    assert "No general-crime measure matches off-premises" in none.summary
    assert len(pages["trends"].update_index({"context_line": "true"})) == 8


# ---------------------------------------------------------------- regional risk

def test_region_general_rates_rank_and_change(pages):
    result = pages["risk"].build_general({**Y2023, "region": "TX"})
    rows = result.rows.set_index("measure")
    assert rows["rate"].to_dict() == pytest.approx({"robbery": 90.0, "burglary": 300.0, "theft": 1000.0})
    assert rows["rank"].to_dict() == {"robbery": 3, "burglary": 2, "theft": 4} and set(rows["ranked"]) == {8}
    assert rows["change_pct"].to_dict() == pytest.approx({"robbery": 12.5, "burglary": 100 / 9, "theft": 100 / 9})
    assert rows["national_rate"].to_dict() == pytest.approx({"robbery": 76.0, "burglary": 300.0, "theft": 1500.0})
    assert "robbery 90.0 per 100,000 (rank 3 of 8 states and provinces, +12.5% on 2022" in result.summary
    assert "not crime against jewelers" in result.caveat
    ontario = pages["risk"].build_general({"region": "ON"}).rows.set_index("measure")
    assert ontario.loc["robbery", "times_national"] == pytest.approx(60 / 52)
    assert ontario.loc["theft", "rate"] == pytest.approx(640.0)
    later = pages["risk"].build_general({"region": "TX", "year_from": "2019", "year_to": "2019"})
    assert later.rows["rate"].isna().all() and "No FBI or Statistics Canada figures for Texas" in later.summary


def test_scatter_points_and_the_line_of_proportionality(pages):
    pop = population()
    result = pages["risk"].build_scatter({**Y2023, "source": "JSA"})
    rows = result.rows.set_index("code")
    assert set(rows.index) == set(ROBBERY_2023)  # one point per place with both figures
    for code, n in JEWELRY_2023.items():
        assert rows.loc[code, "jewelry_per_million"] == pytest.approx(n / pop[code] * 1e6)
        assert rows.loc[code, "general_robbery_per_100k"] == pytest.approx(ROBBERY_2023[code])
    slope = sum(JEWELRY_2023.values()) * 1e6 / sum(ROBBERY_2023[c] * pop[c] for c in JEWELRY_2023)
    assert rows["line_slope"].iloc[0] == pytest.approx(slope)
    excess = {c: n / pop[c] * 1e6 - ROBBERY_2023[c] * slope for c, n in JEWELRY_2023.items()}
    order = sorted(excess, key=lambda c: -excess[c])
    assert list(rows.index) == order
    assert rows["excess_per_million"].to_dict() == pytest.approx(excess)
    names = {"BC": "British Columbia", "IL": "Illinois", "NY": "New York", "ON": "Ontario", "QC": "Quebec",
             "WA": "Washington", "TX": "Texas", "CA": "California"}
    top = [names[c] for c in order[:3]]
    assert f"furthest above the line of proportionality are {top[0]} (" in result.summary
    assert f"{top[1]} (" in result.summary and f"and {top[2]} (" in result.summary
    markers = [t for t in result.figure.data if t.mode == "markers+text"]
    assert sorted(c for t in markers for c in t.text) == sorted(ROBBERY_2023)
    line = next(t for t in result.figure.data if t.mode == "lines")
    assert all(y == pytest.approx(x * slope) for x, y in zip(line.x, line.y)) and result.figure.layout.xaxis.type == "log"
    assert pages["risk"].open_scatter_region({"points": [{"customdata": ["BC", "British Columbia", "2.8 times"]}]},
                                             Y2023) == "?year_from=2023&year_to=2023&region=BC"
    assert pages["risk"].open_scatter_region({"points": [{"customdata": ["ZZ"]}]}, {}) is dash.no_update
    assert len(pages["risk"].update_scatter(Y2023)) == 8 and len(pages["risk"].update_general({"region": "TX"})) == 8


# ---------------------------------------------------------------- share

def test_property_share_by_year_and_by_state(pages):
    from etl.figures import property_shares

    with pages["share"].engine.connect() as conn:
        expected = property_shares(conn)
    years = pages["share"].build_years({})
    rows = years.rows.set_index("year")
    assert {str(y): round(v, 1) for y, v in rows["share_pct"].items()} == expected
    assert rows.loc[2020, "share_pct"] == pytest.approx(5_800_000 / 8_900_000 * 100)  # the loaded 2020 table
    assert rows.loc[2020, "offenses_total"] == 8_900_000
    assert "The campaign's claim is about 2020 (65%)." in years.summary
    bars = next(t for t in years.figure.data if t.type == "bar")
    assert list(bars.y) == pytest.approx(list(rows["share_pct"]))
    states = pages["share"].build_states({})
    by_state = states.rows.set_index("code")
    assert by_state["share_pct"].to_dict() == pytest.approx({"CA": 70.0, "NY": 62.5, "TX": 60.0, "IL": 50.0})
    assert "WA" not in by_state.index  # in the property table only
    assert by_state.loc["CA", "total"] == 10_000 and list(by_state.index) == ["CA", "NY", "TX", "IL"]
    assert "The campaign's claim is about 2020; this chart shows 2023." in states.summary
    assert len(pages["share"].update_years({})) == 8 and len(pages["share"].update_states({})) == 8


def test_share_page_says_when_the_year_is_not_the_claims(pages):
    from tests.test_dashboard_overview import text

    assert pages["share"].year_note(2020) is None
    assert "The campaign's claim on this page is about 2020" in text(pages["share"].year_note(2019))
    assert "The claim is about 2020; the chart shows 2019." in text(pages["share"].claim_panel(2019))


# ---------------------------------------------------------------- URL parameters

@pytest.mark.parametrize("query,expected", [
    ({"layer": "context", "context": "theft", "context_line": "1"}, ("context", "theft", True)),
    ({"layer": "context", "context": "violent", "context_line": "true"}, ("context", "violent", True)),
    ({}, ("jewelry", "robbery", False)),
    ({"layer": "satellite", "context": "arson", "context_line": "2"}, ("jewelry", "robbery", False)),
    ({"layer": "<script>", "context": "'; DROP TABLE context_crime; --", "context_line": ["1"]},
     ("jewelry", "robbery", False)),
    ({"layer": "CONTEXT", "context": "Robbery"}, ("jewelry", "robbery", False)),  # exact values only
])
def test_filters_parse_the_new_parameters(query: dict[str, Any], expected: tuple):
    from dashboard.state import Filters, parse

    f = parse(query, [2022, 2023])
    assert (f.layer, f.context, f.context_line) == expected
    assert parse(dict(__import__("urllib.parse").parse.parse_qsl(f.query().lstrip("?"))), [2022, 2023]) == f
    assert Filters(layer="context", context="burglary").query() == "?layer=context&context=burglary"
    assert Filters(context_line=True).query() == "?context_line=1" and Filters().query() == ""


def test_bad_context_parameters_fall_back_on_the_page(pages):
    result = pages["map"].build({**Y2023, "layer": "nonsense", "context": "<b>x</b>"})
    assert "per_million" in result.rows.columns and "general_robbery_per_100k" in result.rows.columns
    result = pages["map"].build({**Y2023, "layer": "context", "context": "DROP"})
    assert "robbery_per_100k" in result.rows.columns


def test_national_rate_from_the_states_where_the_file_has_no_national_row(cli, db_url, tmp_path):
    """The bundled FBI file has no national row for 2017-2020: the nation is then its states added up."""
    from etl import context as general
    from etl.config import make_engine

    with open(HERE / "fbi_estimated_small.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    keep = [r for r in rows[1:] if r[0] == "2023" and r[1] in ("TX", "CA")]  # no national row
    path = tmp_path / "estimated_two_states.csv"
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows([rows[0], *keep])
    load(cli, db_url, path)
    national = general.national_series(make_engine(db_url), "robbery", "US")
    assert national["year"].tolist() == [2023] and national["from_places"].tolist() == [True]
    assert national["count"].iloc[0] == 67_000 and national["population"].iloc[0] == 70_000_000
    assert national["rate"].iloc[0] == pytest.approx(67_000 / 70_000_000 * 100_000)


def test_the_banner_names_the_real_parts_and_only_those():
    from dashboard import queries
    from dashboard.app import real_parts

    batches = pd.DataFrame({"format": ["fbi-estimated", "statcan-crime", "fbi-estimated"],
                            "is_sample": [False, True, False]})
    text = real_parts([], batches, real_nibrs=True, names=queries.CONTEXT_SOURCES)
    assert text.startswith("Real public data: the general-crime figures (FBI Crime Data Explorer estimated crimes:")
    assert "Statistics Canada" not in text  # its only table here is marked sample
    assert text.endswith("; the FBI NIBRS offense counts on the Share page.")
    mapped = real_parts(["LAPD open data"], batches.iloc[0:0], real_nibrs=False)
    assert mapped == "Real public data: LAPD open data (loaded with a column mapping)."
    assert real_parts([], batches.iloc[0:0], real_nibrs=False) == "No part of the site shows real data yet."


def test_the_scatter_table_counted_by_hand():
    """Places in both tables with a jewelry figure, a general rate and residents; the line's slope is all their
    incidents per million residents over their population-weighted rate: (60 + 40 + 10) * 1e6 / (100 * 30M +
    50 * 40M + 50 * 10M) = 0.02, so Texas (3.0 against 2.0 expected) is furthest above it and the tie at zero
    between California and Florida goes by name."""
    from dashboard import metrics_context

    nan = float("nan")
    jewelry = pd.DataFrame({"code": ["TX", "CA", "WY", "ON", "NV", "FL"],
                            "name": ["Texas", "California", "Wyoming", "Ontario", "Nevada", "Florida"],
                            "country": ["US", "US", "US", "CA", "US", "US"], "value": [3.0, 1.0, nan, 3.0, 0.5, 1.0],
                            "incidents": [60.0, 40.0, 0.0, 45.0, 1.0, 10.0],
                            "population": [30e6, 40e6, 0.5e6, 15e6, 0.0, 10e6]})
    general = pd.DataFrame({"code": ["QC", "FL", "NV", "ON", "WY", "CA", "TX"], "rate": [90.0, 50.0, 70.0, nan, 80.0, 50.0, 100.0],
                            "rank": [1, 4, 3, 7, 2, 5, 6], "dataset": ["d"] * 7, "source": ["s"] * 7, "release": ["r"] * 7})
    t, slope = metrics_context.scatter_table(jewelry, general)
    assert slope == pytest.approx(0.02)
    assert t["code"].tolist() == ["TX", "CA", "FL"]  # no figure (WY), no rate (ON), no residents (NV), not both (QC)
    assert t["expected_per_million"].tolist() == pytest.approx([2.0, 1.0, 1.0])
    assert t["excess_per_million"].tolist() == pytest.approx([1.0, 0.0, 0.0])
    assert t["ratio"].tolist() == pytest.approx([1.5, 1.0, 1.0])
    assert t["general_rank"].tolist() == [6, 5, 4] and t["jewelry_incidents_per_year"].tolist() == [60.0, 40.0, 10.0]
    flat, none = metrics_context.scatter_table(jewelry, general.assign(rate=[0.0] * 7))  # no line to measure from
    assert none is None and flat["code"].tolist() == ["CA", "FL", "ON", "TX"]  # by name (Ontario has a rate now)
    assert flat["ratio"].isna().all()
    empty, _ = metrics_context.scatter_table(jewelry.assign(value=nan), general)
    assert empty.empty and "excess_per_million" in empty.columns
