"""The one place for paths and the database URL."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RAW_DIR = PROJECT_ROOT / "data" / "raw"
REFERENCE_DIR = RAW_DIR / "reference"
PROCESSED_DIR = PROJECT_ROOT / "data" / "processed"
GEO_FILE = Path(__file__).resolve().parent / "geodata" / "us_ca_admin1.geojson"
DEFAULT_DB_PATH = PROCESSED_DIR / "jewelcrime.sqlite"
DEFAULT_DB_URL = f"sqlite:///{DEFAULT_DB_PATH}"
ENV_VAR = "DATABASE_URL"


def resolve_db_url(cli_value: str | None = None) -> str:
    """--db wins, then $DATABASE_URL, then the bundled SQLite file.

    A relative SQLite path is taken relative to the project root, so the
    default works whatever the working directory is.
    """
    url = cli_value or os.environ.get(ENV_VAR) or DEFAULT_DB_URL
    if url.startswith("postgres://"):  # the Heroku-style spelling SQLAlchemy rejects
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        if not path.is_absolute():
            path = PROJECT_ROOT / path
        url = parsed.set(database=str(path)).render_as_string(hide_password=False)
    return url


def sqlite_path(url: str) -> Path | None:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _configure_sqlite(engine: sa.Engine) -> None:
    # pysqlite's own transaction handling skips BEGIN for DDL; take control so a
    # whole file load, DDL included, is one transaction that can roll back.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA cache_size=-65536")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        conn.exec_driver_sql("BEGIN")


@lru_cache(maxsize=16)
def make_engine(url: str) -> sa.Engine:
    """One engine per URL per process."""
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)
