"""Trends page: build functions and callbacks as plain functions, against a database built by the real ETL.

tests/fixtures/dashboard/jsa_trends.csv (JSA-style, 107 rows):
  U.S.  2019: 20 (theft 12, robbery 4, burglary 4)   2020: 5 (theft 3, burglary 2)
        2021: 30 (theft 15, robbery 5 + smash-and-grab 5, burglary 5)
        2022: 39 (theft 12 + grab-and-run 6, robbery 6, burglary 9, off-premises 6)   2023: 9 (theft)
  Canada 2022: Toronto robbery 4 (May, a major city)
  January-June, U.S.: 2021 = 20 (major cities 15: Chicago 10 thefts, Houston 5 robberies; Boise 5 burglaries
  is not a major city); 2022 = 27 (major 18: Chicago 12, Houston 6; Boise 9). Data Jan 2019 to Mar 2023.
"""
from __future__ import annotations

import math

import pytest

from dashboard.app import create_app
from tests.conftest import bound, FIXTURES

TRENDS = FIXTURES / "dashboard" / "jsa_trends.csv"
US_JSA = {"country": "US", "source": "JSA"}


@pytest.fixture
def trends(cli, db_url):
    assert cli("etl", TRENDS, "--db", db_url).exit_code == 0
    app = create_app(db_url)
    page = bound(app, "trends")

    return page


def test_yearly_counts_and_year_over_year_change(trends):
    result = trends.build_yearly(US_JSA)
    rows = result.rows.set_index("year")
    assert list(rows.index) == [2019, 2020, 2021, 2022, 2023]
    assert rows["total"].tolist() == [20, 5, 30, 39, 9]
    assert rows.loc[2022, ["robbery", "burglary", "theft", "off_premises"]].tolist() == [6, 9, 18, 6]
    assert rows.loc[2021, "robbery"] == 10  # robbery plus smash-and-grab
    assert rows.loc[2022, "change_on_prior"] == 9 and rows.loc[2022, "change_pct_on_prior"] == pytest.approx(30.0)
    assert rows.loc[2020, "change_pct_on_prior"] == pytest.approx(-75.0)
    assert math.isnan(rows.loc[2019, "change_pct_on_prior"])
    # fewer than 10 incidents on either side: unreliable
    assert rows["change_reliable"].tolist() == [False, False, False, True, False]
    assert "2023 had 9 incidents" in result.summary and "-76.9% (unreliable" in result.summary
    assert "3 of the year-on-year changes" in result.summary
    assert result.sample is False and "Mar 2023" in result.date_range


def test_rows_are_what_is_drawn(trends):
    result = trends.build_yearly(US_JSA)
    bars = {t.name: list(t.y) for t in result.figure.data if t.type == "bar"}
    assert bars["Theft"] == result.rows["theft"].tolist()
    assert bars["Off-premises"] == result.rows["off_premises"].tolist()
    labels = next(t for t in result.figure.data if t.name == "Change").text
    assert list(labels) == ["", "-75.0%*", "+500.0%*", "+30.0%", "-76.9%*"]
    # every bar names its crime category: a click opens the guidance page
    theft = next(t for t in result.figure.data if t.name == "Theft")
    assert theft.customdata[0][0] == "guidance:grab-and-run"
    assert ("Grab-and-run theft", "grab-and-run") in result.guidance
    assert "(unreliable: fewer than 10 incidents)" in theft.customdata[1][3]


def test_country_and_source_filters(trends):
    both = trends.build_yearly({"source": "JSA"}).rows.set_index("year")
    assert both.loc[2022, "total"] == 43 and both.loc[2022, "robbery"] == 10  # with Toronto
    canada = trends.build_yearly({"country": "CA"}).rows.set_index("year")
    assert canada["total"].tolist() == [0, 0, 0, 4, 0]
    years = trends.build_yearly({**US_JSA, "year_from": "2021", "year_to": "2022"}).rows
    assert years["year"].tolist() == [2021, 2022]
    assert years["change_on_prior"].tolist() == [25, 9]  # 2021 still compares with 2020


def test_index_with_base_year_and_the_campaign_line(trends):
    result = trends.build_index(US_JSA)
    data = result.rows[result.rows["series"] == "data"].set_index("year")
    assert data["index"].tolist() == pytest.approx([100, 25, 150, 195, 45])
    assert data.loc[2022, "change_since_base_pct"] == pytest.approx(95.0)
    assert data["reliable"].tolist() == [True, False, True, True, False]
    claim = result.rows[result.rows["series"] != "data"]
    # the claim comes from the published_figure table: +50% by 2022 -> index 150
    assert claim["year"].tolist() == [2022] and claim["index"].tolist() == [150.0]
    line = next(t for t in result.figure.data if t.name and t.name.startswith("Index"))
    assert list(line.y) == pytest.approx([100, 25, 150, 195, 45])
    assert any(s.y0 == 150 for s in result.figure.layout.shapes)
    assert "2022 stands at 195.0" in result.summary and "+95.0%" in result.summary


def test_index_other_base_year_drops_the_claim(trends):
    result = trends.build_index({**US_JSA, "base_year": "2021"})
    data = result.rows.set_index("year")
    assert (result.rows["series"] == "data").all()
    assert data.loc[2022, "index"] == pytest.approx(130.0) and data.loc[2019, "index"] == pytest.approx(66.667, 1e-3)
    assert "choose base year 2019" in result.summary
    assert trends.build_index({"base_year": "1900"}).rows.iloc[0]["base_incidents"] == 20  # bad value: default 2019


def test_half_year_major_cities(trends):
    result = trends.build_half({**US_JSA, "major_only": "1"})
    rows = result.rows.set_index("year")
    assert rows["total_jan_jun"].tolist() == [8, 3, 15, 18, 9]
    assert rows.loc[2022, "change_pct_on_prior"] == pytest.approx(20.0)
    assert "went from 15 to 18 (+20.0%)" in result.summary
    note = [a.text for a in result.figure.layout.annotations if "Jan-Jun 2022" in a.text][0]
    assert "+20.0%" in note and "Campaign claim" in note


def test_half_year_all_cities(trends):
    result = trends.build_half(US_JSA)
    rows = result.rows.set_index("year")
    assert rows.loc[2021, "total_jan_jun"] == 20 and rows.loc[2022, "total_jan_jun"] == 27
    assert "all shown went from 20 to 27 (+35.0%)" in result.summary
    assert "thefts and robberies went from 15 to 18 (+20.0%)" in result.summary
    assert rows.loc[2020, "change_reliable"] == False  # noqa: E712  3 incidents
    burglary = trends.build_half({**US_JSA, "category": "burglary"})
    assert "thefts and robberies" not in burglary.summary
    assert burglary.guidance == [("After-hours burglary", "after-hours-burglary")]


def test_seasonality_counts_only_months_with_data(trends):
    result = trends.build_monthly(US_JSA)
    rows = result.rows.set_index("month_name")
    # January has data in all five years (3, 1, 2, 2, 3); December only up to 2022 (2, 0, 5, 0)
    assert rows.loc["Jan", "years_counted"] == 5 and rows.loc["Jan", "average"] == pytest.approx(2.2)
    assert rows.loc["Dec", "years_counted"] == 4 and rows.loc["Dec", "average"] == pytest.approx(1.75)
    assert math.isnan(rows.loc["Dec", "incidents_2023"])
    assert rows.loc["Apr", "incidents_2022"] == 11
    avg = next(t for t in result.figure.data if t.type == "bar")
    assert list(avg.y) == pytest.approx(result.rows["average"].tolist())
    assert "busiest month is Apr" in result.summary


def test_callbacks_render_and_bad_input_falls_back(trends):
    out = trends.update_yearly({"category": "<script>", "source": "x' OR 1=1", "country": ["US"], "year_from": "1066"})
    figure, records, columns, summary, source, date_range, sample_style, guidance = out
    assert (records[0]["year"], records[0]["total"]) == (2019, 20) and (records[-1]["year"], records[-1]["total"]) == (2023, 9)
    assert {c["field"] for c in columns} >= {"year", "theft", "total", "change_pct_on_prior", "change_reliable"}
    assert "JSA and JM combined; U.S. and Canada" in date_range
    assert sample_style == {"display": "none"}
    assert source.startswith("Data derived from")
    # no filters: JSA and JM, U.S. and Canada, so 2022 has Toronto's 4 May robberies besides the U.S. 39
    _fig, records, _cols, summary, *_ = trends.update_index({})
    data = {r["year"]: r["index"] for r in records if r["series"] == "data"}
    assert data == {2019: 100, 2020: 25, 2021: 150, 2022: 215, 2023: 45}
    assert "2022 stands at 215.0 against the campaign's reference line at 150" in summary
    _fig, records, _cols, summary, *_ = trends.update_half({})
    assert {r["year"]: r["total_jan_jun"] for r in records} == {2019: 12, 2020: 3, 2021: 20, 2022: 31, 2023: 9}
    assert "all shown went from 20 to 31 (+55.0%); thefts and robberies went from 15 to 22 (+46.7%)" in summary
    _fig, records, _cols, summary, *_ = trends.update_monthly({})
    months = {r["month_name"]: (r["years_counted"], r["average"]) for r in records}
    assert months["Apr"] == (4, 4.0) and months["Aug"] == (4, 0.5)  # April: 3 + 0 + 2 + 11; none in 2023
    assert "the busiest month is Apr (4.0 on average) and the quietest Aug (0.5)" in summary


def test_layout_puts_the_linked_chart_first(trends):
    page = trends.layout(view="half", major_only="1", country="US")
    cards = [c for c in page.children if getattr(c, "id", "").startswith("card-")]
    assert cards[0].id == "card-trends-half" and "border-primary" in cards[0].className
    store = next(c for c in page.children if getattr(c, "id", None) == trends.FILTERS)
    assert store.data["major_only"] is True and store.data["country"] == "US"
    assert trends.current({"country": "FR"})[1] == ""


def test_without_incident_data(cli, db_url):
    assert cli("etl", FIXTURES / "figures" / "nibrs_2020_known.csv", "--db", db_url).exit_code == 0
    app = create_app(db_url)
    trends = bound(app, "trends")

    for build in (trends.build_yearly, trends.build_index, trends.build_half, trends.build_monthly):
        result = build({})
        assert result.rows.empty and result.summary == "No incident data is loaded."
    cards = [c.id for c in trends.layout().children if str(getattr(c, "id", "")).startswith("card-")]
    assert cards == ["card-trends-yearly", "card-trends-index", "card-trends-half", "card-trends-period",
                     "card-trends-monthly"]
