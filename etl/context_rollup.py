"""The general-crime rollup: every measure of the crosswalk worked out per dataset, place and year, when a
file is loaded (table `rollup_context`), so that the dashboard and `jewelcrime context` read a few hundred
finished rows instead of redoing the crosswalk, releases and populations on every request.

It is rebuilt whole inside the transaction of every load that writes a general-crime table, a population or
the crosswalk: what it holds is always what the current batches say.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa

from etl import schema
from etl.context import MEASURES, ROW_COLUMNS, preferred_rows, ranked_rows

# loading any of these tables can change a general-crime figure
FEEDS = ("context_crime", "context_population", "crime_crosswalk")


def rebuild(conn: sa.Connection) -> int:
    """Replace the rollup with every measure's rows from the current batches; returns the rows written."""
    r = schema.rollup_context
    conn.execute(r.delete())
    frames = [_with_ranks(compute_measure_rows(conn, m)).assign(measure=m) for m in MEASURES]
    rows = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else None
    if rows is None:
        return 0
    rows = rows.astype(object).where(rows.notna(), None)
    conn.execute(r.insert(), rows[["measure", *ROW_COLUMNS, "preferred", "rank", "ranked"]].to_dict("records"))
    return len(rows)


def _with_ranks(rows: pd.DataFrame) -> pd.DataFrame:
    """Mark the row each state or province is shown with in a year (preferred) and rank those rows."""
    rows = rows.assign(preferred=False, rank=pd.NA, ranked=pd.NA)
    places = rows[rows["region_code"].notna()]
    if places.empty:
        return rows
    shown = preferred_rows(places)
    ranked = ranked_rows(shown)
    rows.loc[ranked.index, "preferred"] = True
    rows.loc[ranked.index, "rank"] = ranked["rank"].astype(object)
    rows.loc[ranked.index, "ranked"] = ranked["ranked"].astype(object)
    return rows


def _release_end(release: pd.Series) -> pd.Series:
    """'1979-2024' -> 2024, '2023' -> 2023: the last year a release covers orders releases."""
    return pd.to_numeric(release.astype("str").str.extract(r"(\d{4})\D*$", expand=False), errors="coerce")


def _crosswalk(conn: sa.Connection, measure: str) -> pd.DataFrame:
    x = schema.crime_crosswalk
    walk = pd.read_sql_query(sa.select(x.c.dataset, x.c.offense, x.c.alternative_to, x.c.cross_border_comparable,
                                       x.c.note).where(x.c.measure == measure), conn)
    walk["alternative_to"] = walk["alternative_to"].where(walk["alternative_to"].fillna("").str.strip() != "")
    return walk


def _one_line_per_slot(df: pd.DataFrame, walk: pd.DataFrame) -> pd.DataFrame:
    """Each offense row gets its slot (the total line it is, or stands in for); a detail line is dropped
    where the same file has the total for that place and year, so nothing is counted twice."""
    stands_in = walk.dropna(subset=["alternative_to"]).set_index(["dataset", "offense"])["alternative_to"]
    keys = pd.MultiIndex.from_arrays([df["dataset"], df["offense"]])
    df = df.assign(slot=pd.Series(stands_in.reindex(keys).to_numpy(), index=df.index).fillna(df["offense"]))
    detail = df["slot"] != df["offense"]
    if not detail.any():
        return df
    at = ["batch_id", "year", "region_code", "slot"]
    totals = df.loc[~detail, at].fillna({"region_code": ""}).drop_duplicates().assign(has_total=True)
    joined = df[at].fillna({"region_code": ""}).merge(totals, on=at, how="left")
    covered = joined["has_total"].fillna(False).astype(bool).to_numpy()
    return df[~(detail.to_numpy() & covered)]


def _populations(conn: sa.Connection) -> pd.DataFrame:
    """context_population (Statistics Canada estimates), newest release per place and year."""
    p, b = schema.context_population, schema.load_batch
    df = pd.read_sql_query(sa.select(p.c.release, p.c.year, p.c.region_code, p.c.population, p.c.batch_id)
                           .join(b, b.c.batch_id == p.c.batch_id).where(b.c.is_current), conn)
    if df.empty:
        return pd.DataFrame(columns=["year", "region_code", "population"])
    df["release_end"] = _release_end(df["release"])
    df = df.sort_values(["release_end", "batch_id"]).drop_duplicates(["year", "region_code"], keep="last")
    return df[["year", "region_code", "population"]]


def compute_measure_rows(conn: sa.Connection, measure: str) -> pd.DataFrame:
    """One row per dataset, year and place (region_code NULL: the nation) for one measure, newest release only
    (chosen per place: the newest file that has the place).

    Counts of the offenses the crosswalk maps to the measure are added up (theft over and under $5,000);
    so are published rates, which share one population. A place that lacks one of the offenses the measure
    adds up, or whose count of one is not available, has no count (never a part counted as the whole).
    `population` is the one the source gives (the covered population, for NIBRS), else the Statistics Canada
    estimate of that place and year where loaded; `rate` is the published rate, else the count per 100,000
    of that population.
    """
    c, x, b = schema.context_crime, schema.crime_crosswalk, schema.load_batch
    group = (c.c.dataset, c.c.source, c.c.release, c.c.year, c.c.country, c.c.region_code, c.c.batch_id)
    # one row per offense, place, year and batch: a total line and its detail line must be told apart here
    q = (sa.select(*group, c.c.offense, sa.func.sum(c.c.count).label("count"),
                   sa.func.count(c.c.count).label("n_count"), sa.func.sum(c.c.rate_per_100k).label("rate_published"),
                   sa.func.count(c.c.rate_per_100k).label("n_rate"), sa.func.max(c.c.population).label("population"),
                   sa.func.count().label("n_rows"))
         .join(x, sa.and_(x.c.dataset == c.c.dataset, x.c.offense == c.c.offense))
         .join(b, b.c.batch_id == c.c.batch_id)
         .where(b.c.is_current, x.c.measure == measure).group_by(*group, c.c.offense))
    df = pd.read_sql_query(q, conn)
    walk = _crosswalk(conn, measure) if len(df) else None
    people = _populations(conn) if len(df) else None
    keys = ["dataset", "source", "release", "year", "country", "region_code"]
    columns = ROW_COLUMNS
    if df.empty or walk is None:
        return pd.DataFrame({k: pd.Series(dtype="float64" if k in ("count", "rate_published", "population", "rate")
                                          else "object") for k in columns})
    df["region_code"] = df["region_code"].astype(object).where(df["region_code"].notna(), None)
    df = _one_line_per_slot(df, walk)
    places = [*keys, "batch_id"]
    g = df.groupby(places, dropna=False, sort=False)
    df = pd.DataFrame({"count": g["count"].sum(min_count=1), "n_count": g["n_count"].sum(),
                       "rate_published": g["rate_published"].sum(min_count=1), "n_rate": g["n_rate"].sum(),
                       "population": g["population"].max(), "n_rows": g["n_rows"].sum(),
                       "offenses": g["slot"].nunique()}).reset_index()
    # newest release per dataset, year and place (a later batch of the same release wins); per place, so a
    # download of a few provinces leaves the others' figures from the fuller file in place
    df["release_end"] = _release_end(df["release"])
    df = (df.sort_values(["release_end", "batch_id"])
          .drop_duplicates(["dataset", "year", "region_code"], keep="last").reset_index(drop=True))
    primary = walk[walk["alternative_to"].isna()]
    needed = df["dataset"].map(primary.groupby("dataset")["offense"].nunique())
    whole = df["offenses"] >= needed
    df["count"] = df["count"].where(whole & (df["n_count"] == df["n_rows"]))
    df["rate_published"] = df["rate_published"].where(whole & (df["n_rate"] == df["n_rows"]))
    info = primary.groupby("dataset").agg(comparable=("cross_border_comparable", "all"),
                                       note=("note", lambda s: "; ".join(dict.fromkeys(s.dropna()))))
    df["comparable"] = df["dataset"].map(info["comparable"]).fillna(False).astype(bool)
    df["note"] = df["dataset"].map(info["note"])
    df["population"] = pd.to_numeric(df["population"], errors="coerce").astype("float64")
    if people is not None and len(people):
        fill = pd.MultiIndex.from_arrays([df["year"], df["region_code"]]).map(
            people.set_index(["year", "region_code"])["population"].to_dict())
        df["population"] = df["population"].fillna(pd.Series(np.asarray(fill, dtype="float64"), index=df.index))
    computed = df["count"] / df["population"].where(df["population"] > 0) * 100_000
    df["rate"] = df["rate_published"].fillna(computed)
    df["year"] = df["year"].astype("int64")
    return df[columns].sort_values(["dataset", "year", "region_code"], na_position="first").reset_index(drop=True)
