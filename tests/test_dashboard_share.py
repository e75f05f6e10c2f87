"""Share page: NIBRS classes, offense categories and the jewelry-crime mix, against databases built by the ETL."""
from __future__ import annotations

import pytest

from dashboard.app import create_app
from tests.conftest import bound, FIXTURES
from tests.test_dashboard_overview import text

TRENDS = FIXTURES / "dashboard" / "jsa_trends.csv"
NIBRS = FIXTURES / "figures" / "nibrs_2020_known.csv"


@pytest.fixture
def share(cli, db_url):
    assert cli("etl", TRENDS, NIBRS, "--db", db_url).exit_code == 0
    app = create_app(db_url)
    page = bound(app, "share")

    return page


def test_nibrs_classes_from_a_loaded_table(share):
    result = share.build_nibrs({"nibrs_year": "2020"})
    rows = result.rows.set_index("crimes_against")
    assert list(rows.index) == ["property", "persons", "society"]
    assert rows["offenses"].tolist() == [5_800_000, 2_000_000, 1_100_000]
    assert rows["total_offenses"].iloc[0] == 8_900_000
    assert rows.loc["property", "share_pct"] == pytest.approx(65.1685, 1e-4)
    assert not rows["derived_from_published_percent"].any()
    bars = next(t for t in result.figure.data if t.type == "bar")
    assert list(bars.x) == pytest.approx(rows["share_pct"].tolist()[::-1])  # drawn bottom-up
    claim = next(t for t in result.figure.data if t.type == "scatter")
    assert list(claim.x) == [65.0] and "8.9 million" in claim.name  # from published_figure
    assert "65.2%" in result.summary and result.source.startswith("Data: FBI")
    assert "nibrs_2020_known.csv" in result.date_range and result.sample is False


def test_reference_totals_are_marked_derived(share):
    result = share.build_nibrs({"nibrs_year": "2019"})
    assert result.rows["derived_from_published_percent"].all()
    assert "derived from the FBI's published percentages" in result.summary
    assert not [t for t in result.figure.data if t.type == "scatter"]  # the claim is about 2020 only
    assert share.build_nibrs({"nibrs_year": "1999"}).date_range.endswith("nibrs_2020_known.csv")  # bad year: latest


def test_offense_categories(share):
    result = share.build_offenses({"nibrs_year": "2020"})
    rows = result.rows.set_index("offense_category")
    assert rows.loc["Larceny/Theft Offenses", "offenses"] == 4_000_000
    assert rows.loc["Larceny/Theft Offenses", "share_of_class_pct"] == pytest.approx(4 / 5.8 * 100)
    assert rows.loc["Assault Offenses", "share_of_class_pct"] == pytest.approx(100.0)
    drawn = sorted(v for t in result.figure.data for v in t.x)
    assert drawn == sorted(result.rows["offenses"].tolist())
    none = share.build_offenses({"nibrs_year": "2019"})
    assert none.rows.empty and "class totals only" in none.summary


def test_claim_panel_beside_the_share(share):
    words = text(share.claim_panel(2020))
    assert "Campaign says:" in words and "65% of the 8.9 million" in words
    assert "65.2%" in words and "Supported by the data" in words
    assert "The claim is about 2020" in text(share.claim_panel(2019))


def test_mix_by_count_and_losses(share):
    q = {"year_from": "2021", "year_to": "2022", "source": "JSA"}
    count = share.build_mix_count(q)
    rows = count.rows.set_index("label")
    # 2021-2022, U.S. and Canada: robbery 5 + 6 + 4 (Toronto), smash-and-grab 5, theft 27, grab-and-run 6
    assert rows.loc["Robbery, sub-type not given", "incidents"] == 15
    assert rows.loc["Smash-and-grab robbery", "incidents"] == 5
    assert rows.loc["Theft, sub-type not given", "incidents"] == 27
    assert rows["incidents"].sum() == 73
    assert rows.loc["Theft, sub-type not given", "share_incidents_pct"] == pytest.approx(27 / 73 * 100)
    drawn = {y: x for t in count.figure.data for y, x in zip(t.y, t.x)}
    assert drawn == rows["incidents"].to_dict()
    smash = next(t for t in count.figure.data if "Smash-and-grab robbery" in list(t.y))
    assert smash.customdata[list(smash.y).index("Smash-and-grab robbery")][0] == "guidance:smash-and-grab"
    assert ("Smash-and-grab robbery", "smash-and-grab") in count.guidance

    losses = share.build_mix_losses(q)
    lrows = losses.rows.set_index("label")
    assert "Grab-and-run theft" not in lrows.index  # no known loss: not drawn, not in the rows
    assert lrows.loc["Off-premises, sub-type not given", "losses"] == 18_000
    assert lrows["losses"].sum() == 52_700 and "$52,700" in losses.summary
    assert lrows.loc["Off-premises, sub-type not given", "share_losses_pct"] == pytest.approx(18_000 / 52_700 * 100)


def test_callbacks_and_layout(share):
    odd = {"nibrs_year": "2020", "source": "<b>", "year_from": "x"}  # bad source and year: both sources, 2023
    _fig, records, _cols, summary, source, dates, _sample, _notes = share.update_nibrs(odd)
    assert {r["crimes_against"]: r["offenses"] for r in records} == {"property": 5_800_000, "persons": 2_000_000,
                                                                     "society": 1_100_000}
    assert "Crimes against property: 65.2% (5,800,000)" in summary and source.startswith("Data: FBI")
    assert dates == "NIBRS calendar year 2020; counts from nibrs_2020_known.csv"
    _fig, records, _cols, summary, *_ = share.update_offenses(odd)
    assert {r["offense_category"]: r["offenses"] for r in records} == {
        "Larceny/Theft Offenses": 4_000_000, "Burglary/Breaking & Entering": 1_800_000,
        "Assault Offenses": 2_000_000, "Drug/Narcotic Offenses": 1_100_000}
    assert "the largest is Larceny/Theft Offenses with 4,000,000 (44.9% of all offenses)" in summary
    # 2023 in the trends fixture: nine thefts in Chicago, $100 each
    _fig, records, _cols, summary, source, dates, *_ = share.update_mix_count(odd)
    assert [(r["label"], r["incidents"]) for r in records] == [("Theft, sub-type not given", 9)]
    assert "9 in all" in summary and "showing 2023" in dates and "JSA and JM combined" in dates
    assert source.startswith("Data derived from Jewelers' Security Alliance")
    _fig, records, _cols, summary, *_ = share.update_mix_losses(odd)
    assert [(r["label"], r["losses"], r["losses_known"]) for r in records] == [("Theft, sub-type not given", 900, 9)]
    assert "$900 in all from 9 records with a known loss" in summary
    page = share.layout(nibrs_year="2020")
    assert "Supported by the data" in text(page)


def test_mix_without_incident_data(cli, db_url):
    assert cli("etl", NIBRS, "--db", db_url).exit_code == 0
    app = create_app(db_url)
    share = bound(app, "share")

    assert share.build_mix_count({}).summary == "No incident data is loaded."
    assert share.build_nibrs({}).rows["total_offenses"].iloc[0] == 8_900_000  # the loaded table beats the reference
    page = share.layout()  # still lays out, with the claim judged from the FBI table alone
    assert "card-share-offenses" in [getattr(c, "id", None) for c in page.children]
    assert "65.2% computed share of crimes against property in 2020 Supported by the data" in text(page)
