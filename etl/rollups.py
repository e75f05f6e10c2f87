"""Small summary tables so that the dashboard never scans incidents.

Rollups are kept per load batch: replacing a file replaces only its own rows,
and the dashboard sums over batches. They are computed in pandas from the
rows being loaded (no second pass over the database).
"""
from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from etl import schema
from etl.bulk import insert_frame

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _measures(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "n": 1,
        "n_combined": df["counts_in_combined"].astype("int64"),
        "loss_usd": df["loss_usd"].fillna(0.0).astype("float64"),
        "loss_known": df["loss_usd"].notna().astype("int64"),
        "injured": df["injured"].fillna(0).astype("int64"),
        "killed": df["killed"].fillna(0).astype("int64"),
        "weapon_shown": df["weapon_shown"].fillna(False).astype("int64"),
    }, index=df.index)


def compute(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Incident rows (with batch_id and counts_in_combined) -> one frame per rollup table."""
    if df.empty:
        return {t.name: pd.DataFrame() for t in schema.ROLLUPS}
    keys = pd.DataFrame({
        "batch_id": df["batch_id"].astype("int64"),
        "source": df["source"].astype("str"),
        "is_sample": df["is_sample"].astype(bool),
        "year": df["year"].astype("int64"),
        "half": df["half"].astype("int64"),
        "month": df["month"].astype("int64"),
        "country": df["country"].astype("str"),
        "region_code": df["region_code"].astype("str"),
        "category": df["category"].astype("str"),
        "subtype": df["subtype"].fillna("").astype("str"),
        "crimes_against": df["crimes_against"].fillna("").astype("str"),
        "is_major_city": df["is_major_city"].astype(bool),
    }, index=df.index)
    base = pd.concat([keys, _measures(df)], axis=1)
    common = ["batch_id", "source", "is_sample", "year"]
    out = {
        "rollup_region": base.groupby(common + ["half", "country", "region_code", "category", "subtype",
                                                "crimes_against", "is_major_city"], sort=False, observed=True)
        [["n", "n_combined", "loss_usd", "loss_known", "injured", "killed", "weapon_shown"]].sum().reset_index(),
        "rollup_month": base.groupby(common + ["month", "country", "category", "subtype", "crimes_against",
                                               "is_major_city"], sort=False, observed=True)
        [["n", "n_combined", "loss_usd", "loss_known", "injured", "killed", "weapon_shown"]].sum().reset_index(),
    }
    weekday = pd.Series(pd.to_datetime(df["occurred_on"]).dt.dayofweek, index=df.index).map(dict(enumerate(WEEKDAYS)))
    dims = {
        "hour": df["hour"].astype("Int64").astype("str").where(df["hour"].notna()),
        "time_of_day": df["time_of_day"],
        "location_type": df["location_type"],
        "weekday": weekday,
    }
    parts = []
    pk = keys[["batch_id", "source", "is_sample", "year", "region_code", "category"]]
    for dim, values in dims.items():
        ok = values.notna().to_numpy()
        if not ok.any():
            continue
        part = pk[ok].assign(dimension=dim, value=values[ok].astype("str"), n=1,
                             n_combined=df["counts_in_combined"][ok].astype("int64"))
        parts.append(part.groupby(["batch_id", "source", "is_sample", "year", "region_code", "category",
                                   "dimension", "value"], sort=False)[["n", "n_combined"]].sum().reset_index())
    out["rollup_pattern"] = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return out


def write(conn: sa.Connection, frames: dict[str, pd.DataFrame]) -> None:
    for table in schema.ROLLUPS:
        frame = frames.get(table.name)
        if frame is not None and not frame.empty:
            insert_frame(conn, table, frame)


def delete_batches(conn: sa.Connection, batch_ids: list[int]) -> None:
    if not batch_ids:
        return
    for table in schema.ROLLUPS:
        conn.execute(table.delete().where(table.c.batch_id.in_(batch_ids)))


ROLLUP_SOURCE_COLUMNS = ["batch_id", "source", "is_sample", "year", "half", "month", "country", "region_code",
                         "category", "subtype", "crimes_against", "is_major_city", "counts_in_combined", "loss_usd",
                         "injured", "killed", "weapon_shown", "occurred_on", "hour", "time_of_day", "location_type"]


def rebuild_batches(conn: sa.Connection, batch_ids: list[int]) -> None:
    """Recompute the rollups of some batches from their stored rows."""
    if not batch_ids:
        return
    inc = schema.incident
    delete_batches(conn, batch_ids)
    query = sa.select(*[inc.c[c] for c in ROLLUP_SOURCE_COLUMNS]).where(inc.c.batch_id.in_(batch_ids))
    df = pd.read_sql_query(query, conn)
    for col in ("is_sample", "is_major_city", "counts_in_combined"):
        df[col] = df[col].astype(bool)
    df["weapon_shown"] = df["weapon_shown"].astype("boolean")
    write(conn, compute(df))


def rebuild_for_source(conn: sa.Connection, source: str) -> None:
    """Recompute the rollups of every batch of one source (used after relinking)."""
    inc = schema.incident
    batch_ids = [r[0] for r in conn.execute(sa.select(inc.c.batch_id).where(inc.c.source == source).distinct())]
    b = schema.load_batch
    stale = [r[0] for r in conn.execute(sa.select(b.c.batch_id).where(b.c.source == source))]
    delete_batches(conn, stale)
    rebuild_batches(conn, batch_ids)
