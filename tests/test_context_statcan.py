"""Statistics Canada tables through the real CLI: crime by violation (35-10-0177-01) and population
estimates (17-10-0005-01), in the "CSV for database loading" layout.

The fixtures under tests/fixtures/context/statcan/ are small hand-made files in the real layout (UTF-8
with a BOM, every field quoted, blank lines at the end, CRLF or LF); every expected number below was
counted by hand from them (the row numbers are spreadsheet rows: the header is row 1).
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from etl.formats import FORMATS, detect, score
from test_bad_inputs import BAD, all_counts, batch, etl

STATCAN = Path(__file__).parent / "fixtures" / "context" / "statcan"
SOURCE_CRIME = "Statistics Canada, Table 35-10-0177-01"
SOURCE_POPULATION = "Statistics Canada, Table 17-10-0005-01"
MERGED = ("merged: a second statistic of the same REF_DATE, GEO and Violations, stored on one row with the first "
          "('Actual incidents' as count, 'Rate per 100,000 population' as rate_per_100k)")
COPY = "an exact copy of an earlier row of the file (every cell the same): counted once"
ONLY = "is not stored (only 'Actual incidents' and 'Rate per 100,000 population')"


def load(cli, db_url: str, *paths: Path) -> list[dict]:  # noqa: ANN001
    """`jewelcrime etl PATHS --json`, checked for a clean exit; one summary object per file."""
    result = etl(cli, db_url, *paths, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def crime_rows(engine: sa.Engine, name: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT c.year, c.region_code, c.offense, c.offense_label, c.count, c.rate_per_100k, c.status, c.notes "
            "FROM context_crime c JOIN load_batch b ON b.batch_id = c.batch_id "
            "WHERE b.file_name = :n AND b.is_current ORDER BY c.context_id"), {"n": name})]


def quarantined(engine: sa.Engine, name: str) -> dict[int, list[str]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT q.row_number, q.reasons FROM quarantine q JOIN load_batch b ON b.batch_id = q.batch_id "
            "WHERE b.file_name = :n AND b.is_current ORDER BY q.row_number"), {"n": name}).all()
    return {int(n): json.loads(r) for n, r in rows}


def notes(engine: sa.Engine, name: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT n.row_number, n.column, n.value, n.note FROM load_note n JOIN load_batch b "
            "ON b.batch_id = n.batch_id WHERE b.file_name = :n AND b.is_current ORDER BY n.note_id"), {"n": name})]


# ---------------------------------------------------------------- statcan-crime

def test_the_fixtures_are_in_the_download_layout():
    for path in STATCAN.rglob("*.csv"):
        data = path.read_bytes()
        assert data.startswith(b'\xef\xbb\xbf"REF_DATE","GEO","DGUID",'), path.name
        assert data.endswith((b"\n\n", b"\r\n\r\n")), path.name  # blank lines at the end, as downloaded
    assert b"\r\n" in (STATCAN / "crime_quirks.csv").read_bytes()
    assert b"\r\n" not in (STATCAN / "crime_all_provinces.csv").read_bytes()


def test_one_province_and_one_violation(cli, db_url, engine):
    [got] = load(cli, db_url, STATCAN / "crime_ontario_robbery.csv")
    assert (got["format"], got["status"], got["source"]) == ("statcan-crime", "loaded", SOURCE_CRIME)
    # 3 years x 2 statistics: one stored row per year, the rate row of each merged into it
    assert (got["rows_in"], got["loaded"], got["quarantined"], got["skipped"], got["filtered_out"]) == (6, 3, 0, 0, 3)
    assert got["filtered_out_by_reason"] == {MERGED: 3}
    assert crime_rows(engine, "crime_ontario_robbery.csv") == [
        (2022, "ON", "1610", "Total robbery", 4913.0, 33.48, None, None),
        (2023, "ON", "1610", "Total robbery", 5402.0, 35.61, None, None),
        (2024, "ON", "1610", "Total robbery", 5870.0, 37.02, None, None),
    ]
    with engine.connect() as conn:
        fixed = conn.execute(sa.text("SELECT DISTINCT dataset, source, release, country, nibrs_class, population, "
                                     "agencies FROM context_crime")).all()
    assert [tuple(r) for r in fixed] == [("statcan-crime", SOURCE_CRIME, "2022-2024", "CA", None, None, None)]
    row = batch(engine, "crime_ontario_robbery.csv")
    assert (row["format"], row["release"], row["rows_in"], row["loaded"], row["filtered"]) == (
        "statcan-crime", "2022-2024", 6, 3, 3)


def test_canada_every_province_and_territory_several_violations(cli, db_url, engine):
    result = etl(cli, db_url, STATCAN / "crime_all_provinces.csv")
    assert result.exit_code == 0, result.output
    # 14 places x 3 violations x 2 statistics = 84 rows; 42 stored, 42 merged
    assert all_counts(result.output, "crime_all_provinces.csv") == (84, 42, 0, 0, 0, 42)
    rows = crime_rows(engine, "crime_all_provinces.csv")
    places = {r[1] for r in rows}
    assert places == {None, "NL", "PE", "NS", "NB", "QC", "ON", "MB", "SK", "AB", "BC", "YT", "NT", "NU"}
    assert {(r[2], r[3]) for r in rows} == {("0", "Total, all violations"), ("1610", "Total robbery"),
                                           ("2120", "Breaking and entering")}
    by_key = {(r[1], r[2]): (r[4], r[5]) for r in rows}
    # count = 100 x SGC code (1000 for Canada) + the violation's position; rate = count / 10
    assert by_key[(None, "0")] == (100000.0, 10000.0)
    assert by_key[("ON", "1610")] == (3501.0, 350.1)
    assert by_key[("NL", "2120")] == (1002.0, 100.2)
    assert by_key[("NU", "1610")] == (6201.0, 620.1)
    totals = {code: sum(c for (_, o), (c, _) in by_key.items() if o == code) for code in ("0", "1610", "2120")}
    assert totals == {"0": 148800.0, "1610": 148814.0, "2120": 148828.0}
    assert all(r[0] == 2024 and r[6] is None for r in rows)
    assert batch(engine, "crime_all_provinces.csv")["release"] == "2024"


def test_the_quirks_of_the_download(cli, db_url, engine):
    [got] = load(cli, db_url, STATCAN / "crime_quirks.csv")
    assert (got["rows_in"], got["loaded"], got["duplicates"], got["quarantined"], got["skipped"],
            got["filtered_out"]) == (20, 5, 0, 5, 1, 9)
    assert got["skipped_rows"] == [{"sheet": None, "row": 10, "reason": "blank row"}]
    assert got["filtered_out_by_reason"] == {
        "GEO is a Census Metropolitan Area or part of one, not Canada, a province or a territory "
        "(e.g. 'Toronto, Ontario [35535]')": 2,
        f"Statistics 'Percentage change in rate' {ONLY}": 1,
        "GEO 'Canadian Forces Military Police [888]' is a police service, not Canada, a province or a territory": 1,
        f"Statistics 'Total cleared' {ONLY}": 1,
        COPY: 1,
        MERGED: 3,
    }
    assert "SCALAR_FACTOR 'thousands' on 1 row(s): VALUE multiplied by 1,000" in got["warnings"]
    assert crime_rows(engine, "crime_quirks.csv") == [
        (2024, "ON", "1610", "Total robbery", 5870.0, 37.0, None, None),  # '37.00'
        (2024, "NU", "2120", "Breaking and entering", None, None, "not available", None),  # '..' is NULL, never 0
        (2024, "YT", "2120", "Breaking and entering", 120.0, None, "rate_per_100k not available",
         "Actual incidents: STATUS 'E': use with caution"),  # '120.00'
        (2024, "QC", "1610", "Total robbery", None, 40.2, None, None),  # its count row is quarantined
        (2023, "ON", "1610", "Total robbery", 5402.0, None, None, None),  # 5.402 thousands
    ]
    assert quarantined(engine, "crime_quirks.csv") == {
        13: ["VALUE: 'abc' is not a number"],
        16: ["GEO: 'Atlantis [99]' is not Canada, a Canadian province or territory"],
        19: ["SCALAR_FACTOR: 'dozens' is not one of units, tens, hundreds, thousands, tens of thousands, "
             "hundreds of thousands, millions, billions"],
        20: ["VALUE: '-11.00' is negative: a count or rate cannot be"],
        21: ["repeats the REF_DATE, GEO, Violations and Statistics of row 3 with another VALUE"],
    }
    blank = "VALUE is blank (STATUS '..': not available)"
    assert notes(engine, "crime_quirks.csv") == [
        (8, "status", "..", f"Actual incidents: {blank}; count stored as NULL, not 0"),
        (8, "status", "..", f"Rate per 100,000 population: {blank}; rate_per_100k stored as NULL, not 0 (row 9)"),
        (11, "status", "..", f"Rate per 100,000 population: {blank}; rate_per_100k stored as NULL, not 0 (row 12)"),
    ]
    assert batch(engine, "crime_quirks.csv")["release"] == "2023-2024"


def test_cells_that_quarantine_their_row(cli, db_url, engine):
    before = dt.date.today().year
    [got] = load(cli, db_url, STATCAN / "crime_bad_cells.csv")
    assert (got["rows_in"], got["loaded"], got["quarantined"], got["skipped"], got["filtered_out"]) == (11, 2, 9, 0, 0)
    found = quarantined(engine, "crime_bad_cells.csv")
    # the current year when the row was read: the load may have started just before New Year and ended after it
    years = [y for y in (before, dt.date.today().year) if found.get(3) == [f"REF_DATE: 2099 is after {y}"]]
    year = (years or [before])[0]
    assert found == {
        2: ["REF_DATE: '2024-01' is not a year (such as 2024)"],
        3: [f"REF_DATE: 2099 is after {year}"],
        4: ["GEO: is blank (required)"],
        5: ["Violations: 'Robbery' has no violation code in brackets (such as 'Total robbery [1610]')"],
        7: ["row has 17 fields but the header has 16"],
        8: ["GEO: 'Ontario [24]' names Ontario but [24] is Quebec"],
        9: ["Statistics: is blank (required)"],
        10: ["GEO: 'Texas' is not Canada, a Canadian province or territory"],
        11: ["VALUE: '3.5' is not a whole number of incidents"],
    }
    assert crime_rows(engine, "crime_bad_cells.csv") == [
        (2024, "ON", "1610", "Total robbery", 1234.0, None, None, None),  # '1,234'
        (2024, "ON", "2140", "Total theft under $5,000 (non-motor vehicle)", None, None,
         "suppressed (confidentiality)", None),  # STATUS 'x'; a blank SCALAR_FACTOR is units
    ]


def test_two_releases_are_kept_side_by_side_and_the_same_release_replaces(cli, db_url, engine, tmp_path):
    first, second = tmp_path / "a" / "statcan_robbery.csv", tmp_path / "b" / "statcan_robbery.csv"
    for src, dst in ((STATCAN / "release_1" / "statcan_robbery.csv", first),
                     (STATCAN / "release_2" / "statcan_robbery.csv", second)):
        dst.parent.mkdir()
        shutil.copy(src, dst)
    [one] = load(cli, db_url, first)
    [two] = load(cli, db_url, second)
    assert (one["status"], one["loaded"], two["status"], two["loaded"]) == ("loaded", 2, "loaded", 3)

    def current() -> list[tuple]:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(
                "SELECT b.release, c.year, c.count, c.notes FROM context_crime c JOIN load_batch b "
                "ON b.batch_id = c.batch_id WHERE b.is_current ORDER BY b.batch_id, c.year"))]

    assert current() == [("2022-2023", 2022, 4913.0, None), ("2022-2023", 2023, 5402.0, None),
                         ("2022-2024", 2022, 4920.0, None), ("2022-2024", 2023, 5411.0, "Actual incidents: "
                                                                                    "SYMBOL 'r': revised"),
                         ("2022-2024", 2024, 5870.0, None)]
    assert [tuple(r) for r in engine.connect().execute(sa.text(
        "SELECT release, context_rows FROM (SELECT b.release, COUNT(c.context_id) AS context_rows FROM load_batch b "
        "LEFT JOIN context_crime c ON c.batch_id = b.batch_id WHERE b.is_current AND b.format = 'statcan-crime' "
        "GROUP BY b.batch_id ORDER BY b.batch_id)"))] == [("2022-2023", 2), ("2022-2024", 3)]
    # the same release again, corrected: it replaces that release only
    second.write_bytes(second.read_bytes().replace(b'"5870"', b'"5871"'))
    [again] = load(cli, db_url, second)
    assert (again["status"], again["loaded"]) == ("replaced", 3)
    assert current()[:2] == [("2022-2023", 2022, 4913.0, None), ("2022-2023", 2023, 5402.0, None)]
    assert current()[2:] == [("2022-2024", 2022, 4920.0, None), ("2022-2024", 2023, 5411.0,
                                                                 "Actual incidents: SYMBOL 'r': revised"),
                             ("2022-2024", 2024, 5871.0, None)]
    # and the same bytes once more change nothing
    [same] = load(cli, db_url, second)
    assert same["status"] == "unchanged"


def test_statcan_rows_reach_the_context_command_through_the_crosswalk(cli, db_url, engine):
    load(cli, db_url, STATCAN / "crime_all_provinces.csv")
    result = cli("context", "--measure", "robbery", "--year", "2024", "--region", "ON", "--json", "--db", db_url)
    assert result.exit_code == 0, result.output
    [ontario] = json.loads(result.stdout)["regions"]
    assert (ontario["code"], ontario["dataset"], ontario["count"], ontario["rate"], ontario["release"]) == (
        "ON", "statcan-crime", 3501.0, 350.1, "2024")


# ---------------------------------------------------------------- statcan-population

def test_population_keeps_all_ages_of_both_sexes(cli, db_url, engine):
    [got] = load(cli, db_url, STATCAN / "population.csv")
    assert (got["format"], got["source"]) == ("statcan-population", SOURCE_POPULATION)
    assert (got["rows_in"], got["loaded"], got["quarantined"], got["skipped"], got["filtered_out"]) == (14, 4, 2, 0, 8)
    assert got["filtered_out_by_reason"] == {
        "Sex 'Men+' is not stored (only the total of both sexes)": 2,
        "Age group is not 'All ages' (2 age groups, e.g. '0 to 4 years')": 2,
        "Sex 'Women+' is not stored (only the total of both sexes)": 1,
        "Sex 'Males' is not stored (only the total of both sexes)": 1,
        "Sex 'Females' is not stored (only the total of both sexes)": 1,
        COPY: 1,
    }
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text(
            "SELECT source, release, year, country, region_code, population FROM context_population "
            "ORDER BY population_id"))]
    assert rows == [(SOURCE_POPULATION, "2023-2024", 2024, "CA", None, 41288599),
                    (SOURCE_POPULATION, "2023-2024", 2024, "CA", "ON", 16124116),
                    (SOURCE_POPULATION, "2023-2024", 2024, "CA", "PE", 179301),
                    (SOURCE_POPULATION, "2023-2024", 2023, "CA", "ON", 15801768)]
    assert quarantined(engine, "population.csv") == {
        10: ["VALUE: is blank (STATUS '..': not available); a population is required"],
        15: ["VALUE: '8874683.5' is not a whole number"],
    }
    assert batch(engine, "population.csv")["release"] == "2023-2024"


def test_population_with_a_gender_column(cli, db_url, engine):
    [got] = load(cli, db_url, STATCAN / "population_gender.csv")
    assert (got["format"], got["rows_in"], got["loaded"], got["filtered_out"]) == ("statcan-population", 3, 2, 1)
    assert got["filtered_out_by_reason"] == {"Gender 'Men+' is not stored (only the total of both sexes)": 1}
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text(
            "SELECT release, year, region_code, population FROM context_population ORDER BY population_id"))]
    assert rows == [("2024", 2024, None, 41288599), ("2024", 2024, "QC", 9056044)]


# ---------------------------------------------------------------- detection

@pytest.mark.parametrize("name, expected", [
    ("crime_ontario_robbery.csv", "statcan-crime"), ("crime_all_provinces.csv", "statcan-crime"),
    ("crime_quirks.csv", "statcan-crime"), ("crime_bad_cells.csv", "statcan-crime"),
    ("release_1/statcan_robbery.csv", "statcan-crime"),
    ("population.csv", "statcan-population"), ("population_gender.csv", "statcan-population"),
])
def test_statcan_files_are_detected(name, expected):
    fmt, near_miss = detect(STATCAN / name)
    assert (fmt.name, near_miss) == (expected, False)


@pytest.mark.parametrize("name, expected", [("good_jsa.csv", "jsa"), ("jsa_rows.csv", "jsa"), ("jm_claims.csv", "jm"),
                                            ("nibrs_table.csv", "nibrs"), ("nibrs_title.csv", "nibrs")])
def test_other_files_detect_as_before(name, expected):
    fmt, near_miss = detect(BAD / name)
    assert (fmt.name, near_miss) == (expected, False)


def test_the_violations_column_tells_the_two_tables_apart():
    crime_header = (STATCAN / "crime_quirks.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    population_header = (STATCAN / "population.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    crime, population = FORMATS["statcan-crime"], FORMATS["statcan-population"]
    crime_row = [c.strip('"') for c in crime_header.split(",")]
    population_row = [c.strip('"') for c in population_header.split(",")]
    assert score(crime, crime_row) > score(population, crime_row)
    assert score(population, population_row) > score(crime, population_row)


def test_a_good_jsa_file_still_loads_as_jsa(cli, db_url, engine, tmp_path):
    path = tmp_path / "good_jsa.csv"
    shutil.copy(BAD / "good_jsa.csv", path)
    result = etl(cli, db_url, path)
    assert result.exit_code == 0, result.output
    assert all_counts(result.output, "good_jsa.csv") == (3, 3, 0, 0, 0, 0)
    assert "good_jsa.csv │ jsa" in result.output or "good_jsa.csv | jsa" in result.output


@pytest.mark.parametrize("name, forced, missing", [
    ("population.csv", "statcan-crime", "missing required column 'violations'"),
    ("crime_quirks.csv", "statcan-population", "missing required column 'sex' (accepted: 'sex', 'gender')"),
])
def test_the_wrong_table_forced_is_rejected_with_the_missing_column(name, forced, missing, cli, db_url, engine):
    result = etl(cli, db_url, STATCAN / name, "--format", forced, "--json")
    assert result.exit_code == 1
    [got] = json.loads(result.stdout)
    assert got["status"] == "rejected" and missing in got["message"]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM context_crime")).scalar_one() == 0
        assert conn.execute(sa.text("SELECT COUNT(*) FROM context_population")).scalar_one() == 0


def test_a_total_line_wins_over_its_detail_line_and_the_detail_stands_in_where_the_total_is_missing(cli, db_url,
                                                                                                 engine):
    # Ontario has each total ([160], [230], [240]) and its detail line; Quebec has the robbery detail [1610]
    # only, the theft-over total [230] and the theft-under detail [2140] only
    load(cli, db_url, STATCAN / "crime_totals_and_detail.csv")

    def measure(name: str) -> dict[str, tuple]:
        result = cli("context", "--measure", name, "--year", "2024", "--json", "--db", db_url)
        assert result.exit_code == 0, result.output
        return {r["code"]: (r["count"], round(r["rate"], 2)) for r in json.loads(result.stdout)["regions"]}

    # the totals, never total + detail (5,000 + 4,900 would be 9,900)
    assert measure("robbery") == {"ON": (5000.0, 32.0), "QC": (3000.0, 35.0)}
    # theft is over + under: Ontario 9,000 + 80,000; Quebec 4,000 + 50,000 (the detail standing in for [240])
    assert measure("theft") == {"ON": (89000.0, 569.6), "QC": (54000.0, 627.9)}
