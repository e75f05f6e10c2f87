"""Jewelry-store counts (CBP 2023, NAICS 448310) and the rule for dividing crime by them.

The bundled rows load through the real ETL; the rule (dashboard/metrics.py: a count is used for a crime
year only within MAX_COUNT_GAP_YEARS) is checked on small hand-made frames whose answers are worked out
in the comments; the per-business map values come from a database built from a hand-counted fixture; and
docs/business-counts.md is compared with the code.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard import metrics, queries
from dashboard.state import Filters
from etl.config import REFERENCE_DIR, make_engine
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[1]
CBP_SOURCE = "U.S. Census Bureau, 2023 County Business Patterns"
BUSINESSES = REFERENCE_DIR / "jewelry_businesses.csv"
DOC = ROOT / "docs" / "business-counts.md"
KNOWN = FIXTURES / "figures" / "jsa_known.csv"
N = metrics.MAX_COUNT_GAP_YEARS


def cbp_rows() -> list[dict[str, str]]:
    with BUSINESSES.open(newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["source"] == CBP_SOURCE]


def us_codes() -> set[str]:
    with (REFERENCE_DIR / "regions.csv").open(newline="", encoding="utf-8-sig") as fh:
        return {r["code"] for r in csv.DictReader(fh) if r["country"] == "US"}


# ---------------------------------------------------------------- the bundled counts, through the real ETL

def test_the_cbp_rows_load_through_the_etl(cli, db_url):
    rows = cbp_rows()
    total = sum(int(r["businesses"]) for r in rows)
    # the file itself: 49 states and DC, 2023, NAICS 448310, Wyoming absent, the total SOURCE_cbp.md states
    assert len(rows) == 50 and total == 18_852
    assert {r["code"] for r in rows} == us_codes() - {"WY"}
    assert {r["year"] for r in rows} == {"2023"} and all("448310" in r["measure"] for r in rows)
    result = cli("etl", BUSINESSES, "--db", db_url, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output[result.output.index("["):result.output.rindex("]") + 1])[0]
    with BUSINESSES.open(newline="", encoding="utf-8") as fh:
        in_file = sum(1 for _ in csv.DictReader(fh))
    assert summary["format"] == "reference" and summary["rows_in"] == in_file and summary["quarantined"] == 0
    loaded = queries.business_counts(make_engine(db_url))
    cbp = loaded[loaded["source"] == CBP_SOURCE]
    assert len(cbp) == 50 and int(cbp["businesses"].sum()) == total and "WY" not in set(cbp["code"])
    assert set(cbp["year"]) == {2023}
    # the national rows (level 'country'; 'CA' there is Canada, not California) are not region counts
    assert len(loaded) == sum(1 for r in csv.DictReader(BUSINESSES.open(encoding="utf-8")) if r["level"] == "region")


def test_the_source_note_says_what_it_must():
    note = " ".join((REFERENCE_DIR / "SOURCE_cbp.md").read_text(encoding="utf-8").split())
    total = sum(int(r["businesses"]) for r in cbp_rows())
    for phrase in (f"Source: {CBP_SOURCE}", f"{total:,}", "448310", "2017 NAICS", "Wyoming", "public domain",
                   "County sums", "Canada"):
        assert phrase in note, phrase


# ---------------------------------------------------------------- the rule, by hand

# one state with counts in 2003 and 2023, one with 2019 and 2023 (for a tie), one with none (WY) and a
# province (ON); incidents by hand: TX 4 in 2005, 2 in 2006, 6 in 2021, 3 in 2022; NY 5 in 2020, 4 in 2021
COUNTS = pd.DataFrame({"code": ["TX", "TX", "NY", "NY"], "year": [2003, 2023, 2019, 2023],
                       "businesses": [200, 300, 100, 200], "source": ["Fixture"] * 4})
REGIONS = pd.DataFrame({"code": ["NY", "ON", "TX", "WY"], "name": ["New York", "Ontario", "Texas", "Wyoming"],
                        "country": ["US", "CA", "US", "US"]})
INCIDENTS = pd.DataFrame({"code": ["TX", "TX", "TX", "TX", "NY", "NY"],
                          "year": [2005, 2006, 2021, 2022, 2020, 2021], "incidents": [4, 2, 6, 3, 5, 4]})


def rates(y0: int, y1: int) -> pd.DataFrame:
    return metrics.business_rates(INCIDENTS, REGIONS, y0, y1, COUNTS).set_index("code")


def test_each_crime_year_takes_the_nearest_count_within_the_limit():
    assert N == 3
    assert [metrics.usable_year([2003, 2023], y) for y in (2021, 2022, 2023, 2024)] == [2023] * 4
    assert [metrics.usable_year([2003, 2023], y) for y in (2010, 2011, 2012)] == [None] * 3
    assert metrics.usable_year([2003, 2023], 2006) == 2003 and metrics.usable_year([2003, 2023], 2007) is None
    assert metrics.usable_year([2003, 2023], 2020) == 2023 and metrics.usable_year([2003, 2023], 2019) is None
    assert metrics.usable_year([2019, 2023], 2021) == 2023  # two years from each: the later one
    assert metrics.usable_year([2023], 2024, max_gap=0) is None and metrics.usable_year([], 2024) is None


def test_recent_years_use_the_2023_count():
    t = rates(2021, 2024)
    # TX: 6/300*100 = 2.0 (2021), 3/300*100 = 1.0 (2022), 0 (2023), 0 (2024): mean 3.0 / 4 = 0.75
    assert t.loc["TX", "per_100_businesses"] == pytest.approx(0.75)
    assert (t.loc["TX", "businesses"], t.loc["TX", "businesses_year"]) == (300, 2023)
    assert t.loc["TX", "businesses_basis"] == "2023 count for 2021-2024" and t.loc["TX", "business_reason"] == ""


def test_years_far_from_every_count_have_no_value_and_say_why():
    t = rates(2010, 2012)
    # 2003 is 7 years from 2010, 2023 is 11 from 2012: no count within 3, and 2003 is the nearer
    assert np.isnan(t.loc["TX", "per_100_businesses"]) and np.isnan(t.loc["TX", "businesses"])
    assert t.loc["TX", "business_reason"] == "no jewelry-store count for 2010-2012; nearest is 2003"
    assert t.loc["NY", "business_reason"] == "no jewelry-store count for 2010-2012; nearest is 2019"
    assert t.loc["ON", "business_reason"] == metrics.CANADA_REASON
    assert t.loc["WY", "business_reason"] == "Wyoming: no row in the 2023 counts (Fixture)"


def test_a_straddling_range_uses_each_years_nearest_usable_count():
    t = rates(2005, 2021)
    # TX: 2005 -> 2003 count: 4/200*100 = 2.0; 2006 -> 2003: 2/200*100 = 1.0; 2007-2019 have no count within
    # 3 years (left out); 2020 -> 2023: 0; 2021 -> 2023: 6/300*100 = 2.0. Mean (2 + 1 + 0 + 2) / 4 = 1.25
    assert t.loc["TX", "per_100_businesses"] == pytest.approx(1.25)
    assert t.loc["TX", "businesses_basis"] == ("2003 count for 2005-2006; 2023 count for 2020-2021; "
                                               "2007-2019 left out: no count within 3 years")
    assert t.loc["TX", "businesses"] == 300  # the count of the last year with one (2021 -> 2023)
    # NY over 2019-2024 has a count for every year: 2019, 2020 -> 2019 (100); 2021 is a tie -> 2023 (200);
    # rates 0, 5/100*100 = 5, 4/200*100 = 2, 0, 0, 0: mean 7 / 6
    ny = rates(2019, 2024).loc["NY"]
    assert ny["per_100_businesses"] == pytest.approx(7 / 6)
    assert ny["businesses_basis"] == "2019 count for 2019-2020; 2023 count for 2021-2024"


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        metrics.usable_year([2023], 2024, max_gap=-1)
    with pytest.raises(ValueError):
        metrics.usable_year([2023], 2024, max_gap=True)
    with pytest.raises(TypeError):
        metrics.check_counts([("TX", 2023, 5, "x")])
    with pytest.raises(ValueError, match="source"):
        metrics.check_counts(COUNTS.drop(columns="source"))
    with pytest.raises(ValueError, match="more than 0"):
        metrics.check_counts(COUNTS.assign(businesses=0))
    with pytest.raises(TypeError):
        metrics.business_rates(INCIDENTS, REGIONS, "2021", 2024, COUNTS)
    with pytest.raises(ValueError):
        metrics.business_rates(INCIDENTS, REGIONS, 2024, 2021, COUNTS)


# ---------------------------------------------------------------- the map's measure on a real database

@pytest.fixture
def loaded(cli, db_url):
    assert cli("etl", KNOWN, "--db", db_url).exit_code == 0
    engine = make_engine(db_url)
    f = Filters(source="JSA")
    return (queries.region_year_counts(engine, f), queries.regions(engine), queries.business_counts(engine))


def table(loaded, y0: int, y1: int, metric: str = "per_100_businesses", with_counts: bool = True) -> pd.DataFrame:
    counts, regions, business = loaded
    f = Filters(year_from=y0, year_to=y1, source="JSA", metric=metric)
    extra = business if with_counts else None
    breaks = metrics.fixed_breaks(counts, regions, metric, extra)
    return metrics.region_table(counts, regions, f, breaks, extra).set_index("code")


def test_the_map_measure_divides_by_the_bundled_counts(loaded):
    stores = {r["code"]: int(r["businesses"]) for r in cbp_rows()}
    t = table(loaded, 2021, 2021)
    # 2021 in jsa_known.csv, counted by hand: IL 2, TX 2, CA 2, WA 1, ID 1; NV and ON have rows in 2022 only
    for code, n in {"IL": 2, "TX": 2, "CA": 2, "WA": 1, "ID": 1, "NV": 0}.items():
        assert t.loc[code, "value"] == pytest.approx(n / stores[code] * 100), code
        assert t.loc[code, "no_value_reason"] == "" and t.loc[code, "businesses_year"] == 2023
    assert t.loc["ID", "rank"] == 1 and int(t["ranked"].iloc[0]) == 6  # ID 1/82 is the highest of the six
    assert t.loc["ON", "no_value_reason"] == metrics.CANADA_REASON and pd.isna(t.loc["ON", "rank"])
    assert t.loc["WY", "no_value_reason"] == f"Wyoming: no row in the 2023 counts ({CBP_SOURCE})"
    assert t.loc["ON", "risk_label"] == "No data" and t.loc["WY", "risk_label"] == "No data"
    assert pd.isna(t.loc["WY", "value"]) and pd.isna(t.loc["WY", "risk_class"])
    # the state with counts but no incidents under the filters is grey for that reason
    assert t.loc["FL", "no_value_reason"] == metrics.NO_ROWS_REASON
    assert CBP_SOURCE in metrics.business_source_line(t.reset_index())


def test_years_before_the_counts_window_are_grey_not_low(loaded):
    t = table(loaded, 2019, 2019)
    # 2019 is 4 years from 2023 and 16 from 2003: every state is without a value; TX had 2 incidents then
    assert t["value"].isna().all() and int(t["ranked"].iloc[0]) == 0
    assert t.loc["TX", "no_value_reason"] == "no jewelry-store count for 2019; nearest is 2023"
    # 2019-2020: only 2020 has a count (IL 1 incident / its 2023 count); 2019 is left out and said so
    t = table(loaded, 2019, 2020)
    il = {r["code"]: int(r["businesses"]) for r in cbp_rows()}["IL"]
    assert t.loc["IL", "value"] == pytest.approx(1 / il * 100)
    assert t.loc["IL", "businesses_basis"] == "2023 count for 2020; 2019 left out: no count within 3 years"


def test_other_measures_and_the_restated_hover_keep_their_values(loaded):
    per_million = table(loaded, 2021, 2022, metric="per_million")
    incidents = table(loaded, 2021, 2022, metric="incidents")
    # IL: 2 in 2021 and 1 in 2022 -> 1.5 a year, whatever the business counts
    assert incidents.loc["IL", "value"] == 1.5 and incidents.loc["WY", "no_value_reason"] == metrics.NO_ROWS_REASON
    assert per_million.loc["IL", "value"] == pytest.approx(1.5 / per_million.loc["IL", "population"] * 1e6)
    direct = table(loaded, 2021, 2022)
    again = metrics.restated(per_million.reset_index(), "per_100_businesses").set_index("code")
    pd.testing.assert_series_equal(again["value"], direct.loc[again.index, "value"], check_names=False)
    assert (again["no_value_reason"] == direct.loc[again.index, "no_value_reason"]).all()


def test_without_all_counts_the_latest_one_follows_the_same_rule(loaded):
    # no business_counts: region_table falls back to the one count per region queries.regions keeps
    fallback, full = table(loaded, 2021, 2021, with_counts=False), table(loaded, 2021, 2021)
    pd.testing.assert_series_equal(fallback["value"], full["value"])
    counts, regions, _ = loaded
    old = regions.assign(businesses_year=2003)  # as if the 2003 counts were the only ones: never for 2021
    f = Filters(year_from=2021, year_to=2021, source="JSA", metric="per_100_businesses")
    t = metrics.region_table(counts, old, f, []).set_index("code")
    assert pd.isna(t.loc["IL", "value"])
    assert t.loc["IL", "no_value_reason"] == "no jewelry-store count for 2021; nearest is 2003"


# ---------------------------------------------------------------- the page that explains it

def test_the_page_states_the_rule_the_code_applies():
    flat = " ".join(DOC.read_text(encoding="utf-8").split())
    cbp_year = int(cbp_rows()[0]["year"])
    total = sum(int(r["businesses"]) for r in cbp_rows())
    assert f"at most {N} years away" in flat and f"no count within {N} years" in flat
    assert f"crime years {cbp_year - N} to {cbp_year + N}" in flat and f"{total:,} in all" in flat
    assert "mean of those yearly rates" in flat and "the later one" in flat
    one = pd.DataFrame({"code": ["TX"], "year": [2003], "businesses": [1], "source": ["x"]})
    far = metrics.business_rates(INCIDENTS, REGIONS, 2010, 2012, one).set_index("code").loc["TX", "business_reason"]
    us = pd.read_csv(REFERENCE_DIR / "regions.csv")
    cbp = pd.DataFrame(cbp_rows()).assign(year=cbp_year)
    wy = metrics.business_rates(INCIDENTS.iloc[:0], us, 2024, 2024, cbp).set_index("code")
    for reason in (far, wy.loc["WY", "business_reason"], wy.loc["ON", "business_reason"], metrics.NO_ROWS_REASON):
        assert f"`{reason}`" in flat, reason
    assert "(business-counts.md)" in (ROOT / "docs" / "data-formats.md").read_text(encoding="utf-8")
