"""FBI tables of general crime through the real CLI: the Crime Data Explorer's estimated crimes
(fbi-estimated), the NIBRS "Offense Category by State" tables (nibrs-state) and NIBRS "Participation by
State" (nibrs-participation).

The fixtures under tests/fixtures/context/fbi/ are small hand-made files in the FBI's layouts, with
made-up numbers (chosen so that the FBI's own sums hold: states add up to the national row, categories
to Total Offenses); each reproduces the quirks named in its test. Row numbers are spreadsheet rows.
The last tests load the bundled real download, data/raw/fbi/estimated_crimes_1979_2024.csv.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from etl.formats import FORMATS, MIN_SCORE, detect, score
from test_bad_inputs import BAD, batch, etl

ROOT = Path(__file__).resolve().parents[1]
FBI = Path(__file__).parent / "fixtures" / "context" / "fbi"
BUNDLED = ROOT / "data" / "raw" / "fbi" / "estimated_crimes_1979_2024.csv"
NIBRS_TABLE_3 = ROOT / "data" / "raw" / "fbi" / \
    "NIBRS_Table_3_Incidents_Offenses_Victims_and_Known_Offenders_by_Offense_Category_2024.csv"
PROPERTY = FBI / "Crimes_Against_Property_Offenses_Offense_Category_by_State_2022.csv"
ESTIMATED = "FBI Crime Data Explorer, estimated crimes"
OFFENSES = ["violent_crime", "homicide", "rape_legacy", "rape_revised", "robbery", "aggravated_assault",
            "property_crime", "burglary", "larceny", "motor_vehicle_theft"]
BLANK = "not published (blank in the file)"
FOOTNOTE = "footnote or heading line, not data"


def load(cli, db_url: str, *args) -> list[dict]:  # noqa: ANN001
    """`jewelcrime etl ARGS --json`, checked for a clean exit; one summary object per file."""
    result = etl(cli, db_url, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def counted(got: dict) -> tuple:
    """(rows in, loaded, quarantined, skipped), checked to add up."""
    numbers = (got["rows_in"], got["loaded"], got["quarantined"], got["skipped"])
    assert numbers[0] == sum(numbers[1:]) + got["duplicates"] + got["filtered_out"], got
    return numbers


def query(engine: sa.Engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def crime(engine: sa.Engine, name: str, where: str = "1 = 1", **params) -> list[tuple]:
    """(year, region, offense, count, population, agencies, status, notes) of a file's current rows."""
    return query(engine, "SELECT c.year, c.region_code, c.offense, c.count, c.population, c.agencies, c.status, "
                         "c.notes FROM context_crime c JOIN load_batch b ON b.batch_id = c.batch_id "
                         f"WHERE b.file_name = :n AND b.is_current AND {where} ORDER BY c.context_id", n=name, **params)


def counts_of(engine: sa.Engine, name: str, year: int, region: str | None) -> dict[str, float | None]:
    rows = crime(engine, name, "c.year = :y AND " + ("c.region_code IS NULL" if region is None else "c.region_code = :r"),
                 y=year, r=region)
    return {offense: count for _y, _r, offense, count, *_ in rows}


def quarantined(engine: sa.Engine, name: str) -> dict[int, list[str]]:
    rows = query(engine, "SELECT q.row_number, q.reasons FROM quarantine q JOIN load_batch b ON b.batch_id = q.batch_id "
                         "WHERE b.file_name = :n AND b.is_current ORDER BY q.row_number", n=name)
    return {int(n): json.loads(r) for n, r in rows}


def notes(engine: sa.Engine, name: str) -> list[tuple]:
    return query(engine, "SELECT n.row_number, n.column, n.value, n.note FROM load_note n JOIN load_batch b "
                         "ON b.batch_id = n.batch_id WHERE b.file_name = :n AND b.is_current ORDER BY n.note_id", n=name)


def skipped(engine: sa.Engine, name: str) -> list[tuple]:
    return query(engine, "SELECT s.row_number, s.reason FROM skipped_row s JOIN load_batch b ON b.batch_id = s.batch_id "
                         "WHERE b.file_name = :n AND b.is_current ORDER BY s.row_number", n=name)


def crosswalk(dataset: str) -> set[str]:
    with (ROOT / "data" / "raw" / "reference" / "crime_crosswalk.csv").open(encoding="utf-8-sig", newline="") as fh:
        return {r["offense"] for r in csv.DictReader(fh) if r["dataset"] == dataset}


# ---------------------------------------------------------------- fbi-estimated: the fixtures

def test_the_fixtures_have_the_quirks_they_stand_for():
    quirks = (FBI / "estimated_quirks.csv").read_bytes()
    assert quirks.count(b"\r\n") == 12 and b"\n" not in quirks.replace(b"\r\n", b"")  # CRLF throughout
    assert b'2022,NC,     North Dakota,"780,000"' in quirks and b'" 2,400 "' in quirks
    assert b"2021,,,1800000" in quirks and b"2022,,United States Total," in quirks
    assert b"\r\n" not in (FBI / "estimated_no_names.csv").read_bytes()
    assert b"\nCovered1" in PROPERTY.read_bytes() and b'"82,37,977"' in PROPERTY.read_bytes()


def test_estimated_crimes_with_every_quirk(cli, db_url, engine):
    [got] = load(cli, db_url, FBI / "estimated_quirks.csv")
    assert (got["format"], got["status"], got["source"]) == ("fbi-estimated", "loaded", ESTIMATED)
    # 11 lines: 10 places and years load (10 records each), Atlantis is quarantined
    assert counted(got) == (11, 10, 1, 0)
    assert "10 row(s) loaded as 100 records (one per place, year and offense)" in got["warnings"]
    name = "estimated_quirks.csv"
    assert batch(engine, name)["release"] == "2021-2022"
    assert query(engine, "SELECT COUNT(*), COUNT(DISTINCT release), MIN(dataset), MIN(source), MIN(country), "
                         "COUNT(rate_per_100k), COUNT(agencies), COUNT(nibrs_class) FROM context_crime") == [
        (100, 1, "fbi-estimated", ESTIMATED, "US", 0, 0, 0)]
    # the national rows: a blank name in 2021, 'United States Total' in 2022; both are the nation
    assert counts_of(engine, name, 2021, None) == dict(zip(OFFENSES, [9000.0, 90.0, None, 700.0, 2100.0, 6110.0,
                                                                      36000.0, 5400.0, 27000.0, 3600.0]))
    assert counts_of(engine, name, 2022, None) == dict(zip(OFFENSES, [13352.0, 134.0, None, 1027.0, 3100.0, 9091.0,
                                                                      58500.0, 8900.0, 43100.0, 6500.0]))
    # padded and quoted numbers (" 2,400 ", " 24 "), the name padded with spaces; DC is a region
    assert crime(engine, name, "c.year = 2022 AND c.region_code = 'DC' AND c.offense IN ('violent_crime', "
                               "'homicide', 'rape_legacy')") == [
        (2022, "DC", "violent_crime", 2400.0, 450000, None, None, None),
        (2022, "DC", "homicide", 24.0, 450000, None, None, None),
        (2022, "DC", "rape_legacy", None, 450000, None, BLANK, None)]
    # North Dakota coded NC: the name wins, a note names both; North Carolina keeps NC
    assert counts_of(engine, name, 2022, "ND")["robbery"] == 400.0
    assert counts_of(engine, name, 2022, "NC")["robbery"] == 470.0
    assert query(engine, "SELECT population FROM context_crime WHERE year = 2022 AND region_code IN ('NC', 'ND') "
                         "AND offense = 'robbery' ORDER BY region_code") == [(550000,), (780000,)]
    assert notes(engine, name) == [
        (11, "state_abbr", "NC", "state_abbr 'NC' is North Carolina but state_name says North Dakota: stored as ND, "
                                 "as the name says"),
        (11, "caveats", "1,760", "is a number, not a caveat: not kept")]
    # the caveats text is the notes of every record of its row; the stray number is never a count or a note
    assert {r[7] for r in crime(engine, name, "c.year = 2021 AND c.region_code = 'AL'")} == {
        "The state UCR Program was unable to provide complete 2021 offense figures in accordance with UCR "
        "guidelines. The figures were estimated using \"trends\" for the East South Central Division."}
    assert {r[7] for r in crime(engine, name, "c.region_code = 'ND'")} == {None}
    assert query(engine, "SELECT offense FROM context_crime WHERE count = 1760") == [("motor_vehicle_theft",)]
    # rape_legacy is blank on every line: stored as NULL with the reason, never 0
    assert query(engine, "SELECT COUNT(*), COUNT(count), MIN(status) FROM context_crime "
                         "WHERE offense = 'rape_legacy'") == [(10, 0, BLANK)]
    assert quarantined(engine, name) == {12: ["state_abbr 'ZZ' and state_name 'Atlantis': name neither a U.S. state "
                                              "(or DC) nor the nation"]}
    # rows ordered by code in 2021 and by name in 2022: stored in file order, each with its own place
    assert [r[0] for r in query(engine, "SELECT region_code FROM context_crime WHERE offense = 'robbery' "
                                        "ORDER BY context_id")] == [None, "AK", "AL", "DC", None, "AL", "AK", "DC",
                                                                    "NC", "ND"]


def test_a_release_without_state_names_and_a_source_line(cli, db_url, engine):
    [got] = load(cli, db_url, FBI / "estimated_no_names.csv")
    assert counted(got) == (8, 6, 1, 1)
    name = "estimated_no_names.csv"
    assert batch(engine, name)["release"] == "2019-2020"
    assert query(engine, "SELECT year, region_code, count, population FROM context_crime WHERE offense = 'burglary' "
                         "ORDER BY context_id") == [(2019, None, 4000.0, 1300000), (2019, "AL", 1800.0, 600000),
                                                    (2019, "WY", 2200.0, 700000), (2020, None, 4050.0, 1310000),
                                                    (2020, "AL", 1825.0, 605000), (2020, "WY", 2225.0, 705000)]
    assert quarantined(engine, name) == {8: ["state_abbr 'QQ': names neither a U.S. state (or DC) "
                                             "nor the nation"]}
    assert skipped(engine, name) == [(9, FOOTNOTE)]
    assert notes(engine, name) == []


def test_rows_that_quarantine_and_cells_read_as_unknown(cli, db_url, engine):
    path = FBI / "estimated_bad_rows.csv"
    before = dt.date.today().year
    [got] = load(cli, db_url, path)
    assert (got["format"], counted(got)) == ("fbi-estimated", (9, 4, 5, 0))
    assert batch(engine, path.name)["release"] == "2020-2020"
    found = quarantined(engine, path.name)
    # the current year when the row was read: the load may have started just before New Year and ended after it
    years = [y for y in (before, dt.date.today().year) if found.get(5) == [f"year: 1850 is outside 1900 to {y}"]]
    assert found == {
        3: ["year: '20x0' is not a year (such as 2022)"],
        4: ["repeats its year and place of row 2"],
        5: [f"year: 1850 is outside 1900 to {(years or [before])[0]}"],
        6: ["state_abbr 'ON' and state_name 'Ontario': name neither a U.S. state (or DC) nor the nation"],
        9: ["row has 7 fields but the header has 6"]}
    assert crime(engine, path.name) == [
        (2020, "TX", "robbery", 5.0, 100, None, None, None), (2020, "TX", "burglary", 7.0, 100, None, None, None),
        (2020, "IA", "robbery", None, 100, None, BLANK, None), (2020, "IA", "burglary", 1234.0, 100, None, None, None),
        (2020, "UT", "robbery", None, None, None, "not a whole number in the file (see the load notes)", None),
        (2020, "UT", "burglary", 2.0, None, None, None, None),
        (2020, "NM", "robbery", 4.0, 100, None, None, None), (2020, "NM", "burglary", 4.0, 100, None, None, None)]
    assert notes(engine, path.name) == [
        (8, "population", "n/a", "is not a whole number (left unknown)"),
        (8, "robbery", "abc", "is not a whole number (left unknown)"),
        (10, "state_name", "Nu Mexico", "state_name 'Nu Mexico' is not a U.S. state; stored as NM, as the code says")]


def test_two_releases_are_kept_side_by_side_and_the_same_release_replaces(cli, db_url, engine, tmp_path):
    path = tmp_path / "estimated_crimes.csv"
    shutil.copy(FBI / "estimated_quirks.csv", path)
    [first] = load(cli, db_url, path)
    # the same file name, an earlier release: only 2021 (its lines 1 to 5)
    older = tmp_path / "older" / "estimated_crimes.csv"
    older.parent.mkdir()
    older.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:5]))
    [second] = load(cli, db_url, older)
    assert (first["status"], first["loaded"], second["status"], second["loaded"]) == ("loaded", 10, "loaded", 4)

    def current() -> list[tuple]:
        return query(engine, "SELECT b.release, c.release, COUNT(*) FROM context_crime c JOIN load_batch b "
                             "ON b.batch_id = c.batch_id WHERE b.is_current GROUP BY b.batch_id ORDER BY b.batch_id")

    assert current() == [("2021-2022", "2021-2022", 100), ("2021-2021", "2021-2021", 40)]
    # the earlier release again, corrected: it replaces that release only
    older.write_bytes(older.read_bytes().replace(b"2021,AL,Alabama,600000,3000", b"2021,AL,Alabama,600000,3001"))
    [again] = load(cli, db_url, older)
    assert (again["status"], again["loaded"]) == ("replaced", 4)
    assert current() == [("2021-2022", "2021-2022", 100), ("2021-2021", "2021-2021", 40)]
    assert query(engine, "SELECT c.release, c.count FROM context_crime c WHERE c.year = 2021 AND c.region_code = 'AL' "
                         "AND c.offense = 'violent_crime' ORDER BY c.context_id") == [("2021-2022", 3000.0),
                                                                                      ("2021-2021", 3001.0)]
    [same] = load(cli, db_url, older)
    assert same["status"] == "unchanged"


# ---------------------------------------------------------------- nibrs-state

def test_nibrs_property_by_state_with_line_breaks_footnotes_and_indian_grouping(cli, db_url, engine):
    [got] = load(cli, db_url, PROPERTY)
    assert (got["format"], got["status"], got["source"]) == ("nibrs-state", "loaded", "FBI NIBRS")
    assert counted(got) == (7, 4, 0, 3)
    name = PROPERTY.name
    assert batch(engine, name)["data_year"] == 2022
    assert skipped(engine, name) == [(8, FOOTNOTE), (9, FOOTNOTE), (10, FOOTNOTE)]
    assert "footnote: 2 Arson figures are not estimated." in got["warnings"]
    assert query(engine, "SELECT DISTINCT dataset, release, year, nibrs_class FROM context_crime") == [
        ("nibrs-state", "2022", 2022, "property")]
    # the Total row: every participating agency, no region; "1,70,41,977" is 17,041,977
    assert crime(engine, name, "c.region_code IS NULL") == [
        (2022, None, "Crimes Against Property", 866520.0, 17041977, 1234, None, None),
        (2022, None, "Arson", 3510.0, 17041977, 1234, None, None),
        (2022, None, "Burglary/Breaking & Entering", 115810.0, 17041977, 1234, None, None),
        (2022, None, "Larceny/Theft Offenses", 590660.0, 17041977, 1234, None, None),
        (2022, None, "Motor Vehicle Theft", 127900.0, 17041977, 1234, None, None),
        (2022, None, "Robbery", 28640.0, 17041977, 1234, None, None)]
    # "Texas3" (a footnote digit) is Texas; "82,37,977" is 8,237,977 and "4,20,310" is 420,310
    assert counts_of(engine, name, 2022, "TX") == {
        "Crimes Against Property": 618410.0, "Arson": 3100.0, "Burglary/Breaking & Entering": 80200.0,
        "Larceny/Theft Offenses": 420310.0, "Motor Vehicle Theft": 90500.0, "Robbery": 24300.0}
    assert query(engine, "SELECT DISTINCT population, agencies FROM context_crime WHERE region_code = 'TX'") == [
        (8237977, 700)]
    assert crime(engine, name, "c.region_code = 'CO' AND c.offense = 'Arson'") == [
        (2022, "CO", "Arson", None, 5800000, 234, "not published (blank in the table)", None)]
    # states add up to the Total row; the crosswalk's offenses are spelt as stored
    assert query(engine, "SELECT offense, SUM(count) FROM context_crime WHERE region_code IS NOT NULL "
                         "AND offense = 'Robbery' GROUP BY offense") == [("Robbery", 28640.0)]
    stored = {r[0] for r in query(engine, "SELECT DISTINCT offense FROM context_crime")}
    assert crosswalk("nibrs-state") <= stored
    assert not any("not used" in w for w in got["warnings"])


def test_nibrs_class_from_the_file_name_and_rows_that_quarantine(cli, db_url, engine):
    path = FBI / "crimes_against_society_by_state_2021.csv"
    [got] = load(cli, db_url, path)
    assert counted(got) == (6, 3, 2, 1)
    assert quarantined(engine, path.name) == {5: ["State: 'Ontario' is not a U.S. state, DC or the Total row"],
                                              7: ["repeats the place of row 4"]}
    assert crime(engine, path.name, "c.region_code = 'WY'") == [
        (2021, "WY", "Crimes Against Society", 35250.0, 5000000, 700, None, None),
        (2021, "WY", "Animal Cruelty", 250.0, 5000000, 700, None, None),
        (2021, "WY", "Drug/Narcotic Offenses", 30000.0, 5000000, 700, None, None),
        (2021, "WY", "Weapon Law Violations", 5000.0, 5000000, 700, None, None)]
    assert query(engine, "SELECT DISTINCT nibrs_class FROM context_crime") == [("society",)]


def test_a_table_whose_class_cannot_be_told_is_rejected(cli, db_url, engine):
    path = FBI / "nibrs_by_state_2022.csv"
    result = etl(cli, db_url, path, "--json")
    assert result.exit_code == 1
    [got] = json.loads(result.stdout)
    assert (got["format"], got["status"]) == ("nibrs-state", "rejected")
    assert "cannot tell which crime class this table is for" in got["message"]
    assert "crimes_against_property_by_state_2022.csv" in got["message"]
    assert query(engine, "SELECT COUNT(*) FROM context_crime") == [(0,)]


def test_the_nibrs_year_guard(cli, db_url, engine):
    result = etl(cli, db_url, PROPERTY, "--year", "2021")
    assert result.exit_code == 2
    assert "--year 2021 contradicts the year the file's title states (2022)" in result.output
    assert query(engine, "SELECT COUNT(*) FROM context_crime") == [(0,)]
    [forced] = load(cli, db_url, PROPERTY, "--year", "2021", "--force-year")
    assert "--year 2021 used with --force-year; the file's title says 2022" in forced["warnings"]
    assert query(engine, "SELECT DISTINCT year, release FROM context_crime") == [(2021, "2021")]


def test_nibrs_state_xlsx_with_line_breaks_in_the_header(cli, db_url, engine, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Persons"
    for row in (["Crimes Against Persons Offenses"], ["Offense Category by State, 2023"],
                ["State", "Number of\rParticipating\rAgencies", "Population\r\nCovered1", "Total\nOffenses",
                 "Assault\nOffenses", "Homicide\nOffenses", "Human\nTrafficking\nOffenses2"],
                ["Total", 1500, "29,65,27,998", "1,20,600", 120000, 500, 100],
                ["Ohio", 900, 200000000, 80400, 80000, 340, 60],
                ["Iowa1", "600", "9,65,27,998", "40,200", "40,000", 160, 40],
                ["1 Agencies that reported for 12 months."], ["2 Includes commercial sex acts."]):
        ws.append(row)
    path = tmp_path / "persons_2023.xlsx"
    wb.save(path)
    assert detect(path)[0].name == "nibrs-state"
    [got] = load(cli, db_url, path)
    assert counted(got) == (5, 3, 0, 2)
    assert crime(engine, path.name, "c.region_code = 'IA'") == [
        (2023, "IA", "Crimes Against Persons", 40200.0, 96527998, 600, None, None),
        (2023, "IA", "Assault Offenses", 40000.0, 96527998, 600, None, None),
        (2023, "IA", "Homicide Offenses", 160.0, 96527998, 600, None, None),
        (2023, "IA", "Human Trafficking Offenses", 40.0, 96527998, 600, None, None)]
    assert query(engine, "SELECT population FROM context_crime WHERE region_code IS NULL LIMIT 1") == [(296527998,)]
    assert query(engine, "SELECT DISTINCT nibrs_class, release FROM context_crime") == [("persons", "2023")]


# ---------------------------------------------------------------- nibrs-participation

def test_participation_with_totals_and_percent(cli, db_url, engine):
    path = FBI / "nibrs_participation_by_state_2022.csv"
    [got] = load(cli, db_url, path)
    assert (got["format"], got["status"]) == ("nibrs-participation", "loaded")
    assert counted(got) == (6, 4, 0, 2)
    assert query(engine, "SELECT source, year, country, region_code, agencies, agencies_total, population_covered, "
                         "population_total, published_percent FROM context_participation ORDER BY participation_id") == [
        ("FBI NIBRS, participation by state", 2022, "US", None, 16000, 18800, 296527998, 333287557, 89.0),
        ("FBI NIBRS, participation by state", 2022, "US", "AL", 420, 430, 5001234, 5074296, 98.6),
        ("FBI NIBRS, participation by state", 2022, "US", "CA", 740, 740, 30000000, 39029342, 76.9),
        ("FBI NIBRS, participation by state", 2022, "US", "WY", 60, 70, 500000, 580000, None)]
    assert notes(engine, path.name) == [(6, "Percent of Population Covered2", "105.0",
                                         "is not a percent from 0 to 100 (left unknown)")]
    assert skipped(engine, path.name) == [(7, FOOTNOTE), (8, FOOTNOTE)]


def test_participation_in_the_short_layout(cli, db_url, engine):
    path = FBI / "participation_2019.csv"
    [got] = load(cli, db_url, path)
    assert counted(got) == (5, 3, 1, 1)
    assert query(engine, "SELECT year, region_code, agencies, agencies_total, population_covered, population_total, "
                         "published_percent FROM context_participation ORDER BY participation_id") == [
        (2019, None, 8500, None, 142857000, None, None), (2019, "AL", 1, None, 4903, None, None),
        (2019, "TX", 1000, None, 20000000, None, None)]
    assert quarantined(engine, path.name) == {6: ["State: 'Atlantis' is not a U.S. state, DC or the Total row"]}


# ---------------------------------------------------------------- detection

@pytest.mark.parametrize("name, expected", [
    ("estimated_quirks.csv", "fbi-estimated"), ("estimated_no_names.csv", "fbi-estimated"),
    ("estimated_bad_rows.csv", "fbi-estimated"),
    (PROPERTY.name, "nibrs-state"), ("crimes_against_society_by_state_2021.csv", "nibrs-state"),
    ("nibrs_by_state_2022.csv", "nibrs-state"),
    ("nibrs_participation_by_state_2022.csv", "nibrs-participation"), ("participation_2019.csv", "nibrs-participation"),
])
def test_fbi_files_are_detected(name, expected):
    assert (detect(FBI / name)[0].name, detect(FBI / name)[1]) == (expected, False)


@pytest.mark.parametrize("path, expected", [
    (BAD / "good_jsa.csv", "jsa"), (BAD / "jsa_rows.csv", "jsa"), (BAD / "jm_claims.csv", "jm"),
    (BAD / "nibrs_table.csv", "nibrs"), (BAD / "nibrs_title.csv", "nibrs"), (NIBRS_TABLE_3, "nibrs"),
    (BUNDLED, "fbi-estimated"),
])
def test_other_files_detect_as_before(path, expected):
    assert detect(path) == (FORMATS[expected], False)


def test_the_estimated_header_is_not_a_jsa_list_and_a_jsa_list_is_not_estimated_crimes():
    estimated = next(csv.reader(BUNDLED.open(newline="")))
    jsa_header = next(csv.reader((BAD / "good_jsa.csv").open(newline="")))
    fbi, jsa = FORMATS["fbi-estimated"], FORMATS["jsa"]
    assert score(fbi, estimated) > score(jsa, estimated, near_misses=True)
    assert score(fbi, jsa_header) < MIN_SCORE and score(fbi, jsa_header, near_misses=True) < MIN_SCORE
    # the state table and the participation table share three columns; Total Offenses tells them apart
    state_head = ["State", "Number of Participating Agencies", "Population Covered", "Total Offenses", "Robbery"]
    short = state_head[:3]
    nibrs_state, participation = FORMATS["nibrs-state"], FORMATS["nibrs-participation"]
    assert score(nibrs_state, state_head) > score(participation, state_head)
    assert score(participation, short) > score(nibrs_state, short)


@pytest.mark.parametrize("path, forced, missing", [
    (BAD / "good_jsa.csv", "fbi-estimated", "missing required column 'year'"),
    (FBI / "participation_2019.csv", "nibrs-state", "missing required column 'total_offenses'"),
    (FBI / "estimated_quirks.csv", "nibrs-participation", "missing required column 'population_covered'"),
    (PROPERTY, "fbi-estimated", "missing required column 'year'"),
])
def test_the_wrong_table_forced_is_rejected(path, forced, missing, cli, db_url, engine):
    result = etl(cli, db_url, path, "--format", forced, "--json")
    assert result.exit_code == 1
    [got] = json.loads(result.stdout)
    assert got["status"] == "rejected" and missing in got["message"], got["message"]
    assert query(engine, "SELECT COUNT(*) FROM context_crime") == [(0,)]
    assert query(engine, "SELECT COUNT(*) FROM context_participation") == [(0,)]


# ---------------------------------------------------------------- the bundled real download

def test_the_bundled_estimated_crimes(cli, db_url, engine, tmp_path):
    [got] = load(cli, db_url, BUNDLED)
    assert (got["format"], got["status"]) == ("fbi-estimated", "loaded")
    assert counted(got) == (2388, 2388, 0, 0)
    name = BUNDLED.name
    assert batch(engine, name)["release"] == "1979-2024"
    # ten records per line; 2,180 cells are blank (rape_revised before 2013, rape_legacy from 2017)
    assert query(engine, "SELECT COUNT(*), COUNT(count), MIN(year), MAX(year), COUNT(DISTINCT release) "
                         "FROM context_crime") == [(23880, 21700, 1979, 2024, 1)]
    # (b) from 2022 the state rows add up to the national row in every offense column
    sums = query(engine, """
        SELECT s.year, s.offense, s.total, n.count FROM
          (SELECT year, offense, SUM(count) AS total, COUNT(*) AS places FROM context_crime
           WHERE region_code IS NOT NULL AND year >= 2022 GROUP BY year, offense) s
        JOIN context_crime n ON n.year = s.year AND n.offense = s.offense AND n.region_code IS NULL
        WHERE n.count IS NOT NULL ORDER BY s.year, s.offense""")
    assert len(sums) == 3 * 9 and all(total == national for _y, _o, total, national in sums), sums
    assert query(engine, "SELECT year, COUNT(DISTINCT region_code) FROM context_crime WHERE year >= 2022 "
                         "GROUP BY year") == [(2022, 51), (2023, 51), (2024, 51)]
    # (c) North Dakota 2022, coded NC in the file, is stored as ND; North Carolina keeps NC
    assert counts_of(engine, name, 2022, "ND") == dict(zip(OFFENSES, [2226.0, 29.0, None, 464.0, 215.0, 1518.0,
                                                                      15646.0, 2806.0, 10836.0, 2004.0]))
    assert counts_of(engine, name, 2022, "NC")["robbery"] == 5850.0
    assert query(engine, "SELECT DISTINCT population FROM context_crime WHERE year = 2022 AND region_code = 'ND'") == [
        (779261,)]
    assert notes(engine, name) == [
        (2269, "state_abbr", "NC", "state_abbr 'NC' is North Carolina but state_name says North Dakota: stored as ND, "
                                   "as the name says"),
        (2338, "caveats", "880,327", "is a number, not a caveat: not kept")]
    # the 2024 national row: no name for a region, no caveat; quoted, padded numbers read whole
    assert crime(engine, name, "c.year = 2024 AND c.region_code IS NULL AND c.offense = 'motor_vehicle_theft'") == [
        (2024, None, "motor_vehicle_theft", 880327.0, 340110988, None, None, None)]
    # 72 lines have a caveat: 71 texts, kept as notes, and the stray number
    assert query(engine, "SELECT COUNT(DISTINCT year || COALESCE(region_code, 'US')), COUNT(*) FROM context_crime "
                         "WHERE notes IS NOT NULL") == [(71, 710)]
    assert crime(engine, name, "c.year = 1995 AND c.region_code = 'IL' AND c.offense = 'robbery'")[0][7].startswith(
        "The state UCR Program was unable to provide 1985-2013 forcible rape figures in accordance with national")
    stored = {r[0] for r in query(engine, "SELECT DISTINCT offense FROM context_crime")}
    assert crosswalk("fbi-estimated") <= stored and stored == set(OFFENSES)

    # (d) an older release (the same table up to 2023) is kept beside it, each row tagged with its release
    older = tmp_path / "estimated_crimes_1979_2023.csv"
    lines = BUNDLED.read_bytes().splitlines(keepends=True)
    older.write_bytes(b"".join([lines[0], *(ln for ln in lines[1:] if int(ln[:4]) <= 2023)]))
    [second] = load(cli, db_url, older)
    assert counted(second) == (2336, 2336, 0, 0)
    assert query(engine, "SELECT b.file_name, b.release, b.is_current, MIN(c.release), MAX(c.release), COUNT(*) "
                         "FROM load_batch b JOIN context_crime c ON c.batch_id = b.batch_id "
                         "GROUP BY b.batch_id ORDER BY b.batch_id") == [
        (name, "1979-2024", 1, "1979-2024", "1979-2024", 23880),
        (older.name, "1979-2023", 1, "1979-2023", "1979-2023", 23360)]
