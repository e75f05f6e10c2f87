"""`jewelcrime etl --rebuild` killed at any moment leaves the old database or the complete new one, never a mix.

The rebuild runs as a user runs it (the installed command, in a subprocess) and is killed with SIGKILL at
seeded random points from its start to its end, plus two chosen moments (as soon as its build appears, just
after the swap). After every kill the database must equal the old one or a fresh build exactly (every table's
rows, a checksum of their content) and `jewelcrime figures` must give the old or the new figures.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest
import sqlalchemy as sa

from etl import rebuild, schema
from etl.config import make_engine
from tests.conftest import FIXTURES

OLD_FILE = FIXTURES / "figures" / "jsa_known.csv"  # the database before the rebuild: small and distinct
EXTRA = ["--map", "lapd"]  # a file named after --rebuild is loaded after the bundled ones
VOLATILE = {"started_at", "finished_at"}  # load times: the only columns a rebuild may not reproduce
SEED = 20261202


def extra_file(tmp_path: Path) -> Path:
    path = tmp_path / "lapd.csv"
    shutil.copy(FIXTURES / "mapped" / "lapd_crime_data_sample.csv", path)
    return path


def command() -> list[str]:
    script = Path(sys.executable).with_name("jewelcrime")  # the installed command, as a user runs it
    return [str(script)] if script.exists() else [sys.executable, "-m", "dashboard.launch"]


def signature(url: str) -> dict[str, tuple[int, str]]:
    """Every table's row count and a checksum of its rows (load times left out), from a fresh connection."""
    engine = make_engine(url)
    engine.dispose()  # pooled connections may still read a file that was replaced
    with engine.connect() as conn:
        found = {}
        for name in sorted(sa.inspect(conn).get_table_names()):
            result = conn.execute(sa.text(f'SELECT * FROM "{name}"'))
            keep = [i for i, key in enumerate(result.keys()) if key not in VOLATILE]
            rows = sorted(repr(tuple(row[i] for i in keep)) for row in result)
            digest = hashlib.sha256(repr([k for k in result.keys() if k not in VOLATILE]).encode())
            digest.update("\n".join(rows).encode())
            found[name] = (len(rows), digest.hexdigest())
    engine.dispose()
    return found


def figures(cli, url: str) -> list[dict]:  # noqa: ANN001
    make_engine(url).dispose()
    result = cli("figures", "--db", url, "--json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert got and all(f["value"] is not None for f in got), got
    return got


def run_until(args: list[str], kill_when: Callable[[subprocess.Popen], bool]) -> subprocess.Popen:
    """Start the command and SIGKILL it as soon as `kill_when(child)` holds (unless it ended first)."""
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while child.poll() is None and not kill_when(child):
            time.sleep(0.001)
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
        child.wait(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    child.stderr_text = child.stderr.read().decode(errors="replace")  # type: ignore[attr-defined]
    child.stderr.close()
    return child


def after(seconds: float) -> Callable[[subprocess.Popen], bool]:
    started = time.monotonic()
    return lambda _child: time.monotonic() - started >= seconds


def kill_plan(rng: random.Random, timed: int) -> list[float]:
    """Fractions of a full run, one in each of `timed` equal slices from the start to near the end."""
    return [(k + rng.random()) / timed * 0.97 for k in range(timed)]


def test_sqlite_rebuild_killed_at_random_points_leaves_old_or_new(cli, tmp_path):
    target = tmp_path / "jc.sqlite"
    url = f"sqlite:///{target}"
    assert cli("etl", OLD_FILE, "--db", url).exit_code == 0
    old, old_figures = signature(url), figures(cli, url)
    saved = tmp_path / "old.sqlite"
    shutil.copy(target, saved)  # disposed above: everything is in the main file
    extra = extra_file(tmp_path)

    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    started = time.monotonic()
    assert cli("etl", "--db", fresh).exit_code == 0
    assert cli("etl", extra, *EXTRA, "--db", fresh).exit_code == 0
    full_run = (time.monotonic() - started) * 1.2 + 2.0  # plus the command's start-up
    new, new_figures = signature(fresh), figures(cli, fresh)
    assert new != old

    def restore() -> None:
        make_engine(url).dispose()
        for path in (target, *(target.with_name(target.name + s) for s in ("-wal", "-shm"))):
            path.unlink(missing_ok=True)
        shutil.copy(saved, target)

    args = [*command(), "etl", "--rebuild", str(extra), *EXTRA, "--db", url]

    def build_of(child: subprocess.Popen) -> Path:
        return rebuild.build_path(target, child.pid)

    def appeared(child: subprocess.Popen) -> bool:
        return build_of(child).exists()

    seen: set[int] = set()

    def swapped(child: subprocess.Popen) -> bool:  # its build file existed and has been renamed over the target
        if build_of(child).exists():
            seen.add(child.pid)
            return False
        return child.pid in seen

    rng = random.Random(SEED)
    plan = [appeared, *(after(f * full_run) for f in kill_plan(rng, 6)), swapped]
    kills, outcomes, left = 0, [], set()
    while plan:
        child = run_until(args, plan.pop(0))
        if child.returncode == -signal.SIGKILL:
            kills += 1
        else:  # it ended before the kill: a completed rebuild, which must be the new database
            assert child.returncode == 0, child.stderr_text  # type: ignore[attr-defined]
            if len(plan) + kills < 8:
                plan.append(after(rng.uniform(0.05, 0.9) * full_run))
        with sqlite3.connect(target) as con:
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        got = signature(url)
        assert got in (old, new), f"after a kill the database is neither the old one nor the new one: {got}"
        assert figures(cli, url) == (old_figures if got == old else new_figures)
        outcomes.append("old" if got == old else "new")
        left.update(tmp_path.glob("jc.rebuild-*"))  # a killed build's files: the next rebuild removes them
        if got == new:
            restore()
    assert kills >= 8, outcomes
    assert {"old", "new"} <= set(outcomes), outcomes  # the kills fell both before and after the swap

    # a rebuild that completes, with a reader (a dashboard) holding the old file open: it gives a fresh build,
    # removes the files of the killed rebuilds, and the reader keeps its old view until it reconnects
    assert left, "no kill fell during a build: the test did not test it"
    reader = sqlite3.connect(target)
    before = reader.execute("SELECT COUNT(*) FROM incident").fetchone()[0]
    done = subprocess.run(args, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "swapped in the database rebuilt from" in done.stderr
    assert reader.execute("SELECT COUNT(*) FROM incident").fetchone()[0] == before
    reader.close()
    assert list(tmp_path.glob("jc.rebuild-*")) == [] and not any(p.exists() for p in left)
    assert not target.with_name(target.name + "-wal").exists() or target.with_name(target.name + "-wal").stat().st_size == 0
    assert signature(url) == new
    assert figures(cli, url) == new_figures


def test_sqlite_rebuild_of_an_old_schema_in_process_leaves_no_stale_engine(cli, tmp_path):
    """A database of another schema version is rebuilt, and the same process reads the rebuilt file afterwards:
    the cached engine does not keep the old file open."""
    url = f"sqlite:///{tmp_path / 'jc.sqlite'}"
    assert cli("etl", OLD_FILE, "--db", url).exit_code == 0
    engine = make_engine(url)
    with engine.begin() as conn:  # a pooled connection to the old file, left in the pool
        conn.execute(sa.text("UPDATE meta SET value = '8' WHERE key = 'schema_version'"))
    refused = cli("figures", "--db", url)
    assert refused.exit_code == 1 and "run `jewelcrime etl --rebuild`" in refused.output
    result = cli("etl", "--rebuild", "--db", url)
    assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar_one() == str(
            schema.SCHEMA_VERSION)
    with engine.connect() as conn:
        files = set(conn.execute(sa.text("SELECT file_name FROM load_batch WHERE format = 'jsa'")).scalars())
    assert files == {"jsa_incidents_2010_2024_sample.csv"}
    assert sorted(p.name for p in tmp_path.iterdir() if ".rebuild-" in p.name) == []


def test_rebuild_of_a_file_that_is_not_a_database_changes_nothing(cli, tmp_path):
    target = tmp_path / "notes.sqlite"
    target.write_text("not a database\n" * 100)
    result = cli("etl", "--rebuild", "--db", f"sqlite:///{target}")
    assert result.exit_code == 1
    assert f"cannot rebuild {target}: file is not a database; nothing was changed" in " ".join(result.output.split())
    assert target.read_text() == "not a database\n" * 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.sqlite"]


def test_leftovers_of_dead_rebuilds_go_and_live_ones_stay(tmp_path):
    target = tmp_path / "jc.sqlite"
    gone = subprocess.Popen(["true"])
    gone.wait()
    alive = subprocess.Popen(["sleep", "60"])
    try:
        dead_files = [tmp_path / f"jc.rebuild-{gone.pid}.sqlite{s}" for s in ("", "-wal", "-shm")]
        live_file = rebuild.build_path(target, alive.pid)
        other = tmp_path / "other.rebuild-1.sqlite"  # another database's: not ours to judge
        for path in (*dead_files, live_file, other):
            path.write_bytes(b"")
        removed = rebuild.remove_leftovers(target)
        assert sorted(removed) == sorted(dead_files)
        assert live_file.exists() and other.exists()
    finally:
        alive.kill()
        alive.wait()


@pytest.mark.postgres
def test_postgres_rebuild_killed_at_random_points_leaves_old_or_new(cli, pg_server, pg_url, tmp_path):
    assert cli("etl", OLD_FILE, "--db", pg_url).exit_code == 0
    old, old_figures = signature(pg_url), figures(cli, pg_url)
    extra = extra_file(tmp_path)
    fresh = pg_server.create_database(f"fresh_{os.getpid()}_{random.randrange(1 << 30)}")
    started = time.monotonic()
    assert cli("etl", "--db", fresh).exit_code == 0
    assert cli("etl", extra, *EXTRA, "--db", fresh).exit_code == 0
    full_run = (time.monotonic() - started) * 1.2 + 2.0
    new, new_figures = signature(fresh), figures(cli, fresh)
    engine = make_engine(pg_url)

    def build_schemas() -> list[str]:
        with engine.connect() as conn:
            return list(conn.execute(sa.text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'jewelcrime_rebuild_%'"))
                        .scalars())

    def settle() -> None:
        """Wait until the server has ended the killed command's session (it rolls back what it had not committed)."""
        for _ in range(600):
            with engine.connect() as conn:
                others = conn.execute(sa.text("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                                              "AND pid <> pg_backend_pid()")).scalar_one()
            if not others:
                return
            time.sleep(0.1)
        raise AssertionError("the killed rebuild's session did not end")

    args = [*command(), "etl", "--rebuild", str(extra), *EXTRA, "--db", pg_url]
    rng = random.Random(SEED)
    plan = [after(f * full_run) for f in kill_plan(rng, 4)]
    kills, outcomes = 0, []
    while plan:
        child = run_until(args, plan.pop(0))
        if child.returncode == -signal.SIGKILL:
            kills += 1
        else:
            assert child.returncode == 0, child.stderr_text  # type: ignore[attr-defined]
            if len(plan) + kills < 4:
                plan.append(after(rng.uniform(0.05, 0.9) * full_run))
        settle()
        got = signature(pg_url)
        assert got in (old, new), f"after a kill the database is neither the old one nor the new one: {got}"
        assert figures(cli, pg_url) == (old_figures if got == old else new_figures)
        outcomes.append("old" if got == old else "new")
        if got == new:  # back to the old database for the next kill
            with engine.begin() as conn:
                schema.drop_all(conn)
            assert cli("etl", OLD_FILE, "--db", pg_url).exit_code == 0
            assert signature(pg_url) == old
    assert kills >= 4, outcomes
    assert "old" in outcomes, outcomes
    assert build_schemas(), "no kill fell during a build: the test did not test it"
    done = subprocess.run(args, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert build_schemas() == []  # the killed rebuilds' schemas were dropped
    assert signature(pg_url) == new
    assert figures(cli, pg_url) == new_figures
