"""General crime by state, province and year (FBI and Statistics Canada tables), read for comparison.

Every table is mapped onto a small shared set of measures by the crosswalk
(`data/raw/reference/crime_crosswalk.csv`, table `crime_crosswalk`): robbery,
burglary, theft, property crime, violent crime. Of several releases of one
table, the newest that covers a year is used, and every result says which
release it is. Used by `jewelcrime context`, the dashboard and the notebooks
alike; nothing here draws anything (and nothing here imports the dashboard).
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
NIBRS_CLASSES = {"Crimes Against Persons": "persons", "Crimes Against Property": "property",
                 "Crimes Against Society": "society"}

REGION_COLUMNS = ["code", "name", "country", "year", "count", "population", "rate", "rank", "dataset", "source",
                  "release", "comparable", "note", "coverage_pct", "low_coverage"]
ROW_COLUMNS = ["dataset", "source", "release", "year", "country", "region_code", "count", "rate_published", "population",
               "comparable", "note", "rate"]
FLOAT_COLUMNS = ("count", "rate_published", "population", "rate")
YEAR_COLUMNS = ["code", "country", "year", "count", "population", "rate", "rank", "ranked", "dataset", "source",
                "release", "comparable", "note"]


def _plain_columns(rows: list, names: list[str]) -> dict[str, object]:
    """Rows of `rollup_context` as columns of plain values: counts, populations and rates as floats (None as
    NaN), the year as int64, `comparable` as bool. Built column by column: a few thousand rows are read often,
    and pandas' SQL reader and per-column conversions cost more than the rows themselves."""
    values = dict(zip(names, zip(*rows)))
    data: dict[str, object] = {k: list(v) for k, v in values.items()}
    for k in FLOAT_COLUMNS:
        if k in values:
            data[k] = np.array([np.nan if v is None else float(v) for v in values[k]], dtype="float64")
    data["year"] = np.array(values["year"], dtype="int64")
    data["comparable"] = np.array([bool(v) for v in values["comparable"]], dtype=bool)
    return data


def measure_rows(engine: sa.Engine, measure: str, year: int | None = None, *, country: str | None = None,
                 dataset: str | None = None, nation: bool | None = None,
                 years: list[int] | None = None) -> pd.DataFrame:
    """One row per dataset, year and place (region_code NULL: the nation) for one measure, newest release only
    (chosen per place: the newest file that has the place), as `etl.context_rollup` worked it out at load time
    (table `rollup_context`): counts of the offenses the crosswalk maps to the measure added up, a place missing
    one of them left without a count, the rate as published or else the count per 100,000 residents.
    `country`, `dataset`, `nation` (national rows only, or places only) and `years` narrow the rows read."""
    r = schema.rollup_context
    q = sa.select(*[r.c[k] for k in ROW_COLUMNS]).where(r.c.measure == measure)
    if year is not None:
        q = q.where(r.c.year == year)
    if country is not None:
        q = q.where(r.c.country == country)
    if dataset is not None:
        q = q.where(r.c.dataset == dataset)
    if nation is not None:
        q = q.where(r.c.region_code.is_(None) if nation else r.c.region_code.is_not(None))
    if years is not None:
        q = q.where(r.c.year.in_(years))
    with engine.connect() as conn:
        rows = conn.execute(q.order_by(r.c.dataset, r.c.year, r.c.region_code)).all()
    if not rows:
        return pd.DataFrame({k: pd.Series(dtype="float64" if k in FLOAT_COLUMNS else "object") for k in ROW_COLUMNS})
    df = pd.DataFrame(_plain_columns(rows, ROW_COLUMNS))
    df["region_code"] = pd.Series(df["region_code"].tolist(), dtype=object)
    # national rows first within a dataset and year, as the computation orders them
    return df.sort_values(["dataset", "year", "region_code"], na_position="first").reset_index(drop=True)


def preferred_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per place and year: the preferred table of its country (PREFERRED order)."""
    order = {d: i for ds in PREFERRED.values() for i, d in enumerate(ds)}
    rows = rows.assign(preference=rows["dataset"].map(order).fillna(99))
    # a table with no figure for a place and year gives way to the next table that has one
    rows = rows.assign(missing=rows["rate"].isna().astype(int))
    return rows.sort_values(["missing", "preference"], kind="stable").drop_duplicates(["region_code", "year"])


def ranked_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """`rank` (1 = highest rate) and `ranked` (places with a rate) within each year."""
    rows = rows.copy()
    rows["rank"] = rows.groupby("year")["rate"].rank(ascending=False, method="min").astype("Int64")
    rows["ranked"] = rows.groupby("year")["rate"].transform("count").astype("int64")
    return rows


def region_year_rates(engine: sa.Engine, measure: str, year_from: int | None = None,
                      year_to: int | None = None, region: str | None = None) -> pd.DataFrame:
    """Every state and province in every year loaded (or in the years given): count, population, rate per
    100,000 from the preferred table of its country, and the rank within the year (1 = highest rate, of
    `ranked` places with a rate), as the rollup stored them."""
    r = schema.rollup_context
    columns = [c for c in YEAR_COLUMNS if c != "code"]
    q = (sa.select(r.c.region_code.label("code"), *[r.c[c] for c in columns])
         .where(r.c.measure == measure, r.c.preferred.is_(True), r.c.region_code.is_not(None)))
    if year_from is not None:
        q = q.where(r.c.year >= year_from)
    if year_to is not None:
        q = q.where(r.c.year <= year_to)
    if region is not None:  # one place's rows (its rank among all places is stored with them)
        q = q.where(r.c.region_code == region)
    with engine.connect() as conn:
        rows = conn.execute(q.order_by(r.c.year, r.c.region_code)).all()
    if not rows:
        return pd.DataFrame({k: pd.Series(dtype="object") for k in YEAR_COLUMNS})
    data = _plain_columns(rows, YEAR_COLUMNS)
    data["rank"] = pd.array(list(data["rank"]), dtype="Int64")
    data["ranked"] = np.array(data["ranked"], dtype="int64")
    return pd.DataFrame(data)


def all_rates(engine: sa.Engine, measure: str) -> pd.Series:
    """Every state's and province's rate of every year (the preferred rows): what fixed classes are cut from."""
    r = schema.rollup_context
    with engine.connect() as conn:
        rates = conn.execute(sa.select(r.c.rate).where(r.c.measure == measure, r.c.preferred.is_(True),
                                                       r.c.region_code.is_not(None))).scalars().all()
    return pd.Series(rates, dtype="float64")


def countries_with_rates(engine: sa.Engine, measure: str, year: int) -> frozenset[str]:
    """The countries with a rate of the measure for some state or province in the year (the preferred rows)."""
    r = schema.rollup_context
    q = sa.select(r.c.country).distinct().where(r.c.measure == measure, r.c.preferred.is_(True), r.c.year == year,
                                                r.c.region_code.is_not(None), r.c.rate.is_not(None))
    with engine.connect() as conn:
        return frozenset(conn.execute(q).scalars())


def years(engine: sa.Engine, measure: str) -> list[int]:
    """Years with a rate for at least one state or province."""
    rows = region_year_rates(engine, measure)
    return sorted(int(y) for y in rows.loc[rows["rate"].notna(), "year"].unique())


def coverage(engine: sa.Engine, year: int) -> pd.DataFrame:
    """NIBRS coverage by state for a year: percent of residents covered (published, else covered / total)."""
    p, b = schema.context_participation, schema.load_batch
    q = (sa.select(p.c.region_code, p.c.agencies, p.c.population_covered, p.c.population_total, p.c.published_percent,
                   p.c.batch_id).join(b, b.c.batch_id == p.c.batch_id)
         .where(b.c.is_current, p.c.year == year, p.c.region_code.is_not(None)).order_by(p.c.batch_id))
    with engine.connect() as conn:
        rows = conn.execute(q).all()
        if not rows:  # no participation table loaded for the year (the common case): no frame to build (a
            # table that is loaded is read again below, through pandas, for the dtypes it has always had)
            return pd.DataFrame(columns=["region_code", "agencies", "population_covered", "coverage_pct",
                                         "low_coverage"])
        df = pd.read_sql_query(q, conn).drop_duplicates("region_code", keep="last")
        people = dict(conn.execute(sa.select(schema.region_population.c.region_code, schema.region_population.c.population)
                                   .order_by(schema.region_population.c.year)).all())
    total = df["population_total"].fillna(df["region_code"].map(people))
    df["coverage_pct"] = df["published_percent"].fillna(df["population_covered"] / total * 100)
    df["low_coverage"] = df["coverage_pct"] < COVERAGE_THRESHOLD_PCT
    return df[["region_code", "agencies", "population_covered", "coverage_pct", "low_coverage"]]


def latest_year(engine: sa.Engine, measure: str) -> int | None:
    found = years(engine, measure)
    return found[-1] if found else None


def region_rates(engine: sa.Engine, measure: str, year: int | None = None) -> pd.DataFrame:
    """Per state and province: the measure's count, population and rate per 100,000 for one year, from the
    preferred table of its country, with the table's source and release, NIBRS coverage where loaded, the rank
    (1 = highest rate) and the cross-border comparability flag."""
    year = year if year is not None else latest_year(engine, measure)
    if year is None:
        return pd.DataFrame(columns=REGION_COLUMNS)
    rows = measure_rows(engine, measure, year)
    rows = rows[rows["region_code"].notna()]
    if rows.empty:
        return pd.DataFrame(columns=REGION_COLUMNS)
    rows = ranked_rows(preferred_rows(rows)).rename(columns={"region_code": "code"})
    with engine.connect() as conn:
        names = dict(conn.execute(sa.select(schema.region.c.code, schema.region.c.name)).all())
    rows["name"] = rows["code"].map(names)
    cover = coverage(engine, year).rename(columns={"region_code": "code"})
    rows = rows.merge(cover[["code", "coverage_pct", "low_coverage"]], on="code", how="left")
    return rows.sort_values(["rank", "code"])[REGION_COLUMNS].reset_index(drop=True)


NATION_COLUMNS = ["year", "count", "population", "rate", "dataset", "source", "release", "from_places"]
# tables that count every place of the country: a missing national row can be their places' sum
COMPLETE = ("fbi-estimated", "statcan-crime")


def _summed_nation(engine: sa.Engine, measure: str, country: str, dataset: str, have: set[int]) -> pd.DataFrame:
    """National rows made from the places of a complete table, for the years it has no national row (`have`
    are those it has): counts and populations added up in SQL, where every place of the table has both.

    A year counts only when it has as many places as the table's fullest such year, all from one release."""
    r = schema.rollup_context
    known = sa.case((sa.and_(r.c.count.is_not(None), r.c.population.is_not(None)), 1), else_=0)
    q = (sa.select(r.c.year, r.c.source, r.c.release, sa.func.sum(r.c.count).label("count"),
                   sa.func.sum(r.c.population).label("population"),
                   sa.func.count(sa.distinct(r.c.region_code)).label("places"), sa.func.min(known).label("complete"))
         .where(r.c.measure == measure, r.c.country == country, r.c.dataset == dataset, r.c.region_code.is_not(None))
         .group_by(r.c.year, r.c.source, r.c.release))
    with engine.connect() as conn:
        groups = [g for g in conn.execute(q) if int(g.year) not in have]
    if not groups:
        return pd.DataFrame(columns=NATION_COLUMNS)
    per_year: dict[int, int] = {}
    for g in groups:  # a place has one release a year, so a year's places add up across its releases
        per_year[int(g.year)] = per_year.get(int(g.year), 0) + int(g.places)
    full = max(per_year.values())
    rows = [{"year": int(g.year), "count": float(g.count), "population": float(g.population),
             "rate": float(g.count) / float(g.population) * 100_000, "dataset": dataset, "source": g.source,
             "release": g.release, "from_places": True}
            for g in groups if g.complete == 1 and int(g.places) == full and g.population]
    return pd.DataFrame(rows, columns=NATION_COLUMNS)


def national_series(engine: sa.Engine, measure: str, country: str = "US") -> pd.DataFrame:
    """The nation's count, population and rate per 100,000 for every year, from its preferred table.

    A year the table has no national row for (the FBI file has none for 2017-2020) is the sum of its
    places, when every place has a count and a population that year (`from_places` says so).
    """
    for dataset in PREFERRED.get(country, ()):
        nation = measure_rows(engine, measure, country=country, dataset=dataset, nation=True)
        nation = nation.assign(from_places=False)[NATION_COLUMNS]
        if dataset in COMPLETE:  # the places are added up only for the years without a national row
            summed = _summed_nation(engine, measure, country, dataset, set(int(y) for y in nation["year"]))
            nation = pd.concat([nation, summed], ignore_index=True) if len(summed) else nation
        if len(nation):
            return nation.sort_values("year").reset_index(drop=True)
    return pd.DataFrame(columns=NATION_COLUMNS)


def _state_classes(engine: sa.Engine, year: int | None = None) -> pd.DataFrame:
    c, b = schema.context_crime, schema.load_batch
    q = (sa.select(c.c.year, c.c.region_code, c.c.offense, c.c.nibrs_class, c.c.count, c.c.source, c.c.release,
                   c.c.batch_id).join(b, b.c.batch_id == c.c.batch_id)
         .where(b.c.is_current, c.c.dataset == "nibrs-state", c.c.region_code.is_not(None),
                c.c.offense.in_(list(NIBRS_CLASSES))))
    if year is not None:
        q = q.where(c.c.year == year)
    with engine.connect() as conn:
        df = pd.read_sql_query(q, conn)
    df["nibrs_class"] = df["nibrs_class"].fillna(df["offense"].map(NIBRS_CLASSES))
    return df


def property_share_years(engine: sa.Engine) -> list[int]:
    """Years with all three NIBRS by-state class tables loaded for at least one state."""
    df = _state_classes(engine)
    if df.empty:
        return []
    have = df.dropna(subset=["count"]).groupby(["year", "region_code"])["nibrs_class"].nunique()
    return sorted(int(y) for y in have[have == 3].reset_index()["year"].unique())


def property_share_by_state(engine: sa.Engine, year: int) -> pd.DataFrame:
    """Crimes against property as a share of all NIBRS offenses, per state, where all three by-state class
    tables of the year are loaded."""
    df = _state_classes(engine, year)
    empty = pd.DataFrame(columns=["code", "property", "total", "share_pct"])
    if df.empty:
        return empty
    wide = df.sort_values("batch_id").drop_duplicates(["region_code", "nibrs_class"], keep="last").pivot(
        index="region_code", columns="nibrs_class", values="count")
    if not {"persons", "property", "society"} <= set(wide.columns):
        return empty
    wide = wide.dropna(subset=["persons", "property", "society"])
    total = wide[["persons", "property", "society"]].sum(axis=1)
    out = pd.DataFrame({"code": wide.index, "property": wide["property"].to_numpy(), "total": total.to_numpy(),
                        "share_pct": (wide["property"] / total.where(total > 0) * 100).to_numpy()})
    return out.reset_index(drop=True)


def describe(row: dict[str, Any] | pd.Series) -> str:
    """'FBI ..., release 1979-2024' for source lines."""
    return f"{row['source']}, release {row['release']}"
