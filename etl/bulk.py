"""Fast inserts of a DataFrame on an open connection, inside its transaction.

The only module that knows which database it talks to:
- SQLite: big frames are written by ADBC's C driver into a private staging
  file, which is ATTACHed and copied with one INSERT ... SELECT inside the
  caller's transaction (binding a million rows from Python costs ~10 s;
  this costs ~3); small frames use one executemany of column-wise lists.
- PostgreSQL: COPY through psycopg.
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

STAGE_MIN_ROWS = 20_000  # below this, plain executemany is as fast and simpler


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


def _stage_dir(rows: int) -> str | None:
    """Memory-backed /dev/shm for the throw-away staging file when it has room (about 1 KB a row is plenty)."""
    shm = Path("/dev/shm")
    try:
        if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > rows * 1024 + (256 << 20):
            return str(shm)
    except OSError:
        pass
    return None


def _remove_orphans(folder: Path) -> None:
    """Staging files left by a killed load (their process is gone) would hold memory in /dev/shm."""
    from etl.staging import remove_orphans

    remove_orphans([folder])


class Staged:
    """Rows prepared before the transaction, inserted inside it by `insert`."""

    def __init__(self, conn: sa.Connection, table: sa.Table, df: pd.DataFrame):
        self.conn, self.table = conn, table
        self.frame = _prepare(table, df).reset_index(drop=True)
        self.path: Path | None = None
        self._keys_made = False
        if conn.dialect.name == "sqlite" and len(self.frame) >= STAGE_MIN_ROWS:
            self._stage_sqlite()

    def _stage_sqlite(self) -> None:
        import adbc_driver_sqlite.dbapi as adbc

        folder = _stage_dir(len(self.frame))
        _remove_orphans(Path(folder or tempfile.gettempdir()))
        fd, name = tempfile.mkstemp(prefix=f"jewelcrime-stage-{os.getpid()}-", suffix=".sqlite", dir=folder)
        os.close(fd)
        os.unlink(name)
        self.path = Path(name)
        arrow = pa.Table.from_pandas(self.frame.assign(_pos=np.arange(len(self.frame))), preserve_index=False)
        # Categorical columns arrive as Arrow dictionaries, which the driver does not take: decode in C
        arrow = arrow.cast(pa.schema([pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
                                      for f in arrow.schema]))
        arrow = arrow.cast(pa.schema([pa.field(f.name, pa.string() if pa.types.is_null(f.type) else f.type)
                                      for f in arrow.schema]))
        with adbc.connect(str(self.path)) as stage:
            with stage.cursor() as cur:
                cur.adbc_ingest("stage", arrow, mode="create")
            stage.commit()
        # ATTACH must come before the transaction writes anything
        self.conn.exec_driver_sql("ATTACH DATABASE ? AS jc_stage", (str(self.path),))
        self.conn.commit()

    def insert(self, constants: dict[str, Any], skip: np.ndarray | None = None) -> int:
        """Insert the staged rows (minus positions where skip is true) with constant extra columns."""
        keep = np.ones(len(self.frame), dtype=bool) if skip is None else ~skip
        if self.path is None:
            frame = self.frame[keep].assign(**constants)
            return insert_frame(self.conn, self.table, frame)
        dropped = np.flatnonzero(~keep)
        where = ""
        if len(dropped):
            self.conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS jc_skip (pos INTEGER PRIMARY KEY)")
            self.conn.exec_driver_sql("DELETE FROM jc_skip")
            self.conn.connection.dbapi_connection.executemany("INSERT INTO jc_skip VALUES (?)", ((int(p),) for p in dropped))
            where = " WHERE _pos NOT IN (SELECT pos FROM jc_skip)"
        names = list(self.frame.columns)
        target = ", ".join(f'"{c}"' for c in [*constants, *names])
        source = ", ".join([*(f":{k}" for k in constants), *(f'"{c}"' for c in names)])
        self.conn.execute(sa.text(f'INSERT INTO "{self.table.name}" ({target}) SELECT {source} FROM jc_stage.stage{where}'),
                          constants)
        return int(keep.sum())

    def keys_table(self) -> str:
        """A table the database can join on, holding each staged row's `_pos`, `row_hash`, `sheet` and
        `row_number`: the staging file on SQLite; otherwise a temporary table, made once per stage."""
        if self.path is not None:
            return "jc_stage.stage"
        if not self._keys_made:
            temp = sa.Table("jc_keys", sa.MetaData(), sa.Column("_pos", sa.Integer), sa.Column("row_hash", sa.BigInteger),
                            sa.Column("sheet", sa.Text), sa.Column("row_number", sa.Integer), prefixes=["TEMPORARY"])
            temp.create(self.conn)
            f = self.frame
            insert_frame(self.conn, temp, pd.DataFrame({
                "_pos": np.arange(len(f)), "row_hash": f["row_hash"].to_numpy(),
                "sheet": f["sheet"] if "sheet" in f.columns else None, "row_number": f["row_number"].to_numpy()}))
            self._keys_made = True
        return "jc_keys"

    def found_in(self, other: sa.Table, source: str, where: str = "", params: dict | None = None) -> np.ndarray:
        """Mask of the staged rows whose row_hash `other` already holds for `source` (and `where`, a condition on
        its rows `o`): a join on the other table's hash index, so nothing stored is read into Python."""
        found = read_column_ints(self.conn, f'SELECT s._pos FROM {self.keys_table()} s WHERE EXISTS (SELECT 1 FROM '
                                 f'"{other.name}" o WHERE o.row_hash = s.row_hash AND o.source = :source'
                                 f'{" AND " + where if where else ""})', {"source": source, **(params or {})})
        mask = np.zeros(len(self.frame), dtype=bool)
        mask[found] = True
        return mask

    def close(self) -> None:
        if self._keys_made:  # a temporary table lives as long as the pooled connection: drop it
            with contextlib.suppress(sa.exc.DBAPIError):
                self.conn.rollback()
                self.conn.exec_driver_sql("DROP TABLE IF EXISTS jc_keys")
                self.conn.commit()
            self._keys_made = False
        if self.path is None:
            return
        with contextlib.suppress(sa.exc.OperationalError):
            self.conn.exec_driver_sql("DETACH DATABASE jc_stage")
            self.conn.commit()
        self.path.unlink(missing_ok=True)
        self.path = None


@contextlib.contextmanager
def staged(conn: sa.Connection, table: sa.Table, df: pd.DataFrame) -> Iterator[Staged]:
    """Prepare df for a fast insert into table; use inside `with conn.begin():`."""
    stage = Staged(conn, table, df)
    try:
        yield stage
    finally:
        stage.close()


def read_column_ints(conn: sa.Connection, sql: str, params: dict) -> np.ndarray:
    """One integer column, fetched without building a DataFrame."""
    result = conn.execute(sa.text(sql), params)
    return np.fromiter((r[0] for r in result), dtype="int64")
