"""Browser tests: the real server (`jewelcrime serve`, waitress) in a subprocess, driven by
Playwright in Debian's Chromium (never a downloaded browser)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

import tests.browser.csp_safe_waits  # noqa: F401 - wait_for_function under the app's CSP (no eval)

from etl.config import RAW_DIR
from tests.conftest import unavailable

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
        "--enable-unsafe-swiftshader"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _jewelcrime(*args: str, **kw) -> subprocess.CompletedProcess:  # noqa: ANN003
    return subprocess.run([sys.executable, "-m", "dashboard.cli", *args], capture_output=True, text=True, **kw)


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory) -> str:  # noqa: ANN001
    """The bundled sample data, loaded through the real ETL."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'sample.sqlite'}"
    done = _jewelcrime("etl", str(RAW_DIR), "--db", url)
    assert done.returncode == 0, done.stdout + done.stderr
    return url


def serving(db_url: str, command: list[str] | None = None) -> Iterator[str]:
    """`jewelcrime serve` (or `python <command> <port>`) on a free port for the length of a fixture: yields
    its base URL."""
    port = _free_port()
    args = [*command, str(port)] if command else ["-m", "dashboard.cli", "serve", "--db", db_url, "--port", str(port)]
    proc = subprocess.Popen([sys.executable, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(proc.stdout.read() if proc.stdout else "server exited")
            time.sleep(0.3)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def server(sample_db: str) -> Iterator[str]:
    yield from serving(sample_db)


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201
    if not Path(CHROMIUM).exists():
        unavailable(f"Debian's chromium is not installed ({CHROMIUM} is missing)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


class Watched:
    """A page whose console errors and requests to other hosts are recorded."""

    def __init__(self, page, base: str):  # noqa: ANN001
        self.page, self.base = page, base
        self.errors: list[str] = []
        self.foreign: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: None if r.url.startswith((base, "data:", "blob:")) else self.foreign.append(r.url))

    def open(self, path: str, wait_for: str = ".dash-graph, .js-plotly-plot, h1") -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_selector(wait_for, timeout=30_000)
        self.page.wait_for_load_state("networkidle")

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def web(browser, server) -> Iterator[Watched]:  # noqa: ANN001
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield Watched(page, server)
    context.close()
