"""Fast inserts of a DataFrame on an open connection, inside its transaction.

The only module that knows which database it talks to:
- SQLite: a file's incident rows are written chunk by chunk by ADBC's C
  driver into a private staging file, which is ATTACHed and copied with one
  INSERT ... SELECT inside the caller's transaction (binding a million rows
  from Python costs ~10 s; this costs ~3); other frames use one executemany
  of column-wise lists.
- PostgreSQL: COPY through psycopg (the incident rows into a temporary table).
"""
from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa


def as_date_text(s: pd.Series) -> pd.Series:
    """Dates as 'YYYY-MM-DD' (how SQLAlchemy stores a Date in SQLite), formatted once per distinct day."""
    codes, uniques = pd.factorize(s)
    text = pd.Series(pd.DatetimeIndex(uniques).strftime("%Y-%m-%d"), dtype="object")
    out = text.reindex(codes).to_numpy()
    return pd.Series(out, index=s.index, dtype="str")


def _prepare(table: sa.Table, df: pd.DataFrame) -> pd.DataFrame:
    """Columns the table has, in types both drivers take as they are."""
    cols = {}
    for name in df.columns:
        if name not in table.c:
            continue
        s, t = df[name], table.c[name].type
        if isinstance(t, sa.Date) and pd.api.types.is_datetime64_any_dtype(s):
            s = as_date_text(s)
        elif isinstance(t, sa.Boolean):
            s = s.astype("boolean") if s.isna().any() else s.astype(bool)
        elif isinstance(t, sa.Integer) and pd.api.types.is_float_dtype(s):
            s = s.astype("Int64")  # 6572870.0 -> 6572870: PostgreSQL's COPY rejects a fraction for bigint
        cols[name] = s
    return pd.DataFrame(cols, index=df.index)


def _column_values(s: pd.Series) -> Iterable:
    nulls = s.isna()
    if nulls.all():
        return itertools.repeat(None, len(s))
    if not nulls.any():
        return s.tolist()
    return s.astype(object).where(~nulls, None).tolist()


def insert_frame(conn: sa.Connection, table: sa.Table, df: pd.DataFrame) -> int:
    """Insert every row of a (small or medium) frame whose columns are named as the table's."""
    if df.empty:
        return 0
    frame = _prepare(table, df)
    columns = list(frame.columns)
    rows = zip(*[_column_values(frame[c]) for c in columns])
    dbapi = conn.connection.dbapi_connection
    quoted = ", ".join(f'"{c}"' for c in columns)
    if conn.dialect.name == "postgresql":
        with dbapi.cursor() as cur, cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
    elif conn.dialect.name == "sqlite":
        cur = dbapi.cursor()
        try:
            cur.executemany(f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" * len(columns))})', rows)
        finally:
            cur.close()
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        conn.execute(table.insert(), [dict(zip(columns, r)) for r in rows])
    return len(frame)


def _stage_dir(expected_bytes: int) -> str | None:
    """Memory-backed /dev/shm for the throw-away staging file when the file is small enough that its rows
    can sit in memory; a big file stages on disk, so memory stays bounded by the chunk, not the file."""
    shm = Path("/dev/shm")
    if expected_bytes > SHM_MAX_BYTES:
        return None
    try:
        if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > expected_bytes * 3 + (256 << 20):
            return str(shm)
    except OSError:
        pass
    return None


SHM_MAX_BYTES = 256 << 20  # input files above this stage on disk
LOAD_CACHE_KB = 512 * 1024  # SQLite's page cache while a stage is copied in (etl/config.py sets the usual one)
NORMAL_CACHE_KB = 64 * 1024
# while an empty table's indexes are built: SQLite's sorter takes as much memory again as the page cache (up to
# 512 MB), so the two together stay under the load's cache alone
INDEX_BUILD_CACHE_KB = 128 * 1024


@contextlib.contextmanager
def sqlite_cache(conn: sa.Connection, kb: int) -> Iterator[None]:
    """SQLite's page cache (and with it its sorter's memory) at `kb` KiB for a block; nothing elsewhere."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.connection.dbapi_connection.execute("PRAGMA cache_size").fetchone()[0]
    _set_cache_size(conn, -int(kb))
    try:
        yield
    finally:
        _set_cache_size(conn, int(before))


def _set_cache_size(conn: sa.Connection, size: int) -> None:
    # straight to the driver: the pragma needs no transaction and SQLAlchemy would begin one
    conn.connection.dbapi_connection.execute(f"PRAGMA cache_size={int(size)}")


def _remove_orphans(folder: Path) -> None:
    """Staging files left by a killed load (their process is gone) would hold memory in /dev/shm."""
    from etl.staging import remove_orphans

    remove_orphans([folder])


def _arrow_for_driver(frame: pd.DataFrame, positions: np.ndarray) -> pa.Table:
    arrow = pa.Table.from_pandas(frame.assign(_pos=positions), preserve_index=False)
    # Categorical columns arrive as Arrow dictionaries, which the driver does not take: decode in C
    return arrow.cast(pa.schema([pa.field(f.name, pa.string() if pa.types.is_null(f.type) else
                                          f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
                                 for f in arrow.schema]))


class Staged:
    """A file's rows gathered chunk by chunk before its transaction (`append`), then written by `insert`
    inside it. Memory holds one chunk at a time: on SQLite the rows go through ADBC's C driver into a
    private staging file (in /dev/shm for a small file), ATTACHed by `ready()`; on PostgreSQL they are
    COPYed into a temporary table. Either way each row reaches the database's own tables once, by one
    INSERT ... SELECT. Every staged row has a position `_pos` (0, 1, ... in the order appended)."""

    def __init__(self, conn: sa.Connection, table: sa.Table, df: pd.DataFrame | None = None,
                 expected_bytes: int = 0):
        self.conn, self.table = conn, table
        self.n = 0
        self.columns: list[str] = []
        self.path: Path | None = None
        self._adbc = None
        self._attached = False
        self._pg_made = False
        self._expected = expected_bytes
        self.sheets: list[tuple[int, int, str | None]] = []  # (first pos, end pos, sheet) runs
        self._hashes: list[np.ndarray] = []  # each staged row's row_hash and row_number, by position
        self._numbers: list[np.ndarray] = []
        self._held: list[np.ndarray] = []
        self._sample: list[np.ndarray] = []
        if df is not None:
            self.append(df)

    @property
    def name(self) -> str:
        return "jc_stage.stage" if self.conn.dialect.name == "sqlite" else "jc_stage"

    def append(self, df: pd.DataFrame, held: np.ndarray | None = None) -> None:
        """Add rows (a chunk of the file) to the stage, outside the load's transaction. Rows where `held` is
        true (rows the database already stores, of a changed file's previous version) get positions, and
        their hash, row number, sheet and sample flag are kept, but they are not written: the load's
        statements never copy them."""
        if df.empty:
            return
        frame = _prepare(self.table, df).reset_index(drop=True)
        held = np.zeros(len(frame), dtype=bool) if held is None else np.asarray(held, dtype=bool)
        self._held.append(held)
        if not self.columns:
            self.columns = list(frame.columns)
        frame = frame.reindex(columns=self.columns)
        if "sheet" in frame.columns:
            sheets = frame["sheet"].astype("object").where(frame["sheet"].notna(), None)
            start = self.n
            for value, run in itertools.groupby(sheets.tolist()):
                k = len(list(run))
                self.sheets.append((start, start + k, value))
                start += k
        if "is_sample" in frame.columns:
            self._sample.append(frame["is_sample"].to_numpy(dtype=bool))
        if "row_hash" in frame.columns:
            self._hashes.append(frame["row_hash"].to_numpy(dtype="int64"))
            self._numbers.append(frame["row_number"].to_numpy(dtype="int64"))
        positions = np.arange(self.n, self.n + len(frame))
        if held.any():
            frame, positions = frame[~held].reset_index(drop=True), positions[~held]
        if len(frame) and self.conn.dialect.name == "sqlite":
            self._append_sqlite(frame, positions)
        elif len(frame):
            self._append_copy(frame, positions)
        self.n += len(held)

    @property
    def held(self) -> np.ndarray:
        """Positions of rows appended as held (not written)."""
        return np.concatenate(self._held) if self._held else np.zeros(0, dtype=bool)

    def _check_written(self, mask: np.ndarray) -> None:
        if self._held and (mask & self.held).any():  # a statement over held rows would silently miss them
            raise RuntimeError("rows held out of the stage cannot be copied or read")

    def _append_sqlite(self, frame: pd.DataFrame, positions: np.ndarray) -> None:
        import adbc_driver_sqlite.dbapi as adbc

        if self._adbc is None:
            folder = _stage_dir(max(self._expected, len(frame) * 200))
            _remove_orphans(Path(folder or tempfile.gettempdir()))
            fd, name = tempfile.mkstemp(prefix=f"jewelcrime-stage-{os.getpid()}-", suffix=".sqlite", dir=folder)
            os.close(fd)
            os.unlink(name)
            self.path = Path(name)
            self._adbc = adbc.connect(str(self.path))
        with self._adbc.cursor() as cur:
            cur.adbc_ingest("stage", _arrow_for_driver(frame, positions), mode="create_append")
        self._adbc.commit()

    def side_table(self, name: str, table: sa.Table, df: pd.DataFrame) -> str | None:
        """Stage a frame bound for `table` (in its column types) as its own table `name` of the staging file,
        before `ready()`; returns the name a statement reads it by once ready, or None where there is no
        staging file (PostgreSQL, or no rows staged) and the caller binds the rows itself. For the groups of a
        file's rollups: hundreds of thousands of rows, which the C driver writes in a tenth of the time
        executemany takes."""
        if self._adbc is None or df.empty:
            return None
        frame = _prepare(table, df).reset_index(drop=True)
        with self._adbc.cursor() as cur:
            cur.adbc_ingest(name, _arrow_for_driver(frame, np.arange(len(frame))), mode="create")
        self._adbc.commit()
        return f"jc_stage.{name}"

    def _append_copy(self, frame: pd.DataFrame, positions: np.ndarray) -> None:
        stage = _stage_table(self.table, self.columns)
        if not self._pg_made:
            stage.create(self.conn)
            self._pg_made = True
        insert_frame(self.conn, stage, frame.assign(_pos=positions))
        # the COPY went through the driver's cursor, which SQLAlchemy does not see begin a transaction: commit
        # it there too, so each chunk is committed as staged and the load's own transaction starts clean
        self.conn.connection.dbapi_connection.commit()
        self.conn.commit()

    def ready(self) -> None:
        """Make the stage readable by the connection; before the load's transaction (ATTACH must be).

        SQLite gets a bigger page cache for the copy: the incident table's indexes take the rows at
        random places, and with the usual 64 MB a million rows took 27 s instead of 16 s. The chunks are
        gone by now, so this memory is not added to theirs."""
        if self._adbc is not None:
            self._adbc.close()
            self._adbc = None
        if self.path is not None and not self._attached:
            self.conn.exec_driver_sql("ATTACH DATABASE ? AS jc_stage", (str(self.path),))
            self.conn.commit()
            self._attached = True
            self._cache(-LOAD_CACHE_KB)

    def _cache(self, size: int) -> None:
        _set_cache_size(self.conn, size)

    def _positions(self, mask: np.ndarray, table: str) -> str:
        """A temporary table of the positions where mask is true; returns its name."""
        self.conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {table} (pos BIGINT PRIMARY KEY)")
        self.conn.exec_driver_sql(f"DELETE FROM {table}")
        picked = pd.DataFrame({"pos": np.flatnonzero(mask).astype("int64")})
        insert_frame(self.conn, sa.Table(table, sa.MetaData(), sa.Column("pos", sa.BigInteger)), picked)
        return table

    def _where(self, mask: np.ndarray | None) -> str:
        """A condition choosing the staged rows where mask is true (all of them for None)."""
        col = "_pos"
        if mask is None or mask.all():
            return "true"
        if not mask.any():
            return "false"
        if mask.sum() <= len(mask) // 2:
            return f"{col} IN (SELECT pos FROM {self._positions(mask, 'jc_pick')})"
        return f"{col} NOT IN (SELECT pos FROM {self._positions(~mask, 'jc_pick')})"

    def insert(self, constants: dict[str, Any], skip: np.ndarray | None = None,
               into: sa.Table | None = None, order_by: tuple[str, ...] = ()) -> int:
        """Copy the staged rows (minus positions where skip is true) with constant extra columns into the
        table (or `into`, a table with the same columns), in the order of the staged columns `order_by`
        (then as staged); inside the caller's transaction."""
        if self.n == 0:
            return 0
        keep = np.ones(self.n, dtype=bool) if skip is None else ~skip
        if not keep.any():
            return 0
        self._check_written(keep)
        target = into if into is not None else self.table
        names = [c for c in self.columns if c in target.c]
        cols = ", ".join(f'"{c}"' for c in [*constants, *names])
        values = ", ".join([*(f":{k}" for k in constants), *(f'"{c}"' for c in names)])
        # SQLite's stage numbers its rows in the order appended, so its rowid is _pos in order, and a scan needs
        # no sort (a sort by _pos cost 2 s per million rows)
        last = "rowid" if self.conn.dialect.name == "sqlite" else "_pos"
        order = ", ".join([*(f'"{c}"' for c in order_by if c in self.columns), last])
        self.conn.execute(sa.text(f'INSERT INTO "{target.name}" ({cols}) SELECT {values} FROM {self.name} '
                                  f'WHERE {self._where(keep)} ORDER BY {order}'), constants)
        return int(keep.sum())

    def read(self, mask: np.ndarray, columns: list[str], chunk_rows: int = 250_000) -> Iterator[pd.DataFrame]:
        """The staged rows where mask is true, a chunk at a time (in the types a database read gives)."""
        if not mask.any():
            return
        self._check_written(mask)
        picked = ", ".join(f'"{c}"' for c in columns)
        where = self._where(mask)  # may make a table of positions: before the streaming statement
        # streaming for this statement only: Connection.execution_options would set it on the connection, and
        # every later statement (DDL too) would then run in a PostgreSQL server-side cursor and fail
        result = self.conn.execute(sa.text(f"SELECT {picked} FROM {self.name} WHERE {where} ORDER BY _pos"),
                                   execution_options={"stream_results": True})
        while rows := result.fetchmany(chunk_rows):
            yield pd.DataFrame(rows, columns=columns)

    def sheet_counts(self, mask: np.ndarray) -> dict[str, int]:
        """How many staged rows where mask is true came from each sheet ('' for a CSV)."""
        out: dict[str, int] = {}
        for first, end, sheet in self.sheets:
            n = int(mask[first:end].sum())
            if n:
                out[sheet or ""] = out.get(sheet or "", 0) + n
        return out

    @property
    def has_sheets(self) -> bool:
        return any(sheet for _, _, sheet in self.sheets)

    @property
    def row_numbers(self) -> np.ndarray:
        """Each staged row's row number, by position."""
        return np.concatenate(self._numbers) if self._numbers else np.empty(0, dtype="int64")

    def positions_of(self, hashes: np.ndarray) -> np.ndarray:
        """The staged position of the row with each of these row hashes, or -1 where none has it (a file's
        staged rows have distinct hashes: its exact copies were dropped before staging)."""
        staged = np.concatenate(self._hashes) if self._hashes else np.empty(0, dtype="int64")
        out = np.full(len(hashes), -1, dtype="int64")
        if not len(staged) or not len(hashes):
            return out
        order = np.argsort(staged, kind="stable")
        ordered = staged[order]
        at = np.minimum(np.searchsorted(ordered, hashes), len(ordered) - 1)
        hit = ordered[at] == hashes
        out[hit] = order[at[hit]]
        return out

    def sheets_at(self, positions: np.ndarray) -> np.ndarray:
        """The sheet ('' for none) of the staged rows at these positions."""
        out = np.full(len(positions), "", dtype=object)
        for first, end, sheet in self.sheets:
            if sheet:
                out[(positions >= first) & (positions < end)] = sheet
        return out

    def any_sample(self, mask: np.ndarray) -> bool:
        if not self._sample:
            return False
        return bool((np.concatenate(self._sample) & mask).any())

    def found_in(self, other: sa.Table, source: str, where: str = "", params: dict | None = None,
                 among: np.ndarray | None = None) -> np.ndarray:
        """Mask of the staged rows whose row_hash `other` already holds for `source` (and `where`, a condition on
        its rows `o`): a join on the other table's hash index, so nothing stored is read into Python. With
        `among`, only those staged rows are looked up (the others are False)."""
        mask = np.zeros(self.n, dtype=bool)
        if self.n == 0 or (among is not None and not among.any()):
            return mask
        chosen = "" if among is None else f"{self._where(among)} AND "  # its positions are made first
        found = read_column_ints(self.conn, f'SELECT s._pos FROM {self.name} s WHERE {chosen}EXISTS (SELECT 1 FROM '
                                 f'"{other.name}" o WHERE o.row_hash = s.row_hash AND o.source = :source'
                                 f'{" AND " + where if where else ""})', {"source": source, **(params or {})})
        mask[found] = True
        return mask

    def close(self) -> None:
        if self._adbc is not None:
            with contextlib.suppress(Exception):
                self._adbc.close()
            self._adbc = None
        if self._pg_made:  # a temporary table lives as long as the pooled connection: drop it
            with contextlib.suppress(sa.exc.DBAPIError):
                self.conn.rollback()
                self.conn.exec_driver_sql("DROP TABLE IF EXISTS jc_stage")
                self.conn.exec_driver_sql("DROP TABLE IF EXISTS jc_pick")
                self.conn.commit()
            self._pg_made = False
        if self._attached:
            with contextlib.suppress(sa.exc.OperationalError):
                self.conn.rollback()
                self.conn.exec_driver_sql("DETACH DATABASE jc_stage")
                self.conn.commit()
            with contextlib.suppress(Exception):
                self._cache(-NORMAL_CACHE_KB)
            self._attached = False
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


def _stage_table(table: sa.Table, columns: list[str]) -> sa.Table:
    """PostgreSQL's staging table: the staged columns of `table` and each row's position."""
    return sa.Table("jc_stage", sa.MetaData(), *[sa.Column(c, table.c[c].type) for c in columns],
                    sa.Column("_pos", sa.BigInteger), prefixes=["TEMPORARY"])


@contextlib.contextmanager
def staged(conn: sa.Connection, table: sa.Table, df: pd.DataFrame | None = None,
           expected_bytes: int = 0) -> Iterator[Staged]:
    """A stage for rows bound for `table`: append chunks, `ready()`, then insert inside `with conn.begin():`."""
    stage = Staged(conn, table, df, expected_bytes)
    try:
        yield stage
    finally:
        stage.close()


def read_int_columns(conn: sa.Connection, sql: str, params: dict, width: int) -> list[np.ndarray]:
    """`width` integer columns of a query (no NULLs), fetched through the driver's own cursor: a million rows
    as SQLAlchemy Rows cost a second more than the tuples."""
    text = sa.text(sql).compile(dialect=conn.dialect)
    values = text.construct_params(params)
    bound = [values[name] for name in text.positiontup] if text.positiontup else values
    cur = conn.connection.dbapi_connection.cursor()
    try:
        cur.execute(str(text), bound)
        rows = cur.fetchall()
    finally:
        cur.close()
    table = np.array(rows, dtype="int64").reshape(len(rows), width)
    return [table[:, i].copy() for i in range(width)]


def read_column_ints(conn: sa.Connection, sql: str, params: dict) -> np.ndarray:
    """One integer column, fetched without building a DataFrame."""
    return read_int_columns(conn, sql, params, 1)[0]
