"""Claims as data: rows of claims.csv checked by one checker, with known answers (not the sample's).

tests/fixtures/claims/jsa_claims.csv, U.S. rows by year (one Canadian row a year does not count):

* 2021, 2022, 2023: a row in every month (complete years); 2024: January to March only;
* Texas robberies: 2021 = 2 (Houston, Dallas), 2022 = 3, 2023 = 1, 2024 = 3;
* 2022 burglaries: 3 (Chicago, Boise, Miami); 2023 burglaries: 2;
* 2023: 11 U.S. incidents, 6 of them thefts (54.5%);
* thefts January to June: 2022 = 1 (Reno), 2023 = 3; February and March 2023: 2 (Chicago);
* U.S. losses 2021: 1,000 + 1,000 + 4 x 500 / 100 ... = 3,700; 2023: 11 x 300 = 3,300.

tests/fixtures/claims/reference/claims.csv is the bundled claims.csv plus three rows: a change
(tx_robbery_2022), a share (theft_share_2023) and a count (burglaries_2022).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from etl import claims, figures
from etl.claim_spec import parse_filter_string, parse_period, parse_spec
from etl.config import RAW_DIR
from tests.conftest import FIXTURES, Cli, snapshot

HERE = FIXTURES / "claims"
DATA, CLAIMS = HERE / "jsa_claims.csv", HERE / "reference" / "claims.csv"
ADDED = ("latest", "stale", "claim_unit", "statement", "measure", "freshness", "as_of", "sample_note")  # keys added since


def plain(output: str) -> str:
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", output).split())


def figures_json(cli, db_url: str) -> dict[str, dict]:
    result = cli("figures", "--json", "--db", db_url)
    assert result.exit_code == 0, result.output
    return {f["id"]: f for f in json.loads(result.stdout)}


@pytest.fixture
def loaded(cli, db_url):
    result = cli("etl", DATA, CLAIMS, "--db", db_url)
    assert result.exit_code == 0, result.output
    return db_url


@pytest.fixture
def known(cli, loaded):
    return figures_json(cli, loaded)


def check(cli, db_url: str, *args: str) -> dict:
    result = cli("check", *args, "--json", "--db", db_url)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# ---------------------------------------------------------------- added rows are figures

def test_every_row_is_a_figure_in_file_order(known):
    assert list(known) == ["change_since_2019", "major_cities_theft_robbery_h1", "property_share_2020",
                           "tx_robbery_2022", "theft_share_2023", "burglaries_2022"]


def test_a_change_claim(known):
    f = known["tx_robbery_2022"]
    assert f["inputs"] == {"2021_robbery_tx": 2, "2022_robbery_tx": 3}
    assert (f["value"], f["numerator"], f["denominator"]) == (50.0, 1, 2)
    assert f["verdict"] == "supported" and f["verdict_reason"] == "computed +50.0% is within 5 points of the claimed +50%"
    assert f["label"] == "Robberies in Texas, 2022 against 2021" and f["period"] == "2021 to 2022"
    assert f["formula"] == "(robberies in Texas in 2022 minus those in 2021) divided by those in 2021, times 100"
    assert f["by_year"] == {"2022": 50.0, "2023": -50.0, "2024": 50.0}
    assert (f["published_source"], f["published_url"], f["claim_unit"], f["unit"]) == \
           ("Test desk", "https://example.org/tx", "percent_change", "percent")
    assert f["sample_data"] is False


def test_a_share_claim_checks_its_total_too(known):
    f = known["theft_share_2023"]
    assert f["inputs"] == {"incidents_2023": 11, "2023_theft": 6}
    assert (f["value"], f["numerator"], f["denominator"]) == (54.5, 6, 11)
    assert f["verdict"] == "supported"
    assert f["verdict_reason"] == ("computed share 54.5% against the claimed 55% (within 1 point); "
                                   "total incidents 11 against the claimed 11 (within 1%)")
    assert f["extra"] == {"published_total": 11.0} and f["claim_unit"] == "percent_share"


def test_a_count_claim(known):
    f = known["burglaries_2022"]
    assert f["inputs"] == {"2022_burglary": 3} and f["value"] == 3 and f["unit"] == "count"
    assert f["verdict"] == "not supported"
    assert f["verdict_reason"] == "computed 3 is 25.0% from the claimed 4 (tolerance 1%)"
    assert (f["official_value"], f["official_source"]) == (3.0, "Test desk's own count")


def test_a_stale_claim_holds_for_its_period_not_for_the_latest(known):
    # 2023 is the latest complete year (2024 has January to March only): 1 Texas robbery against 2 in 2021
    f = known["tx_robbery_2022"]
    assert f["latest"] == {"period": "2021 to 2023", "value": -50.0, "verdict": "not supported"}
    assert f["stale"] is True
    # the share is about the latest complete year itself; the count was never supported: neither is stale
    assert known["theft_share_2023"]["latest"] == {"period": "2023", "value": 54.5, "verdict": "supported"}
    assert known["burglaries_2022"]["latest"] == {"period": "2023", "value": 2, "verdict": "not supported"}
    assert known["theft_share_2023"]["stale"] is False and known["burglaries_2022"]["stale"] is False
    # in words, from the row: the card's line and the exports' "as of" line
    assert f["freshness"] == "True for 2022; by 2023 the change was -50.0% against 2021."
    assert f["as_of"] == "As of 2023, the latest complete period in the data: -50.0% against 2021."
    assert f["statement"] == "Robberies in Texas: 3 in 2022 against 2 in 2021."
    assert known["burglaries_2022"]["freshness"] == known["burglaries_2022"]["as_of"] == ""  # never held
    assert known["theft_share_2023"]["statement"] == "Thefts against U.S. jewelers: 6 of 11 crimes against U.S. jewelers in 2023."
    assert known["burglaries_2022"]["statement"] == "Burglaries against U.S. jewelers: 3 in 2022."
    assert f["measure"]["filters"]["regions"] == ["TX"] and f["measure"]["since"] is True
    assert all(not k["sample_note"] for k in known.values())  # no sample rows in this data


def test_the_campaign_rows_on_this_data(known):
    f = known["change_since_2019"]
    assert f["verdict"] == "no data" and f["inputs"] == {"incidents_2019": 0, "incidents_2022": 11}
    assert f["latest"] == {"period": "2019 to 2023", "value": None, "verdict": "no data"} and f["stale"] is False
    share = known["property_share_2020"]  # NIBRS from the reference totals: moved to the latest NIBRS year loaded
    assert share["value"] == 60.5 and share["latest"]["period"] == "2020"


def test_the_figures_table_reads_each_value_by_its_unit(cli, loaded):
    result = cli("figures", "--db", loaded)
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.count("│") > 3}
    assert "+50.0%" in rows["tx_robbery_2022"] and "stale" in result.output
    assert "54.5%" in rows["theft_share_2023"] and "+54.5%" not in rows["theft_share_2023"]
    assert "│ 3 " in rows["burglaries_2022"]


def test_a_tolerance_on_the_row_replaces_the_default(engine, loaded):
    row = {"id": "t", "claim": "c", "published_by": "p", "metric": "incidents", "unit": "percent_change",
           "source": "JSA", "regions": "TX", "category": "robbery", "period": "2022", "compared_with": "2021",
           "published_value": "100"}
    spec, problems = parse_spec(row)
    assert problems == [] and claims.check(engine, spec).verdict == "not supported"  # 50 points off
    spec, _ = parse_spec({**row, "tolerance": "50"})
    assert claims.check(engine, spec).verdict == "supported"
    count, _ = parse_spec({**row, "unit": "count", "compared_with": "", "published_value": "4", "tolerance": "0.3",
                           "regions": "", "category": "burglary"})
    assert claims.check(engine, count).verdict == "supported"  # 3 against 4 is 25% off, within 30%


# ---------------------------------------------------------------- invalid rows

BAD_ROWS = {
    "bad_period": ("incidents,,,JSA,US,,robbery,,false,,2022H3,2021", "period: '2022H3' is not a period"),
    "bad_value": ("incidents,,,JSA,US,,jaywalking,,false,,2022,2021", "category: 'jaywalking' is not a category"),
    "bad_key": ("incidents,colour=red,all,JSA,US,,,,false,,2022,", "numerator: 'colour=red' is not key=value"),
    "no_denominator": ("incidents,category=theft,,JSA,US,,,,false,,2022,", "denominator: is blank: a share needs"),
    "bad_metric": ("burglaries,,,JSA,US,,,,false,,2022,2021", "metric: 'burglaries' is not one of"),
}
UNITS = {"bad_period": "percent_change", "bad_value": "percent_change", "bad_key": "percent_share",
         "no_denominator": "percent_share", "bad_metric": "percent_change"}


def test_an_invalid_row_is_quarantined_naming_row_and_field_and_the_others_load(cli, db_url, tmp_path, engine):
    path = tmp_path / "reference" / "claims.csv"
    path.parent.mkdir()
    lines = CLAIMS.read_text().splitlines()
    bad = [f"{name},Claimed,10,{UNITS[name]},Someone,,,{cells},,,," for name, (cells, _) in BAD_ROWS.items()]
    lines[4:4] = bad  # after the three campaign rows: rows 5 to 9 of the file
    lines.append("tx_robbery_2022,the same id again,50,percent_change,Someone,,,incidents,,,JSA,US,TX,robbery,,false,,"
                 "2022,2021,,,,")
    path.write_text("\n".join(lines) + "\n")
    result = cli("etl", DATA, path, "--db", db_url)
    assert result.exit_code == 0, result.output
    assert "row 5, period: '2022H3' is not a period" in plain(result.output)
    assert list(figures_json(cli, db_url)) == ["change_since_2019", "major_cities_theft_robbery_h1",
                                               "property_share_2020", "tx_robbery_2022", "theft_share_2023",
                                               "burglaries_2022"]
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT q.row_number, q.reasons FROM quarantine q JOIN load_batch b "
                                    "ON b.batch_id = q.batch_id WHERE b.file_name = 'claims.csv' "
                                    "ORDER BY q.row_number").all()
    reasons = {n: json.loads(r) for n, r in rows}
    assert sorted(reasons) == [5, 6, 7, 8, 9, 13]
    for number, (_name, (_cells, message)) in zip(range(5, 10), BAD_ROWS.items()):
        assert any(r.startswith(f"row {number}, {message}") for r in reasons[number]), reasons[number]
    assert reasons[13] == ["row 13, id: 'tx_robbery_2022' is already the id of row 10"]
    assert "row 9, unit: " not in " ".join(reasons[9])  # percent_change is a unit; only the metric is wrong


def test_a_period_without_data_is_no_data_not_a_load_error(cli, db_url, tmp_path):
    path = tmp_path / "reference" / "claims.csv"
    path.parent.mkdir()
    header = CLAIMS.read_text().splitlines()[0]
    path.write_text(f"{header}\nfuture,Robberies in 2030,5,count,Someone,,,incidents,,,JSA,US,,robbery,,false,,"
                    "2030,,,,,\n")
    result = cli("etl", DATA, path, "--db", db_url)
    assert result.exit_code == 0 and "quarantined" not in result.output.split("Load summary")[0]
    f = figures_json(cli, db_url)["future"]
    assert f["verdict"] == "no data" and f["value"] is None and f["latest"] is None


@pytest.mark.parametrize("text, kind, short, slug", [
    ("2022", "year", "2022", "2022"), ("2022H1", "half", "Jan-Jun 2022", "h1_2022"),
    ("2022h2", "half", "Jul-Dec 2022", "h2_2022"), ("2022-01..2022-03", "months", "Jan-Mar 2022", "2022_01_2022_03"),
    ("2021-11..2022-02", "months", "Nov 2021-Feb 2022", "2021_11_2022_02"), ("2019..2022", "years", "2019-2022",
                                                                             "2019_2022")])
def test_period_syntax(text, kind, short, slug):
    p = parse_period(text)
    assert (p.kind, p.text(), p.slug()) == (kind, short, slug)
    assert parse_period(p.written()) == p


@pytest.mark.parametrize("text", ["2022H3", "2022-13..2022-14", "2022..2019", "22", "2022-06..2022-01", "last year"])
def test_malformed_periods_are_refused(text):
    with pytest.raises(ValueError):
        parse_period(text)


def test_filter_strings():
    assert parse_filter_string("numerator", "nibrs_class=property") == {"nibrs_class": "property"}
    assert parse_filter_string("numerator", "category=theft|robbery; region=tx") == \
           {"categories": ("theft", "robbery"), "regions": ("TX",)}
    assert parse_filter_string("denominator", "all") == {} and parse_filter_string("denominator", "") is None


# ---------------------------------------------------------------- jewelcrime check

def test_check_a_change_with_a_claimed_value(cli, loaded):
    got = check(cli, loaded, "incidents", "--region", "TX", "--category", "robbery", "--period", "2022",
                "--compared-with", "2021", "--claimed", "50")
    assert (got["value"], got["numerator"], got["denominator"]) == (50.0, 1, 2)
    assert got["inputs"] == {"2021_robbery_tx": 2, "2022_robbery_tx": 3}
    assert got["verdict"] == "supported" and got["claimed"] == 50.0
    assert got["latest"] == {"period": "2021 to 2023", "value": -50.0, "verdict": "not supported"}
    assert got["stale"] is True


def test_check_a_share_a_half_year_a_month_range_and_losses(cli, loaded):
    share = check(cli, loaded, "incidents", "--country", "US", "--category", "theft", "--period", "2023",
                  "--share-of", "all")
    assert (share["value"], share["numerator"], share["denominator"], share["verdict"]) == (54.5, 6, 11, None)
    half = check(cli, loaded, "incidents", "--country", "US", "--category", "theft", "--period", "2023H1",
                 "--compared-with", "2022H1")
    assert half["inputs"] == {"h1_2022_theft": 1, "h1_2023_theft": 3} and half["value"] == 200.0
    assert half["latest"]["period"] == "Jan-Jun 2023 vs Jan-Jun 2022"  # the first half of 2024 is not complete
    months = check(cli, loaded, "incidents", "--country", "US", "--category", "theft", "--period", "2023-02..2023-03")
    assert months["inputs"] == {"2023_02_2023_03_theft": 2} and months["claim_unit"] == "count"
    assert months["latest"] == {"period": "Feb-Mar 2024", "value": 0, "verdict": None}  # complete, no thefts
    losses = check(cli, loaded, "losses", "--country", "US", "--period", "2021", "--claimed", "3700")
    assert losses["value"] == 3700 and losses["verdict"] == "supported"
    assert losses["latest"] == {"period": "2023", "value": 3300, "verdict": "not supported"}
    nibrs = check(cli, loaded, "offenses", "--nibrs-class", "property", "--period", "2019", "--share-of",
                  "nibrs_class=total", "--claimed", "59.6")
    assert (nibrs["value"], nibrs["denominator"], nibrs["verdict"]) == (59.6, 7_688_645, "supported")


def test_check_text_output_and_no_data(cli, loaded):
    result = cli("check", "incidents", "--category", "robbery", "--period", "2019", "--claimed", "5", "--db", loaded)
    assert result.exit_code == 0, result.output
    assert "verdict: no data" in result.output and "Robberies against jewelers, 2019" in result.output


def test_check_writes_nothing(cli, loaded, engine):
    before = snapshot(engine)
    check(cli, loaded, "incidents", "--period", "2022", "--compared-with", "2021", "--claimed", "10")
    assert snapshot(engine) == before


@pytest.mark.parametrize("args, message", [
    (("incidents",), "--period is required"),
    (("incidents", "--period", "2022H3"), "--period: '2022H3' is not a period"),
    (("incidents", "--period", "2022", "--category", "jaywalking"), "--category: 'jaywalking' is not a category"),
    (("incidents", "--period", "2022", "--region", "ZZ"), "--region: 'ZZ' is not a U.S. state or Canadian province"),
    (("burglaries", "--period", "2022"), "MEASURE: 'burglaries' is not one of incidents, losses, offenses"),
    (("incidents", "--period", "2022", "--compared-with", "2021", "--share-of", "all"),
     "--compared-with and --share-of cannot be used together"),
    (("incidents", "--period", "2022", "--compared-with", "2022H1"), "--compared-with: '2022H1' covers 6 months"),
    (("offenses", "--period", "2020", "--share-of", "colour=red"), "--share-of: 'colour=red' is not key=value"),
    (("offenses", "--period", "2020", "--category", "robbery"), "--category: offenses are FBI NIBRS national counts"),
    (("incidents", "--period", "2022-02..2022-04", "--region", "TX"), "--period: '2022-02..2022-04': months that"),
    (("incidents", "--period", "2022", "--source", "Nowhere PD"), "--source 'Nowhere PD' has no incidents"),
])
def test_check_usage_errors_name_the_option(cli, loaded, args, message):
    result = cli("check", *args, "--db", loaded)
    assert result.exit_code == 2, result.output
    assert message in plain(result.output) and "Traceback" not in result.output


# ---------------------------------------------------------------- the bundled data, and the code

@pytest.fixture(scope="module")
def bundled(tmp_path_factory) -> dict[str, dict]:
    url = f"sqlite:///{tmp_path_factory.mktemp('bundled') / 'bundled.sqlite'}"
    cli = Cli()
    assert cli("etl", "--db", url).exit_code == 0
    return figures_json(cli, url)


def test_the_campaign_figures_are_unchanged_on_the_bundled_data(bundled):
    # computed by the hand-written functions before claims became rows (jewelcrime figures --json)
    before = json.loads((HERE / "bundled_figures.json").read_text())
    now = [{k: v for k, v in f.items() if k not in ADDED} for f in bundled.values()]
    assert now == before
    assert all(set(f) - {k for b in before for k in b} == set(ADDED) for f in bundled.values())


def test_sample_verdicts_on_the_bundled_data_say_what_they_prove(bundled):
    cities, since, share = (bundled[i] for i in ("major_cities_theft_robbery_h1", "change_since_2019",
                                                   "property_share_2020"))
    assert cities["sample_data"] and "calibrated to published totals" in cities["sample_note"]
    assert "matched the campaign's own figure" in cities["sample_note"]  # steered to the claim itself
    assert "JSA's published yearly totals" in since["sample_note"] and "campaign's own" not in since["sample_note"]
    assert share["sample_note"] == ""  # the FBI's counts are real
    assert since["freshness"] == f"True for 2022; by 2024 the change was {since['by_year']['2024']:+.1f}% against 2019."


def test_since_2019_is_stale_on_the_bundled_data(bundled):
    f = bundled["change_since_2019"]
    assert f["latest"] == {"period": "2019 to 2024", "value": f["by_year"]["2024"], "verdict": "not supported"}
    assert f["stale"] is True and bundled["property_share_2020"]["stale"] is False


def test_the_bundled_claims_are_the_documented_figures():
    assert figures.FIGURE_IDS == ("change_since_2019", "major_cities_theft_robbery_h1", "property_share_2020")
    assert (RAW_DIR / "reference" / "claims.csv").exists()


def test_no_module_of_the_etl_decides_by_a_claim_id():
    ids = figures.FIGURE_IDS
    etl = Path(claims.__file__).parent
    # the sample generator (etl/sample/) calibrates to published_figures.csv, which keeps the campaign's ids
    modules = [p for p in sorted(etl.rglob("*.py")) if "sample" not in p.relative_to(etl).parts]
    found = [f"{p.relative_to(etl)}: {i}" for p in modules for i in ids if i in p.read_text()]
    assert modules and found == []


def test_no_dashboard_module_decides_by_a_claim_id():
    """How a figure is shown, linked, charted and exported follows from its unit and measure, never its id."""
    import dashboard

    root = Path(dashboard.__file__).parent
    modules = sorted(root.rglob("*.py"))
    found = [f"{p.relative_to(root)}: {i}" for p in modules for i in figures.FIGURE_IDS if i in p.read_text()]
    assert len(modules) > 20 and found == []
