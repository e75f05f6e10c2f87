"""Every query the dashboard runs: rollups and reference tables in, DataFrames out.

All SQL is SQLAlchemy Core with bound parameters; filters arrive already
checked (dashboard.state). Results are cached per database and data version
(the newest load batch), so a reload of the ETL is seen at once.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, Callable, Iterable, Iterator

import pandas as pd
import sqlalchemy as sa

from dashboard.claims_view import chart_of_measure
from dashboard.state import ALL, COMBINED_SOURCES, Filters
from etl import context as general, schema
from etl.claims import measure
from etl.claim_text import label as claim_label
from etl.figures import JSA_JM_SOURCE_LINE, claim_specs, compute_all

R, M, P = schema.rollup_region, schema.rollup_month, schema.rollup_pattern
NR, NM = schema.rollup_nation, schema.rollup_nation_month  # the same groups without the region: national queries
RY = schema.rollup_region_year  # rollup_region without the half and the major-city flag


def _by_half(f: Filters) -> sa.Table:
    """The half-year rollup a query with these filters reads: the regions' only when regions are chosen."""
    return R if f.region else NR


def _by_year(f: Filters) -> sa.Table:
    """The rollup a query by year (not by half, not by major city) reads: the regions' years when regions are
    chosen."""
    return RY if f.region else NR


def _by_month(f: Filters) -> sa.Table:
    return M if f.region else NM

_cache: OrderedDict[tuple, Any] = OrderedDict()
_cache_lock = threading.Lock()
CACHE_SIZE = 512
CONTEXT_FORMATS = ("fbi-estimated", "nibrs-state", "nibrs-participation", "statcan-crime", "statcan-population")
CONTEXT_SOURCES = {"fbi-estimated": "FBI Crime Data Explorer estimated crimes", "nibrs-state": "FBI NIBRS tables by state",
                   "nibrs-participation": "FBI NIBRS participation by state",
                   "statcan-crime": "Statistics Canada Table 35-10-0177-01",
                   "statcan-population": "Statistics Canada Table 17-10-0005-01"}


_pinned: ContextVar[tuple[str, tuple] | None] = ContextVar("jewelcrime_data_version", default=None)


def data_version(engine: sa.Engine) -> tuple:
    """The newest load batch, the number of batches and the newest start and finish: a rebuild of the
    database (batch ids from 1 again) is a new version too, which matters to caches kept on disk."""
    pinned = _pinned.get()
    if pinned is not None and pinned[0] == str(engine.url):
        return pinned[1]
    b = schema.load_batch
    with engine.connect() as conn:
        row = conn.execute(sa.select(sa.func.max(b.c.batch_id), sa.func.count(), sa.func.max(b.c.started_at),
                                     sa.func.max(b.c.finished_at))).one()
    return tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in row)


@contextmanager
def pinned_version(engine: sa.Engine) -> Iterator[tuple]:
    """Read the data version once for a whole chart build: the queries inside reuse it (one query instead
    of one per cached call, and one consistent version for the build)."""
    pinned = _pinned.get()
    if pinned is not None and pinned[0] == str(engine.url):
        yield pinned[1]
        return
    version = data_version(engine)
    token = _pinned.set((str(engine.url), version))
    try:
        yield version
    finally:
        _pinned.reset(token)


def _key(name: str, engine: sa.Engine, args: tuple) -> tuple:
    """The memo's key: (query, database, data version, arguments)."""
    return (name, str(engine.url), data_version(engine), args)


def cached(fn: Callable[..., Any] | None = None, *, uses: tuple[str, ...] | None = None) -> Any:
    """Memoise on (database, data version, arguments) in this process; a new load batch invalidates
    everything. (Whole chart results are also cached across processes: dashboard.cache.)

    `uses`: the Filters fields the query reads. A Filters argument is cut down to them (the rest at their
    defaults) before the query sees it, so filter sets that differ only in what it ignores (the measure, the
    years of a query over every year, ...) share one result, and a field it reads but does not list cannot
    slip in unnoticed."""
    if fn is None:
        return lambda f: cached(f, uses=uses)

    @wraps(fn)
    def wrapper(engine: sa.Engine, *args: Any) -> Any:
        if uses is not None:
            args = tuple(Filters(**{k: getattr(a, k) for k in uses}) if isinstance(a, Filters) else a for a in args)
        key = _key(fn.__name__, engine, args)
        with _cache_lock:
            if key in _cache:
                _cache.move_to_end(key)
                hit = _cache[key]
                return hit.copy() if isinstance(hit, pd.DataFrame) else hit
        value = fn(engine, *args)
        with _cache_lock:
            _cache[key] = value
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
        return value.copy() if isinstance(value, pd.DataFrame) else value
    return wrapper


def _held(engine: sa.Engine, name: str, args: tuple) -> Any:
    """What the memo holds for `name(engine, *args)` at the current data version (a copy), or None."""
    with _cache_lock:
        hit = _cache.get(_key(name, engine, args))
    return hit.copy() if isinstance(hit, pd.DataFrame) else hit


def _frame(engine: sa.Engine, query: sa.Select) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql_query(query, conn)


def _count(t: sa.Table, source: str) -> sa.ColumnElement:
    """Incident count: per source, or combined (a JM claim linked to a JSA incident counts once)."""
    return sa.func.sum(t.c.n_combined if source == "combined" else t.c.n)


def _loss(t: sa.Table, source: str) -> sa.ColumnElement:
    """Dollar losses: per source, or combined (a linked claim's loss is not added to its incident's)."""
    return sa.func.sum(t.c.loss_combined if source == "combined" else t.c.loss_usd)


def _loss_known(t: sa.Table, source: str) -> sa.ColumnElement:
    return sa.func.sum(t.c.loss_known_combined if source == "combined" else t.c.loss_known)


def _source(t: sa.Table, f: Filters, indexed: bool = True) -> sa.ColumnElement:
    """One source, or the JSA + JM combination (a mapped source never mixes into it). Not `indexed`: written so
    that no index on the source is used for it (`source || ''`), where another index serves the query better."""
    source = t.c.source if indexed else t.c.source.concat("")
    return source == f.source if f.source != "combined" else source.in_(COMBINED_SOURCES)


def _where(t: sa.Table, f: Filters, years: bool = True, source_indexed: bool = True) -> list[sa.ColumnElement]:
    cond: list[sa.ColumnElement] = [_source(t, f, source_indexed)]
    if f.subtype != ALL:
        cond.append(t.c.subtype == f.subtype)
    if f.category != ALL:
        cond.append(t.c.category == f.category)
    if f.subtype == ALL and "crimes_against" in t.c:
        cond.append(t.c.crimes_against != "")  # claims that are not crimes (water damage, ...) never count
    if years and f.year_from is not None:
        cond.append(t.c.year.between(f.year_from, f.year_to))
    return cond


# ---------------------------------------------------------------- reference

@cached
def regions(engine: sa.Engine) -> pd.DataFrame:
    """Every state/province with its latest population and (where known) jewelry-business count."""
    r, pop, biz = schema.region, schema.region_population, schema.jewelry_business
    with engine.connect() as conn:
        base = conn.execute(sa.select(r.c.code, r.c.name, r.c.country).order_by(r.c.name)).all()
        people = _latest(conn.execute(sa.select(pop.c.region_code, pop.c.year, pop.c.population, pop.c.source)))
        shops = _latest(conn.execute(sa.select(biz.c.code, biz.c.year, biz.c.businesses, biz.c.source,
                                               biz.c.confidence).where(biz.c.level == "region")))
    # plain rows and one frame: three small reads merged in pandas cost several times the SQL
    columns = ["code", "name", "country", "population_year", "population", "population_source",
               "businesses_year", "businesses", "businesses_source", "businesses_confidence"]
    if not base:  # the same columns, typed as a read of empty tables is
        return pd.DataFrame({name: pd.Series(dtype=object) for name in columns})
    rows = [(*place, *people.get(place[0], (None,) * 3), *shops.get(place[0], (None,) * 4)) for place in base]
    return pd.DataFrame(rows, columns=columns)


def _latest(rows: Iterable[sa.Row]) -> dict[str, tuple]:
    """(code, year, ...) rows -> code: (year, ...) of its latest year (of equal years, the last read)."""
    latest: dict[str, tuple] = {}
    for row in sorted(rows, key=lambda r: r[1]):
        latest[row[0]] = tuple(row[1:])
    return latest


@cached
def crime_types(engine: sa.Engine) -> pd.DataFrame:
    return _frame(engine, sa.select(schema.crime_type))


@cached
def published(engine: sa.Engine) -> pd.DataFrame:
    return _frame(engine, sa.select(schema.published_figure))


@cached
def years(engine: sa.Engine) -> list[int]:
    with engine.connect() as conn:
        return [int(y) for (y,) in conn.execute(sa.select(NR.c.year).distinct().order_by(NR.c.year))]


@cached
def sources(engine: sa.Engine) -> list[str]:
    """Every incident source with rows: JSA, JM and any mapped source (e.g. 'LAPD open data')."""
    with engine.connect() as conn:
        return [s for (s,) in conn.execute(sa.select(NR.c.source).distinct().order_by(NR.c.source))]


@cached
def nibrs_years(engine: sa.Engine) -> list[int]:
    n, b = schema.nibrs_offense, schema.load_batch
    with engine.connect() as conn:
        q = sa.select(n.c.year).join(b, b.c.batch_id == n.c.batch_id).where(b.c.is_current).distinct().order_by(n.c.year)
        return [int(y) for (y,) in conn.execute(q)]


@cached
def data_status(engine: sa.Engine, source: str | None = None) -> dict[str, Any]:
    """What the data is: sample or not, first and last month, the files it came from, and the line naming its
    source. With `source` (a Filters.source), of what that source filter shows only."""
    b = schema.load_batch
    names = None if source is None else COMBINED_SOURCES if source == "combined" else (source,)
    every = tuple(sources(engine)) if names is None else names
    with engine.connect() as conn:
        lo, hi, sample = _month_span(conn, every)
        q = (sa.select(b.c.batch_id, b.c.file_name, b.c.format, b.c.finished_at, b.c.loaded, b.c.is_sample)
             .where(b.c.is_current, b.c.format != "reference").order_by(b.c.batch_id))
        files = conn.execute(q if names is None else q.where(b.c.source.in_(names))).all()
    if names is None or source == "combined" or source in COMBINED_SOURCES:
        line = JSA_JM_SOURCE_LINE
    else:  # a mapped source names itself and the files it was loaded from
        line = f"Data: {source}, loaded with a column mapping from {', '.join(sorted({f.file_name for f in files}))}"
    fmt = lambda ym: pd.Timestamp(year=ym // 100, month=ym % 100, day=1).strftime("%b %Y") if ym else None  # noqa: E731
    return {
        "is_sample": bool(sample) or any(bool(f.is_sample) for f in files),
        "first": fmt(lo), "last": fmt(hi),
        "range": f"{fmt(lo)} to {fmt(hi)}" if lo else "no incident data",
        "source_line": line,
        "files": [{"batch_id": f.batch_id, "file": f.file_name, "format": f.format, "loaded": f.loaded,
                   "finished_at": str(f.finished_at), "is_sample": bool(f.is_sample)} for f in files],
    }


def _edge_months(conn: sa.Connection, where: tuple) -> list[int]:
    """The first and last year*100+month of the national month rollup's rows matching `where`: two probes of its
    unique index (source, sample flag, year, month, ...), not a scan."""
    found = []
    for order in ((NM.c.year, NM.c.month), (NM.c.year.desc(), NM.c.month.desc())):
        row = conn.execute(sa.select(NM.c.year, NM.c.month).where(*where).order_by(*order).limit(1)).first()
        if row is not None:
            found.append(int(row[0]) * 100 + int(row[1]))
    return found


@cached
def source_months(engine: sa.Engine, source: str) -> tuple[int, int] | None:
    """The first and last year*100+month with a crime incident of this source (any crime type, either country;
    claims that are not crimes do not count), or None: the first and last such row of each (source, is_sample) in
    the month rollup's unique index, not a scan of every month of the source (that was 60 ms a call)."""
    found: list[int] = []
    with engine.connect() as conn:
        for sample in (False, True):
            found += _edge_months(conn, (NM.c.source == source, NM.c.is_sample.is_(sample), NM.c.crimes_against != ""))
    return (min(found), max(found)) if found else None


def _month_span(conn: sa.Connection, names: tuple[str, ...]) -> tuple[int | None, int | None, int | None]:
    """First and last year*100+month and whether any row is sample, for these sources: the first and last
    row of each (source, is_sample) in the rollup's unique index, instead of a scan of every month row
    (the scan was most of a map redraw's SQL)."""
    found: list[tuple[int, bool]] = []
    for name in names:
        for sample in (False, True):
            found += [(m, sample) for m in _edge_months(conn, (NM.c.source == name, NM.c.is_sample.is_(sample)))]
    if not found:
        return None, None, None
    return min(f for f, _ in found), max(f for f, _ in found), int(any(s for _, s in found))


# ---------------------------------------------------------------- map and regions

@cached(uses=("source", "subtype", "category"))
def region_year_counts(engine: sa.Engine, f: Filters) -> pd.DataFrame:
    """Incidents and losses per region and year, for every year (the year filter is not applied)."""
    q = (sa.select(RY.c.region_code.label("code"), RY.c.year, _count(RY, f.source).label("incidents"),
                   _loss(RY, f.source).label("losses"))
         # read in the order of the covering index by region and year: through the source's index, SQLite looks
         # every row up and sorts them (the query 14 -> 8 ms at 10M incidents)
         .where(*_where(RY, f, years=False, source_indexed=False)).group_by(RY.c.region_code, RY.c.year))
    return _frame(engine, q)


@cached(uses=("source", "subtype", "category", "region"))
def yearly_by_category(engine: sa.Engine, f: Filters) -> pd.DataFrame:
    t = _by_year(f)
    cond = _where(t, f, years=False)
    if f.region:
        cond.append(t.c.region_code == f.region)
    q = (sa.select(t.c.year, t.c.category, _count(t, f.source).label("incidents"),
                   _loss(t, f.source).label("losses"))
         .where(*cond).group_by(t.c.year, t.c.category).order_by(t.c.year, t.c.category))
    return _frame(engine, q)


@cached(uses=("source", "subtype", "category", "year_from", "year_to"))
def monthly(engine: sa.Engine, f: Filters) -> pd.DataFrame:
    q = (sa.select(NM.c.year, NM.c.month, _count(NM, f.source).label("incidents"))
         .where(*_where(NM, f)).group_by(NM.c.year, NM.c.month).order_by(NM.c.year, NM.c.month))
    return _frame(engine, q)


@cached(uses=("source", "subtype", "category", "year_from", "year_to", "region"))
def mix(engine: sa.Engine, f: Filters) -> pd.DataFrame:
    """Incidents and losses by crime type over the selected years (the crime-type mix)."""
    t = _by_year(f)
    cond = _where(t, f)
    if f.region:
        cond.append(t.c.region_code == f.region)
    q = (sa.select(t.c.category, t.c.subtype, _count(t, f.source).label("incidents"),
                   _loss(t, f.source).label("losses"), _loss_known(t, f.source).label("losses_known"))
         .where(*cond).group_by(t.c.category, t.c.subtype))
    return _frame(engine, q)


# ---------------------------------------------------------------- NIBRS and headline figures

@cached
def nibrs(engine: sa.Engine, year: int) -> pd.DataFrame:
    """The best NIBRS table for a year: a loaded FBI file beats the reference totals."""
    n, b = schema.nibrs_offense, schema.load_batch
    q = (sa.select(n.c.batch_id, b.c.format, b.c.file_name, n.c.crimes_against, n.c.offense_category, n.c.offenses,
                   n.c.incidents, n.c.is_derived, n.c.published_percent, n.c.source, n.c.url)
         .join(b, b.c.batch_id == n.c.batch_id).where(n.c.year == year, b.c.is_current))
    df = _frame(engine, q)
    if df.empty:
        return df
    df["rank"] = (df["format"] != "nibrs").astype(int)
    best = df.sort_values(["rank", "batch_id"], ascending=[True, False])["batch_id"].iloc[0]
    return df[df["batch_id"] == best].drop(columns=["rank"]).reset_index(drop=True)


@cached
def headline_figures(engine: sa.Engine) -> list[dict[str, Any]]:
    return [f.as_dict() for f in compute_all(engine)]


@cached
def chart_claims(engine: sa.Engine, chart: str) -> list[dict[str, Any]]:
    """The claims a chart may stand behind, as written (not checked: a chart that only draws a published
    number need not wait for the checker): id, claim, published value, unit, label, measure."""
    with engine.connect() as conn:
        rows = [(row, spec) for row, spec, _problems in claim_specs(conn) if spec is not None]
    out = []
    for row, spec in rows:
        m = measure(spec)
        if chart_of_measure(m) == chart:
            out.append({"id": spec.id, "published_claim": spec.claim, "published_value": spec.published_value,
                        "published_denominator": spec.published_denominator, "claim_unit": spec.unit,
                        "label": claim_label(spec), "measure": m})
    return out


@cached
@cached
def checked_figure(engine: sa.Engine, figure_id: str) -> dict[str, Any] | None:
    """One claim, checked (the figure `jewelcrime figures` gives for it), or None when there is no such row."""
    found = compute_all(engine, where=lambda spec: spec.id == figure_id)
    return found[0].as_dict() if found else None


# ---------------------------------------------------------------- regional risk and guidance

@cached(uses=("source", "subtype", "category", "region"))
def type_year_counts(engine: sa.Engine, f: Filters) -> pd.DataFrame:
    """Incidents per year and crime type (category and sub-type), every year; one region when f.region is set."""
    t = _by_year(f)
    cond = _where(t, f, years=False)
    if f.region:
        cond.append(t.c.region_code == f.region)
    q = (sa.select(t.c.year, t.c.category, t.c.subtype, _count(t, f.source).label("incidents"))
         .where(*cond).group_by(t.c.year, t.c.category, t.c.subtype).order_by(t.c.year))
    return _frame(engine, q)


@cached
def risk_patterns(engine: sa.Engine, f: Filters) -> pd.DataFrame:
    """Hour, time of day, weekday and location-type counts for one region over the selected years.

    The pattern rollup is kept per category only, so a sub-type filter counts
    its whole category; and it cannot tell non-crime claims apart, so the
    'other' category is left out unless asked for.
    """
    cond = [P.c.region_code == f.region, P.c.year.between(f.year_from, f.year_to), _source(P, f)]
    cond.append(P.c.category == f.category if f.category != ALL else P.c.category != "other")
    q = (sa.select(P.c.dimension, P.c.value, _count(P, f.source).label("incidents"))
         .where(*cond).group_by(P.c.dimension, P.c.value))
    return _frame(engine, q)


# ---------------------------------------------------------------- trends page: by country and major-city flag

COUNTRIES = ("US", "CA")


def _trend_where(t: sa.Table, f: Filters, country: str) -> list[sa.ColumnElement]:
    cond = _where(t, f, years=False)
    if f.major_only:
        cond.append(t.c.is_major_city.is_(True))
    if country in COUNTRIES:
        cond.append(t.c.country == country)
    if f.region_codes:
        cond.append(t.c.region_code.in_(f.region_codes))
    return cond


@cached(uses=("source", "subtype", "category", "major_only", "region"))
def trend_halves(engine: sa.Engine, f: Filters, country: str) -> pd.DataFrame:
    """Incidents and losses per year, half and category, every year ('' country = U.S. and Canada)."""
    t = _by_half(f)
    q = (sa.select(t.c.year, t.c.half, t.c.category, _count(t, f.source).label("incidents"),
                   _loss(t, f.source).label("losses"))
         .where(*_trend_where(t, f, country)).group_by(t.c.year, t.c.half, t.c.category)
         .order_by(t.c.year, t.c.half, t.c.category))
    return _frame(engine, q)


@cached(uses=("source", "subtype", "category", "major_only", "region"))
def trend_months(engine: sa.Engine, f: Filters, country: str) -> pd.DataFrame:
    """Incidents per year and calendar month, every year."""
    t = _by_month(f)
    q = (sa.select(t.c.year, t.c.month, _count(t, f.source).label("incidents"))
         .where(*_trend_where(t, f, country)).group_by(t.c.year, t.c.month).order_by(t.c.year, t.c.month))
    return _frame(engine, q)


@cached
def source_years(engine: sa.Engine) -> dict[str, tuple[int, int]]:
    """Each incident source's first and last year with rows: where a source starts or stops (a series break)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(NR.c.source, sa.func.min(NR.c.year), sa.func.max(NR.c.year)).group_by(NR.c.source))
        return {s: (int(lo), int(hi)) for s, lo, hi in rows}


@cached
def month_span(engine: sa.Engine) -> tuple[int | None, int | None]:
    """First and last month with any data, as year*100+month: months outside are not zeros."""
    with engine.connect() as conn:  # every source's first and last row in the index, not a scan of every month
        lo, hi, _sample = _month_span(conn, tuple(sources(engine)))
    return lo, hi


@cached
def batches(engine: sa.Engine) -> list[dict[str, Any]]:
    """The current load batches: which file versions the data comes from (the vintage of an export)."""
    b = schema.load_batch
    with engine.connect() as conn:
        rows = conn.execute(sa.select(b.c.batch_id, b.c.file_name, b.c.format, b.c.sha256, b.c.finished_at, b.c.loaded,
                                      b.c.is_sample).where(b.c.is_current).order_by(b.c.batch_id)).all()
    return [{"batch_id": r.batch_id, "file": r.file_name, "format": r.format, "sha256": r.sha256,
             "loaded_at": str(r.finished_at), "rows_loaded": r.loaded, "sample": bool(r.is_sample)} for r in rows]


# ---------------------------------------------------------------- general crime (FBI and Statistics Canada tables)
# etl.context reads them (SQLAlchemy Core, bound parameters); here they are cached per data version like the rest.

@cached
def context_region_years(engine: sa.Engine, measure: str, year_from: int | None = None,
                         year_to: int | None = None, region: str | None = None) -> pd.DataFrame:
    """Every state and province (or one) in every year loaded (or those years): count, population, rate per
    100,000, rank among all places, table."""
    rows = _held(engine, "context_region_years", (measure,))
    if rows is None:  # the narrow query: cheaper than reading the whole table first
        return general.region_year_rates(engine, measure, year_from, year_to, region)
    # cut from the measure's whole table when it is held (a few thousand rows, ranks stored with them): the
    # year ranges and places visitors pick then need no query of their own
    keep = pd.Series(True, index=rows.index)
    if year_from is not None:
        keep &= rows["year"] >= year_from
    if year_to is not None:
        keep &= rows["year"] <= year_to
    if region is not None:
        keep &= rows["code"] == region
    return rows[keep].reset_index(drop=True)


@cached
def context_countries(engine: sa.Engine, measure: str, year: int) -> frozenset[str]:
    """The countries whose tables give the measure a rate for some state or province in the year."""
    return general.countries_with_rates(engine, measure, year)


@cached
def context_rates(engine: sa.Engine, measure: str) -> pd.DataFrame:
    """Every rate of the measure, all places and years (column `rate`): what its fixed classes are cut from."""
    return pd.DataFrame({"rate": general.all_rates(engine, measure)})


@cached
def context_years(engine: sa.Engine, measure: str) -> list[int]:
    rows = context_region_years(engine, measure)
    return sorted(int(y) for y in rows.loc[rows["rate"].notna(), "year"].unique())


@cached
def context_national(engine: sa.Engine, measure: str, country: str) -> pd.DataFrame:
    """The nation's rate per 100,000 for every year loaded, from its preferred table."""
    return general.national_series(engine, measure, country)


@cached
def context_coverage(engine: sa.Engine, year: int) -> pd.DataFrame:
    """NIBRS coverage by state for a year (empty when no participation table is loaded)."""
    return general.coverage(engine, year)


@cached
def property_shares(engine: sa.Engine) -> pd.DataFrame:
    """The property class's share of all NIBRS offenses for every national year loaded, with its counts
    (the same best table per year as `jewelcrime figures`)."""
    from etl.figures import nibrs_classes

    rows = []
    with engine.connect() as conn:
        for year in nibrs_years(engine):
            counts, info = nibrs_classes(conn, year)
            total = counts.get("total") or sum(counts.get(k, 0) for k in ("persons", "property", "society"))
            if counts.get("property") is None or not total:
                continue
            rows.append({"year": year, "property": counts["property"], "total": total,
                         "share_pct": counts["property"] / total * 100, "file": info.get("file"),
                         "format": info.get("format"), "derived": ", ".join(info.get("derived", [])),
                         "sample": bool(info.get("sample"))})
    return pd.DataFrame(rows, columns=["year", "property", "total", "share_pct", "file", "format", "derived", "sample"])


@cached
def property_share_years(engine: sa.Engine) -> list[int]:
    """Years with the NIBRS by-state class tables loaded."""
    return general.property_share_years(engine)


@cached
def property_share_by_state(engine: sa.Engine, year: int) -> pd.DataFrame:
    return general.property_share_by_state(engine, year)


@cached
def context_batches(engine: sa.Engine) -> pd.DataFrame:
    """The current batches of the general-crime tables: which are sample data."""
    b = schema.load_batch
    return _frame(engine, sa.select(b.c.batch_id, b.c.format, b.c.file_name, b.c.release, b.c.is_sample)
                  .where(b.c.is_current, b.c.format.in_(CONTEXT_FORMATS)).order_by(b.c.batch_id))


# ---------------------------------------------------------------- jewelry-store counts (every year loaded)

@cached
def business_counts(engine: sa.Engine) -> pd.DataFrame:
    """Every state/province jewelry-store count loaded (code, year, businesses, source), not only the latest:
    dashboard.metrics picks the one each crime year may use."""
    biz = schema.jewelry_business
    return _frame(engine, sa.select(biz.c.code, biz.c.year, biz.c.businesses, biz.c.source)
                  .where(biz.c.level == "region").order_by(biz.c.code, biz.c.year, biz.c.source))


# ---------------------------------------------------------------- trends: months by category

@cached(uses=("source", "subtype", "category", "major_only", "region"))
def trend_months_by_category(engine: sa.Engine, f: Filters, country: str) -> pd.DataFrame:
    """Incidents per year, calendar month and category, every year (trend_months split by category).

    A month with no row has no incidents under the filters; months outside month_span are unknown."""
    t = _by_month(f)
    q = (sa.select(t.c.year, t.c.month, t.c.category, _count(t, f.source).label("incidents"))
         .where(*_trend_where(t, f, country)).group_by(t.c.year, t.c.month, t.c.category)
         .order_by(t.c.year, t.c.month, t.c.category))
    return _frame(engine, q)
