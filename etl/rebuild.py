"""`jewelcrime etl --rebuild` without a moment where the database is half built.

The new database is built beside the old one, through the normal pipeline, and put in its place only when
every file has been loaded, so a kill at any moment leaves the old database or the new one, never a mix:

- SQLite: a new file `<name>.rebuild-<pid>.sqlite` in the target's folder, checkpointed, switched to
  journal_mode=DELETE (no -wal or -shm left) and fsynced, then renamed over the target: rename(2) within one
  folder is atomic. The target's WAL is checkpointed first (so its -wal holds no frames a new opener could
  apply to the new file) and its old -wal and -shm are removed right after the rename.
- PostgreSQL: a new schema `jewelcrime_rebuild_<pid>_<random>` (the build engine's search_path); one
  transaction then drops every table of the live schema and moves the new tables into it.

Leftovers of killed rebuilds are removed by the next rebuild: SQLite files whose process is gone, PostgreSQL
schemas whose session is gone (each build holds an advisory lock named after its schema for as long as it runs).

What a running dashboard sees: on PostgreSQL, the new tables from the first query after the swap commits
(the swap waits for queries running on the old tables). On SQLite, connections opened after the swap read
the new file; a connection the server already holds keeps reading the old file (its inode lives while it is
open) until it is closed, so a server with pooled connections shows the old data until it is restarted or its
engine disposed. Such a connection cannot harm the new file: it keeps its own (now unlinked) -wal and -shm,
and SQLite neither checkpoints nor deletes the WAL of a file that was renamed away (anything written through
it goes to the old file and is lost). One narrow case is left: a rebuild killed between the rename and the
removal of the old -shm (microseconds) while a server holds that -shm open leaves it shared between the old
file and the new one (its WAL is empty, so reads are right); another `--rebuild` with the server stopped clears it.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import sqlite3
from pathlib import Path

import sqlalchemy as sa

from etl import schema
from etl.config import make_engine, sqlite_path
from etl.errors import EtlError

SCHEMA_PREFIX = "jewelcrime_rebuild_"
_COMPANIONS = ("", "-wal", "-shm", "-journal")
_LOCK_CLASS = 0x6A63  # first key of the advisory locks that mark live PostgreSQL rebuilds


class Rebuild:
    """A database being built beside the target: load into `engine`, then `swap()`; `discard()` always."""

    engine: sa.Engine
    swapped: bool = False

    def swap(self) -> None:
        raise NotImplementedError

    def discard(self) -> None:
        """Throw the unfinished build away (nothing after a swap)."""
        raise NotImplementedError


def start(url: str) -> Rebuild:
    """Prepare a rebuild of the database at `url`; the target is checked but not changed."""
    path = sqlite_path(url)
    return SqliteRebuild(url, path) if path is not None else PostgresRebuild(url)


# ---- SQLite

def build_path(target: Path, pid: int) -> Path:
    return target.with_name(f"{target.stem}.rebuild-{pid}.sqlite")


def _files_of(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in _COMPANIONS]


def _process_gone(pid: int, path: Path) -> bool:
    """True when the rebuild that wrote `path` is no longer running (its pid is free or was reused since)."""
    if pid == os.getpid():
        return True  # ours from an earlier attempt in this process, or a dead process's pid we now have
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        pass  # alive (another user's, perhaps): only pid reuse can still make it an orphan
    from etl.staging import process_start

    started = process_start(pid)
    try:
        return started is not None and started > path.stat().st_mtime + 2.0
    except OSError:
        return False


def remove_leftovers(target: Path) -> list[Path]:
    """Remove the build files (and their -wal, -shm, -journal) of rebuilds of `target` that were killed."""
    pattern = re.compile(rf"{re.escape(target.stem)}\.rebuild-(\d+)\.sqlite(-wal|-shm|-journal)?")
    removed = []
    for path in target.parent.glob(f"{target.stem}.rebuild-*.sqlite*") if target.parent.is_dir() else []:
        found = pattern.fullmatch(path.name)
        if found and _process_gone(int(found.group(1)), path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
    return removed


def _open(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    con.execute("PRAGMA busy_timeout=30000")
    return con


def _fsync(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SqliteRebuild(Rebuild):
    def __init__(self, url: str, target: Path) -> None:
        self.url, self.target = url, target
        if target.exists():  # a file that is not a database is refused before anything is built, as before
            try:
                con = _open(target)
                try:
                    con.execute("PRAGMA schema_version").fetchone()  # reads page 1 (and rolls back a hot journal)
                finally:
                    con.close()
            except sqlite3.DatabaseError as exc:
                raise EtlError(f"cannot rebuild {target}: {exc}; nothing was changed") from None
        remove_leftovers(target)
        self.path = build_path(target, os.getpid())
        # the same pragmas as the target's engine, but not cached: the file is renamed away at the end
        self.engine = getattr(make_engine, "__wrapped__", make_engine)(f"sqlite:///{self.path}")

    def swap(self) -> None:
        self.engine.dispose()  # the last connection to close checkpoints the build's WAL and removes it
        con = _open(self.path)
        try:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            mode = con.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        finally:
            con.close()
        if mode != "delete":
            raise EtlError(f"cannot finish the rebuilt database {self.path}: its journal mode stayed {mode}")
        for leftover in _files_of(self.path)[1:]:
            leftover.unlink(missing_ok=True)
        _fsync(self.path)
        self._quiesce_target()
        stale = {}
        for path in _files_of(self.target)[1:]:
            with contextlib.suppress(FileNotFoundError):
                stale[path] = path.stat().st_ino
        os.replace(self.path, self.target)
        # the old file's -wal and -shm would be shared with the new file by the next opener: remove them, but only
        # the ones seen before the rename (a file made since belongs to the new database)
        for path, inode in stale.items():
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_ino == inode:
                    path.unlink()
        _fsync(self.target.parent, directory=True)
        self.swapped = True
        make_engine(self.url).dispose()  # its pooled connections still read the old file

    def _quiesce_target(self) -> None:
        """Checkpoint the target's WAL to nothing, so no frame of the old database can be applied to the new."""
        wal = self.target.with_name(self.target.name + "-wal")
        for _attempt in range(5):
            if not self.target.exists():
                return
            con = _open(self.target)
            try:
                busy = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            finally:
                con.close()  # the last connection to close also removes the -wal and -shm
            if not busy and (not wal.exists() or wal.stat().st_size == 0):
                return
        raise EtlError(f"cannot swap the rebuilt database into {self.target}: another process keeps it busy (writing, "
                       "or reading in one long transaction); nothing was changed")

    def discard(self) -> None:
        if self.swapped:
            return
        self.engine.dispose()
        for path in _files_of(self.path):
            path.unlink(missing_ok=True)


# ---- PostgreSQL

def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big", signed=True)


def _try_lock(conn: sa.Connection, name: str) -> bool:
    return bool(conn.execute(sa.text("SELECT pg_try_advisory_lock(:c, :k)"), {"c": _LOCK_CLASS, "k": _lock_key(name)})
                .scalar())


def _unlock(conn: sa.Connection, name: str) -> None:
    conn.execute(sa.text("SELECT pg_advisory_unlock(:c, :k)"), {"c": _LOCK_CLASS, "k": _lock_key(name)})


def remove_leftover_schemas(conn: sa.Connection) -> list[str]:
    """Drop the build schemas of rebuilds whose session is gone (nobody holds their advisory lock)."""
    names = conn.execute(sa.text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :p ORDER BY nspname"),
                         {"p": SCHEMA_PREFIX.replace("_", r"\_") + "%"}).scalars().all()
    dropped = []
    for name in names:
        if _try_lock(conn, name):
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {_quote(conn, name)} CASCADE"))
            _unlock(conn, name)
            dropped.append(name)
        conn.commit()
    return dropped


def _quote(conn: sa.Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


class PostgresRebuild(Rebuild):
    def __init__(self, url: str) -> None:
        self.url = url
        self.target = make_engine(url)
        self.name = f"{SCHEMA_PREFIX}{os.getpid()}_{secrets.token_hex(3)}"
        # this connection lives as long as the build: its advisory lock tells other rebuilds the schema is in use
        self._session = self.target.connect()
        try:
            self.live = self._session.execute(sa.text("SELECT current_schema()")).scalar()
            if self.live is None:
                raise EtlError(f"cannot rebuild {self.target.url.render_as_string(hide_password=True)}: its "
                               "search_path names no schema that exists")
            remove_leftover_schemas(self._session)
            _try_lock(self._session, self.name)
            self._session.execute(sa.text(f"CREATE SCHEMA {_quote(self._session, self.name)}"))
            self._session.commit()
        except BaseException:
            self._session.close()
            raise
        self.engine = sa.create_engine(url, pool_pre_ping=True,
                                       connect_args={"options": f"-c search_path={self.name}"})

    def swap(self) -> None:
        self.engine.dispose()
        with self.target.begin() as conn:  # DDL is transactional: readers see the old tables or the new ones
            schema.drop_all(conn)  # every table of the live schema, as --rebuild always did
            tables = conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"),
                                  {"s": self.name}).scalars().all()
            for table in tables:  # indexes, constraints and owned sequences move with their table
                conn.execute(sa.text(f"ALTER TABLE {_quote(conn, self.name)}.{_quote(conn, table)} "
                                     f"SET SCHEMA {_quote(conn, self.live)}"))
            conn.execute(sa.text(f"DROP SCHEMA {_quote(conn, self.name)} CASCADE"))
        self.swapped = True
        self._release()

    def discard(self) -> None:
        if self.swapped:
            return
        self.engine.dispose()
        try:
            self._session.rollback()
            self._session.execute(sa.text(f"DROP SCHEMA IF EXISTS {_quote(self._session, self.name)} CASCADE"))
            self._session.commit()
        except sa.exc.DBAPIError:
            pass  # the server or the connection is gone: the next rebuild drops the schema
        self._release()

    def _release(self) -> None:
        try:
            _unlock(self._session, self.name)
            self._session.commit()
            self._session.close()
        except sa.exc.DBAPIError:
            self._session.invalidate()  # closing the session releases the lock too
