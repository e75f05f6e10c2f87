"""Small summary tables so that the dashboard never scans incidents.

Each rollup holds one row per group (source x year x region x category x ...),
however many files were loaded. Loading a file adds its groups' counts to the
stored ones (an upsert); replacing a file first subtracts the groups of its
old rows, and relinking claims applies the difference it made. The groups are
computed in pandas from the rows being loaded or removed (no pass over the
whole incident table), so the invariant is: every rollup equals compute() of
the current incident rows.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa

from etl import schema
from etl.bulk import Staged, insert_frame

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


def compute(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Incident rows (with counts_in_combined) -> one frame of groups per rollup table."""
    if df.empty:
        return {t.name: pd.DataFrame() for t in schema.ROLLUPS}
    keys = pd.DataFrame({
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
    common = ["source", "is_sample", "year"]

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
    pk = keys[["source", "is_sample", "year", "region_code", "category"]]
    pk = pk.assign(n=1, n_combined=base["n_combined"])
    for dim, values in dims.items():
        ok = values.notna().to_numpy()
        if not ok.any():
            continue
        part = pk[ok].assign(dimension=dim, value=_key(values[ok].astype("str") if not isinstance(
            values.dtype, pd.CategoricalDtype) else values[ok]))
        parts.append(total(["source", "is_sample", "year", "region_code", "category", "dimension", "value"],
                           part, ["n", "n_combined"]))
    out["rollup_pattern"] = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    # the nation's groups from the regions' (a few thousand groups, not the rows)
    # and the regions' years without the half and the major-city flag
    for coarser, of in (("rollup_nation", "rollup_region"), ("rollup_nation_month", "rollup_month"),
                        ("rollup_region_year", "rollup_region")):
        out[coarser] = total(schema.ROLLUP_KEYS[coarser], out[of])
    return out


def _measures_of(table: sa.Table) -> list[str]:
    return [c.name for c in table.c if c.name not in schema.ROLLUP_KEYS[table.name]]


def add(conn: sa.Connection, frames: dict[str, pd.DataFrame], sign: int = 1,
        staged: dict[str, str] | None = None) -> None:
    """Add (sign 1) or subtract (sign -1) groups into the stored rollups: one upsert per table through a
    temporary table, so the rows cross to the database in bulk. Groups left at zero incidents are removed.
    `staged` names tables already in the database that hold a rollup's frame as it is (see
    `bulk.Staged.side_table`): those are read in place instead."""
    for table in schema.ROLLUPS:
        frame = frames.get(table.name)
        if frame is None or frame.empty:
            continue
        keys, measures = schema.ROLLUP_KEYS[table.name], _measures_of(table)
        columns = ", ".join(f'"{c}"' for c in [*keys, *measures])
        updates = ", ".join(f'"{m}" = "{table.name}"."{m}" + excluded."{m}"' for m in measures)
        signed = ", ".join([*(f'"{k}"' for k in keys), *(f'"{m}" * {int(sign)}' for m in measures)])
        # WHERE true: SQLite's parser needs it between INSERT ... SELECT and ON CONFLICT
        upsert = (f'INSERT INTO "{table.name}" ({columns}) SELECT {signed} FROM {{source}} WHERE true '
                  f'ON CONFLICT ({", ".join(chr(34) + k + chr(34) for k in keys)}) DO UPDATE SET {updates}')
        if staged and table.name in staged:
            conn.exec_driver_sql(upsert.format(source=staged[table.name]))
        else:
            temp = sa.Table(f"jc_add_{table.name}", sa.MetaData(), *[sa.Column(c.name, c.type) for c in table.c],
                            prefixes=["TEMPORARY"])
            temp.create(conn)
            try:
                insert_frame(conn, temp, frame)
                conn.exec_driver_sql(upsert.format(source=f'"{temp.name}"'))
            finally:
                temp.drop(conn)
        if sign != 1:
            conn.execute(table.delete().where(table.c.n <= 0))


def stage_groups(stage: Staged, frames: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Each rollup's frame as a table of the staging file (before the load's transaction), for `add`."""
    out = {}
    for table in schema.ROLLUPS:
        frame = frames.get(table.name)
        if frame is not None and not frame.empty:
            name = stage.side_table(f"groups_{table.name}", table, frame)
            if name is not None:
                out[table.name] = name
    return out


def write(conn: sa.Connection, frames: dict[str, pd.DataFrame], staged: dict[str, str] | None = None) -> None:
    """Add the groups of newly loaded rows (`staged`: see `add`)."""
    add(conn, frames, 1, staged)


def combine(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """a + b, group by group (the groups of two chunks of rows as the groups of both)."""
    out = {}
    for table in schema.ROLLUPS:
        parts = [f for f in (a.get(table.name), b.get(table.name)) if f is not None and not f.empty]
        if len(parts) == 1:
            out[table.name] = parts[0]
        elif parts:
            out[table.name] = group_sum(pd.concat(parts, ignore_index=True), schema.ROLLUP_KEYS[table.name],
                                        _measures_of(table))
    return out


def difference(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """after - before, group by group (groups whose every measure is unchanged are dropped)."""
    out = {}
    for table in schema.ROLLUPS:
        b, a = before.get(table.name), after.get(table.name)
        parts = [f for f in (a, None if b is None or b.empty else b.assign(
            **{m: -b[m] for m in _measures_of(table)})) if f is not None and not f.empty]
        if not parts:
            continue
        keys, measures = schema.ROLLUP_KEYS[table.name], _measures_of(table)
        summed = group_sum(pd.concat(parts, ignore_index=True), keys, measures)
        changed = (summed[measures] != 0).any(axis=1)
        out[table.name] = summed[changed].reset_index(drop=True)
    return out


ROLLUP_SOURCE_COLUMNS = ["source", "is_sample", "year", "half", "month", "country", "region_code",
                         "category", "subtype", "crimes_against", "is_major_city", "counts_in_combined", "loss_usd",
                         "injured", "killed", "weapon_shown", "occurred_on", "hour", "time_of_day", "location_type"]


def stored(conn: sa.Connection, where: sa.ColumnElement) -> dict[str, pd.DataFrame]:
    """The groups of the stored incident rows that match `where` (what they add to the rollups)."""
    inc = schema.incident
    df = pd.read_sql_query(sa.select(*[inc.c[c] for c in ROLLUP_SOURCE_COLUMNS]).where(where), conn)
    return compute(normalise(df))


def normalise(df: pd.DataFrame) -> pd.DataFrame:
    """Rows read back from the database in the types compute() takes (SQLite gives booleans as 0/1)."""
    for col in ("is_sample", "is_major_city", "counts_in_combined"):
        df[col] = df[col].astype(bool)
    df["weapon_shown"] = df["weapon_shown"].astype("boolean")
    return df


def subtract_batches(conn: sa.Connection, batch_ids: list[int]) -> None:
    """Take out what some batches' rows add (before those rows are deleted)."""
    if batch_ids:
        add(conn, stored(conn, schema.incident.c.batch_id.in_(batch_ids)), -1)
