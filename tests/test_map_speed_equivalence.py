"""region_table, restated and ranking (the map's numbers) on a small database made here, against counts made
by hand: the map path was rewritten over plain arrays for speed, and these say what it must still give.

The incidents (JSA-style rows loaded through the real ETL), by state and year:
  2020: TX 2 (robbery $1,000, theft $500), CA 1 (theft $200)
  2021: TX 1 (robbery $300), CA 2 (burglary, loss unknown; theft $100), IL 1 (robbery $50), FL 12 (theft, no loss)
  2022: TX 1 (theft $100), CA 3 (theft $400, robbery $600, theft $700), WA 1 (burglary $250), FL 30 (theft)
Every other state and province has no row at all (grey, "no incidents under these filters").
"""
from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import pytest

from dashboard import metrics, metrics_ranking, queries
from dashboard.charts import map as charts
from dashboard.state import Filters
from dashboard.theme import CLASS_LABELS
from etl.config import make_engine

ROWS = [("2020-02-01", "Houston", "TX", "robbery", "1000"), ("2020-05-01", "Austin", "TX", "theft", "500"),
        ("2020-06-01", "Fresno", "CA", "theft", "200"),
        ("2021-01-10", "Dallas", "TX", "robbery", "300"), ("2021-02-10", "Los Angeles", "CA", "burglary", ""),
        ("2021-03-10", "San Diego", "CA", "theft", "100"), ("2021-04-10", "Chicago", "IL", "robbery", "50"),
        ("2022-01-05", "Houston", "TX", "theft", "100"), ("2022-02-05", "Los Angeles", "CA", "theft", "400"),
        ("2022-03-05", "Fresno", "CA", "robbery", "600"), ("2022-04-05", "San Diego", "CA", "theft", "700"),
        ("2022-05-05", "Seattle", "WA", "burglary", "250")]
FL = {2021: 12, 2022: 30}
HAND = {  # incidents per state and year, counted from ROWS and FL
    "TX": {2020: 2, 2021: 1, 2022: 1}, "CA": {2020: 1, 2021: 2, 2022: 3}, "IL": {2021: 1}, "WA": {2022: 1},
    "FL": FL}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):  # noqa: ANN201
    from typer.testing import CliRunner

    from dashboard.cli import app

    folder = tmp_path_factory.mktemp("map_equivalence")
    lines = ["Date,City,State,Crime Type,Loss,Record ID"]
    lines += [f"{d},{city},{st},{kind},{loss},H-{i:03d}" for i, (d, city, st, kind, loss) in enumerate(ROWS)]
    n = len(ROWS)
    for year, count in FL.items():
        for k in range(count):
            n += 1
            lines.append(f"{year}-{1 + k % 12:02d}-{1 + k // 12:02d},Miami,FL,theft,,H-{n:03d}")
    csv = folder / "hand.csv"
    csv.write_text("\n".join(lines) + "\n")
    url = f"sqlite:///{folder / 'hand.sqlite'}"
    result = CliRunner().invoke(app, ["etl", str(csv), "--db", url], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return make_engine(url)


def table(engine, **changes) -> pd.DataFrame:  # noqa: ANN001
    f = Filters(**{"year_from": 2022, "year_to": 2022, "source": "JSA", **changes})
    counts = queries.region_year_counts(engine, f.jewelry())
    regions, business = queries.regions(engine), queries.business_counts(engine)
    breaks = metrics.fixed_breaks(counts, regions, f.metric, business)
    return metrics.region_table(counts, regions, f, breaks, business)


def population(engine, code: str) -> float:  # noqa: ANN001
    regions = queries.regions(engine).set_index("code")
    return float(regions.loc[code, "population"])


def test_one_year_per_million_with_the_prior_year(engine):
    t = table(engine, metric="per_million").set_index("code")
    for code in HAND:
        expected = HAND[code].get(2022, 0) / population(engine, code) * 1e6
        assert t.loc[code, "value"] == pytest.approx(expected), code
        assert t.loc[code, "last_year"] == HAND[code].get(2022, 0)
        assert t.loc[code, "prior_year"] == HAND[code].get(2021, 0)
    assert t.loc["IL", "value"] == 0 and t.loc["IL", "no_value_reason"] == ""  # rows in 2021: a real zero
    assert math.isnan(t.loc["NY", "value"]) and t.loc["NY", "no_value_reason"] == metrics.NO_ROWS_REASON
    assert t.loc["NY", "risk_label"] == "No data" and math.isnan(t.loc["NY", "rank"])
    assert t.loc["CA", "change_pct"] == pytest.approx(50.0) and t.loc["TX", "change_pct"] == 0.0
    assert math.isnan(t.loc["WA", "change_pct"])  # nothing in 2021 to compare with
    assert t.loc["FL", "change_pct"] == pytest.approx(150.0) and bool(t.loc["FL", "reliable"])
    assert not t.loc[["TX", "CA", "IL", "WA"], "reliable"].any()
    assert (t["ranked"] == 5).all()  # the five states with rows; every other place is grey
    by_rate = sorted(HAND, key=lambda c: -HAND[c].get(2022, 0) / population(engine, c))
    assert list(t.sort_values("rank").index[:5]) == by_rate
    assert list(t["rank"].iloc[:5]) == [1, 2, 3, 4, 5] and t.index[0] == by_rate[0]  # sorted by rank


def test_years_averaged_counts_and_losses_with_ties(engine):
    t = table(engine, year_from=2020, year_to=2022, metric="incidents").set_index("code")
    per_year = {"FL": 42 / 3, "CA": 6 / 3, "TX": 4 / 3, "IL": 1 / 3, "WA": 1 / 3}
    for code, value in per_year.items():
        assert t.loc[code, "value"] == pytest.approx(value), code
        assert t.loc[code, "incidents_total"] == pytest.approx(value * 3)
    assert t.loc[["FL", "CA", "TX", "IL", "WA"], "rank"].tolist() == [1, 2, 3, 4, 4]  # IL and WA tie
    assert list(t.index[:5]) == ["FL", "CA", "TX", "IL", "WA"]  # a tie by name: Illinois, then Washington
    losses = table(engine, year_from=2020, year_to=2022, metric="losses").set_index("code")
    assert losses.loc["TX", "losses_total"] == 1900 and losses.loc["CA", "losses_total"] == 2000
    assert losses.loc["TX", "value"] == pytest.approx(1900 / 3) and losses.loc["FL", "value"] == 0
    assert losses.loc["WA", "value"] == pytest.approx(250 / 3) and losses.loc["IL", "value"] == pytest.approx(50 / 3)


def test_a_crime_type_filter_greys_the_states_without_its_rows(engine):
    t = table(engine, year_from=2021, year_to=2022, category="robbery", metric="incidents").set_index("code")
    # robberies: TX 2020 1, 2021 1; CA 2022 1; IL 2021 1
    assert t.loc["TX", "value"] == pytest.approx(0.5) and t.loc["CA", "value"] == pytest.approx(0.5)
    assert t.loc["IL", "value"] == pytest.approx(0.5)
    for code in ("WA", "FL"):
        assert math.isnan(t.loc[code, "value"]) and t.loc[code, "no_value_reason"] == metrics.NO_ROWS_REASON
    assert t.loc["TX", "last_year"] == 0 and t.loc["TX", "prior_year"] == 1
    assert (t["ranked"] == 3).all()


def test_per_business_and_the_restated_hover(engine):
    stores = queries.business_counts(engine)
    latest = stores.sort_values("year").drop_duplicates("code", keep="last").set_index("code")
    t = table(engine, metric="per_100_businesses").set_index("code")
    for code in HAND:  # 2022 is within three years of the bundled counts' year: each state's own count
        assert t.loc[code, "value"] == pytest.approx(HAND[code].get(2022, 0) / latest.loc[code, "businesses"] * 100)
    assert t.loc["ON", "no_value_reason"] == metrics.CANADA_REASON
    again = metrics.restated(t.reset_index(), "per_million").set_index("code")
    assert again.loc["CA", "value"] == pytest.approx(3 / population(engine, "CA") * 1e6)
    assert again.loc["NY", "no_value_reason"] == metrics.NO_ROWS_REASON and int(again["ranked"].iloc[0]) == 5
    counts = again.loc[list(HAND), "value"] * [population(engine, c) / 1e6 for c in HAND]
    assert counts.round(6).tolist() == [HAND[c].get(2022, 0) for c in HAND]


def test_breaks_are_quintiles_of_every_region_year(engine):
    f = Filters(source="JSA")
    counts = queries.region_year_counts(engine, f)
    breaks = metrics.fixed_breaks(counts, queries.regions(engine), "incidents")
    # the ten region-years with rows, sorted: 1 1 1 1 1 2 2 3 12 30; quantiles at 9 x (0.2, 0.4, 0.6, 0.8) =
    # 1.8, 3.6, 5.4, 7.2 -> 1, 1, 2, 3 + 0.2 x 9 = 4.8; the second 1 is raised by half to keep them rising
    assert breaks == [1.0, 1.5, 2.0, 4.8]


def test_the_ranking_since_a_base_year(engine):
    f = Filters(year_from=2022, year_to=2022, source="JSA", base_year=2020)
    t = metrics_ranking.ranking(queries.region_year_counts(engine, f.jewelry()), queries.regions(engine), f)
    # CA 1 -> 3 (+200%), TX 2 -> 1 (-50%); then no percent, by the change in incidents: FL +30, WA +1, IL 0
    assert list(t["code"]) == ["CA", "TX", "FL", "WA", "IL"]
    r = t.set_index("code")
    assert r.loc["CA", "change_pct"] == pytest.approx(200.0) and r.loc["TX", "change_pct"] == pytest.approx(-50.0)
    assert r.loc[["FL", "WA", "IL"], "change_abs"].tolist() == [30, 1, 0]
    assert r["change_pct"].loc[["FL", "WA", "IL"]].isna().all()
    assert r.loc["FL", ["base_incidents", "last_incidents"]].tolist() == [0, 30]
    assert (r["base_year"] == 2020).all() and (r["last_year"] == 2022).all()
    assert r.loc["FL", "incidents"] == 30 and r.loc["IL", "incidents"] == 0  # over the selected year, 2022
    assert r.loc["CA", "per_million"] == pytest.approx(3 / population(engine, "CA") * 1e6)
    assert not r["significant"].any()  # FL rests on 0 incidents in 2020: not readable


def test_a_significant_rise_and_its_p_value(engine):
    f = Filters(year_from=2022, year_to=2022, source="JSA", base_year=2021)
    r = metrics_ranking.ranking(queries.region_year_counts(engine, f.jewelry()), queries.regions(engine), f)
    r = r.set_index("code")
    # FL 12 -> 30: two-sided exact binomial test of 30 of 42 against a half, by hand
    p = min(1.0, 2 * sum(math.comb(42, k) for k in range(13)) / 2 ** 42)
    assert r.loc["FL", "p_value"] == pytest.approx(p) and p < 0.05
    assert bool(r.loc["FL", "reliable"]) and bool(r.loc["FL", "significant"])
    assert r.loc["FL", "change_pct"] == pytest.approx(150.0) and r.loc["FL", "change_abs"] == 18
    assert r.index[0] == "FL" and r.loc["CA", "change_pct"] == pytest.approx(50.0)
    assert "risk_class" in r and r.loc["FL", "risk_class"] in CLASS_LABELS


def test_the_map_build_in_each_measure_and_layer(engine):
    query = {"year_from": "2021", "year_to": "2022", "source": "JSA"}
    rows = charts.build(engine, {**query, "metric": "incidents"}).rows.set_index("code")
    assert rows.loc["CA", "incidents"] == pytest.approx(2.5) and rows.loc["CA", "incidents_2022"] == 3
    assert rows.loc["CA", "incidents_per_million"] == pytest.approx(2.5 / population(engine, "CA") * 1e6)
    context = charts.build(engine, {**query, "layer": "context"}).rows.set_index("code")
    assert context.loc["FL", "jewelry_per_million"] == pytest.approx(21 / population(engine, "FL") * 1e6)
    assert context.loc["FL", "jewelry_rank"] == 1 and math.isnan(context.loc["NY", "jewelry_per_million"])
    change = charts.build(engine, {**query, "metric": "change_since_base", "base_year": "2020"}).rows
    assert list(change["code"]) == ["CA", "TX", "FL", "WA", "IL"]
    prior = charts.build(engine, {**query, "metric": "change_on_prior"}).rows.set_index("code")
    assert prior.loc["FL", "base_year"] == 2021 and prior.loc["FL", "change_pct"] == pytest.approx(150.0)
    same = metrics_ranking.ranking(queries.region_year_counts(engine, Filters(source="JSA")), queries.regions(engine),
                                   replace(Filters(year_from=2021, year_to=2022, source="JSA"), base_year=2021))
    assert same["code"].tolist() == prior.index.tolist()
