"""Read-backs of what the ETL did: quarantined rows and load batches."""
from __future__ import annotations

import json

import pandas as pd
import sqlalchemy as sa

from etl import schema


def quarantined_rows(engine: sa.Engine) -> pd.DataFrame:
    q, b = schema.quarantine, schema.load_batch
    query = (sa.select(b.c.file_name.label("file"), q.c.batch_id, q.c.row_number.label("row"), q.c.reasons, q.c.raw)
             .join(b, b.c.batch_id == q.c.batch_id).where(b.c.is_current)
             .order_by(b.c.file_name, q.c.row_number))
    with engine.connect() as conn:
        df = pd.read_sql_query(query, conn)
    df["reasons"] = df["reasons"].map(lambda r: "; ".join(json.loads(r)))
    return df


def batches(engine: sa.Engine, current_only: bool = True) -> pd.DataFrame:
    b = schema.load_batch
    query = sa.select(b).order_by(b.c.batch_id)
    if current_only:
        query = query.where(b.c.is_current)
    with engine.connect() as conn:
        return pd.read_sql_query(query, conn)
