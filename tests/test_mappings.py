"""Column mappings (`jewelcrime etl FILE --map MAPPING`): the bundled presets on small files written in each
portal's layout, a mapping of one's own, bad mappings, and a mapped source kept apart from JSA and JM.

Expected counts and values were worked out by hand from the fixture files in tests/fixtures/mapped/.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from tests.conftest import snapshot
from test_bad_inputs import all_counts, batch, etl, incidents, reasons_by_id

MAPPED = Path(__file__).parent / "fixtures" / "mapped"


def plain(output: str) -> str:
    """CLI output on one line: the frame drawn around usage errors and line breaks removed."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", output).split())


def copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copy(MAPPED / name, target)
    return target


def notes(engine: sa.Engine, name: str) -> set[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT n.row_number, n.\"column\", n.value, n.note FROM load_note n JOIN load_batch b "
                                    "ON b.batch_id = n.batch_id WHERE b.file_name = :n AND b.is_current"), {"n": name})
        return {tuple(r) for r in rows}


# ---------------------------------------------------------------- the presets

def test_chicago_preset_keeps_robbery_burglary_theft_at_store_premises(cli, db_url, engine, tmp_path):
    path = copy(tmp_path, "chicago_crimes_sample.csv")
    result = etl(cli, db_url, path, "--map", "chicago")
    assert result.exit_code == 0, result.output
    # 10 rows: 5 loaded, 1 exact copy, 2 quarantined, BATTERY and a STREET theft filtered out
    assert all_counts(result.output, path.name) == (10, 5, 1, 2, 0, 2)
    assert ("filtered out chicago_crimes_sample.csv: 1 row(s): 'Location Description' is not one of 'JEWELRY STORE', "
            "'SMALL RETAIL STORE', 'RETAIL STORE', 'DEPARTMENT STORE', 'PAWN SHOP'") in result.output
    assert "filtered out chicago_crimes_sample.csv: 1 row(s): crime type 'BATTERY' is not mapped" in result.output
    got = incidents(engine, path.name).set_index("source_record_id")
    assert got["occurred_on"].to_dict() == {"12591001": "2022-01-05", "12591002": "2022-01-06", "12591003": "2022-01-07",
                                            "12591006": "2022-01-10", "12591010": "2022-03-02"}
    assert got["category"].tolist() == ["robbery", "theft", "burglary", "robbery", "theft"]
    # the hour comes from the date-time; midnight is how the portal writes "no time"
    assert got["hour"].tolist()[:3] == [13, 10, 23] and pd.isna(got.loc["12591006", "hour"])
    assert set(got["source"]) == {"Chicago Police open data"} and set(got["region_code"]) == {"IL"}
    assert set(got["city"]) == {"Chicago"} and got["is_major_city"].astype(bool).all()
    assert not got["counts_in_combined"].astype(bool).any()  # never in the JSA + JM figures
    assert json.loads(got.loc["12591001", "extra"])["Location Description"] == "JEWELRY STORE"
    assert reasons_by_id(engine, path.name, "ID") == {
        "12591007": ["date: '02/30/2022 03:00:00 PM' is not a date (e.g. 2022-03-05, 3/5/2022, Mar 5, 2022 or an Excel "
                     "date)"],
        "12591009": ["latitude/longitude: (34.0522, -118.2437) lies in California, not in Illinois"]}
    assert batch(engine, path.name)["source"] == "Chicago Police open data"


def test_lapd_preset_maps_crime_descriptions_and_reads_hhmm_times(cli, db_url, engine, tmp_path):
    path = copy(tmp_path, "lapd_crime_data_sample.csv")
    result = etl(cli, db_url, path, "--map", "lapd")
    assert result.exit_code == 0, result.output
    assert all_counts(result.output, path.name) == (8, 6, 0, 0, 0, 2)
    got = incidents(engine, path.name).set_index("source_record_id")
    assert got[["category", "subtype"]].fillna("").apply(tuple, axis=1).to_dict() == {
        "221204567": ("burglary", ""), "221204568": ("robbery", ""), "231404011": ("theft", ""),
        "231404012": ("other", "vandalism"), "231404015": ("theft", ""), "231404016": ("robbery", "")}
    # TIME OCC is HHMM: 1340 -> 13, 5 -> 00:05, 1410 -> 14, 0330 -> 3
    assert got["hour"].astype(int).to_dict() == {"221204567": 13, "221204568": 0, "231404011": 14, "231404012": 3,
                                                 "231404015": 10, "231404016": 22}
    # DATE OCC comes in two layouts, both read
    assert got.loc["231404011", "occurred_on"] == "2023-03-04" and got.loc["221204567", "occurred_on"] == "2022-01-05"
    assert pd.isna(got.loc["231404015", "latitude"]) and got.loc["231404015", "region_code"] == "CA"
    assert notes(engine, path.name) == {(8, "latitude/longitude", "0", "0, 0 is not a place (read as unknown)")}
    assert "filtered out lapd_crime_data_sample.csv: 1 row(s): 'Premis Desc' is not 'JEWELRY STORE'" in result.output
    assert ("filtered out lapd_crime_data_sample.csv: 1 row(s): crime type 'BATTERY - SIMPLE ASSAULT' is not mapped"
            in result.output)


def test_jsa_news_preset_reads_free_text(cli, db_url, engine, tmp_path):
    path = copy(tmp_path, "jsa_news_items.csv")
    result = etl(cli, db_url, path, "--map", "jsa-news")
    assert result.exit_code == 0, result.output
    assert all_counts(result.output, path.name) == (8, 5, 0, 3, 0, 0)
    got = incidents(engine, path.name).set_index("source_record_id")
    assert got[["city", "region_code", "country"]].apply(tuple, axis=1).to_dict() == {
        "N-1": ("Houston", "TX", "US"), "N-2": ("Miami", "FL", "US"), "N-3": ("Toronto", "ON", "CA"),
        "N-4": ("Chicago", "IL", "US"), "N-8": ("Newark", "NJ", "US")}
    assert got["subtype"].fillna("").to_dict() == {"N-1": "smash_and_grab", "N-2": "armed_robbery", "N-3": "",
                                                   "N-4": "distraction_theft", "N-8": "traveling_salesperson"}
    assert got["loss_usd"].fillna(-1).to_dict() == {"N-1": 1_200_000, "N-2": 100_000, "N-3": -1, "N-4": 15_000,
                                                    "N-8": 250_000}
    assert notes(engine, path.name) == {
        (3, "loss_usd", "$100,000 in jewelry", "read as 100000; the words after the number were left out")}
    assert {k: v[0] for k, v in reasons_by_id(engine, path.name, "storyId").items()} == {
        "N-5": "crime_type: 'Vandals spray-painted windows' is not a known crime type (nothing in the mapping's "
               "crime_types matches it, nor a spelling of the product's own)",
        "N-6": "date: 'sometime in March' is not a date (e.g. 2022-03-05, 3/5/2022, Mar 5, 2022 or an Excel date)",
        "N-7": "region: 'Somewhere' is not a U.S. state or Canadian province"}


def test_a_mapped_source_never_mixes_into_jsa_jm_or_the_headline_figures(cli, db_url, engine, tmp_path):
    from dashboard import controls, queries, state
    from etl.figures import compute_all

    jsa = tmp_path / "jsa.csv"
    jsa.write_text("date,state,city,crime_type\n2022-01-05,CA,Los Angeles,robbery\n2019-02-01,CA,Los Angeles,theft\n")
    assert etl(cli, db_url, jsa).exit_code == 0
    before = [(f.id, f.value, f.inputs) for f in compute_all(engine)]
    years = queries.years(engine)
    combined = queries.region_year_counts(engine, state.parse({}, years))
    assert etl(cli, db_url, copy(tmp_path, "lapd_crime_data_sample.csv"), "--map", "lapd").exit_code == 0
    assert [(f.id, f.value, f.inputs) for f in compute_all(engine)] == before
    years = queries.years(engine)
    after = queries.region_year_counts(engine, state.parse({}, years))
    assert after.query("year == 2022 and code == 'CA'")["incidents"].sum() == 1  # JSA's only; LAPD has 2 in 2022
    assert combined["incidents"].sum() == after["incidents"].sum() == 2
    assert "LAPD open data" in queries.sources(engine)
    lapd = state.parse({"source": "LAPD open data"}, years, sources=queries.sources(engine))
    assert lapd.source == "LAPD open data"
    assert queries.region_year_counts(engine, lapd)["incidents"].sum() == 6
    assert state.parse({"source": "Not a source"}, years, sources=queries.sources(engine)).source == "combined"
    options = controls.source("map", lapd, queries.sources(engine))[0].children[1].options
    assert {"label": "LAPD open data (mapped source)", "value": "LAPD open data"} in options


# ---------------------------------------------------------------- a mapping of one's own

OWN = """
name = "shops"
source = "Regional shop watch"

[columns]
date = "When"
crime_type = "What"
latitude = "Lat"
longitude = "Lon"
location_type = "Where"
loss = "Value"

[[filter]]
column = "Kind of business"
matches = "jewel|watch"

[crime_types]
unmapped = "skip"
[crime_types.values]
"hold-up" = "robbery"
[[crime_types.patterns]]
match = "^break"
to = "burglary"

[location_types]
unmapped = "quarantine"
[location_types.values]
"In a mall" = "mall"
"On main street" = "downtown"
"""


def test_own_mapping_with_a_filter_value_tables_and_region_from_coordinates(cli, db_url, engine, tmp_path):
    mapping = tmp_path / "shops.toml"
    mapping.write_text(OWN)
    path = tmp_path / "shops.csv"
    path.write_text("When,What,Kind of business,Lat,Lon,Where,Value\n"
                    "2022-05-01,Hold-up,Jewelry,29.7604,-95.3698,In a mall,$5K\n"        # Houston, TX
                    "2022-05-02,break-in,Watch repair,43.6532,-79.3832,On main street,\n"  # Toronto, ON
                    "2022-05-03,hold-up,Bakery,29.7604,-95.3698,In a mall,10\n"           # filtered: not jewelry
                    "2022-05-04,arson,Jeweler,29.7604,-95.3698,In a mall,10\n"            # filtered: type not mapped
                    "2022-05-05,hold-up,jewellers,0,0,In a mall,10\n"                     # no place at all
                    "2022-05-06,hold-up,Jewelry,29.7604,-95.3698,In a car park,10\n")     # location not mapped
    result = etl(cli, db_url, path, "--map", mapping)
    assert result.exit_code == 0, result.output
    assert all_counts(result.output, "shops.csv") == (6, 2, 0, 2, 0, 2)
    got = incidents(engine, "shops.csv")
    assert got[["region_code", "country", "category", "location_type", "loss_usd"]].fillna(0).values.tolist() == [
        ["TX", "US", "robbery", "mall", 5000.0], ["ON", "CA", "burglary", "downtown", 0]]
    assert {k: v for k, v in reasons_by_id(engine, "shops.csv", "When").items()} == {
        "2022-05-05": ["region: is blank, and latitude/longitude 0, 0 is not a place (a state or province, or a point, "
                       "is required)"],
        "2022-05-06": ["location_type: 'In a car park' is not a location type the mapping knows"]}
    assert "filtered out shops.csv: 1 row(s): 'Kind of business' does not match /jewel|watch/" in result.output
    assert "filtered out shops.csv: 1 row(s): crime type 'arson' is not mapped" in result.output
    assert batch(engine, "shops.csv")["format"] == "map:shops"


@pytest.mark.parametrize("text, fragment", [
    ('source = "X shops"\n[columns]\ndate = "D"\n', "columns.crime_type is required"),
    ('source = "JSA"\n[columns]\ndate = "D"\ncrime_type = "T"\nregion = "S"\n', "'JSA' is reserved"),
    ('source = "X shops"\n[columns]\ndate = "D"\ncrime_type = "T"\nregion = "S"\nshoe_size = "Z"\n',
     "'shoe_size' is not a field a mapping's columns can fill"),
    ('source = "X shops"\n[columns]\ndate = "D"\ncrime_type = "T"\n', "needs a region"),
    ('source = "X shops"\n[columns]\ndate = "D"\ncrime_type = "T"\nregion = "S"\n[crime_types.values]\n"a" = "jaywalk"\n',
     "'jaywalk', which is not a crime type of the taxonomy"),
    ('source = "X shops"\n[columns]\ndate = "D"\ncrime_type = "T"\nregion = "S"\n[[filter]]\ncolumn = "K"\nmatches = "("\n',
     "filter"),
    ('source = "X shops"\ncolumns = [', "not valid TOML"),
])
def test_a_bad_mapping_is_a_usage_error_that_says_why(text, fragment, cli, db_url, engine, tmp_path):
    mapping = tmp_path / "bad.toml"
    mapping.write_text(text)
    data = tmp_path / "d.csv"
    data.write_text("D,T,S\n2022-01-01,robbery,TX\n")
    result = cli("etl", data, "--map", mapping, "--db", db_url)
    assert result.exit_code == 2, result.output
    assert fragment in plain(result.output), result.output
    assert "Traceback" not in result.output


def test_unknown_preset_and_map_with_format_are_usage_errors(cli, db_url, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("D,T,S\n2022-01-01,robbery,TX\n")
    result = cli("etl", data, "--map", "seattle", "--db", db_url)
    assert result.exit_code == 2 and "not a bundled preset (chicago, jsa-news, lapd)" in plain(result.output)
    both = cli("etl", data, "--map", "lapd", "--format", "jsa", "--db", db_url)
    assert both.exit_code == 2 and "--format and --map cannot be used together" in plain(both.output)


def test_a_filter_on_a_column_the_file_lacks_rejects_the_file(cli, db_url, engine, tmp_path):
    path = tmp_path / "no_premises.csv"
    path.write_text("DR_NO,DATE OCC,TIME OCC,Crm Cd Desc,LAT,LON\n1,01/05/2022 12:00:00 AM,1340,ROBBERY,34.05,-118.24\n")
    etl(cli, db_url, copy(tmp_path, "lapd_crime_data_sample.csv"), "--map", "lapd")
    before = snapshot(engine)
    result = etl(cli, db_url, path, "--map", "lapd")
    assert result.exit_code == 1
    assert "the mapping's filter names column 'Premis Desc', which no_premises.csv does not have" in result.output
    assert snapshot(engine) == before


def test_reloading_a_mapped_file_is_unchanged_and_a_new_version_replaces_it(cli, db_url, engine, tmp_path):
    path = copy(tmp_path, "lapd_crime_data_sample.csv")
    assert etl(cli, db_url, path, "--map", "lapd").exit_code == 0
    again = etl(cli, db_url, path, "--map", "lapd")
    assert "unchanged since batch" in again.output
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:3]) + "\n")  # header and two rows
    newer = etl(cli, db_url, path, "--map", "lapd")
    assert all_counts(newer.output, path.name) == (2, 2, 0, 0, 0, 0)
    assert len(incidents(engine, path.name)) == 2


# ---------------------------------------------------------------- jewelcrime incidents

def test_incidents_command_lists_rows_with_their_file_and_row(cli, db_url, engine, tmp_path):
    etl(cli, db_url, copy(tmp_path, "lapd_crime_data_sample.csv"), "--map", "lapd")
    jsa = tmp_path / "jsa.csv"
    jsa.write_text("date,state,crime_type,loss\n2022-01-05,TX,robbery,100\n2023-02-01,ON,theft,\n")
    etl(cli, db_url, jsa)
    out = tmp_path / "rows.csv"
    result = cli("incidents", "--db", db_url, "--source", "lapd OPEN data", "--year-from", "2023", "--category", "theft",
                 "--csv", out)
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(out, dtype="str", keep_default_na=False)
    assert rows[["file", "row", "source_record_id", "occurred_on"]].values.tolist() == [
        ["lapd_crime_data_sample.csv", "4", "231404011", "2023-03-04"],
        ["lapd_crime_data_sample.csv", "8", "231404015", "2023-03-08"]]
    screen = cli("incidents", "--db", db_url, "--region", "on")
    assert screen.exit_code == 0 and "jsa.csv" in screen.output and "theft" in screen.output
    assert "lapd_crime" not in screen.output
    for args, fragment in ((("--source", "nope"), "has no incidents (sources loaded: JSA, LAPD open data)"),
                           (("--region", "ZZ"), "is not a U.S. state or Canadian province code"),
                           (("--category", "arson"), "is not one of robbery, burglary, theft, off_premises, other"),
                           (("--year-from", "2024", "--year-to", "2020"), "--year-from 2024 is after --year-to 2020")):
        bad = cli("incidents", "--db", db_url, *args)
        assert bad.exit_code == 2 and fragment in plain(bad.output), bad.output


# ---------------------------------------------------------------- found while documenting the mappings

def test_a_mapping_without_value_tables_reads_the_products_own_spellings(cli, db_url, engine, tmp_path):
    mapping = tmp_path / "plain.toml"
    mapping.write_text('source = "Plain shop list"\n[columns]\ndate = "D"\ncrime_type = "T"\nregion = "S"\n'
                       'location_type = "Where"\nhour = "Crm Cd"\n')
    path = tmp_path / "plain.csv"
    path.write_text("D,T,S,Where,Crm Cd,Crm Cd 1\n2022-01-01,Smash & grab,TX,strip mall,14,310\n"
                    "2022-01-02,jaywalking,TX,parking lot,9,310\n")
    result = etl(cli, db_url, path, "--map", mapping)
    assert all_counts(result.output, "plain.csv") == (2, 1, 0, 1, 0, 0)
    got = incidents(engine, "plain.csv")
    assert got[["subtype", "location_type", "hour"]].values.tolist() == [["smash_and_grab", "strip_center", 14]]
    assert "not used: 'Crm Cd 1'" in result.output  # a mapped header is matched as written, without footnote digits


@pytest.mark.parametrize("text, fragment", [
    ('source = "X"\n[columns]\ndate = "D"\ncrime_type = "T"\nregion = "S"\n[crime_types]\nunmapped = "unknown"\n',
     "crime_types.unmapped: Input should be 'quarantine' or 'skip'"),
    ('source = "X shops"\n[columns]\ndate = "D"\ncrime_type = "T"\ncity_state = "P"\n[constants]\ncity_state = "Austin, TX"\n',
     "'city_state' is not a field a mapping's constants can fill"),
])
def test_mapping_settings_that_cannot_work_are_refused(text, fragment, cli, db_url, tmp_path):
    mapping = tmp_path / "m.toml"
    mapping.write_text(text)
    data = tmp_path / "d.csv"
    data.write_text("D,T,S,P\n2022-01-01,robbery,TX,\"Austin, TX\"\n")
    result = cli("etl", data, "--map", mapping, "--db", db_url)
    assert result.exit_code == 2 and fragment in plain(result.output), result.output


def test_location_types_are_unknown_by_default_even_with_a_table(cli, db_url, engine, tmp_path):
    mapping = tmp_path / "loc.toml"
    mapping.write_text('source = "Loc shops"\n[columns]\ndate = "D"\ncrime_type = "T"\nregion = "S"\n'
                       'location_type = "W"\n[location_types.values]\n"In a mall" = "mall"\n')
    path = tmp_path / "loc.csv"
    path.write_text("D,T,S,W\n2022-01-01,robbery,TX,In a mall\n2022-01-02,robbery,TX,Car park\n")
    assert all_counts(etl(cli, db_url, path, "--map", mapping).output, "loc.csv") == (2, 2, 0, 0, 0, 0)
    assert incidents(engine, "loc.csv")["location_type"].tolist()[0] == "mall"
    assert notes(engine, "loc.csv") == {(3, "location_type", "Car park",
                                         "is not a location type the mapping knows (read as unknown)")}


def test_an_edited_mapping_reads_the_file_again(cli, db_url, engine, tmp_path):
    mapping = tmp_path / "edit.toml"
    body = 'source = "Edit shops"\n[columns]\ndate = "D"\ncrime_type = "T"\nregion = "S"\n'
    mapping.write_text(body + '[crime_types]\nunmapped = "skip"\n[crime_types.values]\n"hold-up" = "robbery"\n')
    path = tmp_path / "edit.csv"
    path.write_text("D,T,S\n2022-01-01,hold-up,TX\n2022-01-02,window smashed overnight,TX\n")
    assert all_counts(etl(cli, db_url, path, "--map", mapping).output, "edit.csv") == (2, 1, 0, 0, 0, 1)
    assert "unchanged since batch" in etl(cli, db_url, path, "--map", mapping).output
    mapping.write_text(body + '[crime_types]\nunmapped = "skip"\n[crime_types.values]\n"hold-up" = "robbery"\n'
                              '"window smashed overnight" = "burglary"\n')
    again = etl(cli, db_url, path, "--map", mapping)
    row = all_counts(again.output, "edit.csv")
    assert row == (2, 2, 0, 0, 0, 0) and "replaced" in again.output
    assert sorted(incidents(engine, "edit.csv")["category"]) == ["burglary", "robbery"]


def test_rows_a_mapping_leaves_out_are_filtered_before_duplicates(cli, db_url, engine, tmp_path):
    path = copy(tmp_path, "lapd_crime_data_sample.csv")
    lines = path.read_text().splitlines()
    battery = next(ln for ln in lines if "BATTERY" in ln)
    street = next(ln for ln in lines if ",STREET," in ln)
    path.write_text("\n".join([*lines, battery, street]) + "\n")  # exact copies of two rows the mapping leaves out
    result = etl(cli, db_url, path, "--map", "lapd")
    assert all_counts(result.output, path.name) == (10, 6, 0, 0, 0, 4)
    assert "'Premis Desc'" not in result.output.split("not used:")[1].splitlines()[0]  # the filter uses it


def test_rebuild_with_a_mapped_file_loads_the_bundled_data_as_usual(cli, db_url, engine, tmp_path):
    path = copy(tmp_path, "lapd_crime_data_sample.csv")
    result = etl(cli, db_url, "--rebuild", path, "--map", "lapd")
    assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        got = dict(conn.execute(sa.text("SELECT format, COUNT(*) FROM load_batch WHERE is_current GROUP BY format")).all())
    assert got["map:lapd"] == 1 and got["jsa"] == 1 and got["jm"] == 1 and got["reference"] >= 7
