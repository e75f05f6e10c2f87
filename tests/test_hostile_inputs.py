"""Hostile input files: judged in bounded time and size, through the real command line.

A cell of megabytes, a header of 10,000 made-up columns, a line of 200 MB, a
FIFO, a device or a socket each get one short 'rejected <file>: <problem>'
line and exit code 1, and the database keeps exactly what it had (row counts
and load history). Nothing here is timed: a subprocess timeout only turns a
hang into a failure instead of a stuck run.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import snapshot, table_counts
from test_bad_inputs import assert_rejected, etl, loaded  # noqa: F401 - fixture

PROJECT = Path(__file__).resolve().parents[1]
MAX_MESSAGE = 2500  # characters: a message lists at most 20 problems, each cell quoted cut short


def history(engine: sa.Engine) -> list[tuple]:
    """Every load batch ever recorded, in order: the load history a rejected file must not touch."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text("SELECT * FROM load_batch ORDER BY batch_id")).all()]


def unchanged(engine: sa.Engine, before: dict, counts: dict, batches: list[tuple]) -> None:
    assert table_counts(engine) == counts
    assert history(engine) == batches
    assert snapshot(engine) == before


@pytest.fixture
def state(engine: sa.Engine, loaded):  # noqa: ANN001, ANN201, F811 - the database before the hostile file
    return loaded, table_counts(engine), history(engine)


def _cli_subprocess(db_url: str, *paths: Path) -> subprocess.CompletedProcess:
    """`jewelcrime etl PATH ...` in its own process: a read that blocks fails the test at the timeout."""
    return subprocess.run([sys.executable, "-m", "dashboard.cli", "etl", *map(str, paths), "--db", db_url], cwd=PROJECT,
                          capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)


# ---------------------------------------------------------------- huge cells and long lines

def test_ten_megabyte_single_cell_line_is_rejected_by_its_first_megabyte(cli, db_url, engine, tmp_path, state):
    path = tmp_path / "one_cell.csv"
    path.write_text('"' + "x" * 10_000_000 + '"\n', encoding="utf-8")
    problem = assert_rejected(etl(cli, db_url, path), path, "has no line break in its first 1 MB",
                              "is this a CSV table?")
    assert len(problem) < 300 and "xxxxxxxxxx" not in problem
    unchanged(engine, *state)


def test_long_header_cell_is_never_compared_and_is_quoted_short(cli, db_url, engine, tmp_path, state):
    # 500 KB: under the line limit, so the header is read, but no column name is compared with this cell
    path = tmp_path / "long_header.csv"
    path.write_text("State of " + "the " * 125_000 + ",Foo,Bar\n2022-01-01,TX\n", encoding="utf-8")
    problem = assert_rejected(etl(cli, db_url, path), path, "cannot tell the format from the header",
                              "first row: 'State of the the", "...', 'Foo', 'Bar'")
    assert len(problem) < MAX_MESSAGE, len(problem)
    unchanged(engine, *state)


def test_two_hundred_megabyte_single_line_is_rejected(cli, db_url, engine, tmp_path, state):
    path = tmp_path / "endless.csv"
    block = b"y" * (1 << 24)
    with path.open("wb") as fh:  # large writes: 200 MB in a fraction of a second
        for _ in range(200_000_000 // len(block)):
            fh.write(block)
        fh.write(b"y" * (200_000_000 % len(block)))
    try:
        assert path.stat().st_size == 200_000_000
        problem = assert_rejected(etl(cli, db_url, path), path, "has no line break in its first 1 MB")
        assert len(problem) < 300
    finally:
        path.unlink()
    unchanged(engine, *state)


# ---------------------------------------------------------------- 10,000 columns

def test_ten_thousand_unknown_columns_name_twelve_and_count_the_rest(cli, db_url, engine, tmp_path, state):
    path = tmp_path / "wide.csv"
    header = [f"mystery column {i}" for i in range(10_000)]
    path.write_text(",".join(header) + "\n" + ",".join(f"value {i}" for i in range(10_000)) + "\n", encoding="utf-8")
    problem = assert_rejected(etl(cli, db_url, path), path, "cannot tell the format from the header",
                              "'mystery column 0', 'mystery column 1'", "'mystery column 11' and 9988 more)")
    assert "'mystery column 12'" not in problem
    assert len(problem) < MAX_MESSAGE, len(problem)
    unchanged(engine, *state)


def test_ten_thousand_columns_list_twenty_problems_and_how_many_more(cli, db_url, engine, tmp_path, state):
    # the JSA columns, then 49 more 'Date' columns (each one problem) and 9,948 made-up ones
    path = tmp_path / "wide_jsa.csv"
    header = ["date", "state", "crime_type"] + ["Date"] * 49 + [f"extra {i}" for i in range(9_948)]
    assert len(header) == 10_000
    path.write_text(",".join(header) + "\n" + ",".join(["2022-01-01", "TX", "robbery"] + ["1"] * 9_997) + "\n",
                    encoding="utf-8")
    problem = assert_rejected(etl(cli, db_url, path, "--format", "jsa"), path,
                              "duplicate column name 'Date' (columns 1 and 4); keep only one",
                              "duplicate column name 'Date' (columns 1 and 23); keep only one",
                              "; and 29 more problems; ")
    assert problem.count("duplicate column name") == 20
    assert "(columns 1 and 24)" not in problem
    assert len(problem) < MAX_MESSAGE, len(problem)
    unchanged(engine, *state)


def test_missing_column_among_ten_thousand_lists_twenty_found(cli, db_url, engine, tmp_path, state):
    path = tmp_path / "wide_missing.csv"
    header = ["date", "state"] + [f"extra {i}" for i in range(9_998)]
    path.write_text(",".join(header) + "\n" + ",".join(["2022-01-01", "TX"] + ["1"] * 9_998) + "\n", encoding="utf-8")
    problem = assert_rejected(etl(cli, db_url, path, "--format", "jsa"), path, "missing required column 'crime_type'",
                              "found: 'date', 'state', 'extra 0'", "'extra 17' and 9980 more")
    assert "'extra 18'" not in problem
    assert len(problem) < MAX_MESSAGE, len(problem)
    unchanged(engine, *state)


# ---------------------------------------------------------------- not regular files

def test_fifo_device_and_socket_are_refused_unopened_and_a_good_file_still_loads(db_url, engine, tmp_path, state):
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)  # nobody ever writes to it: opening it for reading would wait forever
    zeros = tmp_path / "zeros.csv"
    zeros.symlink_to("/dev/zero")  # endless bytes behind a harmless name
    sock = tmp_path / "listen.csv"
    good = tmp_path / "more_jsa.csv"
    good.write_text("date,state,crime_type\n2022-05-01,TX,robbery\n", encoding="utf-8")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(sock))
        # one process for all of them (starting one costs seconds); a blocking read fails at the timeout
        result = _cli_subprocess(db_url, pipe, zeros, Path("/dev/zero"), sock, good)
    finally:
        server.close()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    rejected = [ln for ln in result.stdout.splitlines() if ln.startswith("rejected ")]
    assert rejected == [
        f"rejected {pipe}: is a named pipe (FIFO), not a regular file; only CSV and XLSX files are read (copy its "
        "contents into a file first)",
        f"rejected {zeros}: is a character device, not a regular file; only CSV and XLSX files are read (copy its "
        "contents into a file first)",
        "rejected /dev/zero: is a character device, not a regular file; only CSV and XLSX files are read (copy its "
        "contents into a file first)",
        f"rejected {sock}: is a socket, not a regular file; only CSV and XLSX files are read (copy its contents into "
        "a file first)",
    ], result.stdout
    # the good file after them loaded as one new batch; nothing else changed
    assert history(engine)[:-1] == state[2]
    with engine.connect() as conn:
        last = conn.execute(sa.text("SELECT file_name, rows_in, quarantined FROM load_batch "
                                    "ORDER BY batch_id DESC")).first()
    assert tuple(last) == ("more_jsa.csv", 1, 0)
    assert table_counts(engine)["incident"] == state[1]["incident"] + 1


def test_socket_is_refused_in_process(cli, db_url, engine, tmp_path, state):
    path = tmp_path / "listen.csv"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
        problem = assert_rejected(etl(cli, db_url, path), path, "is a socket, not a regular file")
    finally:
        server.close()
    assert len(problem) < 300
    unchanged(engine, *state)
