"""Bad-input corpus, part 1: file problems.

The promise: a file that cannot be loaded is rejected whole, with ONE clear
message naming the file and the problem, exit code 1, no traceback, and the
database exactly as it was. Row problems are in test_bad_inputs_rows.py;
reloads, replacement, transactions, a killed process and a million rows in
test_bad_inputs_loads.py. The helpers here are shared by all three.
"""
from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from tests.conftest import snapshot, table_counts

BAD = Path(__file__).parent / "fixtures" / "bad"

# one row of the load summary table:
# file | format | status | rows in | loaded | duplicates | quarantined | skipped | filtered out
_NUMBERS = ("rows_in", "loaded", "duplicates", "quarantined", "skipped", "filtered")
_SUMMARY_ROW = re.compile(r"^[│|]\s*(?P<file>\S+)\s*[│|]\s*(?P<format>\S+)\s*[│|]\s*(?P<status>\S+)\s*[│|]"
                          + "".join(rf"\s*(?P<{n}>[\d,]+)\s*[│|]" for n in _NUMBERS) + r"\s*$")


# ---------------------------------------------------------------- helpers (shared)

def etl(cli, db_url: str, *args):  # noqa: ANN001, ANN201
    """`jewelcrime etl ARGS --db URL` in-process; never a traceback, whatever happens."""
    result = cli("etl", *args, "--db", db_url)
    assert "Traceback" not in result.output, result.output
    return result


def summary(output: str) -> dict[str, dict]:
    """The load summary table as {file name: {format, status, rows_in, loaded, duplicates, quarantined}}."""
    rows = {}
    for line in output.splitlines():
        m = _SUMMARY_ROW.match(line.strip())
        if m and m["file"] != "file":
            d = m.groupdict()
            name = d.pop("file")
            rows[name] = {k: (v if k in ("format", "status") else int(v.replace(",", ""))) for k, v in d.items()}
    return rows


def summary_row(output: str, name: str) -> dict:
    """One file's row of the summary (the 80-column table may shorten a long name to 'semicolons…')."""
    rows = summary(output)
    if name in rows:
        return rows[name]
    hits = [v for k, v in rows.items() if k.endswith("…") and name.startswith(k[:-1])]
    assert len(hits) == 1, f"{name} not (uniquely) in the summary:\n{output}"
    return hits[0]


def counts(output: str, name: str) -> tuple[int, int, int, int]:
    """(rows in, loaded, duplicates, quarantined) of one file in the summary, checking that every row is
    accounted for (rows in = loaded + duplicates + quarantined + skipped + filtered out)."""
    row = summary_row(output, name)
    got = (row["rows_in"], row["loaded"], row["duplicates"], row["quarantined"])
    rest = row["skipped"] + row["filtered"]
    assert got[0] == sum(got[1:]) + rest, f"{name}: rows in {got[0]} != {got[1:]} + skipped/filtered {rest}"
    return got


def all_counts(output: str, name: str) -> tuple[int, ...]:
    """(rows in, loaded, duplicates, quarantined, skipped, filtered out), checked to add up."""
    counts(output, name)
    row = summary_row(output, name)
    return tuple(row[n] for n in _NUMBERS)


def batch(engine: sa.Engine, name: str) -> dict:
    """The current load_batch row of a file (the per-file record the database keeps)."""
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM load_batch WHERE file_name = :n AND is_current ORDER BY batch_id DESC"),
                           {"n": name}).mappings().first()
    assert row is not None, f"no current batch for {name}"
    return dict(row)


def reasons_by_id(engine: sa.Engine, name: str, id_column: str = "record_id") -> dict[str, list[str]]:
    """Quarantined rows of a file: the row's id (from its raw JSON) -> every reason, from the quarantine table."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT q.row_number, q.raw, q.reasons FROM quarantine q JOIN load_batch b ON b.batch_id = q.batch_id "
            "WHERE b.file_name = :n AND b.is_current ORDER BY q.row_number"), {"n": name}).all()
    out = {}
    for number, raw, reasons in rows:
        data = json.loads(raw)
        key = data.get(id_column) or f"row {number}"
        out[key] = json.loads(reasons)
    return out


def quarantine_export(cli, db_url: str, tmp_path: Path) -> pd.DataFrame:  # noqa: ANN001
    """`jewelcrime quarantine --csv FILE`, read back."""
    target = tmp_path / "quarantine_export.csv"
    result = cli("quarantine", "--db", db_url, "--csv", target)
    assert result.exit_code == 0, result.output
    return pd.read_csv(target, dtype="str", keep_default_na=False)


def incidents(engine: sa.Engine, name: str) -> pd.DataFrame:
    """The incident rows a file's current batch loaded."""
    with engine.connect() as conn:
        return pd.read_sql_query(sa.text(
            "SELECT i.* FROM incident i JOIN load_batch b ON b.batch_id = i.batch_id "
            "WHERE b.file_name = :n AND b.is_current ORDER BY i.row_number"), conn, params={"n": name})


def place(tmp_path: Path, name: str, new_name: str | None = None) -> Path:
    target = tmp_path / (new_name or name)
    shutil.copy(BAD / name, target)
    return target


@pytest.fixture
def loaded(cli, db_url: str, engine: sa.Engine, tmp_path: Path):  # noqa: ANN001, ANN201
    """A database that already holds a good JSA file; returns its full snapshot."""
    good = place(tmp_path, "good_jsa.csv")
    result = etl(cli, db_url, good)
    assert result.exit_code == 0, result.output
    assert counts(result.output, "good_jsa.csv") == (3, 3, 0, 0)
    return snapshot(engine)


def assert_rejected(result, path: Path, *fragments: str) -> str:  # noqa: ANN001
    """Exit 1 and ONE 'rejected <file>: <problem>' line containing every fragment; returns the problem."""
    assert result.exit_code == 1, result.output
    lines = [ln for ln in result.output.splitlines() if ln.startswith("rejected ")]
    assert len(lines) == 1, result.output
    prefix = f"rejected {path}: "
    assert lines[0].startswith(prefix), lines[0]
    problem = lines[0][len(prefix):]
    for fragment in fragments:
        assert fragment in problem, f"{fragment!r} not in {problem!r}"
    row = summary_row(result.output, path.name)
    assert (row["status"], *(row[n] for n in _NUMBERS)) == ("rejected", 0, 0, 0, 0, 0, 0)
    return problem


# ---------------------------------------------------------------- file problems

def _zip_named_csv(p: Path) -> None:
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("incidents.csv", "date,state,crime_type\n2022-01-01,TX,robbery\n")


def _xlsx(*rows: list) -> callable:
    def make(p: Path) -> None:
        import openpyxl

        wb = openpyxl.Workbook()
        for row in rows:
            wb.active.append(row)
        wb.save(p)
    return make


MAKERS = {
    "empty.csv": lambda p: p.write_bytes(b""),
    "garbage.csv": lambda p: p.write_bytes(bytes(range(256)) * 40),
    "report.pdf": lambda p: p.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"),
    "report.csv": lambda p: p.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"),
    "data.json": lambda p: p.write_text('[{"date": "2022-01-01", "state": "TX", "crime_type": "robbery"}]'),
    "old.xls": lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504),
    "zipped.csv": _zip_named_csv,
    "text.xlsx": lambda p: p.write_text("date,state,crime_type\n2022-01-01,TX,robbery\n"),
    "notbook.xlsx": _zip_named_csv,
    "unicode.csv": lambda p: p.write_bytes("date,state,crime_type\n2022-01-01,TX,robbery\n".encode("utf-16")),
    "emptybook.xlsx": _xlsx(),
    "hdronly.xlsx": _xlsx(["Date", "State", "Crime Type"]),
    "dupbook.xlsx": _xlsx(["Date", "State", "Crime Type", "state"], ["2022-01-01", "TX", "robbery", "TX"]),
}

# file name -> fragments the one message must contain
FILE_PROBLEMS = {
    "empty.csv": ("file is empty (0 bytes)",),
    "garbage.csv": ("binary data", "expected a CSV"),
    "report.pdf": ("is a PDF, not a CSV or XLSX file",),
    "report.csv": ("is a PDF",),
    "data.json": ("file type '.json' is not supported", "expected .csv or .xlsx"),
    "old.xls": ("old Excel 97-2003 (.xls)", "save it as .xlsx or .csv"),
    "zipped.csv": ("has a .csv name but is a ZIP/XLSX file",),
    "text.xlsx": ("has a .xlsx name but is not an XLSX workbook",),
    "notbook.xlsx": ("is not a readable XLSX workbook",),
    "unicode.csv": ("UTF-16",),
    "emptybook.xlsx": ("no header row and no data",),
    "hdronly.xlsx": ("has a header row (row 1) but no data rows",),
    "dupbook.xlsx": ("duplicate column name 'state' (columns 2 and 4)",),
    "missing.csv": ("file not found",),
    "header_only.csv": ("has a header row", "no data rows"),
    "blank_lines.csv": ("only blank lines",),
    "semicolons.csv": ("separated by semicolons, not commas",),
    "tabs.csv": ("separated by tabs, not commas",),
    "dup_columns.csv": ("duplicate column name 'City'", "columns 2 and 6"),
    "state_province.csv": ("columns 'State' and 'Province' both give 'region'", "keep only one"),
    "crime_typ.csv": ("missing required column 'crime_type'", "found: 'Date', 'State', 'Crime Typ', 'Loss'",
                      "closest match in the file: 'Crime Typ'", "--map"),
}


@pytest.mark.parametrize("name", sorted(FILE_PROBLEMS))
def test_file_problem_rejects_whole_file_and_leaves_database_unchanged(name, cli, db_url, engine, tmp_path, loaded):
    path = tmp_path / name
    if name in MAKERS:
        MAKERS[name](path)
    elif name != "missing.csv":
        place(tmp_path, name)
    result = etl(cli, db_url, path)
    assert_rejected(result, path, *FILE_PROBLEMS[name])
    assert snapshot(engine) == loaded


def test_near_miss_header_names_found_expected_and_closest(cli, db_url, engine, tmp_path, loaded):
    path = place(tmp_path, "crime_typ.csv")
    problem = assert_rejected(etl(cli, db_url, path), path)
    # what it looks like, then what is missing: the canonical name and every spelling accepted for it
    assert problem.startswith("the header looks most like a JSA-style incident list, but missing required column "
                              "'crime_type' (accepted: 'crime_type', 'crime', ")
    from etl.formats import jsa
    spellings = next(c for c in jsa.COLUMNS if c.name == "crime_type").spellings
    assert all(f"'{s}'" in problem for s in spellings)
    # the near miss is named once, not twice
    assert problem.count("Crime Typ'") == 2  # once in "found", once as the closest match
    assert snapshot(engine) == loaded


def test_a_rejected_file_does_not_stop_the_good_ones(cli, db_url, engine, tmp_path, loaded):
    before = table_counts(engine)
    bad = place(tmp_path, "semicolons.csv")
    good = place(tmp_path, "mixed_dates.csv", "dates.csv")
    result = etl(cli, db_url, bad, good)
    assert result.exit_code == 1
    assert summary_row(result.output, "semicolons.csv")["status"] == "rejected"
    assert counts(result.output, "dates.csv") == (5, 5, 0, 0)
    after = table_counts(engine)
    assert after["incident"] == before["incident"] + 5
    assert after["load_batch"] == before["load_batch"] + 1  # the rejected file left no batch behind


def test_directory_path_is_rejected_by_the_pipeline(engine, tmp_path, loaded):
    from etl.pipeline import load_file

    folder = tmp_path / "x.csv"
    folder.mkdir()
    result = load_file(engine, folder, "jsa")
    assert (result.status, result.message) == ("rejected", "is a folder, not a file")
    assert snapshot(engine) == loaded


def test_directory_named_like_a_csv_is_rejected_by_the_cli(cli, db_url, engine, tmp_path, loaded):
    folder = tmp_path / "x.csv"
    folder.mkdir()
    result = etl(cli, db_url, folder)
    assert result.exit_code == 1
    assert "x.csv" in result.output
    assert snapshot(engine) == loaded


def test_unknown_layout_says_use_format(cli, db_url, engine, tmp_path, loaded):
    path = tmp_path / "colours.csv"
    path.write_text("colour,size,weight\nred,1,2\n")
    problem = assert_rejected(etl(cli, db_url, path), path, "cannot tell the format", "first row: 'colour', 'size', "
                              "'weight'", "JSA-style incident list (date, region, crime_type)", "--map MAPPING")
    from etl.formats import DETECTABLE
    assert f"use --format {'|'.join(DETECTABLE)}," in problem  # every format the registry can detect
    assert snapshot(engine) == loaded


def test_format_nonsense_is_a_usage_error(cli, db_url, engine, tmp_path, loaded):
    path = place(tmp_path, "mixed_dates.csv")
    result = cli("etl", path, "--db", db_url, "--format", "nonsense")
    assert result.exit_code == 2
    assert "nonsense" in result.output and "--format" in result.output
    assert "Traceback" not in result.output
    assert snapshot(engine) == loaded


def test_forced_format_with_wrong_columns_says_found_and_expected(cli, db_url, engine, tmp_path, loaded):
    path = place(tmp_path, "jm_claims.csv")
    assert_rejected(etl(cli, db_url, path, "--format", "nibrs"), path, "no header row with recognised column names",
                    "first row has: 'Claim Number', 'Loss Date'", "expected columns such as offense_category, offenses")
    assert snapshot(engine) == loaded


@pytest.mark.parametrize("kind", ["missing", "folder"])
def test_unreadable_path_with_forced_format_is_rejected_not_a_crash(kind, cli, db_url, engine, tmp_path, loaded):
    path = tmp_path / "gone.csv"
    if kind == "folder":
        path.mkdir()
    result = etl(cli, db_url, path, "--format", "jsa")
    # the CLI looks inside a folder for files to load; the pipeline's own refusal of a folder passed as a file
    # is test_directory_path_is_rejected_by_the_pipeline
    problem = "is a folder with no CSV or XLSX files in it" if kind == "folder" else "file not found"
    assert_rejected(result, path, problem)
    assert snapshot(engine) == loaded


def test_csv_with_old_mac_line_endings_loads(cli, db_url, engine, tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes(b"date,state,crime_type,loss_usd\r2022-01-01,TX,robbery,100\r2022-01-02,TX,theft,\r")
    result = etl(cli, db_url, path)
    assert result.exit_code == 0, result.output
    assert counts(result.output, "mac.csv") == (2, 2, 0, 0)
    assert incidents(engine, "mac.csv")["occurred_on"].tolist() == ["2022-01-01", "2022-01-02"]


def test_header_then_only_blank_lines_is_rejected(cli, db_url, engine, tmp_path, loaded):
    path = tmp_path / "hollow.csv"
    path.write_text("date,state,crime_type\n\n,,\n\n")
    assert_rejected(etl(cli, db_url, path), path, "no data rows")
    assert snapshot(engine) == loaded
