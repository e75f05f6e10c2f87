"""Shared test fixtures: temporary databases built through the real ETL and CLI."""
from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import uuid
from pathlib import Path
from typing import NoReturn

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from dashboard.cli import app
from etl.config import make_engine

# pytest imports this file as `conftest`, and the tests import it as `tests.conftest`: one module under both
# names, so there is one copy of its helpers and their state
sys.modules.setdefault("tests.conftest", sys.modules[__name__])
sys.modules.setdefault("conftest", sys.modules[__name__])

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session", autouse=True)
def chart_cache_folder(tmp_path_factory):  # noqa: ANN201
    """The chart cache of every app and server the tests start (subprocesses inherit it) lives in the run's
    own temporary folder, not in the machine's shared one."""
    import os

    from dashboard.cache import ENV_DIR as CACHE_DIR_ENV

    folder = tmp_path_factory.mktemp("chart-cache")
    before = os.environ.get(CACHE_DIR_ENV)
    os.environ[CACHE_DIR_ENV] = str(folder)
    yield folder
    if before is None:
        os.environ.pop(CACHE_DIR_ENV, None)
    else:
        os.environ[CACHE_DIR_ENV] = before


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A fresh SQLite file per test."""
    return f"sqlite:///{tmp_path / 'test.sqlite'}"


def unavailable(reason: str) -> NoReturn:
    """A real part (PostgreSQL, Chromium) a test needs is missing: skipped on a developer's machine, but with
    CI=true the run fails, so a CI run can never pass by quietly skipping what it was meant to test."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true, so this fails instead of being skipped (./scripts/test.sh installs it)",
                    pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):  # noqa: ANN201
    """One throwaway PostgreSQL server for the whole run (started on first use)."""
    from tests.pgserver import PgServer, pg_bin

    if pg_bin() is None:
        unavailable("PostgreSQL server binaries are not installed (no initdb and pg_ctl found)")
    server = PgServer(Path(tempfile.mkdtemp(prefix="jewelcrime-pg-")))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server, request) -> str:
    """A new, empty PostgreSQL database per test."""
    name = "t_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:50] + f"_{uuid.uuid4().hex[:6]}"
    return pg_server.create_database(name)


@pytest.fixture
def engine(db_url: str) -> sa.Engine:
    return make_engine(db_url)


class Cli:
    """Runs `jewelcrime ...` in-process and keeps the result."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str):  # noqa: ANN204
        return self.runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture
def fixture_copy(tmp_path: Path):  # noqa: ANN201
    """Copy a fixture file into tmp_path (so tests may edit it) and return the copy."""
    def copy(name: str, new_name: str | None = None) -> Path:
        target = tmp_path / (new_name or Path(name).name)
        shutil.copy(FIXTURES / name, target)
        return target
    return copy


def table_counts(engine: sa.Engine) -> dict[str, int]:
    """Row count of every table: the fingerprint used to prove 'database unchanged'."""
    with engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        return {n: conn.execute(sa.text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one() for n in names}


def snapshot(engine: sa.Engine) -> dict[str, list]:
    """Full contents of every table, for exact before/after comparisons on small databases."""
    with engine.connect() as conn:
        names = sorted(sa.inspect(conn).get_table_names())
        return {n: sorted(map(tuple, conn.execute(sa.text(f'SELECT * FROM "{n}"')).all()), key=repr) for n in names}


def walk(component):  # noqa: ANN001, ANN201
    """Every Dash component under `component` (itself first), depth first: pages are tested as trees."""
    yield component
    children = getattr(component, "children", None)
    if children is None:
        return
    for child in children if isinstance(children, (list, tuple)) else [children]:
        yield from walk(child)


def text(component) -> str:  # noqa: ANN001
    """The words of a component tree, in order."""
    return " ".join(c for c in walk(component) if isinstance(c, str))


def engine_of(dash_app) -> sa.Engine:  # noqa: ANN001
    """The engine a dashboard app reads."""
    from dashboard import context

    return dash_app.server.extensions[context.KEY]


class Bound:
    """A page's functions as the running app calls them: the chart builders and helpers whose first parameter
    is `engine` get the app's engine, and every call runs inside the app's context (as Dash runs callbacks and
    layouts), so a callback's `context.engine()` finds the app."""

    def __init__(self, dash_app, *modules) -> None:  # noqa: ANN001
        self._app, self._modules = dash_app, modules
        self.engine = engine_of(dash_app)

    def __getattr__(self, name: str):  # noqa: ANN204
        import inspect

        for module in self._modules:
            if hasattr(module, name):
                value = getattr(module, name)
                break
        else:
            raise AttributeError(name)
        if not inspect.isfunction(value):
            return value
        takes_engine = next(iter(inspect.signature(value).parameters), None) == "engine"

        def call(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            with self._app.server.app_context():
                return value(self.engine, *args, **kwargs) if takes_engine else value(*args, **kwargs)
        return call


def bound(dash_app, page: str) -> Bound:  # noqa: ANN001
    """`bound(app, "trends")`: the Trends page module and its charts module (dashboard.charts.trends)."""
    import importlib

    modules = [importlib.import_module(f"dashboard.pages.{page}")]
    charts = {"guidance_scenario": "guidance"}.get(page, page)
    try:
        modules.append(importlib.import_module(f"dashboard.charts.{charts}"))
    except ModuleNotFoundError:
        pass
    return Bound(dash_app, *modules)
