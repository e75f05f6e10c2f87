"""The query memo shares a result between filter sets that differ only in what the query ignores, the
general-crime tables are cut from a measure's whole table with the same rows as the narrow query, and a figure
built from plain dicts passes plotly's checks."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
import sqlalchemy as sa

from dashboard import queries
from dashboard.state import Filters
from tests.conftest import FIXTURES

JSA = FIXTURES / "figures" / "jsa_known.csv"
FBI = FIXTURES.parent.parent / "data" / "raw" / "fbi" / "estimated_crimes_1979_2024.csv"


def sql_counter(engine: sa.Engine) -> list[str]:
    seen: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_a: seen.append(statement))
    return seen


def rollup_reads(seen: list[str]) -> int:
    return sum("rollup_region" in s for s in seen)


def test_filters_that_differ_only_in_what_a_query_ignores_share_one_result(cli, db_url, engine):
    assert cli("etl", JSA, "--db", db_url).exit_code == 0
    queries._cache.clear()  # noqa: SLF001
    seen = sql_counter(engine)
    first = queries.region_year_counts(engine, Filters(source="JSA", metric="incidents", year_from=2019, year_to=2020))
    assert rollup_reads(seen) == 1
    # the measure, the years (the query reads every year), the map layer: not what region_year_counts reads
    again = queries.region_year_counts(engine, Filters(source="JSA", metric="per_million", year_from=2021,
                                                      year_to=2022, layer="context", base_year=2021))
    assert rollup_reads(seen) == 1
    pd.testing.assert_frame_equal(first, again)
    # a field it reads is part of the key
    robbery = queries.region_year_counts(engine, Filters(source="JSA", category="robbery"))
    assert rollup_reads(seen) == 2
    assert robbery["incidents"].sum() < first["incidents"].sum()


def test_a_query_sees_only_the_fields_it_declares(cli, db_url, engine):
    assert cli("etl", JSA, "--db", db_url).exit_code == 0
    every_year = Filters(source="JSA")
    # the years are not among trend_halves' fields: it answers every year whatever the filters say
    narrowed = queries.trend_halves(engine, replace(every_year, year_from=2022, year_to=2022), "")
    assert sorted(set(narrowed["year"])) == sorted(set(queries.trend_halves(engine, every_year, "")["year"]))
    assert len(set(narrowed["year"])) > 1


def test_a_year_range_cut_from_the_held_table_equals_the_narrow_query(cli, db_url, engine):
    assert cli("etl", FBI, "--db", db_url).exit_code == 0
    queries._cache.clear()  # noqa: SLF001
    narrow = queries.context_region_years(engine, "robbery", 2015, 2017, "TX")  # nothing held: its own query
    queries._cache.clear()  # noqa: SLF001
    whole = queries.context_region_years(engine, "robbery")
    seen = sql_counter(engine)
    cut = queries.context_region_years(engine, "robbery", 2015, 2017, "TX")
    assert not any("rollup_context" in s for s in seen)  # answered from the held table
    pd.testing.assert_frame_equal(narrow, cut)
    assert list(cut["year"]) == [2015, 2016, 2017] and set(cut["code"]) == {"TX"}
    assert len(whole) > len(cut)
    ranks = whole[(whole["year"] == 2016)].set_index("code")["rank"]
    assert int(cut.set_index("year").loc[2016, "rank"]) == int(ranks["TX"])  # ranks among all places, kept


def test_the_seasonality_figure_built_from_plain_dicts_is_a_valid_plotly_figure():
    import plotly.graph_objects as go

    from dashboard import figures_trends

    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    table = pd.DataFrame({"month_name": months, "years_counted": [2] * 12, "incidents_2022": [3] * 12,
                          "incidents_2023": [1] * 11 + [9]})
    table["average"] = (table["incidents_2022"] + table["incidents_2023"]) / 2
    fig = figures_trends.seasonality_figure(table, [2022, 2023], shown=[2023], tag="theft")
    checked = go.Figure(fig.to_dict())  # plotly's own checks: an unknown or ill-typed property raises here
    assert [t.type for t in checked.data] == ["bar", "scatter", "scatter"]
    assert [t.name for t in checked.data[1:]] == ["2023", "2022"] and checked.data[2].visible == "legendonly"
    assert checked.layout.xaxis.title.text == "Month" and checked.layout.yaxis.range[1] == 9 * 1.08 + 1
    assert checked.layout.template.layout.font.family == fig.layout.template.layout.font.family  # the theme


def test_regions_take_each_places_latest_population_and_business_count(tmp_path):
    """Counted by hand: Texas's 2022 population (not 2020's), its 2021 business count (not 2019's, and not
    Ontario's city-level row); Ontario has neither, so its figures are unknown (NaN), never zero."""
    from etl import schema

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'regions.sqlite'}")
    with engine.begin() as conn:
        schema.create(conn)
        conn.execute(schema.region.insert(), [
            {"code": "TX", "name": "Texas", "country": "US", "iso_3166_2": "US-TX"},
            {"code": "ON", "name": "Ontario", "country": "CA", "iso_3166_2": "CA-ON"},
            {"code": "AL", "name": "Alabama", "country": "US", "iso_3166_2": "US-AL"}])
        conn.execute(schema.region_population.insert(), [
            {"region_code": "TX", "year": 2022, "population": 30_000_000, "source": "Census 2022"},
            {"region_code": "TX", "year": 2020, "population": 29_000_000, "source": "Census 2020"},
            {"region_code": "AL", "year": 2021, "population": 5_000_000, "source": "Census 2021"}])
        conn.execute(schema.jewelry_business.insert(), [
            {"level": "region", "code": "TX", "year": 2019, "measure": "stores", "businesses": 400, "source": "CBP 2019",
             "confidence": None},
            {"level": "region", "code": "TX", "year": 2021, "measure": "stores", "businesses": 420, "source": "CBP 2021",
             "confidence": "high"},
            {"level": "city", "code": "ON", "year": 2021, "measure": "stores", "businesses": 90, "source": "city",
             "confidence": "low"}])
    queries._cache.clear()  # noqa: SLF001
    got = queries.regions(engine).set_index("code")
    assert list(got.index) == ["AL", "ON", "TX"]  # by name
    assert got.loc["TX", "population"] == 30_000_000 and got.loc["TX", "population_source"] == "Census 2022"
    assert got.loc["AL", "population_year"] == 2021
    assert got.loc["TX", "businesses"] == 420 and got.loc["TX", "businesses_year"] == 2021
    assert got.loc["TX", "businesses_confidence"] == "high"
    assert pd.isna(got.loc["ON", "population"]) and pd.isna(got.loc["ON", "businesses"])
    assert pd.isna(got.loc["AL", "businesses"]) and pd.isna(got.loc["ON", "businesses_source"])


def test_the_index_figure_built_from_plain_dicts_is_a_valid_plotly_figure():
    """The base-year line, the claim's dashed line with its label at the top left, hollow unreliable points and
    the general-crime line, as plotly's own add_hline and add_scatter would write them."""
    import plotly.graph_objects as go

    from dashboard import figures_trends

    table = pd.DataFrame({"year": [2019, 2020, 2021], "incidents": [10, 4, 15], "index": [100.0, 40.0, 150.0],
                          "change_since_base_pct": [0.0, -60.0, 50.0], "reliable": [True, False, True]})
    claim = {"index": 150.0, "year": 2021, "label": "Campaign claim: up 50%"}
    general = pd.DataFrame({"year": [2019, 2020, 2021], "rate": [80.0, 70.0, 88.0], "index": [100.0, 87.5, 110.0]})
    fig = figures_trends.index_figure(table, 2019, claim, "robbery", context=general, context_label="General robbery")
    checked = go.Figure(fig.to_dict())  # plotly's own checks: an unknown or ill-typed property raises here
    assert [t.name for t in checked.data] == ["Index (2019 = 100)", "Campaign claim", "General robbery"]
    assert list(checked.data[0].marker.color) == [figures_trends.theme.INK, "white", figures_trends.theme.INK]
    assert [(s.y0, s.y1, s.xref, s.line.dash) for s in checked.layout.shapes] == [
        (100, 100, "x domain", None), (150.0, 150.0, "x domain", "dash")]
    label, hollow = checked.layout.annotations
    assert (label.text, label.y, label.xanchor, label.yanchor, label.xref) == (
        "Campaign claim: up 50%", 150.0, "left", "bottom", "x domain")
    assert hollow.text.startswith("Hollow point")
    assert checked.layout.yaxis.range == (0, 150.0 * 1.12) and checked.layout.xaxis.title.text == "Year"
    assert checked.layout.yaxis.title.text == "Index (2019 = 100)" and checked.layout.xaxis.dtick == 1


def test_a_chosen_regions_trends_read_its_own_groups_through_the_place_index(cli, db_url, engine):
    """The regional rollups' unique keys lead with the source: without the index by place, a chart of one state
    read the groups of every state of that source."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the plan checked is SQLite's")
    assert cli("etl", JSA, "--db", db_url).exit_code == 0
    seen: list[tuple[str, tuple]] = []
    sa.event.listen(engine, "before_cursor_execute",
                    lambda _c, _cur, statement, parameters, *_a: seen.append((statement, tuple(parameters))))
    f = Filters(source="combined", region="TX")
    for table, query in ((queries.M, queries.trend_months), (queries.R, queries.trend_halves)):
        queries._cache.clear()  # noqa: SLF001
        query(engine, f, "")
        statement, parameters = next((s, p) for s, p in reversed(seen) if f"FROM {table.name}" in s)
        with engine.connect() as conn:
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
        assert f"ix_{table.name}_place" in plan, plan


def _plan_of_last(engine: sa.Engine, seen: list[tuple[str, tuple]], table: str) -> str:
    statement, parameters = next((s, p) for s, p in reversed(seen) if f"FROM {table}" in s)
    with engine.connect() as conn:
        return " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))


def test_the_maps_counts_read_the_covering_index_and_a_regions_general_crime_its_own_rows(cli, db_url, engine):
    """The map's counts by region and year come out of the covering index in its order (through the source's
    index SQLite looked every row up and sorted them); one place's general-crime rates through the index by
    place, not every place's rows of the measure."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the plan checked is SQLite's")
    assert cli("etl", JSA, FBI, "--db", db_url).exit_code == 0
    seen: list[tuple[str, tuple]] = []
    sa.event.listen(engine, "before_cursor_execute",
                    lambda _c, _cur, statement, parameters, *_a: seen.append((statement, tuple(parameters))))
    for source in ("combined", "JSA"):
        queries._cache.clear()  # noqa: SLF001
        counts = queries.region_year_counts(engine, Filters(source=source))
        plan = _plan_of_last(engine, seen, "rollup_region_year")
        assert "COVERING INDEX ix_rollup_region_year_place" in plan and "TEMP B-TREE" not in plan, plan
        assert len(counts) and counts["incidents"].sum() > 0
    queries._cache.clear()  # noqa: SLF001
    texas = queries.context_region_years(engine, "robbery", None, 2023, "TX")
    assert "ix_rollup_context_place" in _plan_of_last(engine, seen, "rollup_context")
    assert set(texas["code"]) == {"TX"} and texas["year"].max() == 2023
