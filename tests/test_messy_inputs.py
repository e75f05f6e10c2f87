"""Messy analyst files, end to end: `jewelcrime etl` -> the database -> the read-back commands.

Each case feeds a small hand-made file (tests/fixtures/messy/, or a workbook
built here) through the real command line and checks the exact counts, the
exact values stored, and the exact summary lines, reasons and notes. The
parsers themselves are unit-tested in test_value_spellings.py; here the point
is what reaches the database and what the analyst is told.

The rules being checked: an "unknown" marker in an optional column is NULL
(never 0) and the row loads; an unreadable optional value is NULL with a
note; only a missing or unusable required value or an impossible value
quarantines a row; rows in = loaded + duplicates + quarantined + skipped +
filtered out; an exact duplicate is a row whose every cell (every column,
trimmed) equals an earlier row's.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from tests.conftest import snapshot
from test_bad_inputs import all_counts, assert_rejected, batch, etl, incidents, reasons_by_id

MESSY = Path(__file__).parent / "fixtures" / "messy"

NOT_USD = "is not in U.S. dollars; convert it (the column holds USD)"
NEXT_STEPS = ("; rename the column to an accepted spelling, or load the file with --map MAPPING for a layout of its "
              "own (--format if it is another kind of file)")


# ---------------------------------------------------------------- helpers

def messy(tmp_path: Path, name: str) -> Path:
    """A copy of a fixture of this module in tmp_path."""
    target = tmp_path / name
    shutil.copy(MESSY / name, target)
    return target


def workbook(path: Path, sheets: list[tuple[str, list[list]]]) -> Path:
    """An XLSX file with the given sheets, in order; [] is an empty row."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def lines(output: str, prefix: str) -> list[str]:
    """Whole output lines that start with prefix, with the prefix cut off."""
    return [ln[len(prefix):] for ln in output.splitlines() if ln.startswith(prefix)]


def file_notes(output: str, name: str) -> list[str]:
    """The 'note FILE: ...' lines of the load summary for one file."""
    return lines(output, f"note {name}: ")


def loaded_ok(result, name: str, expected: tuple[int, ...]):  # noqa: ANN001, ANN201
    assert result.exit_code == 0, result.output
    assert all_counts(result.output, name) == expected


def plain(value: object) -> object:
    """A database value with SQL NULL (NaN / NA after pandas) as None."""
    return None if pd.isna(value) else value


def by_id(engine: sa.Engine, name: str, column: str) -> dict:
    """source_record_id -> one stored column of the loaded rows of a file."""
    df = incidents(engine, name)
    return {rid: plain(v) for rid, v in zip(df["source_record_id"], df[column])}


def stored_notes(engine: sa.Engine, name: str) -> list[tuple]:
    """(sheet, row, column, value, note) of every note of a file, in the order the ETL stored them."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            'SELECT n.sheet, n.row_number, n."column", n.value, n.note FROM load_note n '
            "JOIN load_batch b ON b.batch_id = n.batch_id WHERE b.file_name = :n AND b.is_current "
            "ORDER BY n.note_id"), {"n": name})]


def stored_skips(engine: sa.Engine, name: str) -> list[tuple]:
    """(sheet, row, reason, raw) of every skipped row of a file."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT s.sheet, s.row_number, s.reason, s.raw FROM skipped_row s "
            "JOIN load_batch b ON b.batch_id = s.batch_id WHERE b.file_name = :n AND b.is_current "
            "ORDER BY s.sheet, s.row_number"), {"n": name})]


def stored_quarantine(engine: sa.Engine, name: str) -> list[tuple]:
    """(sheet, row, reasons) of every quarantined row of a file."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT q.sheet, q.row_number, q.reasons FROM quarantine q "
            "JOIN load_batch b ON b.batch_id = q.batch_id WHERE b.file_name = :n AND b.is_current "
            "ORDER BY q.sheet, q.row_number"), {"n": name}).all()
    return [(sheet, row, json.loads(reasons)) for sheet, row, reasons in rows]


def sheet_rows(engine: sa.Engine, name: str) -> set[tuple]:
    """(sheet, row number, record id) of the loaded rows of a workbook."""
    df = incidents(engine, name)
    return set(zip(df["sheet"], df["row_number"], df["source_record_id"]))


def read_export(path: Path) -> list[dict]:
    return pd.read_csv(path, dtype="str", keep_default_na=False).to_dict(orient="records")


HEADER = ["Date", "City", "State", "Crime Type", "Loss", "ID"]


def two_month_book(path: Path) -> Path:
    """January: three rows, one in euros. February: a title row, then three rows, one a copy of January's j-3
    and one a negative loss."""
    return workbook(path, [
        ("January", [HEADER,
                     ["2022-01-04", "Houston", "TX", "robbery", 5000, "j-1"],
                     ["2022-01-09", "Dallas", "TX", "burglary", "€10", "j-2"],
                     ["2022-01-20", "Austin", "TX", "theft", 700, "j-3"]]),
        ("February", [["February incidents"], HEADER,
                      ["2022-02-01", "Tulsa", "OK", "robbery", 100, "f-1"],
                      ["2022-01-20", "Austin", "TX", "theft", 700, "j-3"],
                      ["2022-02-03", "Reno", "NV", "robbery", "(50)", "f-2"]]),
    ])


# ---------------------------------------------------------------- 1. unknown markers

def test_analyst_sheet_with_unknown_markers_loads_every_incident_with_nulls(cli, db_url, engine, tmp_path):
    path = messy(tmp_path, "analyst_sheet.csv")
    result = etl(cli, db_url, path)
    loaded_ok(result, "analyst_sheet.csv", (10, 10, 0, 0, 0, 0))
    assert file_notes(result.output, "analyst_sheet.csv") == []  # every column known, nothing unreadable
    b = batch(engine, "analyst_sheet.csv")
    assert (b["notes"], b["quarantined"], b["skipped"]) == (0, 0, 0)
    unknown = dict.fromkeys(["H-102", "H-103", "H-104", "H-105", "H-106", "H-108", "H-110"])
    assert by_id(engine, "analyst_sheet.csv", "loss_usd") == {**unknown, "H-101": 12500.0, "H-107": 8000.0,
                                                              "H-109": 0.0}
    assert by_id(engine, "analyst_sheet.csv", "injured") == {**unknown, "H-101": 0, "H-107": 0, "H-109": 2}
    assert by_id(engine, "analyst_sheet.csv", "weapon_shown") == {**unknown, "H-101": True, "H-107": False,
                                                                  "H-109": True}
    # 'Unknown' as a city is no city; the written zero of H-109 stays a zero
    assert by_id(engine, "analyst_sheet.csv", "city")["H-105"] is None
    with engine.connect() as conn:
        nulls, zeros = conn.execute(sa.text(
            "SELECT SUM(loss_usd IS NULL), SUM(loss_usd = 0) FROM incident")).one()
    assert (nulls, zeros) == (7, 1)
    assert by_id(engine, "analyst_sheet.csv", "subtype")["H-104"] == "smash_and_grab"
    assert by_id(engine, "analyst_sheet.csv", "location_type")["H-108"] == "kiosk"
    assert by_id(engine, "analyst_sheet.csv", "description")["H-109"] == "Guard hurt; nothing taken"


def test_every_unknown_marker_in_every_optional_column_is_null(cli, db_url, engine, tmp_path):
    path = messy(tmp_path, "every_unknown.csv")  # 14 rows: blank, N/A, NA, n/a, -, --, —, ?, unknown, ...
    result = etl(cli, db_url, path)
    loaded_ok(result, "every_unknown.csv", (14, 14, 0, 0, 0, 0))
    assert batch(engine, "every_unknown.csv")["notes"] == 0  # a marker is not an unreadable value
    optional = ["city", "city_key", "loss_usd", "injured", "killed", "weapon_shown", "location_type", "hour",
                "time_of_day", "subtype", "latitude", "longitude", "description"]
    with engine.connect() as conn:
        filled = conn.execute(sa.text("SELECT " + ", ".join(f"COUNT({c})" for c in optional) + " FROM incident")).one()
        kept = conn.execute(sa.text("SELECT DISTINCT region_code, country, category FROM incident")).all()
    assert dict(zip(optional, filled)) == dict.fromkeys(optional, 0)
    assert [tuple(k) for k in kept] == [("TX", "US", "robbery")]


def test_unknown_marker_in_the_country_column_is_blank_and_inferred(cli, db_url, engine, tmp_path):
    path = messy(tmp_path, "unknown_country.csv")
    result = etl(cli, db_url, path)
    loaded_ok(result, "unknown_country.csv", (4, 4, 0, 0, 0, 0))
    assert by_id(engine, "unknown_country.csv", "country") == {"k-1": "US", "k-2": "CA", "k-3": "US", "k-4": "CA"}


def test_unknown_marker_in_a_required_column_quarantines_the_row(cli, db_url, engine, tmp_path):
    path = messy(tmp_path, "required_unknown.csv")
    result = etl(cli, db_url, path)
    loaded_ok(result, "required_unknown.csv", (5, 1, 0, 4, 0, 0))
    assert reasons_by_id(engine, "required_unknown.csv", "ID") == {
        "r-1": ["date: 'N/A' means unknown, but a date is required"],
        "r-2": ["region: 'unknown' means unknown, but a state or province is required (or latitude and longitude)"],
        "r-3": ["crime_type: '?' means unknown, but a crime type is required"],
        "r-4": ["date: is blank (required)"],
    }
    assert list(incidents(engine, "required_unknown.csv")["source_record_id"]) == ["r-5"]


# ---------------------------------------------------------------- 2. exact duplicates

def test_three_robberies_at_three_stores_are_three_incidents(cli, db_url, engine, tmp_path):
    path = messy(tmp_path, "three_stores.csv")  # same day, city, state, type and loss; only Store differs
    result = etl(cli, db_url, path)
    loaded_ok(result, "three_stores.csv", (3, 3, 0, 0, 0, 0))
    assert file_notes(result.output, "three_stores.csv") == ["not used: 'Store'"]
    df = incidents(engine, "three_stores.csv")
    assert [json.loads(x) for x in df["extra"]] == [{"Store": "Galleria Fine Jewelry"},
                                                    {"Store": "Memorial City Diamonds"},
                                                    {"Store": "Willowbrook Gold & Gems"}]
    assert json.loads(batch(engine, "three_stores.csv")["not_used"]) == ["Store"]


def test_a_true_copy_is_a_duplicate_whatever_the_spaces_around_cells(cli, db_url, engine, tmp_path):
    path = messy(tmp_path, "store_copies.csv")  # row 4 is row 3 with spaces around five of its cells
    result = etl(cli, db_url, path)
    loaded_ok(result, "store_copies.csv", (4, 3, 1, 0, 0, 0))
    df = incidents(engine, "store_copies.csv")
    assert list(df["row_number"]) == [2, 3, 5]  # the first of the two copies is the one kept
    assert json.loads(df["extra"].iloc[1]) == {"Store": "Memorial City Diamonds"}
    assert batch(engine, "store_copies.csv")["duplicates"] == 1


# ---------------------------------------------------------------- 3. dates

def test_every_date_spelling_mixed_in_one_column(cli, db_url, engine, tmp_path):
    path = messy(tmp_path, "date_spellings.csv")
    result = etl(cli, db_url, path)
    loaded_ok(result, "date_spellings.csv", (15, 15, 0, 0, 0, 0))
    assert by_id(engine, "date_spellings.csv", "occurred_on") == {
        "iso": "2022-03-05", "iso-zone": "2022-03-06", "iso-utc": "2022-03-07", "m-d-yyyy": "2022-03-08",
        "m-d-yy": "2022-03-09", "us-12h": "2022-03-10", "us-24h": "2022-03-11", "mon-d-yyyy": "2022-01-05",
        "month-d-yyyy": "2022-01-06", "d-month-yyyy": "2022-01-05", "d-mon-yyyy": "2022-01-08",
        "d-mon-yy": "2018-01-18", "excel-serial": "2023-01-05", "excel-serial-time": "2023-01-06",
        "only-month-first": "2021-12-25",
    }
    hours = {k: v for k, v in by_id(engine, "date_spellings.csv", "hour").items() if v is not None}
    assert hours == {"iso-zone": 14, "iso-utc": 8, "us-12h": 14, "us-24h": 21, "excel-serial-time": 18}
    # the only unambiguous numeric date is month-first, and month-first is what was used: no remark
    assert file_notes(result.output, "date_spellings.csv") == []


def test_xlsx_date_cells_serials_and_text_dates_in_one_column(cli, db_url, engine, tmp_path):
    path = workbook(tmp_path / "cells.xlsx", [("Data", [
        ["Date", "Time", "State", "Crime Type", "Loss", "Weapon", "ID"],
        [dt.datetime(2022, 5, 1, 14, 25), None, "TX", "robbery", 1250.5, True, "c-1"],
        [dt.date(2022, 5, 2), dt.time(9, 5), "TX", "robbery", 300, False, "c-2"],
        ["5/3/2022", None, "TX", "robbery", None, None, "c-3"],
        [44685, None, "TX", "robbery", 40, None, "c-4"],  # a serial typed as a number: 2022-05-04
    ])])
    result = etl(cli, db_url, path)
    loaded_ok(result, "cells.xlsx", (4, 4, 0, 0, 0, 0))
    assert by_id(engine, "cells.xlsx", "occurred_on") == {"c-1": "2022-05-01", "c-2": "2022-05-02",
                                                          "c-3": "2022-05-03", "c-4": "2022-05-04"}
    assert by_id(engine, "cells.xlsx", "hour") == {"c-1": 14, "c-2": 9, "c-3": None, "c-4": None}
    assert by_id(engine, "cells.xlsx", "loss_usd") == {"c-1": 1250.5, "c-2": 300.0, "c-3": None, "c-4": 40.0}
    assert by_id(engine, "cells.xlsx", "weapon_shown") == {"c-1": True, "c-2": False, "c-3": None, "c-4": None}


def test_day_first_file_reads_03_04_as_3_april_and_says_so(cli, db_url, engine, tmp_path):
    path = messy(tmp_path, "day_first.csv")
    result = etl(cli, db_url, path)
    loaded_ok(result, "day_first.csv", (3, 3, 0, 0, 0, 0))
    assert by_id(engine, "day_first.csv", "occurred_on") == {"d-1": "2022-04-13", "d-2": "2022-04-03",
                                                             "d-3": "2021-12-25"}
    assert by_id(engine, "day_first.csv", "hour") == {"d-1": None, "d-2": None, "d-3": 18}
    assert file_notes(result.output, "day_first.csv") == [
        "date: dates such as 03/04/2022 read as day/month (D/M/YYYY): 2 dates can only be day-first, "
        "none only month-first"]


def test_day_first_evidence_on_one_sheet_decides_for_the_whole_workbook(cli, db_url, engine, tmp_path):
    path = workbook(tmp_path / "provinces.xlsx", [
        ("Ontario", [HEADER, ["13/04/2022", "Toronto", "ON", "robbery", 50, "o-1"],
                     ["25/04/2022", "Ottawa", "ON", "theft", 10, "o-2"]]),
        ("Quebec", [HEADER, ["03/04/2022", "Montreal", "QC", "robbery", 70, "q-1"]]),
    ])
    result = etl(cli, db_url, path)
    loaded_ok(result, "provinces.xlsx", (3, 3, 0, 0, 0, 0))
    assert by_id(engine, "provinces.xlsx", "occurred_on") == {"o-1": "2022-04-13", "o-2": "2022-04-25",
                                                              "q-1": "2022-04-03"}


# ---------------------------------------------------------------- 4. times

def test_every_time_spelling_gives_the_hour(cli, db_url, engine, tmp_path):
    path = messy(tmp_path, "time_spellings.csv")
    result = etl(cli, db_url, path)
    loaded_ok(result, "time_spellings.csv", (11, 11, 0, 0, 0, 0))
    hour = by_id(engine, "time_spellings.csv", "hour")
    assert {k: hour[k] for k in ("t-1", "t-2", "t-3", "t-4", "t-5")} == {"t-1": 13, "t-2": 13, "t-3": 3, "t-4": 15,
                                                                       "t-5": 13}
    tod = by_id(engine, "time_spellings.csv", "time_of_day")
    assert (hour["t-10"], tod["t-10"]) == (None, "evening")  # a time of day without an hour
    assert (hour["t-9"], tod["t-9"]) == (None, None)
    assert stored_notes(engine, "time_spellings.csv") == [(None, 10, "hour", "quarter past",
                                                           "is not an hour or time of day")]


def test_a_date_time_fills_the_hour_when_the_time_column_does_not(cli, db_url, engine, tmp_path):
    path = messy(tmp_path, "time_spellings.csv")
    result = etl(cli, db_url, path)
    loaded_ok(result, "time_spellings.csv", (11, 11, 0, 0, 0, 0))
    hour = by_id(engine, "time_spellings.csv", "hour")
    # t-6: time blank, t-7: time N/A (both from the date); t-8: the time column wins over the date's 10:00;
    # t-11: a midnight date-time is an export's placeholder, not a time
    assert {k: hour[k] for k in ("t-6", "t-7", "t-8", "t-11")} == {"t-6": 9, "t-7": 23, "t-8": 16, "t-11": None}
    assert by_id(engine, "time_spellings.csv", "occurred_on")["t-7"] == "2022-05-08"


# ---------------------------------------------------------------- 5. money

def test_every_money_spelling_is_read_as_dollars(cli, db_url, engine, tmp_path):
    path = messy(tmp_path, "money_spellings.csv")
    result = etl(cli, db_url, path)
    loaded_ok(result, "money_spellings.csv", (12, 10, 0, 2, 0, 0))
    assert by_id(engine, "money_spellings.csv", "loss_usd") == {
        "m-1": 12500.0, "m-2": 12500.0, "m-3": 1250.5, "m-4": 1250.0, "m-5": 1_200_000.0, "m-6": 1_500_000.0,
        "m-7": 250_000.0, "m-8": 100_000.0, "m-11": 0.0, "m-12": None}


def test_money_words_are_noted_and_euros_and_brackets_are_quarantined(cli, db_url, engine, tmp_path):
    path = messy(tmp_path, "money_spellings.csv")
    result = etl(cli, db_url, path)
    loaded_ok(result, "money_spellings.csv", (12, 10, 0, 2, 0, 0))
    assert reasons_by_id(engine, "money_spellings.csv", "ID") == {"m-9": [f"loss_usd: '€900' {NOT_USD}"],
                                                                  "m-10": ["loss_usd: '(1,234)' is negative"]}
    assert stored_notes(engine, "money_spellings.csv") == [
        (None, 9, "loss_usd", "$100,000 in jewelry", "read as 100000; the words after the number were left out"),
        (None, 13, "loss_usd", "lots", "is not an amount")]
    assert lines(result.output, "money_spellings.csv: ")[:2] == [
        "read as jsa (source: JSA)", "2 row(s) quarantined; see `jewelcrime quarantine`"]
    assert (batch(engine, "money_spellings.csv")["notes"], by_id(engine, "money_spellings.csv", "loss_usd")["m-8"]) == \
        (2, 100_000.0)  # a note, and still the number


# ---------------------------------------------------------------- 6. yes/no

def test_yes_no_spellings(cli, db_url, engine, tmp_path):
    path = messy(tmp_path, "yes_no.csv")
    result = etl(cli, db_url, path)
    loaded_ok(result, "yes_no.csv", (13, 13, 0, 0, 0, 0))
    assert by_id(engine, "yes_no.csv", "weapon_shown") == {
        "w-1": True, "w-2": False, "w-3": True, "w-4": False, "w-5": True, "w-6": False, "w-7": True, "w-8": False,
        "w-9": True, "w-10": True, "w-11": None, "w-12": None, "w-13": None}
    assert stored_notes(engine, "yes_no.csv") == [(None, 13, "weapon_shown", "maybe", "is not yes/no")]


# ---------------------------------------------------------------- 7. workbooks

def test_notes_sheet_first_and_data_sheet_second_loads(cli, db_url, engine, tmp_path):
    path = workbook(tmp_path / "with_notes.xlsx", [
        ("Read me", [["About this workbook"], ["Compiled by the regional analyst, Q1 2022"],
                     ["Losses in USD; blank = unknown"]]),
        ("Incidents", [HEADER, ["2022-01-04", "Houston", "TX", "robbery", 5000, "n-1"],
                       ["1/5/2022", "Dallas", "TX", "burglary", None, "n-2"],
                       ["2022-01-06", "Austin", "TX", "theft", -3, "n-3"]]),
    ])
    result = etl(cli, db_url, path)
    loaded_ok(result, "with_notes.xlsx", (3, 2, 0, 1, 0, 0))
    assert lines(result.output, "with_notes.xlsx, sheet ") == [
        "'Incidents': 3 rows in, 2 loaded, 0 duplicates, 1 quarantined, 0 skipped, 0 filtered out"]
    assert file_notes(result.output, "with_notes.xlsx") == [
        "sheet(s) not read (no header with the required columns): 'Read me'"]
    assert sheet_rows(engine, "with_notes.xlsx") == {("Incidents", 2, "n-1"), ("Incidents", 3, "n-2")}
    assert stored_quarantine(engine, "with_notes.xlsx") == [("Incidents", 4, ["loss_usd: '-3' is negative"])]


@pytest.mark.parametrize("choice", ["February", "february", "2"])
def test_sheet_option_by_name_or_number_reads_only_that_sheet(choice, cli, db_url, engine, tmp_path):
    path = two_month_book(tmp_path / "months.xlsx")
    result = etl(cli, db_url, path, "--sheet", choice)
    loaded_ok(result, "months.xlsx", (3, 2, 0, 1, 0, 0))  # j-3 is no duplicate: January is not read
    assert lines(result.output, "months.xlsx, sheet ") == [
        "'February': 3 rows in, 2 loaded, 0 duplicates, 1 quarantined, 0 skipped, 0 filtered out"]
    assert sheet_rows(engine, "months.xlsx") == {("February", 3, "f-1"), ("February", 4, "j-3")}


@pytest.mark.parametrize("choice", ["March", "3"])
def test_sheet_option_naming_no_sheet_is_rejected_with_the_sheets_listed(choice, cli, db_url, engine, tmp_path):
    path = two_month_book(tmp_path / "months.xlsx")
    etl(cli, db_url, messy(tmp_path, "three_stores.csv"))
    before = snapshot(engine)
    problem = assert_rejected(etl(cli, db_url, path, "--sheet", choice), path)
    assert problem == (f"has no sheet '{choice}' (its sheets are 1: 'January', 2: 'February'); "
                       "give --sheet a name or a number")
    assert snapshot(engine) == before


def test_two_data_sheets_keep_their_own_row_numbers_and_a_repeat_is_a_duplicate(cli, db_url, engine, tmp_path):
    path = two_month_book(tmp_path / "months.xlsx")
    result = etl(cli, db_url, path)
    loaded_ok(result, "months.xlsx", (6, 3, 1, 2, 0, 0))
    assert lines(result.output, "months.xlsx, sheet ") == [
        "'January': 3 rows in, 2 loaded, 0 duplicates, 1 quarantined, 0 skipped, 0 filtered out",
        "'February': 3 rows in, 1 loaded, 1 duplicates, 1 quarantined, 0 skipped, 0 filtered out"]
    # February's header is in its row 2, so its first row is row 3
    assert sheet_rows(engine, "months.xlsx") == {("January", 2, "j-1"), ("January", 4, "j-3"), ("February", 3, "f-1")}
    assert json.loads(batch(engine, "months.xlsx")["sheets"]) == [
        {"sheet": "January", "rows_in": 3, "loaded": 2, "duplicates": 0, "quarantined": 1, "skipped": 0,
         "filtered": 0, "notes": 0},
        {"sheet": "February", "rows_in": 3, "loaded": 1, "duplicates": 1, "quarantined": 1, "skipped": 0,
         "filtered": 0, "notes": 0}]


def test_quarantine_export_names_the_sheet_and_its_row(cli, db_url, engine, tmp_path):
    path = two_month_book(tmp_path / "months.xlsx")
    etl(cli, db_url, path)
    target = tmp_path / "q.csv"
    assert cli("quarantine", "--db", db_url, "--csv", target).exit_code == 0
    got = {(r["file"], r["sheet"], r["row"], r["reasons"], r["batch_id"]) for r in read_export(target)}
    b = str(batch(engine, "months.xlsx")["batch_id"])
    assert got == {("months.xlsx", "January", "3", f"loss_usd: '€10' {NOT_USD}", b),
                   ("months.xlsx", "February", "5", "loss_usd: '(50)' is negative", b)}


def test_quarantined_row_repeated_on_another_sheet_is_a_duplicate(cli, db_url, engine, tmp_path):
    bad = ["2022-01-04", "Houston", "TX", "robbery", "(50)", "q-1"]
    path = workbook(tmp_path / "repeat_bad.xlsx", [
        ("A", [HEADER, bad, ["2022-01-05", "Houston", "TX", "theft", 10, "a-1"]]),
        ("B", [HEADER, bad, ["2022-01-06", "Dallas", "TX", "theft", 20, "b-1"]]),
    ])
    result = etl(cli, db_url, path)
    loaded_ok(result, "repeat_bad.xlsx", (4, 2, 1, 1, 0, 0))
    assert stored_quarantine(engine, "repeat_bad.xlsx") == [("A", 2, ["loss_usd: '(50)' is negative"])]
    assert lines(result.output, "repeat_bad.xlsx, sheet ") == [
        "'A': 2 rows in, 1 loaded, 0 duplicates, 1 quarantined, 0 skipped, 0 filtered out",
        "'B': 2 rows in, 1 loaded, 1 duplicates, 0 quarantined, 0 skipped, 0 filtered out"]


def test_noted_row_repeated_on_another_sheet_keeps_one_note(cli, db_url, engine, tmp_path):
    noted = ["2022-01-04", "Houston", "TX", "robbery", "lots", "n-1"]
    path = workbook(tmp_path / "repeat_noted.xlsx", [
        ("A", [HEADER, noted, ["2022-01-05", "Houston", "TX", "theft", 10, "a-1"]]),
        ("B", [HEADER, noted, ["2022-01-06", "Dallas", "TX", "theft", 20, "b-1"]]),
    ])
    result = etl(cli, db_url, path)
    loaded_ok(result, "repeat_noted.xlsx", (4, 3, 1, 0, 0, 0))
    assert stored_notes(engine, "repeat_noted.xlsx") == [("A", 2, "loss_usd", "lots", "is not an amount")]
    assert batch(engine, "repeat_noted.xlsx")["notes"] == 1


def test_an_empty_second_sheet_does_not_reject_the_workbook(cli, db_url, engine, tmp_path):
    path = workbook(tmp_path / "running_log.xlsx", [
        ("January", [HEADER, ["2022-01-04", "Houston", "TX", "robbery", 50, "j-1"],
                     ["2022-01-05", "Houston", "TX", "theft", None, "j-2"]]),
        ("February", [HEADER]),
    ])
    result = etl(cli, db_url, path)
    loaded_ok(result, "running_log.xlsx", (2, 2, 0, 0, 0, 0))
    assert sheet_rows(engine, "running_log.xlsx") == {("January", 2, "j-1"), ("January", 3, "j-2")}


# ---------------------------------------------------------------- 8. totals and blank rows

def test_total_row_and_blank_rows_between_data_are_skipped_and_listed(cli, db_url, engine, tmp_path):
    path = messy(tmp_path, "totals_labelled.csv")
    result = etl(cli, db_url, path)
    loaded_ok(result, "totals_labelled.csv", (6, 3, 0, 0, 3, 0))
    assert lines(result.output, "skipped totals_labelled.csv, ") == [
        "row 4: blank row", "row 6: blank row", "row 7: totals row ('Total')"]
    assert stored_skips(engine, "totals_labelled.csv") == [
        (None, 4, "blank row", "{}"), (None, 6, "blank row", "{}"),
        (None, 7, "totals row ('Total')", json.dumps({"Date": "Total", "Loss": "4000", "Injured": "3"}))]
    assert list(incidents(engine, "totals_labelled.csv")["row_number"]) == [2, 3, 5]
    assert stored_quarantine(engine, "totals_labelled.csv") == []


def test_grand_total_and_an_unlabelled_row_of_column_sums_are_skipped(cli, db_url, engine, tmp_path):
    path = messy(tmp_path, "totals_unlabelled.csv")  # row 5: no date/state/type, loss $4,000 = 1000+2500+500
    result = etl(cli, db_url, path)
    loaded_ok(result, "totals_unlabelled.csv", (5, 3, 0, 0, 2, 0))
    assert lines(result.output, "skipped totals_unlabelled.csv, ") == [
        "row 5: totals row (its numbers are the sums of the rows above)", "row 6: totals row ('Grand total')"]
    assert [s[:3] for s in stored_skips(engine, "totals_unlabelled.csv")] == [
        (None, 5, "totals row (its numbers are the sums of the rows above)"),
        (None, 6, "totals row ('Grand total')")]
    assert by_id(engine, "totals_unlabelled.csv", "loss_usd") == {"s-1": 1000.0, "s-2": 2500.0, "s-3": 500.0}


def test_a_keyless_row_that_is_not_the_column_sums_is_quarantined_not_skipped(cli, db_url, engine, tmp_path):
    path = messy(tmp_path, "not_a_total.csv")  # loss 3999 is not 1000 + 2500
    result = etl(cli, db_url, path)
    loaded_ok(result, "not_a_total.csv", (3, 2, 0, 1, 0, 0))
    assert stored_skips(engine, "not_a_total.csv") == []
    assert stored_quarantine(engine, "not_a_total.csv") == [
        (None, 4, ["date: is blank (required)", "crime_type: is blank (required)", "region: is blank (required)"])]


def test_xlsx_blank_rows_and_a_total_row_are_skipped_per_sheet(cli, db_url, engine, tmp_path):
    path = workbook(tmp_path / "log.xlsx", [("Log", [
        ["Store incident log"], [], HEADER,
        ["2022-01-04", "Houston", "TX", "robbery", 50, "b-1"], [], [None, None, None],
        ["2022-01-05", "Houston", "TX", "robbery", None, "b-2"],
        ["TOTAL", None, None, None, 50, None]])])
    result = etl(cli, db_url, path)
    loaded_ok(result, "log.xlsx", (5, 2, 0, 0, 3, 0))  # the blank row above the header is no row
    assert lines(result.output, "skipped log.xlsx, sheet 'Log', ") == [
        "row 5: blank row", "row 6: blank row", "row 8: totals row ('TOTAL')"]
    assert lines(result.output, "log.xlsx, sheet ") == [
        "'Log': 5 rows in, 2 loaded, 0 duplicates, 0 quarantined, 3 skipped, 0 filtered out"]
    assert sheet_rows(engine, "log.xlsx") == {("Log", 4, "b-1"), ("Log", 7, "b-2")}


def test_a_sums_row_with_zero_injured_and_killed_is_a_totals_row(cli, db_url, engine, tmp_path):
    """A spreadsheet's SUM row has 0 where no one was hurt: a zero that is the sum above agrees with the row
    being a totals row (only a non-zero sum counts as evidence of one)."""
    header = ["Date", "City", "State", "Crime Type", "Loss", "Injured", "Killed", "ID"]
    path = workbook(tmp_path / "sums.xlsx", [("Log", [
        header, ["2022-01-04", "Houston", "TX", "robbery", 1000, 0, 0, "z-1"],
        ["2022-01-05", "Dallas", "TX", "burglary", 2500, "N/A", 0, "z-2"],
        [None, None, None, None, 3500, 0, 0, None]])])
    result = etl(cli, db_url, path)
    loaded_ok(result, "sums.xlsx", (3, 2, 0, 0, 1, 0))
    assert [s[1:3] for s in stored_skips(engine, "sums.xlsx")] == [
        (4, "totals row (its numbers are the sums of the rows above)")]
    assert stored_quarantine(engine, "sums.xlsx") == []


# ---------------------------------------------------------------- 9. which row is the header

def test_a_data_row_with_idaho_above_the_header_is_not_taken_for_it(cli, db_url, engine, tmp_path):
    # Row 1 is a data row whose cells 'ID' (Idaho), 'ST4' and 'Location 2' read as three known headers
    # (id, st, location) - as many as the real header in row 2 names (State, Date, Crime Type), and it
    # comes first. Only the rule that a row of mostly dates, numbers and state codes is data keeps it out.
    path = messy(tmp_path, "idaho_above_header.csv")
    result = etl(cli, db_url, path)
    loaded_ok(result, "idaho_above_header.csv", (2, 2, 0, 0, 0, 0))
    df = incidents(engine, "idaho_above_header.csv")
    assert list(zip(df["row_number"], df["occurred_on"], df["region_code"], df["category"])) == [
        (3, "2022-01-06", "ID", "robbery"), (4, "2022-01-07", "ID", "burglary")]
    assert file_notes(result.output, "idaho_above_header.csv") == [
        "not used: 'Store', 'Branch', 'Value', 'Hurt', 'Guards'"]
    assert json.loads(df["extra"].iloc[1]) == {"Store": "ST9", "Branch": "Location 1", "Value": "300", "Hurt": "0",
                                               "Guards": "1"}


# ---------------------------------------------------------------- 10. missing required column

CRIME_TYPE_SPELLINGS = ("'crime_type', 'crime', 'offense', 'offence', 'crime_category', 'category', 'incident_type', "
                        "'type_of_crime', 'crime type', 'type'")


def test_missing_column_names_the_closest_spelling_and_every_accepted_one(cli, db_url, engine, tmp_path):
    # three near misses: 'Crme Tpe' and 'Crimetpe' are 2 edits from crime_type, the middle one, 'Crime<newline>Typ',
    # only 1: taking the first or the last near miss would name the wrong column
    path = messy(tmp_path, "crime_type_misspelt.csv")
    problem = assert_rejected(etl(cli, db_url, path), path)
    assert problem == ("missing required column 'crime_type' (accepted: " + CRIME_TYPE_SPELLINGS + "); found: "
                       "'Date', 'City', 'Crme Tpe', 'Crime Typ', 'Crimetpe', 'State', 'Loss'; closest match in the "
                       "file: 'Crime Typ'" + NEXT_STEPS)
    from etl.formats import jsa
    spellings = next(c for c in jsa.COLUMNS if c.name == "crime_type").spellings
    assert ", ".join(f"'{s}'" for s in spellings) == CRIME_TYPE_SPELLINGS  # the list is every spelling there is


# ---------------------------------------------------------------- 11. columns the format does not use; competing columns

def test_unknown_but_sensible_column_loads_and_id_gives_way_to_case_number(cli, db_url, engine, tmp_path):
    path = messy(tmp_path, "extra_columns.csv")
    result = etl(cli, db_url, path)
    loaded_ok(result, "extra_columns.csv", (2, 2, 0, 0, 0, 0))
    assert file_notes(result.output, "extra_columns.csv") == [
        "'Case Number' used for source_record_id; 'ID' not used",
        "not used: 'ID', 'Location Description'"]
    df = incidents(engine, "extra_columns.csv")
    assert list(df["source_record_id"]) == ["HPD-22-0001", "HPD-22-0002"]
    assert [json.loads(x) for x in df["extra"]] == [{"ID": "1", "Location Description": "JEWELRY STORE"},
                                                    {"ID": "2", "Location Description": "MALL KIOSK"}]
    assert list(df["location_type"].map(plain)) == [None, None]
    assert json.loads(batch(engine, "extra_columns.csv")["not_used"]) == ["ID", "Location Description"]


def test_the_column_named_exactly_wins_over_an_alias(cli, db_url, engine, tmp_path):
    path = messy(tmp_path, "canonical_wins.csv")  # Region beats State, Location Type beats Location
    result = etl(cli, db_url, path)
    loaded_ok(result, "canonical_wins.csv", (2, 2, 0, 0, 0, 0))
    assert file_notes(result.output, "canonical_wins.csv") == [
        "'Region' used for region; 'State' not used",
        "'Location Type' used for location_type; 'Location' not used",
        "not used: 'State', 'Location'"]
    df = incidents(engine, "canonical_wins.csv")
    assert list(zip(df["region_code"], df["location_type"])) == [("TX", "mall"), ("TX", "mall")]
    assert [json.loads(x) for x in df["extra"]] == [{"State": "Texas", "Location": "Galleria"},
                                                    {"State": "Texas", "Location": "NorthPark"}]


STATE_AND_PROVINCE = ("columns 'State' and 'Province' both give 'region' and neither is named exactly 'region'; "
                      "keep only one of them, rename the one to use 'region', or load the file with --map")


def test_state_and_province_together_reject_the_file_naming_both(cli, db_url, engine, tmp_path):
    path = messy(tmp_path, "state_and_province.csv")
    problem = assert_rejected(etl(cli, db_url, path), path)
    assert problem.startswith(STATE_AND_PROVINCE + "; ")
    assert problem.endswith(NEXT_STEPS)


def test_state_and_province_message_does_not_call_region_missing(cli, db_url, engine, tmp_path):
    path = messy(tmp_path, "state_and_province.csv")
    problem = assert_rejected(etl(cli, db_url, path), path)
    assert problem == STATE_AND_PROVINCE + NEXT_STEPS


# ---------------------------------------------------------------- 12. --json

def test_json_summary_gives_exact_values(cli, db_url, engine, tmp_path):
    good = messy(tmp_path, "summary_json.csv")  # a copy (row 3), '(5)' (row 4), a blank row (5), 'a lot' (6)
    bad = messy(tmp_path, "crime_type_misspelt.csv")
    result = etl(cli, db_url, good, bad, "--json")
    assert result.exit_code == 1  # one file rejected
    got = json.loads(result.stdout)
    assert got == [
        {"file": str(good), "format": "jsa", "source": "JSA", "status": "loaded", "rows_in": 5, "loaded": 2,
         "duplicates": 1, "quarantined": 1, "skipped": 1, "filtered_out": 0, "notes": 1, "not_used": ["Store"],
         "sheets": [], "message": "", "warnings": ["not used: 'Store'"],
         "batch_id": batch(engine, "summary_json.csv")["batch_id"], "linked": None,
         "skipped_rows": [{"sheet": None, "row": 5, "reason": "blank row"}], "filtered_out_by_reason": {}},
        {"file": str(bad), "format": "jsa", "source": None, "status": "rejected", "rows_in": 0, "loaded": 0,
         "duplicates": 0, "quarantined": 0, "skipped": 0, "filtered_out": 0, "notes": 0, "not_used": [],
         "sheets": [], "message": "missing required column 'crime_type' (accepted: " + CRIME_TYPE_SPELLINGS
         + "); found: 'Date', 'City', 'Crme Tpe', 'Crime Typ', 'Crimetpe', 'State', 'Loss'; closest match in the "
         "file: 'Crime Typ'" + NEXT_STEPS, "warnings": [], "batch_id": None, "linked": None, "skipped_rows": [],
         "filtered_out_by_reason": {}},
    ]
    assert stored_notes(engine, "summary_json.csv") == [(None, 6, "loss_usd", "a lot", "is not an amount")]
    assert stored_quarantine(engine, "summary_json.csv") == [(None, 4, ["loss_usd: '(5)' is negative"])]


def test_json_summary_of_a_workbook_lists_each_sheet(cli, db_url, engine, tmp_path):
    path = two_month_book(tmp_path / "months.xlsx")
    result = etl(cli, db_url, path, "--json")
    assert result.exit_code == 0, result.output
    [got] = json.loads(result.stdout)
    assert (got["rows_in"], got["loaded"], got["duplicates"], got["quarantined"], got["skipped"]) == (6, 3, 1, 2, 0)
    assert got["sheets"] == [
        {"sheet": "January", "rows_in": 3, "loaded": 2, "duplicates": 0, "quarantined": 1, "skipped": 0,
         "filtered": 0, "notes": 0},
        {"sheet": "February", "rows_in": 3, "loaded": 1, "duplicates": 1, "quarantined": 1, "skipped": 0,
         "filtered": 0, "notes": 0}]


# ---------------------------------------------------------------- 13. quarantine --skipped / --notes

def test_quarantine_skipped_csv_lists_every_skipped_row(cli, db_url, engine, tmp_path):
    etl(cli, db_url, messy(tmp_path, "totals_labelled.csv"))
    target = tmp_path / "skipped.csv"
    result = cli("quarantine", "--skipped", "--db", db_url, "--csv", target)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"wrote 3 skipped row(s) to {target}"]
    b = str(batch(engine, "totals_labelled.csv")["batch_id"])
    assert read_export(target) == [
        {"file": "totals_labelled.csv", "sheet": "", "batch_id": b, "row": "4", "reason": "blank row", "raw": "{}"},
        {"file": "totals_labelled.csv", "sheet": "", "batch_id": b, "row": "6", "reason": "blank row", "raw": "{}"},
        {"file": "totals_labelled.csv", "sheet": "", "batch_id": b, "row": "7", "reason": "totals row ('Total')",
         "raw": '{"Date": "Total", "Loss": "4000", "Injured": "3"}'}]


def test_quarantine_notes_csv_lists_every_unreadable_cell(cli, db_url, engine, tmp_path):
    result = etl(cli, db_url, messy(tmp_path, "unreadable_values.csv"))
    loaded_ok(result, "unreadable_values.csv", (2, 2, 0, 0, 0, 0))
    target = tmp_path / "notes.csv"
    result = cli("quarantine", "--notes", "--db", db_url, "--csv", target)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"wrote 5 noted cell(s) to {target}"]
    b = str(batch(engine, "unreadable_values.csv")["batch_id"])
    locations = "downtown, home, hotel, kiosk, mall, other, standalone, strip_center, trade_show, vehicle"
    row = {"file": "unreadable_values.csv", "sheet": "", "batch_id": b, "row": "2"}
    assert read_export(target) == [
        {**row, "column": "loss_usd", "value": "lots", "note": "is not an amount"},
        {**row, "column": "injured", "value": "several", "note": "is not a count (a whole number, 0 or more)"},
        {**row, "column": "weapon_shown", "value": "maybe", "note": "is not yes/no"},
        {**row, "column": "location_type", "value": "parking garage",
         "note": f"is not a known location type ({locations})"},
        {**row, "column": "hour", "value": "quarter past", "note": "is not an hour or time of day"}]
    # the row itself loaded, with those cells unknown and the rest as written
    df = incidents(engine, "unreadable_values.csv").set_index("source_record_id")
    assert [plain(df.loc["v-1", c]) for c in ("loss_usd", "injured", "weapon_shown", "location_type", "hour")] == \
        [None, None, None, None, None]
    assert [plain(df.loc["v-2", c]) for c in ("loss_usd", "injured", "weapon_shown", "location_type", "hour")] == \
        [2000.0, 1, False, "mall", 14]


# ---------------------------------------------------------------- 14. a rejected file changes nothing

REJECTED = {
    "missing-column": ("crime_type_misspelt.csv", ()),
    "state-and-province": ("state_and_province.csv", ()),
    "no-such-sheet": ("months.xlsx", ("--sheet", "Summary")),
}


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_a_rejected_file_leaves_the_database_exactly_as_it_was(case, cli, db_url, engine, tmp_path):
    loaded_ok(etl(cli, db_url, messy(tmp_path, "analyst_sheet.csv")), "analyst_sheet.csv", (10, 10, 0, 0, 0, 0))
    before = snapshot(engine)
    name, options = REJECTED[case]
    path = two_month_book(tmp_path / name) if name.endswith(".xlsx") else messy(tmp_path, name)
    assert_rejected(etl(cli, db_url, path, *options), path)
    assert snapshot(engine) == before


# ---------------------------------------------------------------- jewelcrime incidents --csv

def test_incidents_csv_lists_the_loaded_rows_with_file_and_row(cli, db_url, engine, tmp_path):
    etl(cli, db_url, messy(tmp_path, "analyst_sheet.csv"))
    loaded_ok(etl(cli, db_url, messy(tmp_path, "store_copies.csv")), "store_copies.csv", (4, 3, 1, 0, 0, 0))
    target = tmp_path / "incidents.csv"
    result = cli("incidents", "--db", db_url, "--csv", target)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"wrote 13 incident row(s) to {target}"]
    rows = read_export(target)
    assert [(r["file"], r["row"], r["source_record_id"]) for r in rows] == (
        [("analyst_sheet.csv", str(n), f"H-{99 + n}") for n in range(2, 12)]
        + [("store_copies.csv", str(n), "") for n in (2, 3, 5)])
    copies = [r for r in rows if r["file"] == "store_copies.csv"]
    assert [(r["sheet"], r["occurred_on"], r["region_code"], r["city"], r["category"], r["loss_usd"], r["extra"])
            for r in copies] == [
        ("", "2022-06-10", "TX", "Houston", "robbery", "25000.0", '{"Store": "Galleria Fine Jewelry"}'),
        ("", "2022-06-10", "TX", "Houston", "robbery", "25000.0", '{"Store": "Memorial City Diamonds"}'),
        ("", "2022-06-10", "TX", "Houston", "robbery", "25000.0", '{"Store": "Willowbrook Gold & Gems"}')]
    first = rows[0]
    assert (first["occurred_on"], first["city"], first["loss_usd"], first["location_type"], first["description"]) == (
        "2022-01-03", "Houston", "12500.0", "mall", "Two men with handguns")
    h102 = rows[1]
    assert (h102["loss_usd"], h102["location_type"]) == ("", "strip_center")  # unknown loss: an empty cell, not 0


# ---------------------------------------------------------------- found while documenting the formats

def test_generic_claim_gives_way_to_claim_number(cli, db_url, engine, tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text("Claim #,Claim Number,Loss Date,Store State,Cause of Loss\n7,JM-1,2022-01-01,TX,robbery\n")
    result = etl(cli, db_url, path)
    loaded_ok(result, "claims.csv", (1, 1, 0, 0, 0, 0))
    assert by_id(engine, "claims.csv", "occurred_on") == {"JM-1": "2022-01-01"}
    assert "'Claim Number' used for source_record_id; 'Claim #' not used" in file_notes(result.output, "claims.csv")


def test_the_same_column_twice_under_two_spellings_is_named_as_such(cli, db_url, engine, tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("date,state,crime_type,Crime Type\n2022-01-01,TX,robbery,theft\n")
    problem = assert_rejected(etl(cli, db_url, path), path)
    assert problem.startswith("columns 'crime_type' and 'Crime Type' are both the column 'crime_type'; keep only "
                              "one of them; ")


def test_jm_unknown_markers_in_required_columns_and_ids(cli, db_url, engine, tmp_path):
    path = tmp_path / "jm_unknowns.csv"
    path.write_text("Claim Number,Loss Date,Store State,Cause of Loss\n"
                    "N/A,2022-01-01,TX,robbery\n"
                    "JM-2,2022-01-02,unknown,theft\n"
                    "JM-3,2022-01-03,TX,?\n"
                    "JM-4,2022-01-04,TX,theft\n")
    loaded_ok(etl(cli, db_url, path), "jm_unknowns.csv", (4, 1, 0, 3, 0, 0))
    assert reasons_by_id(engine, "jm_unknowns.csv", "Loss Date") == {
        "2022-01-01": ["claim_number: 'N/A' means unknown, but a claim number is required"],
        "2022-01-02": ["store_region: 'unknown' means unknown, but a state or province is required"],
        "2022-01-03": ["loss_cause: '?' means unknown, but a loss cause is required"]}


def test_record_ids_written_as_unknown_are_no_ids_not_repeats(cli, db_url, engine, tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("date,state,crime_type,record_id\n2022-01-01,TX,robbery,N/A\n2022-01-02,TX,theft,N/A\n")
    loaded_ok(etl(cli, db_url, path), "ids.csv", (2, 2, 0, 0, 0, 0))
    assert incidents(engine, "ids.csv")["source_record_id"].isna().all()


def test_jm_reported_date_is_read_in_the_loss_dates_order(cli, db_url, engine, tmp_path):
    path = tmp_path / "dm_claims.csv"
    path.write_text("Claim Number,Loss Date,Reported Date,Store State,Cause of Loss\n"
                    "JM-1,25/03/2022,04/05/2022,TX,robbery\n")  # the loss date can only be day-first
    loaded_ok(etl(cli, db_url, path), "dm_claims.csv", (1, 1, 0, 0, 0, 0))
    assert by_id(engine, "dm_claims.csv", "reported_on") == {"JM-1": "2022-05-04"}


def test_unreadable_optional_nibrs_number_is_a_note(cli, db_url, engine, tmp_path):
    path = tmp_path / "nibrs_2021.csv"
    path.write_text("Offense Category,Number of Incidents,Number of Offenses,Number of Victims\n"
                    "Total,10,12,n.a\nCrimes Against Property,10,12,13\n")
    loaded_ok(etl(cli, db_url, path), "nibrs_2021.csv", (2, 2, 0, 0, 0, 0))
    assert stored_notes(engine, "nibrs_2021.csv") == [(None, 2, "victims", "n.a", "is not a whole number (left unknown)")]


def test_half_a_point_note_quotes_the_cell_as_written(cli, db_url, engine, tmp_path):
    path = tmp_path / "half.csv"
    path.write_text("date,state,crime_type,latitude,longitude\n2022-01-01,TX,robbery, 29.76040 ,\n")
    loaded_ok(etl(cli, db_url, path), "half.csv", (1, 1, 0, 0, 0, 0))
    assert stored_notes(engine, "half.csv") == [
        (None, 2, "latitude/longitude", "29.76040", "only one of latitude and longitude is given, so the point is "
                                                    "unknown")]


def test_sheet_option_on_a_csv_file_is_said_to_be_unused(cli, db_url, engine, tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("date,state,crime_type\n2022-01-01,TX,robbery\n")
    result = etl(cli, db_url, path, "--sheet", "2")
    loaded_ok(result, "plain.csv", (1, 1, 0, 0, 0, 0))
    assert "--sheet 2 not used: a CSV file has no sheets" in file_notes(result.output, "plain.csv")
    again = etl(cli, db_url, path, "--sheet", "2")
    assert "plain.csv: unchanged since batch" in again.output


def test_no_region_column_when_every_row_has_a_point(cli, db_url, engine, tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("date,crime_type,lat,lon\n2022-01-05,robbery,29.7604,-95.3698\n2022-01-06,theft,43.6532,-79.3832\n"
                    "2022-01-07,theft,0,0\n")
    loaded_ok(etl(cli, db_url, path), "points.csv", (3, 2, 0, 1, 0, 0))
    assert incidents(engine, "points.csv")[["region_code", "country"]].values.tolist() == [["TX", "US"], ["ON", "CA"]]
    assert reasons_by_id(engine, "points.csv", "date") == {
        "2022-01-07": ["region: is blank, and latitude/longitude 0, 0 is not a place (a state or province, or a point, "
                       "is required)"]}
