"""The one place for paths and the database URL."""
from __future__ import annotations

import os
import re
import sqlite3
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import sqlalchemy as sa
from sqlalchemy import event

from etl.errors import UsageError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RAW_DIR = PROJECT_ROOT / "data" / "raw"
REFERENCE_DIR = RAW_DIR / "reference"
PROCESSED_DIR = PROJECT_ROOT / "data" / "processed"
GEO_FILE = Path(__file__).resolve().parent / "geodata" / "us_ca_admin1.geojson"
DEFAULT_DB_PATH = PROCESSED_DIR / "jewelcrime.sqlite"
DEFAULT_DB_URL = f"sqlite:///{DEFAULT_DB_PATH}"
ENV_VAR = "DATABASE_URL"


class DbUrlError(UsageError):
    """The database URL itself is wrong (exit code 2): the message names the value and the problem."""


_SUPPORTED = "use sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/DATABASE"
_PG_DRIVERS = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}


def _shown(value: str) -> str:
    """The value as typed, with any password hidden (it may not even parse as a URL)."""
    return re.sub(r"(://[^/:@]*:)[^@/]*@", r"\1***@", value)


def resolve_db_url(cli_value: str | None = None) -> str:
    """--db wins, then $DATABASE_URL, then the bundled SQLite file.

    A relative SQLite path is taken relative to the project root, so the
    default works whatever the working directory is. A SQLite URI
    (`sqlite:///file:PATH?mode=ro&uri=true`) keeps its parameters. A value that
    cannot be used as given raises DbUrlError.
    """
    if cli_value is not None:
        where, url = "--db", cli_value.strip()
        if not url:
            raise DbUrlError(f"--db is empty; {_SUPPORTED}")
    elif os.environ.get(ENV_VAR, "").strip():  # an empty variable counts as not set
        where, url = f"${ENV_VAR}", os.environ[ENV_VAR].strip()
    else:
        where, url = "default", DEFAULT_DB_URL
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in _PG_DRIVERS:  # the spellings SQLAlchemy rejects or sends to psycopg2
        url = _PG_DRIVERS[scheme] + url[len(scheme):]
    try:
        parsed = sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError):
        raise DbUrlError(f"{where} {_shown(url)!r} is not a database URL; {_SUPPORTED}") from None
    driver = parsed.drivername
    if driver not in ("sqlite", "sqlite+pysqlite", "postgresql+psycopg"):
        raise DbUrlError(f"{where} {_shown(url)!r}: unknown or unsupported database driver {driver!r}; {_SUPPORTED}")
    if driver.startswith("postgresql"):
        return url
    target = _sqlite_target(parsed)
    if target is None:
        raise DbUrlError(f"{where} {_shown(url)!r} is an in-memory SQLite database, which would be gone when the "
                         "command ends; give a file: sqlite:///PATH")
    path, params = target
    if not path.is_absolute():
        path = PROJECT_ROOT / path
    if params is None:
        return parsed.set(database=str(path), query={}).render_as_string(hide_password=False)
    return parsed.set(database="file:" + quote(str(path)), query={**params, "uri": "true"}).render_as_string(
        hide_password=False)


def _sqlite_target(parsed: sa.URL) -> tuple[Path, dict[str, str] | None] | None:
    """(path, SQLite URI parameters or None for a plain path) of a SQLite URL; None when in memory."""
    database = parsed.database or ""
    uri = str(parsed.query.get("uri", "")).lower() in ("true", "1", "yes")
    if uri and database.startswith("file:"):
        split = urlsplit(database)
        params = {k: str(v) for k, v in parsed.query.items() if k not in _DRIVER_ARGS}
        params.update(parse_qsl(split.query))
        name = unquote(split.path)
        if params.get("mode") == "memory" or name in ("", ":memory:"):
            return None
        return Path(name), params
    if database in ("", ":memory:"):
        return None
    return Path(database), None


_DRIVER_ARGS = {"uri", "timeout", "isolation_level", "detect_types", "check_same_thread", "cached_statements"}


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL (plain path or SQLite URI); None for other databases and in memory."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    target = _sqlite_target(parsed)
    return target[0] if target else None


def _configure_sqlite(engine: sa.Engine, read_only: bool) -> None:
    # pysqlite's own transaction handling skips BEGIN for DDL; take control so a
    # whole file load, DDL included, is one transaction that can roll back.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if read_only:  # WAL needs a write: a read-only file keeps the journal mode it has
            cur.execute("PRAGMA schema_version")  # fails here, once, if the file is not a database
        else:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA cache_size=-65536")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        conn.exec_driver_sql("BEGIN")


def _sqlite_connect_uri(path: Path, params: dict[str, str] | None, reason: str | None) -> str:
    """The SQLite URI actually opened: read-only when the database cannot be written."""
    params = dict(params or {})
    if reason is not None:
        params["mode"] = "ro"
        # a WAL database in a folder nobody can write needs its -shm file, or else immutable=1
        wal, shm = (path.with_name(path.name + s) for s in ("-wal", "-shm"))
        if not _writable_dir(path.parent) and not (wal.exists() and shm.exists()):
            params["immutable"] = "1"
    query = urlencode(params)
    return "file:" + quote(str(path)) + (f"?{query}" if query else "")


@lru_cache(maxsize=16)
def make_engine(url: str) -> sa.Engine:
    """One engine per URL per process; a SQLite database that cannot be written is opened read-only."""
    parsed = sa.engine.make_url(url)
    target = _sqlite_target(parsed) if parsed.get_backend_name() == "sqlite" else None
    if target is not None:
        path, params = target
        reason = read_only_reason(url)
        if reason is None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError:
                pass  # the connection names the problem
        uri = _sqlite_connect_uri(path, params, reason)
        engine = sa.create_engine(
            url, creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30))
        _configure_sqlite(engine, read_only=reason is not None)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _writable_dir(folder: Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)


def _medium_read_only(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def read_only_reason(url: str) -> str | None:
    """Why the database at `url` cannot be written, in a few words; None when it can (or is not SQLite).

    Checked with access(2), so it holds for root too: a read-only mount and an
    immutable file (chattr +i) refuse root as well.
    """
    parsed = sa.engine.make_url(url)
    target = _sqlite_target(parsed) if parsed.get_backend_name() == "sqlite" else None
    if target is None:
        return None
    path, params = target
    params = params or {}
    if params.get("mode") == "ro":
        return "it was opened with mode=ro"
    if params.get("immutable", "0").lower() not in ("0", "false", "no", "off"):
        return "it was opened with immutable=1"
    if path.exists():
        if _medium_read_only(path):
            return "it is on a read-only medium (mounted read-only)"
        if not os.access(path, os.W_OK):
            return "the file is read-only"
        if not _writable_dir(path.parent):
            return f"its folder {path.parent} is read-only, so SQLite cannot make its journal"
        return None
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if _medium_read_only(folder) or not _writable_dir(folder):
        return f"the folder {folder} is read-only, so the database file cannot be created"
    return None
