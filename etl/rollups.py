"""Small summary tables so that the dashboard never scans incidents.

Rollups are kept per load batch: replacing a file replaces only its own rows,
and the dashboard sums over batches. They are computed in pandas from the
rows being loaded (no second pass over the database).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa

from etl import schema
from etl.bulk import insert_frame

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    """A column, or an all-blank one when the source format has no such column."""
    return df[name] if name in df.columns else pd.Series(np.nan, index=df.index, dtype="float64")


def _measures(df: pd.DataFrame) -> pd.DataFrame:
    loss = _col(df, "loss_usd").astype("float64")
    counts = df["counts_in_combined"].to_numpy(dtype=bool)
    return pd.DataFrame({
        "n": np.ones(len(df), dtype=np.int64),
        "n_combined": counts.astype(np.int64),
        "loss_usd": loss.fillna(0.0).to_numpy(),
        # a claim linked to a JSA incident adds nothing to combined losses: the incident already counts
        "loss_combined": np.where(counts, loss.fillna(0.0).to_numpy(), 0.0),
        "loss_known": loss.notna().to_numpy(dtype=np.int64),
        "loss_known_combined": (loss.notna().to_numpy() & counts).astype(np.int64),
        "injured": _col(df, "injured").fillna(0).to_numpy(dtype=np.int64),
        "killed": _col(df, "killed").fillna(0).to_numpy(dtype=np.int64),
        "weapon_shown": _col(df, "weapon_shown").fillna(False).to_numpy(dtype=np.int64),
    }, index=df.index)


def _key(s: pd.Series) -> pd.Series:
    """A text key as a Categorical, blank as '' (group-by on categories is fast; NaN keys would be dropped)."""
    if not isinstance(s.dtype, pd.CategoricalDtype):
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        s = pd.Series(pd.Categorical.from_codes(codes, pd.Index(uniques, dtype="str")), index=s.index)
    if s.isna().any():
        if "" not in s.cat.categories:
            s = s.cat.add_categories("")
        s = s.fillna("")
    return s


def group_sum(frame: pd.DataFrame, by: list[str], measures: list[str]) -> pd.DataFrame:
    """frame.groupby(by)[measures].sum(), by integer codes and bincount (several times faster on a
    million rows than pandas' group-by on many keys). Key columns come back as plain values."""
    codes, labels, sizes = [], [], []
    for col in by:
        s = frame[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            c, u = s.cat.codes.to_numpy(dtype=np.int64), np.asarray(s.cat.categories, dtype=object)
        else:
            c, u = pd.factorize(s)
            c = c.astype(np.int64)
        codes.append(c)
        labels.append(u)
        sizes.append(max(len(u), 1))
    flat = np.ravel_multi_index(codes, sizes)
    keys, inverse = np.unique(flat, return_inverse=True)
    out = {}
    for col, u, c in zip(by, labels, np.unravel_index(keys, sizes)):
        values = np.asarray(u, dtype=object)[c]
        out[col] = values.astype(frame[col].dtype) if frame[col].dtype in (np.int64, np.bool_) else values
    for m in measures:
        v = frame[m].to_numpy()
        summed = np.bincount(inverse, weights=v.astype(np.float64), minlength=len(keys))
        out[m] = summed if np.issubdtype(v.dtype, np.floating) else np.rint(summed).astype(np.int64)
    result = pd.DataFrame(out)
    for col in by:
        if result[col].dtype == object:
            result[col] = result[col].astype("str")
    return result


MEASURES = ["n", "n_combined", "loss_usd", "loss_combined", "loss_known", "loss_known_combined", "injured", "killed",
            "weapon_shown"]


def compute(df: pd.DataFrame, batch_id: int | None = None) -> dict[str, pd.DataFrame]:
    """Incident rows (with counts_in_combined, and batch_id unless given) -> one frame per rollup table."""
    if df.empty:
        return {t.name: pd.DataFrame() for t in schema.ROLLUPS}
    keys = pd.DataFrame({
        "batch_id": np.full(len(df), batch_id, dtype=np.int64) if batch_id is not None
        else df["batch_id"].to_numpy(dtype=np.int64),
        "source": _key(df["source"]),
        "is_sample": df["is_sample"].to_numpy(dtype=bool),
        "year": df["year"].to_numpy(dtype=np.int64),
        "half": df["half"].to_numpy(dtype=np.int64),
        "month": df["month"].to_numpy(dtype=np.int64),
        "country": _key(df["country"]),
        "region_code": _key(df["region_code"]),
        "category": _key(df["category"]),
        "subtype": _key(df["subtype"]),
        "crimes_against": _key(df["crimes_against"]),
        "is_major_city": df["is_major_city"].to_numpy(dtype=bool),
    }, index=df.index)
    base = pd.concat([keys, _measures(df)], axis=1)
    common = ["batch_id", "source", "is_sample", "year"]

    def total(by: list[str], frame: pd.DataFrame = base, measures: list[str] = MEASURES) -> pd.DataFrame:
        return group_sum(frame, by, measures)

    out = {
        "rollup_region": total(common + ["half", "country", "region_code", "category", "subtype", "crimes_against",
                                         "is_major_city"]),
        # by region too: the trends of one or several states and provinces, month by month
        "rollup_month": total(common + ["month", "country", "region_code", "category", "subtype", "crimes_against",
                                        "is_major_city"]),
    }
    hour = _col(df, "hour")
    hour_text = np.array([str(h) for h in range(24)] + [""], dtype=object)[
        np.where(hour.isna(), 24, hour.fillna(0)).astype(np.int64)]
    days = pd.to_datetime(df["occurred_on"]).dt.dayofweek.to_numpy()
    dims = {
        "hour": pd.Series(hour_text, index=df.index).where(hour.notna().to_numpy()),
        "time_of_day": _col(df, "time_of_day"),
        "location_type": _col(df, "location_type"),
        "weekday": pd.Series(np.array(WEEKDAYS, dtype=object)[days], index=df.index),
    }
    parts = []
    pk = keys[["batch_id", "source", "is_sample", "year", "region_code", "category"]]
    pk = pk.assign(n=1, n_combined=base["n_combined"])
    for dim, values in dims.items():
        ok = values.notna().to_numpy()
        if not ok.any():
            continue
        part = pk[ok].assign(dimension=dim, value=_key(values[ok].astype("str") if not isinstance(
            values.dtype, pd.CategoricalDtype) else values[ok]))
        parts.append(total(["batch_id", "source", "is_sample", "year", "region_code", "category", "dimension", "value"],
                           part, ["n", "n_combined"]))
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
    rebuild_batches(conn, batch_ids)
