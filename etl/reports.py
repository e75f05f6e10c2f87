"""Read-backs of what the ETL did: quarantined, skipped and noted rows, incidents, load batches."""
from __future__ import annotations

import json

import pandas as pd
import sqlalchemy as sa

from etl import schema


def _current(query: sa.Select, table: sa.Table) -> sa.Select:
    b = schema.load_batch
    return query.join(b, b.c.batch_id == table.c.batch_id).where(b.c.is_current)


def quarantined_rows(engine: sa.Engine) -> pd.DataFrame:
    q, b = schema.quarantine, schema.load_batch
    query = _current(sa.select(b.c.file_name.label("file"), q.c.sheet, q.c.batch_id, q.c.row_number.label("row"),
                               q.c.reasons, q.c.raw), q).order_by(b.c.file_name, q.c.quarantine_id)
    with engine.connect() as conn:
        df = pd.read_sql_query(query, conn)
    df["reasons"] = df["reasons"].map(lambda r: "; ".join(json.loads(r)))
    return df


def noted_cells(engine: sa.Engine) -> pd.DataFrame:
    """Cells of loaded rows that could not be read as written: file, sheet, row, column, value, note."""
    n, b = schema.load_note, schema.load_batch
    query = _current(sa.select(b.c.file_name.label("file"), n.c.sheet, n.c.batch_id, n.c.row_number.label("row"),
                               n.c.column, n.c.value, n.c.note), n).order_by(b.c.file_name, n.c.note_id)
    with engine.connect() as conn:
        return pd.read_sql_query(query, conn)


def skipped_rows(engine: sa.Engine) -> pd.DataFrame:
    """Rows that were not data (blank, a repeated header, totals), with the reason."""
    s, b = schema.skipped_row, schema.load_batch
    query = _current(sa.select(b.c.file_name.label("file"), s.c.sheet, s.c.batch_id, s.c.row_number.label("row"),
                               s.c.reason, s.c.raw), s).order_by(b.c.file_name, s.c.skipped_id)
    with engine.connect() as conn:
        return pd.read_sql_query(query, conn)


INCIDENT_LIST_COLUMNS = ("incident_id", "source", "source_record_id", "occurred_on", "hour", "region_code", "country",
                         "city", "category", "subtype", "loss_usd", "location_type", "latitude", "longitude",
                         "description", "is_sample")


def incident_rows(engine: sa.Engine, source: str | None = None, region: str | None = None,
                  year_from: int | None = None, year_to: int | None = None, category: str | None = None,
                  limit: int | None = None) -> pd.DataFrame:
    """Loaded incident rows with the file, sheet and row number each came from; filters are bound parameters."""
    i, b = schema.incident, schema.load_batch
    cols = [i.c[c] for c in INCIDENT_LIST_COLUMNS]
    query = (sa.select(*cols, b.c.file_name.label("file"), i.c.sheet, i.c.row_number.label("row"), i.c.extra)
             .join(b, b.c.batch_id == i.c.batch_id).where(b.c.is_current))
    if source:
        query = query.where(sa.func.lower(i.c.source) == source.lower())
    if region:
        query = query.where(i.c.region_code == region.upper())
    if year_from is not None:
        query = query.where(i.c.year >= year_from)
    if year_to is not None:
        query = query.where(i.c.year <= year_to)
    if category:
        query = query.where(i.c.category == category)
    query = query.order_by(b.c.file_name, i.c.incident_id)  # the file's own order, sheets as in the workbook
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        return pd.read_sql_query(query, conn)


def sources(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(sa.select(schema.incident.c.source).distinct().order_by(schema.incident.c.source))]


def batches(engine: sa.Engine, current_only: bool = True) -> pd.DataFrame:
    b = schema.load_batch
    query = sa.select(b).order_by(b.c.batch_id)
    if current_only:
        query = query.where(b.c.is_current)
    with engine.connect() as conn:
        return pd.read_sql_query(query, conn)
