"""`--db` problems are one line with the right exit code; read-only databases are read, never loaded into.

Exit codes: 2 when the value itself is wrong (empty, unparseable, unknown driver, in memory); 1 when the value is
fine but the database cannot be used (not a database, no server, wrong password, read-only for a load).

Read-only for real, as root: root ignores permission bits, so the tests make files and folders immutable with
`chattr +i` (which refuses root too, and which SQLite meets as EPERM exactly like a read-only file), mount a
folder read-only in a private mount namespace (`unshare -m`, the CLI runs inside it), or open with `?mode=ro`.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from etl import staging
from etl.config import PROJECT_ROOT, make_engine
from tests.conftest import FIXTURES, Cli

DATA = FIXTURES / "claims" / "jsa_claims.csv"
JEWELCRIME = Path(sys.executable).with_name("jewelcrime")


def lines(result) -> list[str]:  # noqa: ANN001
    return [line for line in result.output.splitlines() if line.strip()]


def one_line(result, code: int) -> str:  # noqa: ANN001
    """The single line a failed command printed, after checking its exit code and that there is no traceback."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert len(lines(result)) == 1, result.output
    return lines(result)[0]


def digest(folder: Path) -> dict[str, str]:
    """Every file of a folder with its content hash: the proof that a refused load touched nothing."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A database loaded by the real ETL, closed (no -wal, -shm left), as a file to copy."""
    path = tmp_path_factory.mktemp("built") / "loaded.sqlite"
    url = f"sqlite:///{path}"
    result = Cli()("etl", DATA, "--db", url)
    assert result.exit_code == 0, result.output
    make_engine(url).dispose()  # the last connection to close checkpoints the WAL and removes -wal and -shm
    assert sorted(p.name for p in path.parent.iterdir()) == ["loaded.sqlite"]
    return path


@pytest.fixture
def expected(built: Path) -> list:
    """The figures of the loaded database, read through a plain, writable URL."""
    result = Cli()("figures", "--json", "--db", f"sqlite:///{built}")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def figures_of(cli: Cli, url: str) -> list:
    result = cli("figures", "--json", "--db", url)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(("value", "says"), [
    ("", "--db is empty"),
    ("   ", "--db is empty"),
    ("not a url", "--db 'not a url' is not a database URL"),
    ("mysql://user@localhost/crime", "unknown or unsupported database driver 'mysql'"),
    ("oracle+oracledb://scott@db/x", "unknown or unsupported database driver 'oracle+oracledb'"),
    ("sqlite://", "--db 'sqlite://' is an in-memory SQLite database"),
    ("sqlite:///:memory:", "is an in-memory SQLite database"),
    ("sqlite:///file:scratch?mode=memory&uri=true", "is an in-memory SQLite database"),
])
@pytest.mark.parametrize("command", ["figures", "etl", "quarantine"])
def test_a_wrong_value_is_a_usage_error(cli, value: str, says: str, command: str) -> None:
    line = one_line(cli(command, "--db", value), 2)
    assert line.startswith("usage error: ")
    assert says in line
    assert "sqlite:///PATH" in line or "give a file" in line  # says what would work


def test_the_password_of_an_unparseable_value_is_not_shown(cli) -> None:
    line = one_line(cli("figures", "--db", "postgresql://me:s3cret@db.example:port/crime"), 2)
    assert line.startswith("usage error: --db 'postgresql+psycopg://me:***@db.example:port/crime' is not a database URL")
    assert "s3cret" not in line


def test_a_wrong_database_url_variable_is_named(cli, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    line = one_line(cli("figures"), 2)
    assert "$DATABASE_URL 'sqlite://' is an in-memory SQLite database" in line


@pytest.mark.parametrize("command", ["figures", "etl"])
def test_a_file_that_is_not_a_database(cli, tmp_path: Path, command: str) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("these are meeting notes, not a database\n" * 200)
    before = digest(tmp_path)
    args = ("etl", DATA) if command == "etl" else (command,)
    line = one_line(cli(*args, "--db", f"sqlite:///{path}"), 1)
    assert line == f"error: cannot use the database sqlite:///{path}: file is not a database"
    assert digest(tmp_path) == before


def test_a_sqlite_uri_is_honoured_not_made_into_a_file_named_file(cli, tmp_path: Path) -> None:
    path = tmp_path / "via uri.sqlite"  # a space: the URI is percent-encoded where it must be
    result = cli("etl", DATA, "--db", f"sqlite:///file:{str(path).replace(' ', '%20')}?mode=rwc&uri=true")
    assert result.exit_code == 0, result.output
    assert path.is_file()
    assert not (PROJECT_ROOT / "file:").exists() and not Path("file:").exists()
    with make_engine(f"sqlite:///{path}").connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM incident")).scalar_one() > 0


def _refused_load(cli: Cli, url: str, folder: Path, why: str) -> None:
    """etl on a read-only database: one line naming the reason, exit 1, nothing in the folder changed."""
    before = digest(folder)
    line = one_line(cli("etl", DATA, "--db", url), 1)
    assert line.startswith("error: cannot load into sqlite:///")
    assert f"the database is read-only ({why}); nothing was changed" in line
    assert digest(folder) == before


def test_mode_ro_uri_is_served_and_refused_for_loading(cli, built: Path, expected: list, tmp_path: Path) -> None:
    path = shutil.copy(built, tmp_path / "ro.sqlite")
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    _refused_load(cli, url, tmp_path, "it was opened with mode=ro")
    assert figures_of(cli, url) == expected
    assert not (PROJECT_ROOT / "file:").exists()


@pytest.fixture
def immutable():  # noqa: ANN201
    """chattr +i on paths, undone after the test (pytest could not delete them otherwise)."""
    done: list[Path] = []

    def make(path: Path) -> None:
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            pytest.skip("chattr +i is not available on this file system")
        done.append(path)
    yield make
    for path in reversed(done):
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_a_read_only_file_is_served_and_refused_for_loading(cli, built, expected, tmp_path, immutable) -> None:
    path = shutil.copy(built, tmp_path / "locked.sqlite")
    immutable(path)
    assert not os.access(path, os.W_OK)
    url = f"sqlite:///{path}"
    _refused_load(cli, url, tmp_path, "the file is read-only")
    assert figures_of(cli, url) == expected
    assert digest(tmp_path)["locked.sqlite"] == hashlib.sha256(built.read_bytes()).hexdigest()


def test_a_read_only_folder_is_served_and_refused_for_loading(cli, built, expected, tmp_path, immutable) -> None:
    folder = tmp_path / "shelf"
    folder.mkdir()
    path = shutil.copy(built, folder / "db.sqlite")
    immutable(folder)  # the file stays writable, but no journal (-wal, -shm, -journal) can be made beside it
    url = f"sqlite:///{path}"
    _refused_load(cli, url, folder, f"its folder {folder} is read-only, so SQLite cannot make its journal")
    assert figures_of(cli, url) == expected
    assert sorted(p.name for p in folder.iterdir()) == ["db.sqlite"]


def test_a_read_only_medium_is_served_and_refused_for_loading(built, expected, tmp_path) -> None:
    folder = tmp_path / "medium"
    folder.mkdir()
    path = shutil.copy(built, folder / "db.sqlite")
    url = f"sqlite:///{path}"
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount --bind -o ro '{folder}' '{folder}'"],
                           capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot make a private read-only mount here (unshare -m)")
    inside = (f"mount --bind -o ro '{folder}' '{folder}' && '{JEWELCRIME}' etl '{DATA}' --db '{url}'; echo \"rc=$?\"; "
              f"'{JEWELCRIME}' figures --json --db '{url}'")
    run = subprocess.run(["unshare", "-m", "sh", "-c", inside], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "COLUMNS": "200"})
    refusal = [line for line in run.stderr.splitlines() if line.strip()]
    assert refusal == [f"error: cannot load into {url}: the database is read-only (it is on a read-only medium "
                       "(mounted read-only)); nothing was changed"], run.stderr
    out, _, figures = run.stdout.partition("\n")
    assert out == "rc=1", run.stdout
    assert json.loads(figures) == expected
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["db.sqlite"]


STAGER = """
import sys, time
import pandas as pd, sqlalchemy as sa
from etl import bulk
from etl.config import make_engine

engine = make_engine(sys.argv[1])
meta = sa.MetaData()
table = sa.Table("t", meta, sa.Column("x", sa.Integer))
meta.create_all(engine)
with engine.connect() as conn:
    stage = bulk.Staged(conn, table, pd.DataFrame({"x": range(20_000)}))
    print(stage.path, flush=True)
    time.sleep(600)
"""


def _start_load(tmp_path: Path, name: str) -> tuple[subprocess.Popen, Path]:
    """A real process that staged a big frame the way a load does, and then waits."""
    child = subprocess.Popen([sys.executable, "-c", STAGER, f"sqlite:///{tmp_path / name}"], cwd=PROJECT_ROOT,
                             stdout=subprocess.PIPE, text=True)
    staged = Path(child.stdout.readline().strip())
    assert staged.name.startswith(f"jewelcrime-stage-{child.pid}-") and staged.is_file()
    return child, staged


def test_staging_files_of_killed_loads_go_at_the_next_command_and_live_ones_stay(cli, tmp_path: Path) -> None:
    killed, orphan = _start_load(tmp_path, "killed.sqlite")
    live, kept = _start_load(tmp_path, "live.sqlite")
    try:
        killed.send_signal(signal.SIGKILL)
        killed.wait(30)
        assert orphan.is_file()  # a killed load cannot clean up after itself
        one_line(cli("figures", "--db", ""), 2)  # any command, even one that fails at once
        assert not orphan.exists()
        assert kept.is_file()
    finally:
        for child in (killed, live):
            child.kill()
            child.wait(30)
            child.stdout.close()
    cli("figures", "--db", "")
    assert not kept.exists()


def test_a_pid_reused_by_a_later_process_does_not_keep_an_orphan(cli) -> None:
    folder = staging.stage_folders()[0]
    other = subprocess.Popen(["sleep", "60"])
    try:
        stale = folder / f"jewelcrime-stage-{other.pid}-reused.sqlite"
        fresh = folder / f"jewelcrime-stage-{other.pid}-current.sqlite"
        for path in (stale, fresh):
            path.write_bytes(b"staged rows")
        hour_ago = time.time() - 3600
        os.utime(stale, (hour_ago, hour_ago))  # written long before the process with this pid started
        cli("figures", "--db", "")
        assert not stale.exists()
        assert fresh.is_file()
    finally:
        other.kill()
        other.wait(30)
        fresh.unlink(missing_ok=True)
        stale.unlink(missing_ok=True)


def test_postgres_without_a_server(cli) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    line = one_line(cli("figures", "--db", f"postgresql://jc:pw@127.0.0.1:{port}/crime"), 1)
    assert line.startswith(f"error: cannot use the database postgresql+psycopg://jc:***@127.0.0.1:{port}/crime: ")
    assert "Connection refused" in line and ":pw@" not in line


def test_postgres_with_a_wrong_password(cli, pg_server) -> None:
    import psycopg

    hba = pg_server.root / "data" / "pg_hba.conf"
    rule = "host all jc_pw 127.0.0.1/32 scram-sha-256\n"  # only this role needs a password: other tests keep trust
    if rule not in hba.read_text():
        hba.write_text(rule + hba.read_text())
    with psycopg.connect(f"host=127.0.0.1 port={pg_server.port} user=postgres dbname=postgres", autocommit=True) as c:
        if c.execute("SELECT 1 FROM pg_roles WHERE rolname = 'jc_pw'").fetchone() is None:
            c.execute("CREATE ROLE jc_pw LOGIN PASSWORD 'right-one'")
        c.execute("SELECT pg_reload_conf()")
    time.sleep(0.5)  # the postmaster rereads pg_hba.conf on SIGHUP, asynchronously
    url = f"postgresql+psycopg://jc_pw:wrong-one@127.0.0.1:{pg_server.port}/postgres"
    line = one_line(cli("figures", "--db", url), 1)
    assert line.startswith(f"error: cannot use the database postgresql+psycopg://jc_pw:***@127.0.0.1:{pg_server.port}")
    assert 'password authentication failed for user "jc_pw"' in line
    assert "wrong-one" not in line
