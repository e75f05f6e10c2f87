"""Year to date and rolling 12 months against a year earlier: metrics_period by hand, then the builder on a
database built by the real ETL.

MONTHLY below (counted by hand, span Jan 2022 to Jul 2024; March 2023 and July 2024 have no rows: real zeros):
  theft      2022: 2 every month (24)      2023: Jan 5, Feb 4, Apr 6, May 5, Jun 4, Jul-Dec 3 each
             2024: Jan 6, Feb 6, Mar 5, Apr 7, May 6, Jun 15
  robbery    2022: Jul 1                   2023: Feb 2, May 3          2024: Mar 4, Jun 2
  burglary   2024: Apr 3 (none before: absent in every earlier period)
  off-prem.  2023: Jan 6, Jun 6            2024: Feb 7, May 7
"""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from dashboard import figures_period, metrics_period as mp, queries, state
from dashboard.charts import Chart
from dashboard.charts.trends_period import CHARTS, PARAMS, PERIOD, as_of_options, build_period, period_options
from etl import stats
from etl.config import make_engine
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[1]
SPAN = (202201, 202407)


def _monthly() -> pd.DataFrame:
    rows = [(2022, m, "theft", 2) for m in range(1, 13)] + [(2022, 7, "robbery", 1)]
    rows += [(2023, m, "theft", n) for m, n in {1: 5, 2: 4, 4: 6, 5: 5, 6: 4}.items()]
    rows += [(2023, m, "theft", 3) for m in range(7, 13)]
    rows += [(2024, m, "theft", n) for m, n in {1: 6, 2: 6, 3: 5, 4: 7, 5: 6, 6: 15}.items()]
    rows += [(2023, 2, "robbery", 2), (2023, 5, "robbery", 3), (2024, 3, "robbery", 4), (2024, 6, "robbery", 2),
             (2024, 4, "burglary", 3), (2023, 1, "off_premises", 6), (2023, 6, "off_premises", 6),
             (2024, 2, "off_premises", 7), (2024, 5, "off_premises", 7)]
    return pd.DataFrame(rows, columns=["year", "month", "category", "incidents"])


MONTHLY = _monthly()


def exact_p(a: int, b: int) -> float:
    """The two-sided exact binomial test written out again (not etl.stats): twice the smaller tail."""
    n = a + b
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(min(a, b) + 1)) / 2 ** n)


def by_cat(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("category")


# ---------------------------------------------------------------- metrics_period, by hand

def test_year_to_date_in_the_middle_of_a_year():
    t = by_cat(mp.ytd(MONTHLY, (2024, 6), SPAN))
    assert list(t.index) == ["robbery", "burglary", "theft", "off_premises", "total"]  # taxonomy order, total last
    assert set(t["period"]) == {"Jan-Jun 2024"} and set(t["prior_period"]) == {"Jan-Jun 2023"}
    # theft: 6+6+5+7+6+15 = 45 against 5+4+0 (March)+6+5+4 = 24
    assert t.loc["theft", ["incidents", "prior_incidents", "change"]].tolist() == [45, 24, 21]
    assert t.loc["theft", "change_pct"] == pytest.approx(87.5)
    assert t.loc["theft", "p_value"] == pytest.approx(exact_p(24, 45)) and t.loc["theft", "significant"]  # 0.015
    # off-premises 14 against 12: readable, not significant
    assert t.loc["off_premises", ["incidents", "prior_incidents"]].tolist() == [14, 12]
    assert t.loc["off_premises", "reliable"] and not t.loc["off_premises", "significant"]  # p = 0.85
    assert t.loc["off_premises", "p_value"] == pytest.approx(exact_p(12, 14))
    # robbery 6 against 5: too few to read
    assert t.loc["robbery", ["incidents", "prior_incidents", "change"]].tolist() == [6, 5, 1]
    assert not t.loc["robbery", "reliable"] and not t.loc["robbery", "significant"]
    # burglary: none a year earlier, so no percent change (not an infinite rise), and unreliable
    assert t.loc["burglary", ["incidents", "prior_incidents", "change"]].tolist() == [3, 0, 3]
    assert math.isnan(t.loc["burglary", "change_pct"]) and not t.loc["burglary", "reliable"]
    assert t.loc["burglary", "p_value"] == pytest.approx(0.25)  # 3 of 3 in one period: 2 x (1/2)^3
    # total 45+6+3+14 = 68 against 24+5+12 = 41
    assert t.loc["total", ["incidents", "prior_incidents", "change"]].tolist() == [68, 41, 27]
    assert t.loc["total", "change_pct"] == pytest.approx(27 / 41 * 100)
    assert t.loc["total", "p_value"] == pytest.approx(exact_p(41, 68))
    assert exact_p(41, 68) < 0.05 and t.loc["total", "significant"]  # p = 0.012


def test_rolling_twelve_months():
    t = by_cat(mp.rolling12(MONTHLY, (2024, 6), SPAN))
    assert set(t["period"]) == {"Jul 2023-Jun 2024"} and set(t["prior_period"]) == {"Jul 2022-Jun 2023"}
    # theft: Jul-Dec 2023 6 x 3 = 18, + 45 = 63; Jul-Dec 2022 6 x 2 = 12, + 24 = 36
    assert t.loc["theft", ["incidents", "prior_incidents"]].tolist() == [63, 36]
    # robbery: 6 against Jul 2022 (1) + 5 = 6: no change
    assert t.loc["robbery", ["incidents", "prior_incidents", "change"]].tolist() == [6, 6, 0]
    assert t.loc["robbery", "change_pct"] == 0.0 and t.loc["robbery", "p_value"] == pytest.approx(1.0)
    assert t.loc["total", ["incidents", "prior_incidents", "change"]].tolist() == [86, 54, 32]
    # a December as-of month: the calendar year
    dec = by_cat(mp.rolling12(MONTHLY, (2023, 12), SPAN))
    assert dec.loc["theft", ["period", "prior_period", "incidents", "prior_incidents"]].tolist() == [
        "Jan-Dec 2023", "Jan-Dec 2022", 42, 24]  # 5+4+0+6+5+4 + 6 x 3 = 42; 12 x 2


def test_a_month_with_no_rows_inside_the_span_is_a_zero_and_the_default_is_the_spans_end():
    # July 2024 has no rows at all, but it is inside the span: the default as-of month, counted as zero
    assert mp.as_of_month(MONTHLY, SPAN) == (2024, 7)
    t = by_cat(mp.ytd(MONTHLY, mp.as_of_month(MONTHLY, SPAN), SPAN))
    assert t.loc["theft", ["incidents", "prior_incidents"]].tolist() == [45, 27]  # Jan-Jul 2023 adds 3
    assert t.loc["total", ["incidents", "prior_incidents"]].tolist() == [68, 44]
    # without a span the rows themselves bound the data
    assert mp.as_of_month(MONTHLY, None) == (2024, 6)
    # as of March: Jan-Mar; burglary has none in either period and is left out
    march = by_cat(mp.ytd(MONTHLY, (2024, 3), SPAN))
    assert list(march.index) == ["robbery", "theft", "off_premises", "total"]
    assert march.loc["theft", ["incidents", "prior_incidents"]].tolist() == [17, 9]  # 6+6+5; 5+4+0
    assert march.loc["total", ["incidents", "prior_incidents"]].tolist() == [28, 17]


def test_too_little_history_or_a_month_after_the_data_is_said_not_zeroed():
    with pytest.raises(mp.NotEnoughHistory, match="The data start in January 2022.*needs data from July 2021"):
        mp.rolling12(MONTHLY, (2023, 6), SPAN)  # Jul 2021-Jun 2022 starts before the data
    with pytest.raises(mp.NotEnoughHistory, match="needs data from January 2021"):
        mp.ytd(MONTHLY, (2022, 12), SPAN)
    with pytest.raises(mp.OutsideData, match="The data end in July 2024: August 2024 is not loaded"):
        mp.ytd(MONTHLY, (2024, 8), SPAN)
    with pytest.raises(mp.OutsideData):
        mp.as_of_month(MONTHLY.iloc[0:0], (None, None))
    # the earliest months that can be compared: exactly a year (ytd) and two years (r12) of data
    first = by_cat(mp.ytd(MONTHLY, (2023, 1), SPAN))
    assert first.loc["total", ["period", "prior_period", "incidents", "prior_incidents"]].tolist() == [
        "Jan 2023", "Jan 2022", 11, 2]  # theft 5 + off-premises 6; theft 2
    assert isinstance(mp.rolling12(MONTHLY, (2023, 12), SPAN), pd.DataFrame)


def test_as_of_choices_and_parsing():
    choices = mp.as_of_choices(SPAN)
    assert choices[0] == (2023, 1) and choices[-1] == (2024, 7) and len(choices) == 19  # 12 + 7 months
    assert mp.parse_as_of("2024-07", SPAN) == (2024, 7) and mp.parse_as_of(" 2023-01 ", SPAN) == (2023, 1)
    for bad in ("2022-12", "2024-08", "2024-7", "2024-13", "July 2024", "", None, 202407, ["2024-07"]):
        assert mp.parse_as_of(bad, SPAN) is None, bad
    assert mp.as_of_choices((None, None)) == []


def test_labels_and_words():
    assert mp.label((2024, 1), (2024, 9)) == "Jan-Sep 2024"
    assert mp.label((2023, 10), (2024, 9), long=True) == "October 2023-September 2024"
    assert mp.label((2024, 1), (2024, 1), long=True) == "January 2024"
    row = by_cat(mp.ytd(MONTHLY, (2024, 6), SPAN)).loc["burglary"]
    assert mp.change_words(row) == "+3 (none a year earlier)" and mp.verdict(row) == "unreliable"


def test_total_only_without_a_category_column_and_bad_inputs():
    t = mp.ytd(MONTHLY.drop(columns="category"), (2024, 6), SPAN)
    assert t["category"].tolist() == ["total"] and t["incidents"].tolist() == [68]
    assert list(t.columns) == mp.COLUMNS
    with pytest.raises(TypeError):
        mp.ytd(MONTHLY, "2024-06", SPAN)
    with pytest.raises(TypeError):
        mp.ytd(MONTHLY, (2024.0, 6), SPAN)
    with pytest.raises(ValueError):
        mp.ytd(MONTHLY, (2024, 13), SPAN)
    with pytest.raises(ValueError, match="unknown period"):
        mp.compare(MONTHLY, "qtd", (2024, 6), SPAN)
    with pytest.raises(TypeError):
        mp.ytd(MONTHLY.to_dict("records"), (2024, 6), SPAN)
    with pytest.raises(ValueError, match="incidents"):
        mp.ytd(MONTHLY.drop(columns="incidents"), (2024, 6), SPAN)


def test_the_figure_draws_the_table_and_says_the_change_in_words():
    t = mp.ytd(MONTHLY, (2024, 6), SPAN)
    fig = figures_period.period_figure(t, {"theft": "Theft"}, {"theft": "guidance:grab-and-run"})
    before, now = fig.data
    assert (before.name, now.name) == ("Jan-Jun 2023", "Jan-Jun 2024")
    assert list(now.y)[0] == "<b>All shown</b>" and list(now.y)[1:] == ["Robbery", "Burglary", "Theft", "Off-premises"]
    assert list(now.x) == [68, 6, 3, 45, 14] and list(before.x) == [41, 5, 0, 24, 12]
    words = [a.text for a in fig.layout.annotations if a.name and a.name.startswith("change")]
    assert words[2] == "+3 (none a year earlier), unreliable" and words[3] == "+21 (+87.5%), significant"
    assert words[4] == "+2 (+16.7%), not significant" and words[1] == "+1 (+20.0%), unreliable"
    assert now.customdata[3][0] == "guidance:grab-and-run"
    with pytest.raises(ValueError):
        figures_period.period_figure(t.iloc[0:0], {})


# ---------------------------------------------------------------- the builder, on the real ETL
# tests/fixtures/period/jsa_period.csv (JSA-style, 66 rows; data Jan 2022 to May 2024, April 2024 has none):
#   2022: theft Jan 1, Mar 2, Jun 2, Sep 2, Dec 2 (Chicago); robbery Aug 1 (Houston)
#   2023: theft Jan-May 2 each, Jul 2, Oct 2; robbery Feb 1, Apr 1, Nov 1
#   2024: theft Jan 8, Feb 8, Mar 7, May 7; robbery Jan 2, Mar 2, and Feb 2 in Toronto (Canada); burglary Feb 1, Mar 2
#   Jan-May:  2024 theft 30, robbery 4 (+2 Canada), burglary 3 = 37 U.S., 39 both; 2023 theft 10, robbery 2 = 12
#   Jun 2023-May 2024: theft 4 + 30 = 34, robbery 1 + 4 (+2) = 5 (7), burglary 3; total 42 U.S. (44)
#   Jun 2022-May 2023: theft 6 + 10 = 16, robbery 1 + 2 = 3; total 19

@pytest.fixture
def period_db(cli, db_url):
    assert cli("etl", FIXTURES / "period" / "jsa_period.csv", "--db", db_url).exit_code == 0
    return make_engine(db_url)


def rows_of(result) -> pd.DataFrame:  # noqa: ANN001
    return result.rows.set_index("category")


def test_default_is_year_to_date_to_the_last_month_of_the_data(period_db):
    result = build_period(period_db, {})
    rows = rows_of(result)
    assert list(rows.index) == ["total", "robbery", "burglary", "theft"]  # drawn order: the total on top
    assert rows.loc["total", ["period", "incidents", "prior_period", "prior_incidents", "change"]].tolist() == [
        "Jan-May 2024", 39, "Jan-May 2023", 12, 27]
    assert rows.loc["theft", ["incidents", "prior_incidents"]].tolist() == [30, 10]
    assert rows.loc["robbery", ["incidents", "prior_incidents"]].tolist() == [6, 2]
    assert rows.loc["burglary", ["incidents", "prior_incidents"]].tolist() == [3, 0]
    assert rows.loc["total", "p_value"] == pytest.approx(exact_p(12, 39))
    assert result.summary.startswith(
        "January-May 2024: 39 incidents against 12 in January-May 2023, +27 (+225.0%), significant at the 5% level "
        "(all crime types; JSA and JM combined; U.S. and Canada).")
    assert "Significant changes by category: theft." in result.summary
    assert "Jan 2022 to May 2024" in result.date_range and "Jan-May 2024 against Jan-May 2023" in result.date_range
    assert result.sample is False and "Jewelers' Security Alliance" in result.source
    assert ("Grab-and-run theft", "grab-and-run") in result.guidance
    # the rows are exactly what is drawn
    before, now = result.figure.data
    assert list(now.x) == rows["incidents"].tolist() and list(before.x) == rows["prior_incidents"].tolist()
    assert [y.replace("<b>", "").replace("</b>", "") for y in now.y] == rows["label"].tolist()


def test_rolling_twelve_months_in_the_united_states(period_db):
    rows = rows_of(build_period(period_db, {"period": "r12", "country": "US", "source": "JSA"}))
    assert rows.loc["total", ["period", "incidents", "prior_period", "prior_incidents"]].tolist() == [
        "Jun 2023-May 2024", 42, "Jun 2022-May 2023", 19]
    assert rows.loc["theft", ["incidents", "prior_incidents"]].tolist() == [34, 16]
    assert rows.loc["robbery", ["incidents", "prior_incidents"]].tolist() == [5, 3]


def test_a_month_without_incidents_counts_as_zero(period_db):
    # April 2024 has no incident at all: Jan-Apr 2024 holds what Jan-Mar 2024 holds, against a longer 2023
    april = rows_of(build_period(period_db, {"country": "US", "as_of": "2024-04"}))
    march = rows_of(build_period(period_db, {"country": "US", "as_of": "2024-03"}))
    assert april.loc["total", ["incidents", "prior_incidents"]].tolist() == [30, 10]  # 23+4+3; 8+2
    assert march.loc["total", ["incidents", "prior_incidents"]].tolist() == [30, 7]  # 2023: 6+1
    # the last burglary is in March, but the data run to May: April and May count as no burglaries
    one = build_period(period_db, {"category": "burglary"})
    assert one.rows["category"].tolist() == ["burglary"]  # the total is the one category: drawn once
    assert one.rows[["period", "incidents", "prior_incidents"]].values.tolist() == [["Jan-May 2024", 3, 0]]
    assert "+3 (none a year earlier), too few incidents to judge: fewer than 10" in one.summary


def test_too_little_history_is_said_in_words(period_db):
    result = build_period(period_db, {"period": "r12", "as_of": "2023-03"})
    assert result.rows.empty and list(result.rows.columns)[:2] == ["category", "label"]
    assert result.summary == ("The data start in January 2022: comparing April 2022-March 2023 with April "
                              "2021-March 2022 needs data from April 2021.")  # JSA only: no word on combining
    assert not [t for t in result.figure.data if t.type == "bar"]
    assert "April 2021" in result.figure.layout.annotations[0].text


def test_combined_sources_compare_only_the_months_both_cover(period_db, cli, db_url):
    # tests/fixtures/period/jm_period.csv: 4 JM claims in Denver (none linked to a JSA row): theft Jan 2023,
    # burglary Jun 2023, theft Feb and Mar 2024. JM covers Jan 2023-Mar 2024, so combined does too.
    assert cli("etl", FIXTURES / "period" / "jm_period.csv", "--db", db_url).exit_code == 0
    rows = rows_of(build_period(period_db, {}))
    # Jan-Mar 2024: JSA theft 23, robbery 6 (2 in Canada), burglary 3, JM theft 2; Jan-Mar 2023: JSA theft 6,
    # robbery 1, JM theft 1
    assert rows.loc["total", ["period", "incidents", "prior_incidents"]].tolist() == ["Jan-Mar 2024", 34, 8]
    assert rows.loc["theft", ["incidents", "prior_incidents"]].tolist() == [25, 7]
    assert rows_of(build_period(period_db, {"source": "JSA"})).loc["total", "period"] == "Jan-May 2024"
    jm = rows_of(build_period(period_db, {"source": "JM", "as_of": "2024-01"}))
    assert jm[["incidents", "prior_incidents"]].values.tolist() == [[0, 1]]  # no JM claim in Jan 2024: a zero
    r12 = build_period(period_db, {"period": "r12"})
    assert r12.rows.empty and r12.summary.startswith("The data start in January 2023: comparing April 2023-March 2024")
    assert r12.summary.endswith("Combined figures count only the months both JSA and JM cover.")


def test_bad_choices_fall_back_to_the_defaults(period_db):
    default = build_period(period_db, {}).rows
    for bad in ({"as_of": "2024-06"}, {"as_of": "2024-13"}, {"as_of": "garbage"}, {"as_of": 202405},
                {"as_of": "2022-05"}, {"period": "qtd"}, {"period": ["r12"]}, {"country": "MX"}):
        pd.testing.assert_frame_equal(build_period(period_db, bad).rows, default, obj=str(bad))
    with pytest.raises(TypeError):
        build_period(period_db, "period=r12")
    with pytest.raises(TypeError):
        build_period(period_db, {}, export="yes")


def test_canada_and_the_query_behind_it(period_db):
    canada = rows_of(build_period(period_db, {"country": "CA"}))
    assert canada["incidents"].tolist() == [2] and canada["prior_incidents"].tolist() == [0]  # Toronto, Feb 2024
    f = state.Filters(source="JSA")
    months = queries.trend_months_by_category(period_db, f, "")
    assert months.loc[(months["year"] == 2024) & (months["month"] == 2)].set_index("category")["incidents"].to_dict() \
        == {"burglary": 1, "robbery": 2, "theft": 8}
    total = months.groupby(["year", "month"], as_index=False)["incidents"].sum()
    pd.testing.assert_frame_equal(total, queries.trend_months(period_db, f, ""), check_dtype=False)


def test_the_choices_a_page_offers(period_db):
    # data Jan 2022 to May 2024: a year before them from Jan 2023, so 17 months, newest first
    options = as_of_options(period_db, {})
    assert options[0] == {"value": "2024-05", "label": "May 2024"} and options[-1]["value"] == "2023-01"
    assert len(options) == 17 and as_of_options(period_db, {"source": "JM"}) == []  # no JM rows loaded
    assert build_period(period_db, {"source": "JM"}).summary == "No data from JM-style claims is loaded."
    assert [o["value"] for o in period_options()] == ["ytd", "r12"]
    # every choice offered is accepted as it is
    asked = build_period(period_db, {"as_of": options[-1]["value"]}).rows
    assert asked["period"].iloc[0] == "Jan 2023"


def test_the_chart_is_declared_for_the_registry(period_db):
    (chart,) = CHARTS
    assert isinstance(chart, Chart) and chart.id == PERIOD == "trends-period" and chart.page == "/trends"
    assert chart.kind == "Bar chart" and chart.build is build_period
    assert chart.build(period_db, {"period": "r12"}, export=True).rows["incidents"].iloc[0] == 44


@pytest.mark.postgres
def test_postgresql_draws_the_same_rows(cli, pg_url, period_db):
    assert cli("etl", FIXTURES / "period" / "jsa_period.csv", "--db", pg_url).exit_code == 0
    pg = make_engine(pg_url)
    for query in ({}, {"period": "r12", "country": "US"}):
        pd.testing.assert_frame_equal(build_period(pg, query).rows, build_period(period_db, query).rows)


def test_the_document_matches_the_code():
    doc = (ROOT / "docs" / "period.md").read_text(encoding="utf-8")
    assert doc.startswith("# Year to date and the last 12 months")
    assert all(f"| `{p}`" in doc for p in mp.PERIODS) and "`as_of=YYYY-MM`" in doc and f"`{PERIOD}`" in doc
    assert all(f"| `{c}` |" in doc for c in ["label", *mp.COLUMNS])
    assert f"{stats.UNRELIABLE_BELOW} incidents (`UNRELIABLE_BELOW`)" in doc
    assert f"p < {stats.SIGNIFICANCE_LEVEL:g} (`SIGNIFICANCE_LEVEL`)" in doc
    for name in ("ytd", "rolling12", "compare", "as_of_month", "as_of_choices", "parse_as_of"):
        assert f"`{name}(" in doc and callable(getattr(mp, name))
    assert hasattr(mp, "NotEnoughHistory") and hasattr(mp, "OutsideData")
    assert "`period_figure(" in doc and "`build_period(" in doc and "`trend_months_by_category(" in doc
    assert "`period_options()`" in doc and "`as_of_options(engine, query)`" in doc and "`PARAMS`" in doc
    assert all(f"`{p}`" in doc for p in PARAMS)
    assert CHARTS[0].title in doc.replace('"', "").replace("\n", " ")
