"""Bad-input corpus, part 3: whole loads.

Duplicates within and across files, the same file twice, a changed version,
NIBRS tables, one transaction per file (an error half-way, a SIGKILLed
process) and a million rows. Helpers are in test_bad_inputs.py.
"""
from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from tests.conftest import snapshot, table_counts
from etl.config import sqlite_path
from test_bad_inputs import (all_counts, assert_rejected, batch, counts, etl, incidents, loaded, place,  # noqa: F401 - fixture
                             reasons_by_id, summary_row)


# ---------------------------------------------------------------- duplicates, reloads, new versions

def test_exact_duplicates_inside_one_file_and_across_two(cli, db_url, engine, tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("date,state,crime_type,loss_usd\n2022-01-01,TX,robbery,100\n2022-01-02,TX,theft,200\n"
                 "2022-01-02,TX,theft,200\n")
    b = tmp_path / "b.csv"
    b.write_text("crime_type,date,state,loss_usd\nrobbery,2022-01-01,TX,100\nburglary,2022-01-03,TX,300\n")
    result = etl(cli, db_url, a, b)
    assert result.exit_code == 0, result.output
    assert counts(result.output, "a.csv") == (3, 2, 1, 0)
    assert counts(result.output, "b.csv") == (2, 1, 1, 0)  # same row, other column order: still a duplicate
    assert table_counts(engine)["incident"] == 3
    assert (batch(engine, "b.csv")["duplicates"], batch(engine, "b.csv")["loaded"]) == (1, 1)


def test_same_file_twice_changes_nothing(cli, db_url, engine, tmp_path):
    path = place(tmp_path, "jsa_rows.csv")
    first = etl(cli, db_url, path)
    assert summary_row(first.output, "jsa_rows.csv")["status"] == "loaded"
    before = snapshot(engine)
    second = etl(cli, db_url, path)
    assert second.exit_code == 0, second.output
    row = summary_row(second.output, "jsa_rows.csv")
    assert (row["status"], row["loaded"]) == ("unchanged", 0)
    assert "unchanged since batch" in second.output
    assert snapshot(engine) == before


def test_changed_version_replaces_that_files_rows(cli, db_url, engine, tmp_path, loaded):
    path = tmp_path / "monthly.csv"
    path.write_text("date,state,crime_type,record_id\n2022-01-01,TX,robbery,m-1\n2022-01-02,TX,theft,m-2\n"
                    "2022-01-03,Atlantis,theft,m-3\n")
    assert counts(etl(cli, db_url, path).output, "monthly.csv") == (3, 2, 0, 1)
    old_batch = batch(engine, "monthly.csv")["batch_id"]
    path.write_text("date,state,crime_type,record_id\n2022-01-02,TX,theft,m-2\n2022-02-01,ON,burglary,m-4\n"
                    "2022-02-02,TX,jaywalking,m-5\n")
    result = etl(cli, db_url, path)
    assert result.exit_code == 0, result.output
    row = summary_row(result.output, "monthly.csv")
    assert (row["status"], row["rows_in"], row["loaded"], row["duplicates"], row["quarantined"]) == ("replaced", 3, 2, 0, 1)
    assert incidents(engine, "monthly.csv")["source_record_id"].tolist() == ["m-2", "m-4"]
    assert list(reasons_by_id(engine, "monthly.csv")) == ["m-5"]  # the old version's quarantine is gone
    # the batch now holds the new version (its rows the file still has were kept, not rewritten); the old
    # version's record is kept as a replaced batch with the old digest, and owns no rows
    with engine.connect() as conn:
        versions = conn.execute(sa.text("SELECT batch_id, status, is_current, rows_in, loaded FROM load_batch "
                                        "WHERE file_name = 'monthly.csv' ORDER BY batch_id")).all()
        owners = conn.execute(sa.text("SELECT DISTINCT i.batch_id FROM incident i JOIN load_batch b "
                                      "ON b.batch_id = i.batch_id WHERE b.file_name = 'monthly.csv'")).scalars().all()
    assert [(v.status, bool(v.is_current)) for v in versions] == [("loaded", True), ("replaced", False)]
    assert versions[0].batch_id == old_batch and owners == [old_batch]
    # the good file loaded before is untouched
    assert incidents(engine, "good_jsa.csv")["source_record_id"].tolist() == ["G-1", "G-2", "G-3"]


def test_rejected_new_version_keeps_the_old_one(cli, db_url, engine, tmp_path, loaded):
    path = tmp_path / "good_jsa.csv"
    path.write_text(path.read_text().replace(",", ";"))
    assert_rejected(etl(cli, db_url, path), path, "separated by semicolons")
    assert snapshot(engine) == loaded


def test_replacing_a_file_keeps_rows_another_file_also_has(cli, db_url, engine, tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("date,state,crime_type\n2022-01-01,TX,robbery\n2022-01-02,TX,theft\n")
    b = tmp_path / "b.csv"
    b.write_text("date,state,crime_type\n2022-01-01,TX,robbery\n")
    etl(cli, db_url, a, b)
    a.write_text("date,state,crime_type\n2022-01-02,TX,theft\n")  # the 1 January row is only in b.csv now
    etl(cli, db_url, a)
    with engine.connect() as conn:
        days = conn.execute(sa.text("SELECT occurred_on FROM incident ORDER BY occurred_on")).scalars().all()
    assert days == ["2022-01-01", "2022-01-02"]


# ---------------------------------------------------------------- NIBRS tables

def _nibrs(engine: sa.Engine, name: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql_query(sa.text(
            "SELECT n.* FROM nibrs_offense n JOIN load_batch b ON b.batch_id = n.batch_id "
            "WHERE b.file_name = :n AND b.is_current"), conn, params={"n": name})


def test_nibrs_table_with_title_footnotes_and_year_from_title(cli, db_url, engine, tmp_path):
    path = place(tmp_path, "nibrs_title.csv")
    result = etl(cli, db_url, path)
    assert result.exit_code == 0, result.output
    assert all_counts(result.output, "nibrs_title.csv") == (8, 6, 0, 0, 2, 0)  # two footnote lines skipped
    assert "skipped nibrs_title.csv, row 10: footnote or heading line, not data" in result.output
    assert summary_row(result.output, "nibrs_title.csv")["format"] == "nibrs"
    b = batch(engine, "nibrs_title.csv")
    assert b["data_year"] == 2021
    assert "footnote: 1 An incident may involve several offenses." in b["message"]
    got = _nibrs(engine, "nibrs_title.csv").set_index(["crimes_against", "offense_category"])
    assert set(got["year"]) == {2021}
    assert got.loc[("total", ""), ["incidents", "offenses", "victims", "known_offenders"]].tolist() == \
        [6198089, 7053087, 7480519, 5495669]
    assert got.loc[("persons", "Assault Offenses"), "offenses"] == 2300000  # footnote digit "5" dropped from the name
    assert got.loc[("property", "Robbery"), "victims"] == 110000


def test_nibrs_table_without_a_year_needs_year_option(cli, db_url, engine, tmp_path, loaded):
    path = place(tmp_path, "nibrs_table.csv")
    assert_rejected(etl(cli, db_url, path), path, "cannot tell which year", "use --year")
    assert snapshot(engine) == loaded
    result = etl(cli, db_url, path, "--year", "2020")
    assert result.exit_code == 0, result.output
    assert counts(result.output, "nibrs_table.csv") == (8, 6, 0, 0)
    assert batch(engine, "nibrs_table.csv")["data_year"] == 2020
    assert set(_nibrs(engine, "nibrs_table.csv")["year"]) == {2020}
    # the same bytes with another --year are not "unchanged": the table is now for 2019
    again = etl(cli, db_url, path, "--year", "2019")
    assert summary_row(again.output, "nibrs_table.csv")["status"] == "replaced"
    assert set(_nibrs(engine, "nibrs_table.csv")["year"]) == {2019}


def test_nibrs_year_that_contradicts_the_title_is_a_usage_error(cli, db_url, engine, tmp_path, loaded):
    path = place(tmp_path, "nibrs_title.csv")
    result = etl(cli, db_url, path, "--year", "2022")
    assert result.exit_code == 2, result.output
    assert "--year 2022 contradicts the year the file's title states (2021)" in result.output
    assert "--force-year" in result.output
    assert snapshot(engine) == loaded  # nothing replaced
    forced = etl(cli, db_url, path, "--year", "2022", "--force-year")
    assert forced.exit_code == 0, forced.output
    assert "--year 2022 used with --force-year; the file's title says 2021" in forced.output
    assert batch(engine, "nibrs_title.csv")["data_year"] == 2022
    same = etl(cli, db_url, place(tmp_path, "nibrs_title.csv", "other_name.csv"), "--year", "2021")
    assert same.exit_code == 0, same.output  # the year the file states is no contradiction


def test_force_year_needs_year(cli, db_url, engine, tmp_path, loaded):
    result = cli("etl", place(tmp_path, "nibrs_title.csv"), "--db", db_url, "--force-year")
    assert result.exit_code == 2 and "--force-year needs --year" in result.output
    assert snapshot(engine) == loaded


def test_nibrs_xlsx_with_line_breaks_in_headers_and_a_bad_number(cli, db_url, engine, tmp_path):
    import openpyxl

    path = tmp_path / "fbi.xlsx"
    wb = openpyxl.Workbook()
    for row in (["Incidents, Offenses, Victims, and Known Offenders by Offense Category, 2019"], [],
                ["Offense Category", "Number of\nIncidents1", "Number of\nOffenses2", "Number of\nVictims",
                 "Number of Known\nOffenders"],
                ["Total", 100, 120, 130, 90], ["Crimes Against Persons", 50, 60, 70, 40],
                ["Assault Offenses3", 50, "6O", 70, 40], ["Homicide Offenses", 1, "-", 1, 1],
                ["Crimes Against Property", 50, "60", "60", 50], ["1 Footnote text."]):
        wb.active.append(row)
    wb.save(path)
    result = etl(cli, db_url, path)
    assert result.exit_code == 0, result.output
    assert all_counts(result.output, "fbi.xlsx") == (6, 3, 0, 2, 1, 0)
    assert batch(engine, "fbi.xlsx")["data_year"] == 2019
    assert reasons_by_id(engine, "fbi.xlsx", "Offense Category") == {
        "Assault Offenses3": ["offenses: '6O' is not a whole number"],  # one reason: it is not blank
        "Homicide Offenses": ["offenses: is blank (required)"]}
    got = _nibrs(engine, "fbi.xlsx").set_index("crimes_against")
    assert got.loc["total", "offenses"] == 120 and got.loc["property", "victims"] == 60


# ---------------------------------------------------------------- one transaction per file

def test_error_in_the_middle_of_a_load_leaves_the_database_unchanged(cli, db_url, engine, tmp_path, loaded,
                                                                     monkeypatch):
    from etl import load as etl_load

    seen = {}

    def explode(conn, batch_id, quarantine):  # noqa: ANN001 - runs right after the incidents were inserted
        seen["incidents"] = conn.execute(sa.text("SELECT COUNT(*) FROM incident WHERE batch_id = :b"),
                                         {"b": batch_id}).scalar_one()
        raise RuntimeError("simulated failure after the incidents were written")

    monkeypatch.setattr(etl_load, "_write_quarantine", explode)
    path = place(tmp_path, "jsa_rows.csv")
    result = etl(cli, db_url, path)
    assert seen["incidents"] > 0  # the failure really came after rows were in the table
    assert result.exit_code == 1
    assert "simulated failure after the incidents were written" in result.output
    assert snapshot(engine) == loaded
    monkeypatch.undo()
    retry = etl(cli, db_url, path)  # and the database is still usable
    assert counts(retry.output, "jsa_rows.csv") == (23, 10, 1, 12)


def _write_big_jsa(path: Path, n: int) -> pd.DataFrame:
    """n JSA rows: ISO and US dates, blank losses, every 1000th crime type unknown, the last 500 rows
    exact copies of the first 500."""
    rng = np.random.default_rng(7)
    day = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 2900, n), unit="D")
    i = np.arange(n)
    frame = pd.DataFrame({
        "date": np.where(i % 3 == 0, day.strftime("%m/%d/%Y"), day.strftime("%Y-%m-%d")),
        "city": np.array(["Houston", "Toronto", "Chicago", "Miami"])[i % 4],
        "state": np.array(["TX", "ON", "IL", "FL"])[i % 4],
        "crime_type": np.where(i % 1000 == 999, "jaywalking",
                               np.array(["robbery", "burglary", "theft", "smash and grab", "grab and run"])[i % 5]),
        "loss_usd": np.where(i % 7 == 0, "", (rng.integers(0, 250_000, n)).astype(str)),
        "injured": rng.integers(0, 3, n),
        "record_id": np.char.add("R", i.astype(str)),
    })
    frame.iloc[n - 500:] = frame.iloc[:500].to_numpy()
    frame.to_csv(path, index=False)
    return frame


# The real `jewelcrime etl`, stopped at a fixed point: just before it commits the load, with every row written in
# the open transaction. A small page cache makes SQLite spill that transaction's pages to the WAL, as a big
# file does; the child writes the WAL's size to a file and waits there to be killed.
_STOP_BEFORE_COMMIT = """
import sys, time
from pathlib import Path
import sqlalchemy as sa
from etl import bulk

flag, wal, before = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
assert hasattr(bulk, "LOAD_CACHE_KB"), "etl.bulk.LOAD_CACHE_KB is gone: mend this test's page-cache setting"
bulk.LOAD_CACHE_KB = 1024


@sa.event.listens_for(sa.engine.Engine, "begin")
def small_cache(conn):
    conn.exec_driver_sql("PRAGMA main.cache_size=-1024")


@sa.event.listens_for(sa.engine.Engine, "commit")
def stop(conn):
    if conn.exec_driver_sql("SELECT COUNT(*) FROM main.incident").scalar_one() > before:
        flag.write_text(str(wal.stat().st_size if wal.exists() else 0))
        time.sleep(600)


sys.argv = ["jewelcrime", *sys.argv[4:]]
from dashboard.cli import main
main()
"""


def test_killed_process_leaves_the_database_as_before(db_url, engine, tmp_path, loaded, cli):
    big = tmp_path / "big.csv"
    _write_big_jsa(big, 60_000)
    engine.dispose()  # checkpoint: the WAL now only grows when the child writes
    wal = Path(f"{sqlite_path(db_url)}-wal")
    start = wal.stat().st_size if wal.exists() else 0
    flag, log = tmp_path / "stopped", tmp_path / "child.log"
    with open(log, "w") as out:
        child = subprocess.Popen([sys.executable, "-c", _STOP_BEFORE_COMMIT, str(flag), str(wal),
                                  str(len(loaded["incident"])), "etl", str(big), "--db", db_url],
                                 stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 600
        while not flag.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert flag.exists(), f"the load never reached its commit:\n{log.read_text()[-3000:]}"
        time.sleep(0.2)  # the size is written; the child is asleep before COMMIT
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    assert int(flag.read_text()) > start + (1 << 20)  # the open transaction's pages were on disk when killed
    with sqlite3.connect(sqlite_path(db_url)) as con:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    engine.dispose()
    assert snapshot(engine) == loaded
    small = place(tmp_path, "mixed_dates.csv")  # still usable after the crash
    assert counts(etl(cli, db_url, small).output, "mixed_dates.csv") == (5, 5, 0, 0)


@pytest.mark.slow
def test_a_million_rows_load_with_exact_counts(cli, db_url, engine, tmp_path):
    path = tmp_path / "million.csv"
    frame = _write_big_jsa(path, 1_000_000)
    dups = int(frame.duplicated().sum())
    bad = int((frame["crime_type"] == "jaywalking").sum())
    assert (dups, bad) == (500, 999)
    result = etl(cli, db_url, path)
    assert result.exit_code == 0, result.output
    assert counts(result.output, "million.csv") == (1_000_000, 998_501, 500, 999)
    b = batch(engine, "million.csv")
    assert (b["rows_in"], b["loaded"], b["duplicates"], b["quarantined"]) == (1_000_000, 998_501, 500, 999)
    good = frame.drop_duplicates()
    good = good[good["crime_type"] != "jaywalking"]
    years = pd.to_datetime(good["date"], format="mixed").dt.year.value_counts().sort_index()
    with engine.connect() as conn:
        got = dict(conn.execute(sa.text("SELECT year, COUNT(*) FROM incident WHERE batch_id = :b GROUP BY year"),
                                {"b": b["batch_id"]}).all())
        blank_loss = conn.execute(sa.text("SELECT COUNT(*) FROM incident WHERE batch_id = :b AND loss_usd IS NULL"),
                                  {"b": b["batch_id"]}).scalar_one()
        quarantined = conn.execute(sa.text("SELECT COUNT(*) FROM quarantine WHERE batch_id = :b"),
                                   {"b": b["batch_id"]}).scalar_one()
    assert got == years.to_dict()
    assert blank_loss == int((good["loss_usd"] == "").sum())
    assert quarantined == 999
