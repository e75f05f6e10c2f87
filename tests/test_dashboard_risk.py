"""Regional risk page: build functions and callbacks as plain functions, on a database built by the real ETL.

The fixture (tests/fixtures/dashboard/risk_known.csv) is small enough to
count by hand. Incidents per region and year:
NV 2022 10, 2023 12 | OR 2022 1, 2023 3 | TX 2021 1, 2023 2 | CA 2023 1 |
BC 2022 1, 2023 2 | FL 2021 1 | everything else: no rows at all.
Class breaks (quintiles of the ten positive region-years, rounded): 1, 1.5, 2, 4.4.
"""
from __future__ import annotations

import csv
from typing import Any

import dash
import pytest

from dashboard.app import create_app
from dashboard.components import guidance_tag
from etl.config import REFERENCE_DIR
from tests.conftest import bound, FIXTURES, walk

RISK = FIXTURES / "dashboard" / "risk_known.csv"


@pytest.fixture
def app(cli, db_url):
    assert cli("etl", RISK, "--db", db_url).exit_code == 0
    return create_app(db_url)


@pytest.fixture
def risk(app):
    page = bound(app, "risk")

    return page


def population() -> tuple[dict[str, int], dict[str, str]]:
    """Latest population per region and each region's country, straight from the reference files."""
    latest: dict[str, tuple[int, int]] = {}
    with open(REFERENCE_DIR / "region_population.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            year, pop = int(row["year"]), int(row["population"])
            if row["region_code"] not in latest or year > latest[row["region_code"]][0]:
                latest[row["region_code"]] = (year, pop)
    with open(REFERENCE_DIR / "regions.csv", newline="") as fh:
        country = {row["code"]: row["country"] for row in csv.DictReader(fh)}
    return {code: pop for code, (_, pop) in latest.items()}, country


def ids(component: Any) -> list[str]:
    """Every string id in a Dash component tree, in document order."""
    if component is None or isinstance(component, (str, int, float)):
        return []
    if isinstance(component, (list, tuple)):
        return [i for c in component for i in ids(c)]
    own = [component.id] if isinstance(getattr(component, "id", None), str) else []
    return own + ids(getattr(component, "children", None))


def text(component: Any) -> str:
    """All text in a Dash component tree."""
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(text(c) for c in component)
    return text(getattr(component, "children", None))


def test_class_rank_and_rate_against_the_nation(risk):
    p = risk.profile({"region": "NV", "year_from": "2023", "year_to": "2023", "metric": "incidents"})
    assert p.breaks == [1.0, 1.5, 2.0, 4.4]
    assert (p.risk_label, p.rank, p.ranked) == ("High crime", 1, 6)  # NV, OR, TX, BC, CA and FL (a real zero)
    pops, country = population()
    us_pop = sum(pop for code, pop in pops.items() if country[code] == "US")
    assert p.per_million == pytest.approx(12 / pops["NV"] * 1e6)
    assert p.national["US"] == pytest.approx(18 / us_pop * 1e6)  # NV 12 + OR 3 + TX 2 + CA 1
    assert p.ratio == pytest.approx((12 / pops["NV"]) / (18 / us_pop))
    assert (p.last_year, p.prior_year, p.change_pct, p.reliable) == (12, 10, 20.0, True)
    shown = text(risk.headline(p))
    assert f"{p.ratio:,.1f} times the United States national rate" in shown
    assert "Rank 1 of 6" in shown and "+20.0% on 2022 (10)" in shown and "unreliable" not in shown


def test_other_classes_and_small_changes_flagged(risk):
    oregon = risk.profile({"region": "OR", "metric": "incidents"})  # the latest year (2023) by default
    assert (oregon.risk_label, oregon.rank, oregon.change_pct, oregon.reliable) == ("Moderately high", 2, 200.0, False)
    assert "+200.0% on 2022 (1), unreliable: fewer than 10 incidents" in text(risk.headline(oregon))
    texas, california = risk.profile({"region": "TX", "metric": "incidents"}), risk.profile({"region": "CA", "metric": "incidents"})
    assert (texas.risk_label, texas.rank) == ("Moderately high", 3)  # tied with BC
    assert (california.risk_label, california.rank) == ("Moderately low", 5)
    canada = risk.profile({"region": "BC", "metric": "incidents"})
    pops, country = population()
    ca_pop = sum(pop for code, pop in pops.items() if country[code] == "CA")
    assert canada.national["CA"] == pytest.approx(2 / ca_pop * 1e6)
    assert "Canada national rate" in text(risk.headline(canada))


def test_real_zero_is_low_but_no_rows_is_no_data(risk):
    florida = risk.profile({"region": "FL", "metric": "incidents"})  # incidents in 2021 only: 2023 is a real zero
    assert florida.has_data and (florida.risk_label, florida.rank, florida.incidents_total) == ("Low crime", 6, 0)
    vermont = risk.profile({"region": "VT", "metric": "incidents"})
    assert not vermont.has_data and vermont.rank is None
    notice = risk.headline(vermont)
    assert notice.id == "risk-no-data" and "No data for Vermont" in text(notice)
    page = risk.layout(region="VT")
    assert risk.TOP in str(page) and risk.TREND not in str(page)  # the top regions instead of empty charts
    assert "No incidents recorded for Vermont" in risk.build_trend({"region": "VT"}).summary


def test_several_years_are_per_year(risk):
    p = risk.profile({"region": "NV", "year_from": "2022", "year_to": "2023", "metric": "incidents"})
    pops, _ = population()
    assert p.incidents_total == 22 and p.value == 11  # per year
    assert p.per_million == pytest.approx(11 / pops["NV"] * 1e6)
    assert "by incidents per year" in text(risk.headline(p))


def test_trend_draws_every_year_by_category(risk):
    result = risk.build_trend({"region": "NV", "year_from": "2023"})
    rows = result.rows.set_index(["year", "category"])["incidents"]
    assert rows.to_dict() == {(2022, "burglary"): 2, (2022, "robbery"): 2, (2022, "theft"): 6,
                              (2023, "burglary"): 2, (2023, "robbery"): 4, (2023, "theft"): 6}
    assert "12 incidents in 2023, +20.0% on 2022 (10)" in result.summary
    assert result.source.startswith("Data derived from Jewelers' Security Alliance") and "Dec 2023" in result.date_range
    assert result.sample is False
    assert ("Grab-and-run theft", "grab-and-run") in result.guidance
    tags = {c[0] for trace in result.figure.data for c in trace.customdata}
    assert tags == {guidance_tag("grab-and-run"), guidance_tag("armed-robbery"), guidance_tag("after-hours-burglary")}
    oregon = risk.build_trend({"region": "OR"})
    assert "3 incidents in 2023, +200.0% on 2022 (1), unreliable" in oregon.summary


def test_top_types_in_order_with_guidance_cards(risk):
    result = risk.build_types({"region": "NV", "year_from": "2023", "year_to": "2023"})
    assert result.rows[["label", "incidents"]].values.tolist() == [
        ["Grab-and-run theft", 5], ["Smash-and-grab robbery", 4], ["After-hours burglary", 2], ["Distraction theft", 1]]
    assert [slug for _, slug in result.guidance] == ["grab-and-run", "smash-and-grab", "after-hours-burglary",
                                                     "distraction-theft"]
    bar = result.figure.data[0]
    assert list(bar.y) == ["Distraction theft", "After-hours burglary", "Smash-and-grab robbery", "Grab-and-run theft"]
    assert [c[0] for c in bar.customdata][-1] == guidance_tag("grab-and-run")
    cards = risk.guidance_cards(result)
    assert [i for i in ids(cards) if i.startswith("guidance-card-")] == [
        "guidance-card-grab-and-run", "guidance-card-smash-and-grab", "guidance-card-after-hours-burglary",
        "guidance-card-distraction-theft"]
    assert "Show one piece at a time" in text(cards) and "/guidance/smash-and-grab" in str(cards)
    # a bare category is its own line, with the category's guidance
    oregon = risk.build_types({"region": "OR"})
    assert oregon.rows[["label", "incidents", "slug"]].values.tolist() == [
        ["Theft, sub-type not recorded", 2, "grab-and-run"], ["Robbery, sub-type not recorded", 1, "armed-robbery"]]


def test_patterns_where_recorded(risk):
    results = risk.build_patterns({"region": "NV", "year_from": "2023"})
    hour = results[risk.HOUR].rows.set_index("hour")["incidents"]
    assert len(hour) == 24 and hour.sum() == 10  # the distraction theft has no time; 'night' has no hour
    assert {h: n for h, n in hour.items() if n} == {2: 1, 11: 2, 12: 1, 14: 1, 15: 3, 16: 1, 19: 1}
    assert "busiest hour is 15:00-15:59 with 3 of the 10" in results[risk.HOUR].summary
    tod = results[risk.TOD].rows.set_index("value")["incidents"].to_dict()
    assert tod == {"morning": 2, "afternoon": 6, "evening": 1, "night": 2}
    location = results[risk.LOCATION].rows[["value", "incidents"]].values.tolist()
    assert location == [["mall", 5], ["strip_center", 4], ["standalone", 2]]
    weekday = results[risk.WEEKDAY].rows.set_index("value")["incidents"].to_dict()
    assert weekday == {"Mon": 2, "Tue": 1, "Wed": 1, "Thu": 1, "Fri": 1, "Sat": 5, "Sun": 1}
    assert "busiest day is Saturday with 5 of the 12" in results[risk.WEEKDAY].summary
    oregon = risk.build_patterns({"region": "OR"})
    assert oregon[risk.HOUR].rows.empty and "No hour-of-day data for Oregon" in oregon[risk.HOUR].summary
    assert "No location-type data" in oregon[risk.LOCATION].summary
    assert oregon[risk.WEEKDAY].rows["incidents"].sum() == 3


def test_subtype_patterns_count_the_whole_category(risk):
    results = risk.build_patterns({"region": "NV", "category": "theft", "subtype": "grab_and_run"})
    assert results[risk.WEEKDAY].rows["incidents"].sum() == 6  # 5 grab-and-run + 1 distraction theft
    assert "kept by category" in results[risk.WEEKDAY].summary
    assert risk.build_types({"region": "NV", "subtype": "grab_and_run"}).rows["incidents"].tolist() == [5]


def test_no_region_shows_prompt_and_top_regions(risk):
    prompt = risk.headline(risk.profile({}))
    assert prompt.id == "risk-prompt" and "United States:" in text(prompt)
    top = risk.build_top({"year_from": "2023", "metric": "incidents"})
    assert top.rows["code"].tolist() == ["NV", "OR", "BC", "TX", "CA", "FL"]
    assert top.rows["risk_class_label"].tolist()[:2] == ["High crime", "Moderately high"]
    assert "first is Nevada with 12, of 6 with data" in top.summary
    page = risk.layout()
    assert risk.TOP in str(page) and risk.TREND not in str(page)


def test_source_filter(risk):
    assert not risk.profile({"region": "NV", "source": "JM"}).has_data  # the fixture is JSA only
    assert risk.profile({"region": "NV", "source": "JSA"}).rank == 1


def test_bad_inputs_fall_back(risk):
    p = risk.profile({"region": "<script>", "year_from": "1066", "source": "x", "metric": "DROP TABLE", "category": 5})
    f = p.filters
    assert (f.region, f.year_from, f.year_to, f.source, f.metric, f.category) == (None, 2023, 2023, "combined",
                                                                                   "per_million", "all")
    assert risk.profile({"region": "nv"}).code == "NV"
    assert risk.build_types({"region": "ZZ"}).rows.empty
    for builder in (risk.build_trend, risk.build_types, risk.build_top):
        builder({"region": ["NV"], "year_to": {"a": 1}})  # odd types never raise
    risk.build_patterns({"region": None, "subtype": "nonsense"})


def counted(records: list[dict], key: str) -> dict:
    """A chart card's rows (the 'view data' grid and CSV) as {key: incidents}."""
    return {r[key]: r["incidents"] for r in records}


def test_callbacks_and_layout(risk):
    # Nevada in the fixture: 2022 grab-and-run 6, smash-and-grab 2, burglary 2; 2023 (R-11..R-22) grab-and-run 5,
    # smash-and-grab 4, after-hours burglary 2, distraction theft 1
    filters = {"region": "NV", "year_from": 2023, "year_to": 2023}
    _fig, records, _cols, summary, _src, dates, sample, _notes = risk.update_trend(filters)  # every year
    assert {(r["year"], r["category"]): r["incidents"] for r in records} == {
        (2022, "burglary"): 2, (2022, "robbery"): 2, (2022, "theft"): 6,
        (2023, "burglary"): 2, (2023, "robbery"): 4, (2023, "theft"): 6}
    assert summary.startswith("Nevada: 12 incidents in 2023, +20.0% on 2022 (10)")
    assert "showing Nevada, 2023" in dates and sample == {"display": "none"}
    types = risk.update_types(filters)
    assert counted(types[1], "label") == {"Grab-and-run theft": 5, "Smash-and-grab robbery": 4,
                                          "After-hours burglary": 2, "Distraction theft": 1}
    assert types[3].startswith("Most common crime types in Nevada") and "Grab-and-run theft (5, 42%)" in types[3]
    cards_below = [c.href for c in walk(types[8]) if getattr(c, "href", None)]  # what to do, most common first
    assert cards_below == ["/guidance/grab-and-run", "/guidance/smash-and-grab", "/guidance/after-hours-burglary",
                           "/guidance/distraction-theft"]
    patterns = risk.update_patterns(filters)
    cards = dict(zip(risk.PATTERNS, (patterns[i:i + 8] for i in range(0, len(patterns), 8))))
    # hours: 14, 15:10, 3 PM, 15:45, 16 | 11, 11:30, 12, 7 PM | 2:30 AM; 'night' and the theft have no hour
    hours = {h: n for h, n in counted(cards[risk.HOUR][1], "hour").items() if n}
    assert hours == {2: 1, 11: 2, 12: 1, 14: 1, 15: 3, 16: 1, 19: 1}
    assert "busiest hour is 15:00-15:59 with 3 of the 10 incidents" in cards[risk.HOUR][3]
    assert counted(cards[risk.TOD][1], "value") == {"morning": 2, "afternoon": 6, "evening": 1, "night": 2}
    assert counted(cards[risk.LOCATION][1], "value") == {"mall": 5, "strip_center": 4, "standalone": 2}
    # 2023-03-04 to 04-01 are five Saturdays; 05-01 and 05-08 Mondays; 07-02 a Sunday
    assert counted(cards[risk.WEEKDAY][1], "value") == {"Mon": 2, "Tue": 1, "Wed": 1, "Thu": 1, "Fri": 1, "Sat": 5,
                                                        "Sun": 1}
    assert "busiest day is Saturday with 5 of the 12 incidents" in cards[risk.WEEKDAY][3]
    assert risk.update_headline(None).id == "risk-prompt"
    page = risk.layout(region="NV", year_from="2023")
    for chart in (risk.TREND, risk.TYPES, *risk.PATTERNS):
        assert f"card-{chart}" in ids(page)
    assert "https://www.partnerforprotection.com/" in str(page)


def test_clicking_a_top_region_selects_it(risk):
    search = risk.open_region({"points": [{"customdata": ["OR", "Moderately high"]}]}, {"year_from": 2022})
    assert "region=OR" in search and "year_from=2022" in search
    assert risk.open_region({"points": [{"customdata": ["ZZ", "x"]}]}, {}) is dash.no_update
    assert risk.open_region(None, {}) is dash.no_update
