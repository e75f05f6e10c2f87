"""Guidance pages: content checks, and the scenario statistics from a database built by the real ETL.

tests/fixtures/dashboard/risk_known.csv, per year (all JSA):
2021: theft 2 (TX, FL)
2022: grab-and-run 6, smash-and-grab 2, burglary 2, theft 1, burglary (BC) 1 = 12
2023: grab-and-run 5, smash-and-grab 4, after-hours burglary 2, distraction 1, robbery 1, theft 2,
      armed robbery 2, switch 1, sneak theft 2 = 20
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from dashboard import guidance_content as content
from dashboard.components import guidance_tag
from etl import schema
from etl.taxonomy import GUIDANCE_SCENARIOS
from tests.test_dashboard_risk import app, ids, text  # noqa: F401 - app is the shared fixture
from tests.conftest import bound

RESOURCES = {"https://www.partnerforprotection.com/", "https://www.jewelersmutual.com/", "https://jewelerssecurity.org/"}


@pytest.fixture
def scenario(app):
    page = bound(app, "guidance_scenario")

    return page


def test_every_scenario_has_its_content():
    assert list(content.SCENARIOS) == list(GUIDANCE_SCENARIOS)
    for s in content.SCENARIOS.values():
        assert s.title == GUIDANCE_SCENARIOS[s.slug]
        assert len(s.how_it_happens) > 200 and len(s.during_after) >= 3 and len(s.limit_loss) >= 3
        assert s.related, s.slug
        words = " ".join([s.summary, s.how_it_happens, *s.during_after, *s.limit_loss])
        assert not re.search(r"\d", words), f"{s.slug}: no statistics or numbers typed into guidance"
    assert {url for _, url, _ in content.RESOURCES} == RESOURCES
    assert content.tips("nope") == [] and len(content.tips("smash-and-grab", 2)) == 2
    assert content.guidance_card("nope") is None


def test_campaign_advice_is_there():
    # the points the campaign makes, in our own words
    smash = " ".join(content.SCENARIOS["smash-and-grab"].during_after).lower()
    assert "do not step in" in smash and "safety of staff and customers comes first" in smash
    burglary = " ".join(content.SCENARIOS["after-hours-burglary"].limit_loss).lower()
    assert "safe" in burglary and "uncovered" in burglary and "drawer" in burglary
    distraction = " ".join(content.SCENARIOS["distraction-theft"].during_after + content.SCENARIOS[
        "distraction-theft"].limit_loss).lower()
    assert "camera" in distraction and "police" in distraction and "footage" in distraction


def test_related_types_match_the_database(app, db_url):
    with sa.create_engine(db_url).connect() as conn:
        rows = conn.execute(sa.select(schema.crime_type.c.category, schema.crime_type.c.subtype,
                                      schema.crime_type.c.guidance)).all()
    for slug, s in content.SCENARIOS.items():
        assert {(ct.category, ct.subtype or "") for ct in s.related} == {(c, sub) for c, sub, g in rows if g == slug}


def test_scenario_frequency_from_the_database(scenario):
    smash = scenario.build({"scenario": "smash-and-grab"})
    assert smash.rows[["year", "label", "incidents"]].values.tolist() == [
        [2022, "Smash-and-grab robbery", 2], [2023, "Smash-and-grab robbery", 4]]
    assert ("4 incidents of these types in 2023 (20% of all recorded jewelry crimes that year), +100.0% on 2022 (2), "
            "unreliable: fewer than 10 incidents") in smash.summary
    assert smash.source.startswith("Data derived from") and "Dec 2023" in smash.date_range and smash.sample is False
    assert {c[0] for trace in smash.figure.data for c in trace.customdata} == {guidance_tag("smash-and-grab")}
    grab = scenario.build({"scenario": "grab-and-run"})
    per_year = grab.rows.groupby("year")["incidents"].sum().to_dict()
    assert per_year == {2021: 2, 2022: 7, 2023: 7}  # grab-and-run plus theft with no sub-type
    assert "Theft, sub-type not recorded" in set(grab.rows["label"])
    assert "7 incidents of these types in 2023 (35% of all" in grab.summary and "+0.0% on 2022 (7)" in grab.summary
    distraction = scenario.build({"scenario": "distraction-theft"})
    assert "1 incident of these types in 2023" in distraction.summary
    assert "no incidents in 2022 to compare with" in distraction.summary
    off = scenario.build({"scenario": "off-premises"})
    assert off.rows.empty and "No incidents of these crime types" in off.summary


def test_scenario_source_and_bad_inputs(scenario):
    assert scenario.build({"scenario": "grab-and-run", "source": "JM"}).rows.empty  # the fixture is JSA only
    fallback = scenario.build({"scenario": "grab-and-run", "source": "'; DROP TABLE incident; --"})
    assert fallback.rows["incidents"].sum() == 16 and "JSA and JM combined" in fallback.date_range
    assert scenario.build({"scenario": "../../etc"}).rows.empty
    assert scenario.build({}).summary == "Unknown guidance scenario."
    _fig, records, _cols, summary, _src, dates, sample, _notes = scenario.update_frequency({"scenario": "armed-robbery"})
    # 2023: armed robbery in Houston and Dallas, and Portland's robbery with no sub-type; 3 of the year's 20
    assert {(r["year"], r["label"]): r["incidents"] for r in records} == {
        (2023, "Armed robbery"): 2, (2023, "Robbery, sub-type not recorded"): 1}
    assert summary.startswith("Armed robbery: 3 incidents of these types in 2023 (15% of all recorded jewelry crimes")
    assert "no incidents in 2022 to compare with" in summary
    assert "JSA and JM combined" in dates and sample == {"display": "none"}


def test_scenario_page(scenario):
    page = scenario.layout(scenario="smash-and-grab")
    shown = text(page)
    assert "What to do during and after" in shown and "Tips to limit loss" in shown
    assert "card-guidance-frequency" in ids(page) and "scenario-risk-link" in ids(page)
    assert "/risk?category=robbery&subtype=smash_and_grab" in str(page)
    assert all(url in str(page) for url in RESOURCES)
    assert scenario.risk_link(content.SCENARIOS["after-hours-burglary"]) == "/risk?category=burglary"
    assert scenario.risk_link(content.SCENARIOS["grab-and-run"]) == "/risk?category=theft"
    assert "How it usually happens" in text(scenario.layout(scenario="Armed-Robbery"))  # case does not matter


def test_unknown_scenario_is_a_friendly_page(scenario):
    for bad in ("nope", "<script>alert(1)</script>", "", None, "x" * 500):
        page = scenario.layout(scenario=bad)
        assert page.id == scenario.NOT_FOUND
        links = str(page)
        assert all(f"/guidance/{slug}" in links for slug in GUIDANCE_SCENARIOS)
        assert all(url in links for url in RESOURCES)
    assert scenario._title(scenario="nope").startswith("Guidance not found")
    assert scenario._title(scenario="off-premises").startswith("Off-premises and traveling-salesperson crime")


def test_index_lists_the_seven_scenarios(app):
    guidance = bound(app, "guidance")

    page = guidance.layout()
    assert [i for i in ids(page) if i.startswith("scenario-") and i != "scenario-cards"] == [
        f"scenario-{slug}" for slug in GUIDANCE_SCENARIOS]
    assert all(f"/guidance/{slug}" in str(page) for slug in GUIDANCE_SCENARIOS)
    assert all(url in str(page) for url in RESOURCES)
    assert "Robbery, sub-type not recorded" in text(page)
