"""Bad-input corpus, part 2: row problems.

A bad row is quarantined with every reason (each naming its column and
value) and the rest of the file loads; rows in = loaded + duplicates +
quarantined, per file. Helpers are in test_bad_inputs.py.
"""
from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from test_bad_inputs import all_counts, batch, counts, etl, incidents, place, quarantine_export, reasons_by_id

NOT_A_DATE = "is not a date (e.g. 2022-03-05, 3/5/2022, Mar 5, 2022 or an Excel date)"
NOT_A_COUNT = "is not a count (a whole number, 0 or more)"
NOT_A_CRIME = "is not a known crime type (robbery, burglary, theft, off-premises or a sub-type)"
NOT_A_REGION = "is not a U.S. state or Canadian province"

# record_id in tests/fixtures/bad/jsa_rows.csv -> every reason its row must be quarantined with. Only a required
# value that is missing or unusable, or a value that cannot be true, quarantines a row.
QUARANTINED = {
    "bad-date": [f"date: 'not a date' {NOT_A_DATE}"],
    "future-date": ["date: 2099-12-31 is in the future"],
    "pre-1900": ["date: 1899-12-31 is before 1900"],
    "dm-confusion": [f"date: '13/25/2022' {NOT_A_DATE}"],  # no month 13 or 25 either way round
    "unknown-region": [f"region: 'Atlantis' {NOT_A_REGION}"],
    "region-typo": [f"region: 'Califronia' {NOT_A_REGION}; did you mean 'California'?"],
    "unknown-crime": [f"crime_type: 'jaywalking' {NOT_A_CRIME}"],
    "paren-loss": ["loss_usd: '(1,234)' is negative"],
    "injured-negative": [f"injured: '-1' {NOT_A_COUNT}"],
    "injured-fraction": [f"injured: '1.5' {NOT_A_COUNT}"],
    "nevada-coords": ["latitude/longitude: (36.1699, -115.1398) lies in Nevada, not in California"],
    "many-problems": [f"date: 'not a date' {NOT_A_DATE}", f"crime_type: 'jaywalking' {NOT_A_CRIME}",
                      f"region: 'Atlantis' {NOT_A_REGION}", "loss_usd: '(5)' is negative",
                      f"killed: '-1' {NOT_A_COUNT}"],
}
LOADED = {"ok-1", "ok-2", "dollar-loss", "blank-loss", "filled-region", "dmy", "euro-loss", "injured-word",
          "killed-word", "lat-only"}
# an optional value that cannot be read loads as unknown, with a note naming the cell
NOTED = {
    (14, "loss_usd", "12.500,00", "is not an amount"),
    (18, "killed", "several", NOT_A_COUNT),
    (21, "latitude/longitude", "29.7604", "only one of latitude and longitude is given, so the point is unknown"),
}


@pytest.fixture
def rows_loaded(cli, db_url, engine, tmp_path):  # noqa: ANN001, ANN201
    path = place(tmp_path, "jsa_rows.csv")
    result = etl(cli, db_url, path)
    assert result.exit_code == 0, result.output  # quarantined rows do not fail the run
    return result


def test_row_problems_counts_add_up(rows_loaded, engine):
    # 23 data rows: 12 quarantined, one exact duplicate of ok-1, 10 loaded
    assert counts(rows_loaded.output, "jsa_rows.csv") == (23, 10, 1, 12)
    b = batch(engine, "jsa_rows.csv")
    assert (b["rows_in"], b["loaded"], b["duplicates"], b["quarantined"], b["skipped"], b["notes"]) == (23, 10, 1, 12, 0, 3)
    assert "12 row(s) quarantined" in rows_loaded.output


@pytest.mark.parametrize("record_id", sorted(QUARANTINED))
def test_row_problem_is_quarantined_with_every_reason(record_id, rows_loaded, engine):
    got = reasons_by_id(engine, "jsa_rows.csv")
    assert sorted(got[record_id]) == sorted(QUARANTINED[record_id])


def test_only_the_bad_rows_are_quarantined_and_the_rest_loads(rows_loaded, engine):
    assert set(reasons_by_id(engine, "jsa_rows.csv")) == set(QUARANTINED)
    loaded = incidents(engine, "jsa_rows.csv").set_index("source_record_id")
    assert set(loaded.index) == LOADED


def test_unreadable_optional_values_load_as_unknown_with_a_note(rows_loaded, engine, cli, db_url, tmp_path):
    loaded = incidents(engine, "jsa_rows.csv").set_index("source_record_id")
    assert pd.isna(loaded.loc["euro-loss", "loss_usd"]) and pd.isna(loaded.loc["killed-word", "killed"])
    assert loaded.loc["injured-word", "injured"] == 2  # 'two' is a number written in words
    assert loaded.loc["dmy", "occurred_on"] == "2022-12-25"  # day 25 can only be day-first
    lat_only = loaded.loc["lat-only"]
    assert pd.isna(lat_only["latitude"]) and pd.isna(lat_only["longitude"]) and lat_only["region_code"] == "TX"
    target = tmp_path / "notes.csv"
    result = cli("quarantine", "--notes", "--db", db_url, "--csv", target)
    assert result.exit_code == 0, result.output
    notes = pd.read_csv(target, dtype="str", keep_default_na=False)
    assert {(int(r.row), r.column, r.value, r.note) for r in notes.itertuples()} == NOTED
    assert set(notes["file"]) == {"jsa_rows.csv"}


def test_money_and_blank_loss(rows_loaded, engine):
    loaded = incidents(engine, "jsa_rows.csv").set_index("source_record_id")
    assert loaded.loc["dollar-loss", "loss_usd"] == 12500.0
    assert pd.isna(loaded.loc["blank-loss", "loss_usd"])  # unknown stays NULL, never 0
    assert pd.isna(loaded.loc["ok-2", "injured"]) and pd.isna(loaded.loc["ok-2", "killed"])


def test_blank_region_is_filled_from_coordinates(rows_loaded, engine):
    row = incidents(engine, "jsa_rows.csv").set_index("source_record_id").loc["filled-region"]
    assert (row["region_code"], row["country"]) == ("NV", "US")


def test_quarantine_export_lists_every_reason(rows_loaded, cli, db_url, tmp_path):
    df = quarantine_export(cli, db_url, tmp_path)
    assert len(df) == 12 and set(df["file"]) == {"jsa_rows.csv"}
    many = df[df["raw"].str.contains('"many-problems"')]
    assert len(many) == 1
    assert many["row"].iloc[0] == "22"  # spreadsheet row: header is row 1
    for reason in QUARANTINED["many-problems"]:
        assert reason in many["reasons"].iloc[0]
    typo = df[df["raw"].str.contains('"region-typo"')]["reasons"].iloc[0]
    assert "did you mean 'California'?" in typo


def test_mixed_date_formats_load_to_the_right_days(cli, db_url, engine, tmp_path):
    path = place(tmp_path, "mixed_dates.csv")
    result = etl(cli, db_url, path)
    assert result.exit_code == 0, result.output
    assert counts(result.output, "mixed_dates.csv") == (5, 5, 0, 0)
    got = incidents(engine, "mixed_dates.csv").set_index("source_record_id")
    assert got["occurred_on"].to_dict() == {"iso": "2022-01-05", "us": "2022-03-05", "serial": "2023-01-01",
                                            "iso-time": "2022-07-04", "us-time": "2021-12-31"}
    assert got.loc["us-time", "year"] == 2021 and got.loc["us", "month"] == 3


def test_iso_dates_with_different_utc_offsets_keep_the_day_written(cli, db_url, engine, tmp_path):
    path = tmp_path / "offsets.csv"
    path.write_text("date,state,crime_type,record_id\n"
                    "2022-01-05T10:00:00+05:00,TX,robbery,plus5\n"
                    "2022-01-05T23:30:00-06:00,TX,robbery,minus6\n"
                    "2022-01-06T00:15:00Z,TX,robbery,zulu\n"
                    "2022-01-07,TX,robbery,naive\n")
    result = etl(cli, db_url, path)
    assert result.exit_code == 0, result.output
    assert counts(result.output, "offsets.csv") == (4, 4, 0, 0)
    got = incidents(engine, "offsets.csv").set_index("source_record_id")["occurred_on"].to_dict()
    assert got == {"plus5": "2022-01-05", "minus6": "2022-01-05", "zulu": "2022-01-06", "naive": "2022-01-07"}


def test_tomorrow_is_in_the_future(engine, tmp_path):
    from etl.formats.base import Options
    from etl.pipeline import load_paths

    # the load's own idea of today, pinned (the command line takes the clock's): no midnight can fall in between
    today = dt.date(2024, 2, 29)
    path = tmp_path / "tomorrow.csv"
    path.write_text("date,state,crime_type,record_id\n2024-02-29,TX,robbery,today\n2024-03-01,TX,robbery,next\n")
    [result] = load_paths(engine, [path], opts=Options(today=today))
    assert (result.status, result.rows_in, result.loaded, result.quarantined) == ("loaded", 2, 1, 1)
    assert reasons_by_id(engine, "tomorrow.csv") == {"next": ["date: 2024-03-01 is in the future"]}


def test_unquoted_comma_in_a_number_quarantines_only_that_row(cli, db_url, engine, tmp_path):
    path = place(tmp_path, "unquoted_comma.csv")
    result = etl(cli, db_url, path)
    assert result.exit_code == 0, result.output
    assert counts(result.output, "unquoted_comma.csv") == (3, 2, 0, 1)
    got = reasons_by_id(engine, "unquoted_comma.csv")
    assert got == {"row 3": ["row has 8 fields but the header has 7"]}
    assert incidents(engine, "unquoted_comma.csv")["source_record_id"].tolist() == ["c-1", "c-3"]


def test_trailing_empty_field_is_not_a_malformed_row(cli, db_url, engine, tmp_path):
    path = tmp_path / "trailing.csv"
    path.write_text("date,state,crime_type,loss_usd\n2022-01-01,TX,robbery,100,\n2022-01-02,TX,theft,5\n")
    result = etl(cli, db_url, path)
    assert result.exit_code == 0, result.output
    assert counts(result.output, "trailing.csv") == (2, 2, 0, 0)


def test_spaces_only_row_is_a_blank_row_skipped_and_listed(cli, db_url, engine, tmp_path):
    path = tmp_path / "spaces.csv"
    path.write_text("date,state,crime_type\n2022-01-01,TX,robbery\n  ,  ,  \n\n2022-01-02,TX,theft\n\n\n")
    result = etl(cli, db_url, path)
    # the blank lines after the last row are the end of the file, not rows
    assert all_counts(result.output, "spaces.csv") == (4, 2, 0, 0, 2, 0)
    assert "skipped spaces.csv, row 3: blank row" in result.output
    assert "skipped spaces.csv, row 4: blank row" in result.output
    assert batch(engine, "spaces.csv")["skipped"] == 2


def test_very_long_cell_in_a_file_read_by_the_exact_reader(cli, db_url, engine, tmp_path):
    path = tmp_path / "long.csv"
    long_text = "x" * 300_000  # over the csv module's default 128 KiB field limit
    path.write_text("date,state,crime_type,description\n"
                    f'2022-01-01,TX,robbery,"{long_text}"\n'
                    "2022-01-02,TX,robbery,a,b\n")  # one row too wide: forces the exact (slow) reader
    result = etl(cli, db_url, path)
    assert result.exit_code == 0, result.output
    assert counts(result.output, "long.csv") == (2, 1, 0, 1)
    assert incidents(engine, "long.csv")["description"].str.len().tolist() == [300_000]


@pytest.mark.parametrize("name, encoding", [("latin1.csv", "cp1252"), ("cp1252.csv", "cp1252"),
                                            ("utf8_bom.csv", "utf-8-sig")])
def test_encodings_are_detected(name, encoding, cli, db_url, engine, tmp_path):
    path = place(tmp_path, name)
    result = etl(cli, db_url, path)
    assert result.exit_code == 0, result.output
    assert counts(result.output, name) == (1, 1, 0, 0)
    row = incidents(engine, name).iloc[0]
    assert (row["city"], row["city_key"], row["region_code"], row["country"]) == ("Montréal", "montreal", "QC", "CA")
    assert bool(row["is_major_city"])
    assert row["description"] == ("O'Brien's store" if name == "latin1.csv" else "O’Brien’s store")
    assert batch(engine, name)["encoding"] == encoding


def test_xlsx_with_title_rows_loads(cli, db_url, engine, tmp_path):
    path = tmp_path / "titled.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Jewelers' Security Alliance: crimes reported"])
    ws.append(["Exported 2023-01-10"])
    ws.append([])
    ws.append(["Date", "City", "State", "Crime Type", "Loss", "Injured", "ID"])
    ws.append([dt.datetime(2022, 3, 5), "Houston", "TX", "robbery", 12500, 0, "x-1"])
    ws.append(["3/6/2022", "Dallas", "TX", "burglary", "$1,000.00", None, "x-2"])
    ws.append([44927, "Austin", "TX", "theft", None, 1, "x-3"])
    ws.append([dt.datetime(2022, 3, 7), "Austin", "Texas", "theft", -5, 0, "x-4"])
    wb.save(path)
    result = etl(cli, db_url, path)
    assert result.exit_code == 0, result.output
    assert counts(result.output, "titled.xlsx") == (4, 3, 0, 1)
    got = incidents(engine, "titled.xlsx").set_index("source_record_id")
    assert got["occurred_on"].to_dict() == {"x-1": "2022-03-05", "x-2": "2022-03-06", "x-3": "2023-01-01"}
    assert got["loss_usd"].tolist()[:2] == [12500.0, 1000.0] and pd.isna(got.loc["x-3", "loss_usd"])
    assert got["row_number"].tolist() == [5, 6, 7]  # spreadsheet rows, below the title rows
    assert reasons_by_id(engine, "titled.xlsx", "ID") == {"x-4": ["loss_usd: '-5' is negative"]}


def test_jm_claim_reported_before_the_loss(cli, db_url, engine, tmp_path):
    path = place(tmp_path, "jm_claims.csv")
    result = etl(cli, db_url, path)
    assert result.exit_code == 0, result.output
    assert counts(result.output, "jm_claims.csv") == (3, 2, 0, 1)
    assert batch(engine, "jm_claims.csv")["format"] == "jm"
    assert reasons_by_id(engine, "jm_claims.csv", "Claim Number") == {"JM-2": ["reported_date: is before the loss date"]}
    got = incidents(engine, "jm_claims.csv").set_index("source_record_id")
    assert got.loc["JM-1", "loss_usd"] == 18250.0 and got.loc["JM-1", "reported_on"] == "2022-03-07"
    assert pd.isna(got.loc["JM-3", "loss_usd"])  # paid and reserve both blank: unknown, not 0


def test_jm_claim_number_repeated_with_different_values(cli, db_url, engine, tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text("Claim Number,Loss Date,Store State,Cause of Loss\n"
                    "C1,2022-01-01,TX,robbery\nC1,2022-01-02,TX,theft\nC1,2022-01-01,TX,robbery\n")
    result = etl(cli, db_url, path)
    assert counts(result.output, "claims.csv") == (3, 1, 1, 1)  # the third row is an exact copy of the first
    assert reasons_by_id(engine, "claims.csv", "Loss Date") == {
        "2022-01-02": ["source_record_id: 'C1' appears more than once with different values"]}


def test_header_repeated_inside_the_file_is_a_skipped_row(cli, db_url, engine, tmp_path):
    path = tmp_path / "joined.csv"  # two exports pasted one under the other
    path.write_text("Date,State,Crime Type\n2022-01-01,TX,robbery\ndate, STATE ,crime type\n2022-01-02,TX,theft\n")
    result = etl(cli, db_url, path)
    assert result.exit_code == 0, result.output
    assert all_counts(result.output, "joined.csv") == (3, 2, 0, 0, 1, 0)
    assert "skipped joined.csv, row 3: repeats the header row" in result.output
    assert reasons_by_id(engine, "joined.csv") == {}
