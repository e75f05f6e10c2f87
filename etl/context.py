"""General crime by state, province and year (FBI and Statistics Canada tables), read for comparison.

Every table is mapped onto a small shared set of measures by the crosswalk
(`data/raw/reference/crime_crosswalk.csv`, table `crime_crosswalk`): robbery,
burglary, theft, property crime, violent crime. Of several releases of one
table, the newest that covers a year is used, and every result says which
release it is. Used by `jewelcrime context`, the dashboard and the notebooks
alike; nothing here draws anything.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from etl import schema

MEASURES = {"robbery": "Robbery", "burglary": "Burglary (breaking and entering)", "theft": "Theft",
            "property": "Property crime", "violent": "Violent crime"}
# the jewelry categories a general measure sits beside (trends: "robbery with robbery", all types with property)
MEASURE_FOR_CATEGORY = {"robbery": "robbery", "burglary": "burglary", "theft": "theft", "all": "property"}
# below this share of residents covered, a state's NIBRS counts describe part of the state only
COVERAGE_THRESHOLD_PCT = 80.0
# where both a complete estimate and NIBRS counts exist, the complete one is shown (first wins)
PREFERRED = {"US": ("fbi-estimated", "nibrs-state"), "CA": ("statcan-crime",)}
CAVEAT = ("General crime is all crime reported in a state or province, not crime against jewelers; the U.S. and "
          "Canadian figures are counted differently and are not directly comparable across the border.")


def _release_end(release: pd.Series) -> pd.Series:
    """'1979-2024' -> 2024, '2023' -> 2023: the last year a release covers orders releases."""
    return pd.to_numeric(release.astype("str").str.extract(r"(\d{4})\D*$", expand=False), errors="coerce")


def measure_rows(engine: sa.Engine, measure: str, year: int | None = None) -> pd.DataFrame:
    """One row per dataset, year and place (region_code NULL: the nation) for one measure, newest release only.

    Counts of the offenses the crosswalk maps to the measure are added up (theft over and under $5,000);
    so are published rates, which share one population. `rate_per_100k` is the published rate, else the
    count per 100,000 of the population the source gives (the covered population, for NIBRS).
    """
    c, x, b = schema.context_crime, schema.crime_crosswalk, schema.load_batch
    q = (sa.select(c.c.dataset, c.c.source, c.c.release, c.c.year, c.c.country, c.c.region_code, c.c.count,
                   c.c.rate_per_100k, c.c.population, c.c.batch_id, x.c.cross_border_comparable, x.c.note)
         .join(x, sa.and_(x.c.dataset == c.c.dataset, x.c.offense == c.c.offense))
         .join(b, b.c.batch_id == c.c.batch_id)
         .where(b.c.is_current, x.c.measure == measure))
    if year is not None:
        q = q.where(c.c.year == year)
    with engine.connect() as conn:
        df = pd.read_sql_query(q, conn)
    if df.empty:
        return df.assign(rate=pd.Series(dtype="float64"))
    df["release_end"] = _release_end(df["release"])
    # newest release per dataset and year (a later batch of the same release wins)
    newest = df.sort_values(["release_end", "batch_id"]).groupby(["dataset", "year"])["batch_id"].transform("last")
    df = df[df["batch_id"] == newest]
    keys = ["dataset", "source", "release", "year", "country", "region_code"]
    out = df.groupby(keys, dropna=False).agg(
        count=("count", lambda s: s.sum(min_count=1) if s.notna().all() else np.nan),
        rate_published=("rate_per_100k", lambda s: s.sum(min_count=1) if s.notna().all() else np.nan),
        population=("population", "max"),
        comparable=("cross_border_comparable", "all"),
        note=("note", lambda s: "; ".join(dict.fromkeys(s.dropna()))),
    ).reset_index()
    computed = out["count"] / out["population"].where(out["population"] > 0) * 100_000
    out["rate"] = out["rate_published"].fillna(computed)
    return out


def coverage(engine: sa.Engine, year: int) -> pd.DataFrame:
    """NIBRS coverage by state for a year: percent of residents covered (published, else covered / total)."""
    p, b = schema.context_participation, schema.load_batch
    q = (sa.select(p.c.region_code, p.c.agencies, p.c.population_covered, p.c.population_total, p.c.published_percent,
                   p.c.batch_id).join(b, b.c.batch_id == p.c.batch_id)
         .where(b.c.is_current, p.c.year == year, p.c.region_code.is_not(None)).order_by(p.c.batch_id))
    with engine.connect() as conn:
        df = pd.read_sql_query(q, conn).drop_duplicates("region_code", keep="last")
        people = dict(conn.execute(sa.select(schema.region_population.c.region_code, schema.region_population.c.population)
                                   .order_by(schema.region_population.c.year)).all())
    total = df["population_total"].fillna(df["region_code"].map(people))
    df["coverage_pct"] = df["published_percent"].fillna(df["population_covered"] / total * 100)
    df["low_coverage"] = df["coverage_pct"] < COVERAGE_THRESHOLD_PCT
    return df[["region_code", "agencies", "population_covered", "coverage_pct", "low_coverage"]]


def latest_year(engine: sa.Engine, measure: str) -> int | None:
    rows = measure_rows(engine, measure)
    rows = rows[rows["region_code"].notna() & rows["rate"].notna()]
    return int(rows["year"].max()) if len(rows) else None


def region_rates(engine: sa.Engine, measure: str, year: int | None = None) -> pd.DataFrame:
    """Per state and province: the measure's count, population and rate per 100,000 for one year, from the
    preferred table of its country, with the table's source and release, NIBRS coverage where loaded, the rank
    (1 = highest rate) and the cross-border comparability flag."""
    year = year if year is not None else latest_year(engine, measure)
    columns = ["code", "name", "country", "year", "count", "population", "rate", "rank", "dataset", "source",
               "release", "comparable", "note", "coverage_pct", "low_coverage"]
    if year is None:
        return pd.DataFrame(columns=columns)
    rows = measure_rows(engine, measure, year)
    rows = rows[rows["region_code"].notna()].copy()
    order = {d: i for ds in PREFERRED.values() for i, d in enumerate(ds)}
    rows["preference"] = rows["dataset"].map(order).fillna(99)
    rows = rows.sort_values("preference").drop_duplicates("region_code", keep="first")
    with engine.connect() as conn:
        names = dict(conn.execute(sa.select(schema.region.c.code, schema.region.c.name)).all())
    rows = rows.rename(columns={"region_code": "code"})
    rows["name"] = rows["code"].map(names)
    rows["rank"] = rows["rate"].rank(ascending=False, method="min").astype("Int64")
    cover = coverage(engine, year).rename(columns={"region_code": "code"})
    rows = rows.merge(cover[["code", "coverage_pct", "low_coverage"]], on="code", how="left")
    return rows.sort_values(["rank", "code"])[columns].reset_index(drop=True)


def national_series(engine: sa.Engine, measure: str, country: str = "US") -> pd.DataFrame:
    """The nation's count, population and rate per 100,000 for every year, from its preferred table."""
    rows = measure_rows(engine, measure)
    rows = rows[rows["region_code"].isna() & (rows["country"] == country)]
    for dataset in PREFERRED.get(country, ()):
        pick = rows[rows["dataset"] == dataset]
        if len(pick):
            return pick.sort_values("year")[["year", "count", "population", "rate", "dataset", "source", "release"]
                                           ].reset_index(drop=True)
    return pd.DataFrame(columns=["year", "count", "population", "rate", "dataset", "source", "release"])


def property_share_by_state(engine: sa.Engine, year: int) -> pd.DataFrame:
    """Crimes against property as a share of all NIBRS offenses, per state, where all three by-state class
    tables of the year are loaded."""
    c, b = schema.context_crime, schema.load_batch
    q = (sa.select(c.c.region_code, c.c.nibrs_class, c.c.count, c.c.batch_id).join(b, b.c.batch_id == c.c.batch_id)
         .where(b.c.is_current, c.c.dataset == "nibrs-state", c.c.year == year, c.c.region_code.is_not(None),
                c.c.offense.in_(["Crimes Against Persons", "Crimes Against Property", "Crimes Against Society"])))
    with engine.connect() as conn:
        df = pd.read_sql_query(q, conn)
    if df.empty:
        return pd.DataFrame(columns=["code", "property", "total", "share_pct"])
    wide = df.sort_values("batch_id").drop_duplicates(["region_code", "nibrs_class"], keep="last").pivot(
        index="region_code", columns="nibrs_class", values="count")
    wide = wide.dropna(subset=[k for k in ("persons", "property", "society") if k in wide.columns])
    if not {"persons", "property", "society"} <= set(wide.columns):
        return pd.DataFrame(columns=["code", "property", "total", "share_pct"])
    total = wide[["persons", "property", "society"]].sum(axis=1)
    out = pd.DataFrame({"code": wide.index, "property": wide["property"].to_numpy(), "total": total.to_numpy(),
                        "share_pct": (wide["property"] / total * 100).to_numpy()})
    return out.reset_index(drop=True)


def describe(row: dict[str, Any] | pd.Series) -> str:
    """'FBI ..., release 1979-2024' for source lines."""
    return f"{row['source']}, release {row['release']}"
