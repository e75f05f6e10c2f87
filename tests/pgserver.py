"""A throwaway PostgreSQL server for the tests (PostgreSQL 15 binaries are on the image).

initdb refuses to run as root, so as root every server command runs as the
`postgres` user through runuser. The server listens on 127.0.0.1 only, with
fsync off (the data is thrown away).

The server binaries are looked up as scripts/test.sh looks them up (it runs this file): the folder in
$JEWELCRIME_PG_BIN if set, else the newest /usr/lib/postgresql/*/bin (Debian's `postgresql` package), else
initdb on PATH. A folder counts only if it holds both initdb and pg_ctl (postgresql-client alone fills
/usr/lib/postgresql/*/bin with psql and pg_dump, but no server).
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path


PG_BIN_ENV = "JEWELCRIME_PG_BIN"
SERVER_TOOLS = ("initdb", "pg_ctl")


def _has_server(folder: Path) -> bool:
    return all(os.access(folder / tool, os.X_OK) for tool in SERVER_TOOLS)


def _version(folder: str) -> list[int]:
    name = Path(folder).parent.name  # /usr/lib/postgresql/15/bin -> 15
    return [int(x) for x in name.split(".")] if name.replace(".", "").isdigit() else [-1]


def pg_bin() -> Path | None:
    """The folder of the PostgreSQL server binaries, or None when they are not installed."""
    override = os.environ.get(PG_BIN_ENV)
    if override:  # exactly this folder: no fallback, so a test can hide the server
        return Path(override) if _has_server(Path(override)) else None
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True):
        if _has_server(Path(folder)):
            return Path(folder)
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb and _has_server(Path(initdb).resolve().parent) else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self, root: Path):
        self.root = root
        self.bin = pg_bin()
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, text=True)

    def start(self) -> str:
        if self.bin is None:
            raise RuntimeError("PostgreSQL server binaries not found")
        if self.as_postgres and subprocess.run(["id", "-u", "postgres"], capture_output=True).returncode != 0:
            subprocess.run(["useradd", "--system", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin",
                            "postgres"], check=True)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "sock").mkdir(exist_ok=True)
        if self.as_postgres:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.root / "sock", "postgres")
        data = self.root / "data"
        self._run("initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8",
                  "--no-sync")
        opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root / 'sock'} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off")
        self._run("pg_ctl", "-D", str(data), "-l", str(self.root / "server.log"), "-w", "-t", "60", "-o", opts, "start")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        deadline = time.time() + 30
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")
        except subprocess.CalledProcessError:
            pass
        while time.time() < deadline and (self.root / "data" / "postmaster.pid").exists():
            time.sleep(0.2)
        shutil.rmtree(self.root, ignore_errors=True)


if __name__ == "__main__":  # scripts/test.sh: exit 0 and print the folder when the server is installed
    import sys

    found = pg_bin()
    print(found or "PostgreSQL server binaries not found")
    sys.exit(0 if found else 1)
