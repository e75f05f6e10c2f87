"""With CI=true a PostgreSQL test that cannot run fails the run; elsewhere it is skipped.

A tiny test file that asks for the PostgreSQL fixture is run by pytest in a subprocess, with the server
binaries hidden ($JEWELCRIME_PG_BIN points at an empty folder: tests/pgserver.py then looks nowhere else).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MESSAGE = "PostgreSQL server binaries are not installed"


def _run_tiny_suite(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "conftest.py").write_text("from tests.conftest import chart_cache_folder, pg_server, pg_url  # noqa: F401\n")
    (suite / "test_needs_pg.py").write_text("def test_needs_postgres(pg_url):\n    assert pg_url\n")
    empty = tmp_path / "no-postgres"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update({"JEWELCRIME_PG_BIN": str(empty), "PYTHONPATH": str(ROOT)})
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider",
                           "--rootdir", str(suite), str(suite)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_hidden_server_binaries_are_not_found(tmp_path, monkeypatch):
    from tests.pgserver import pg_bin

    monkeypatch.setenv("JEWELCRIME_PG_BIN", str(tmp_path))
    assert pg_bin() is None


def test_ci_fails_the_run_when_postgres_cannot_run(tmp_path):
    done = _run_tiny_suite(tmp_path, "true")
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "1 error" in out and " skipped" not in out.splitlines()[-1], out
    assert f"{MESSAGE} (no initdb and pg_ctl found); CI=true, so this fails instead of being skipped" in out, out


@pytest.mark.parametrize("ci", [None, "false"])
def test_without_ci_the_test_is_skipped(tmp_path, ci):
    done = _run_tiny_suite(tmp_path, ci)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "1 skipped" in out and MESSAGE in out and "CI=true" not in out, out


def test_the_shared_fixtures_module_is_one_module_under_both_names() -> None:
    import importlib

    from tests.conftest import FIXTURES  # how the tests import it

    as_pytest_has_it = importlib.import_module("conftest")
    assert importlib.import_module("tests.conftest") is as_pytest_has_it
    assert as_pytest_has_it.FIXTURES is FIXTURES
