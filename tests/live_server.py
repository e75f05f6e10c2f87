"""A real server in a subprocess for the serving and security tests: `jewelcrime serve` or a gunicorn of our
own, on a free loopback port, in a process group of its own that is always stopped."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tests.conftest import FIXTURES

PROJECT = Path(__file__).resolve().parents[1]
SMALL = FIXTURES / "dashboard" / "jsa_trends.csv"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def jewelcrime(*args: str, timeout: float = 120, **kw) -> subprocess.CompletedProcess:  # noqa: ANN003
    """`jewelcrime ARGS` as a user runs it; a command that should have returned but serves instead times out."""
    return subprocess.run([sys.executable, "-m", "dashboard.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=PROJECT, **kw)


def small_database(folder: Path) -> str:
    """A small SQLite database built through the ETL from a fixture."""
    url = f"sqlite:///{folder / 'small.sqlite'}"
    done = jewelcrime("etl", str(SMALL), "--db", url)
    assert done.returncode == 0, done.stdout + done.stderr
    return url


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def fetch(url: str, data: bytes | None = None, headers: dict[str, str] | None = None,
          method: str | None = None) -> Response:
    """One request on a new connection; HTTP errors are answers too."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:  # noqa: S310 - a loopback test server
            return Response(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read())
    except urllib.error.HTTPError as exc:
        return Response(exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read())


class Running:
    """A started server: its base URL, master process and log file."""

    def __init__(self, proc: subprocess.Popen, base: str, log: Path) -> None:
        self.proc, self.base, self.log = proc, base, log

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def children(self) -> list[int]:
        """The PIDs of the master's child processes, from /proc."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in children.read_text().split()] if children.exists() else []

    def workers(self) -> list[int]:
        """gunicorn's web workers: the children other than the export worker process."""
        return [p for p in self.children() if b"dashboard.export_worker" not in _cmdline(p)]

    def export_workers(self) -> list[int]:
        return [p for p in self.children() if b"dashboard.export_worker" in _cmdline(p)]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@contextmanager
def running(args: list[str], log: Path, env: dict[str, str] | None = None, port: int | None = None,
            wrapper: list[str] | None = None) -> Iterator[Running]:
    """Run `python ARGS` (with `{port}` in ARGS filled in) until the port answers; stop its whole process
    group afterwards, whatever happened."""
    port = port or free_port()
    command = [*(wrapper or []), sys.executable, *(a.format(port=port) for a in args)]
    with log.open("w") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=PROJECT, start_new_session=True,
                                env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"the server exited ({proc.returncode}):\n{log.read_text()}")
            try:
                fetch(base + "/assets/app.css")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"the server did not answer:\n{log.read_text()}") from None
                time.sleep(0.3)
        yield Running(proc, base, log)
    finally:
        stop(proc)


def stop(proc: subprocess.Popen, grace: float = 40) -> int | None:
    """SIGTERM to the process group, SIGKILL to what is left after `grace` seconds; the master's exit code."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        return proc.wait(grace)
    except subprocess.TimeoutExpired:
        return None
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie has finished)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False
