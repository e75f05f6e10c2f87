"""Fast inserts of a DataFrame on an open connection (inside its transaction).

The only place that knows which database it talks to: SQLite gets one
executemany of column-wise lists (pandas' own to_sql through SQLAlchemy is
about 3x slower), PostgreSQL gets COPY. Anything else falls back to Core.
"""
from __future__ import annotations

import itertools
from typing import Iterable, Iterator

import numpy as np
import pandas as pd
import sqlalchemy as sa


def _column_values(s: pd.Series, sql_type: sa.types.TypeEngine) -> Iterable:
    n = len(s)
    if n == 0:
        return []
    if isinstance(sql_type, sa.Date):
        if pd.api.types.is_datetime64_any_dtype(s):
            text = s.dt.strftime("%Y-%m-%d")
            return text.astype(object).where(text.notna(), None).tolist()
    if isinstance(sql_type, sa.DateTime):
        return s.astype(object).where(s.notna(), None).tolist()
    nulls = s.isna()
    if nulls.all():
        return itertools.repeat(None, n)
    if isinstance(sql_type, sa.Boolean):
        if not nulls.any():
            return s.astype(bool).tolist()
        return s.astype(object).where(~nulls, None).map(lambda v: None if v is None else bool(v)).tolist()
    if isinstance(sql_type, (sa.Integer, sa.SmallInteger, sa.BigInteger)):
        if not nulls.any():
            return s.astype("int64").tolist()
        return s.astype(object).where(~nulls, None).map(lambda v: None if v is None else int(v)).tolist()
    if isinstance(sql_type, sa.Float):
        values = s.astype("float64")
        if not nulls.any():
            return values.tolist()
        return values.astype(object).where(~nulls, None).tolist()
    if not nulls.any():
        return s.astype(str).tolist()
    return s.astype(object).where(~nulls, None).tolist()


def _rows(table: sa.Table, df: pd.DataFrame, columns: list[str]) -> Iterator[tuple]:
    lists = [_column_values(df[c], table.c[c].type) for c in columns]
    return zip(*lists)


def insert_frame(conn: sa.Connection, table: sa.Table, df: pd.DataFrame) -> int:
    """Insert every row of df (its columns named as the table's) and return the count."""
    if df.empty:
        return 0
    columns = [c for c in df.columns if c in table.c]
    dialect = conn.dialect.name
    rows = _rows(table, df, columns)
    dbapi = conn.connection.dbapi_connection
    if dialect == "sqlite":
        placeholders = ", ".join("?" for _ in columns)
        sql = f'INSERT INTO "{table.name}" ({", ".join(chr(34) + c + chr(34) for c in columns)}) VALUES ({placeholders})'
        cur = dbapi.cursor()
        try:
            cur.executemany(sql, rows)
        finally:
            cur.close()
    elif dialect == "postgresql":
        cols = ", ".join(f'"{c}"' for c in columns)
        with dbapi.cursor() as cur:
            with cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
    else:  # pragma: no cover - other databases are not supported targets
        conn.execute(table.insert(), [dict(zip(columns, r)) for r in rows])
    return len(df)


def read_column_ints(conn: sa.Connection, sql: str, params: dict) -> np.ndarray:
    """One integer column, fetched without building a DataFrame."""
    result = conn.execute(sa.text(sql), params)
    return np.fromiter((r[0] for r in result), dtype="int64")
