"""The incident rows behind a chart: the same rows the chart counts, paged by key, counted, and streamed out.

No Dash here, and no engine of its own: the dashboard's incident table (dashboard.incident_table), its
downloads and the read-only API all call these functions with the engine.

Which rows: exactly those the rollups count for the same filters (dashboard.queries `_where`, `_count` and
`_trend_where`). One function, `_conditions`, writes the condition for the incident table and for the two
rollups alike, so `count()` (summed from the rollups, instant at 10 million rows) and the rows paged cannot
disagree: the combined source is JSA plus JM without the claims linked to a JSA incident (they count once),
and a claim that is not a crime (empty `crimes_against`) never counts unless a sub-type is chosen.

Paging is by key, never by OFFSET: a page is "the next `size` rows after (sort value, incident_id)", which
an index on (sort column, incident_id) answers by a seek, as fast on page 5,000 as on page 1.
"""
from __future__ import annotations

import base64
import binascii
import calendar
import csv
import datetime as dt
import io
import json
import math
import re
import tempfile
from dataclasses import dataclass, replace
from typing import IO, Any, Iterable, Iterator, Mapping, Sequence

import sqlalchemy as sa

from dashboard.state import ALL, COMBINED_SOURCES, SUBTYPE_CATEGORY, SUBTYPES, Filters, source_label
from etl import schema
from etl.taxonomy import CATEGORIES

I, R, M, B = schema.incident, schema.rollup_region, schema.rollup_month, schema.load_batch
# shown and downloaded, in this order; `file` and `row_number` say where the row was read from
COLUMNS: list[str] = ["incident_id", "occurred_on", "year", "month", "region_code", "country", "city", "category",
                      "subtype", "source", "loss_usd", "location_type", "time_of_day", "hour", "weapon_shown",
                      "injured", "killed", "is_major_city", "claim_status", "source_record_id", "linked_incident_id",
                      "file", "row_number"]
SORTABLE: tuple[str, ...] = ("occurred_on", "loss_usd", "incident_id")
# the column each sort walks: dates by their day number (the same order, and an integer compare)
_SORT_KEY = {"occurred_on": I.c.day_number, "loss_usd": I.c.loss_usd, "incident_id": I.c.incident_id}
_NULLABLE = {"loss_usd"}  # unknown losses come last in both directions
_READ = [I.c[c] for c in COLUMNS if c != "file"] + [I.c.batch_id, I.c.day_number]
MAX_PAGE = 5000
XLSX_SHEET_ROWS = 1_048_575  # Excel's row limit less the header: more rows go on further sheets
EPOCH = dt.date(1970, 1, 1)
COUNTRIES = {"": "U.S. and Canada", "US": "United States", "CA": "Canada"}
NO_SUBTYPE = "none"  # subtype=none in a URL: rows whose sub-type is not recorded
_REGION = re.compile(r"[A-Z]{2}(,[A-Z]{2})*")


class BadCursor(ValueError):
    """A cursor that does not decode, or was made for another sort: the API answers 400."""


class BadQuery(ValueError):
    """A selection or URL parameter that is not allowed: the download routes answer 400 with this text."""


def _int_or_none(value: Any) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool))


@dataclass(frozen=True)
class IncidentQuery:
    filters: Filters
    country: str = ""  # "" both countries, "US", "CA"
    sort: str = "occurred_on"
    descending: bool = True
    year: int | None = None  # one year (a bar): overrides the year range
    month: int | None = None  # one calendar month (a seasonality bar)
    half: int | None = None  # 1 = January-June only, 2 = July-December
    city: str = ""  # text the city contains, any case (the table's column filter)
    no_subtype: bool = False  # only rows without a recorded sub-type (the risk page's "sub-type not recorded" bar)

    def __post_init__(self) -> None:
        f = self.filters
        problems = [
            (not isinstance(f, Filters), "filters must be a dashboard.state.Filters"),
            (self.sort not in SORTABLE, f"sort must be one of {', '.join(SORTABLE)}"),
            (not isinstance(self.descending, bool) or not isinstance(self.no_subtype, bool), "flags must be booleans"),
            (self.country not in COUNTRIES, "country must be US, CA or empty"),
            (not _int_or_none(self.year), "year must be a whole number"),
            (not (self.month is None or _int_or_none(self.month) and 1 <= self.month <= 12), "month must be 1-12"),
            (self.half not in (None, 1, 2), "half must be 1 or 2"),
            (not isinstance(self.city, str) or len(self.city) > 100, "city must be text of at most 100 characters"),
        ]
        if isinstance(f, Filters):
            problems += [
                (f.category != ALL and f.category not in CATEGORIES, f"unknown category {f.category!r}"),
                (f.subtype != ALL and f.subtype not in SUBTYPES, f"unknown sub-type {f.subtype!r}"),
                (self.no_subtype and f.subtype != ALL, "no_subtype excludes a sub-type"),
                (not isinstance(f.source, str) or not 0 < len(f.source) <= schema.SOURCE_LENGTH, "bad source"),
                (f.region is not None and not (isinstance(f.region, str) and _REGION.fullmatch(f.region)),
                 "region must be codes like TX or CA,TX"),
                (not _int_or_none(f.year_from) or not _int_or_none(f.year_to), "years must be whole numbers"),
                (not isinstance(f.major_only, bool), "major_only must be a boolean"),
            ]
        for bad, message in problems:
            if bad:
                raise BadQuery(message)


# ---------------------------------------------------------------- which rows

def _day(year: int, month: int = 1, day: int = 1) -> int:
    return (dt.date(year, month, day) - EPOCH).days


def _days(q: IncidentQuery) -> tuple[int, int] | None:
    """The day numbers the selection lies within (year, half and month are all cut from occurred_on), so that
    the date index can seek instead of reading every year."""
    f = q.filters
    first, last = (q.year, q.year) if q.year is not None else (f.year_from, f.year_to or f.year_from)
    if first is None or last is None:
        return None
    lo, hi = _day(first), _day(last, 12, 31)
    if first == last and q.month is not None:
        lo, hi = _day(first, q.month), _day(first, q.month, calendar.monthrange(first, q.month)[1])
    elif first == last and q.half is not None:
        lo, hi = (_day(first), _day(first, 6, 30)) if q.half == 1 else (_day(first, 7), hi)
    return lo, hi


def _conditions(t: sa.Table, q: IncidentQuery) -> list[sa.ColumnElement]:
    """The selection as a WHERE clause on the incident table or a rollup (the rollups keep a blank sub-type and
    NIBRS class as '', the incident table as NULL; `!= ''` is false for both)."""
    f, rows = q.filters, t is I
    cond: list[sa.ColumnElement] = [t.c.source.in_(COMBINED_SOURCES) if f.source == "combined" else t.c.source == f.source]
    if rows and f.source == "combined":
        cond.append(I.c.counts_in_combined.is_(True))  # what n_combined counts: a linked claim counts once
    if q.no_subtype:
        cond.append(t.c.subtype.is_(None) if rows else t.c.subtype == "")
    elif f.subtype != ALL:
        cond.append(t.c.subtype == f.subtype)
    if f.category != ALL:
        cond.append(t.c.category == f.category)
    if f.subtype == ALL:
        cond.append(t.c.crimes_against != "")  # claims that are not crimes (water damage, ...) never count
    if q.year is not None:
        cond.append(t.c.year == q.year)
    elif f.year_from is not None:
        cond.append(t.c.year.between(f.year_from, f.year_to or f.year_from))
    if q.month is not None:
        cond.append(t.c.month == q.month)
    if q.half is not None:
        cond.append(t.c.half == q.half if "half" in t.c else t.c.month.between(q.half * 6 - 5, q.half * 6))
    if f.major_only:
        cond.append(t.c.is_major_city.is_(True))
    if q.country:
        cond.append(t.c.country == q.country)
    if f.region_codes:
        cond.append(t.c.region_code.in_(f.region_codes))
    if q.city:
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", q.city.strip().lower()) + "%"
        cond.append(sa.func.lower(t.c.city).like(pattern, escape="\\"))
    days = _days(q) if rows else None
    if days is not None:
        cond.append(I.c.day_number.between(*days))
    return cond


def count(engine: sa.Engine, q: IncidentQuery) -> int:
    """How many incidents the selection holds: the chart's own number, summed from the rollups; counted from
    the incident rows only for what the rollups do not keep (a city, or a month in some regions)."""
    if q.city or (q.month is not None and q.filters.region_codes):
        stmt = sa.select(sa.func.count()).select_from(I).where(*_conditions(I, q))
    else:
        t = M if q.month is not None else R
        n = t.c.n_combined if q.filters.source == "combined" else t.c.n
        stmt = sa.select(sa.func.coalesce(sa.func.sum(n), 0)).where(*_conditions(t, q))
    with engine.connect() as conn:
        return int(conn.execute(stmt).scalar_one())


# ---------------------------------------------------------------- pages and cursors

def _encode(q: IncidentQuery, row: Mapping[str, Any]) -> str:
    key = _SORT_KEY[q.sort].name
    raw = json.dumps([q.sort, int(q.descending), row[key], row["incident_id"]], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _decode(cursor: Any, q: IncidentQuery) -> tuple[Any, int]:
    """A cursor -> (sort value, incident id), checked against the query's sort and direction."""
    if not isinstance(cursor, str) or not 0 < len(cursor) <= 200 or not re.fullmatch(r"[A-Za-z0-9_-]+", cursor):
        raise BadCursor("the cursor is not one this service made")
    try:
        sort, desc, value, ident = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, TypeError):
        raise BadCursor("the cursor does not decode") from None
    if sort != q.sort or desc != int(q.descending):
        raise BadCursor(f"the cursor was made for another sort ({sort!r}, {'descending' if desc else 'ascending'})")
    whole = isinstance(ident, int) and not isinstance(ident, bool) and ident >= 0
    if q.sort == "occurred_on":
        fits = isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**6
    elif q.sort == "incident_id":
        fits = value == ident
    else:
        fits = value is None or _number(value)
    if not (whole and fits):
        raise BadCursor("the cursor's position does not fit the sort")
    return value, ident


def _phases(q: IncidentQuery, after: tuple[Any, int] | None, columns: list) -> list[sa.Select]:
    """The statements that give the rows in order from a position: known values then, for a column that may be
    blank, the blank ones (by id). Each walks one index in order."""
    col, ident = _SORT_KEY[q.sort], I.c.incident_id
    before = (lambda a, b: a < b) if q.descending else (lambda a, b: a > b)
    direction = (lambda c: c.desc()) if q.descending else (lambda c: c.asc())
    base = sa.select(*columns).where(*_conditions(I, q))
    value, last = after if after is not None else (None, None)
    if col is ident:
        return [base.where(*([before(ident, last)] if after else [])).order_by(direction(ident))]
    out = []
    if after is None or value is not None:
        known = [col.isnot(None)] if q.sort in _NULLABLE else []
        if after is not None:
            known.append(before(sa.tuple_(col, ident), sa.tuple_(value, last)))
        out.append(base.where(*known).order_by(direction(col), direction(ident)))
    if q.sort in _NULLABLE:
        blank = [col.is_(None)] + ([before(ident, last)] if after is not None and value is None else [])
        out.append(base.where(*blank).order_by(direction(ident)))
    return out


def _files(conn: sa.Connection) -> dict[int, str]:
    return {int(b): str(n) for b, n in conn.execute(sa.select(B.c.batch_id, B.c.file_name))}


def _record(row: Mapping[str, Any], files: Mapping[int, str]) -> dict[str, Any]:
    out = {c: row[c] for c in COLUMNS if c != "file"}
    out["file"] = files.get(row["batch_id"])
    if isinstance(out["occurred_on"], dt.date):
        out["occurred_on"] = out["occurred_on"].isoformat()
    for name in ("weapon_shown", "is_major_city"):  # booleans stay booleans in every database
        out[name] = None if out[name] is None else bool(out[name])
    return {c: out[c] for c in COLUMNS}


def page(engine: sa.Engine, q: IncidentQuery, after: str | None = None,
         size: int = 100) -> tuple[list[dict[str, Any]], str | None]:
    """`size` rows after the cursor `after` (None: the first page), and the cursor of the next page (None when
    these are the last rows)."""
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_PAGE:
        raise BadQuery(f"size must be 1-{MAX_PAGE}")
    position = _decode(after, q) if after is not None else None
    rows: list[Mapping[str, Any]] = []
    with engine.connect() as conn:
        for stmt in _phases(q, position, _READ):  # one row more than asked: is there a next page?
            rows += conn.execute(stmt.limit(size + 1 - len(rows))).mappings().all()
            if len(rows) > size:
                break
        files = _files(conn) if rows else {}
    cursor = _encode(q, rows[size - 1]) if len(rows) > size else None
    return [_record(r, files) for r in rows[:size]], cursor


# ---------------------------------------------------------------- downloads

def _stream(engine: sa.Engine, q: IncidentQuery, batch: int = 5000) -> Iterator[list[dict[str, Any]]]:
    """Every matching row in order, `batch` rows at a time, from one server-side cursor per phase."""
    with engine.connect() as conn:
        files = _files(conn)
        streaming = conn.execution_options(stream_results=True, yield_per=batch)
        for stmt in _phases(q, None, _READ):
            for part in streaming.execute(stmt).mappings().partitions(batch):
                yield [_record(r, files) for r in part]


def csv_cell(value: Any) -> str:
    """One value as CSV text: blank for unknown, true/false, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def iter_csv(engine: sa.Engine, q: IncidentQuery) -> Iterator[str]:
    """The CSV of every matching row: the header, then chunks of a few thousand rows as they are read."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    yield buffer.getvalue()
    for part in _stream(engine, q):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([csv_cell(r[c]) for c in COLUMNS] for r in part)
        yield buffer.getvalue()


def write_xlsx(engine: sa.Engine, q: IncidentQuery, target: IO[bytes]) -> int:
    """Every matching row into an XLSX workbook, in bounded memory (openpyxl's write-only mode writes each row
    to a temporary file as it comes); a sheet per 1,048,575 rows. Returns the rows written."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet, written, on_sheet = None, 0, XLSX_SHEET_ROWS
    for part in _stream(engine, q):
        for r in part:
            if on_sheet == XLSX_SHEET_ROWS:
                sheet = book.create_sheet("Incidents" if sheet is None else f"Incidents {written // XLSX_SHEET_ROWS + 1}")
                sheet.append(COLUMNS)
                on_sheet = 0
            row = dict(r, occurred_on=dt.date.fromisoformat(r["occurred_on"]))
            sheet.append([row[c] for c in COLUMNS])
            written, on_sheet = written + 1, on_sheet + 1
    if sheet is None:
        book.create_sheet("Incidents").append(COLUMNS)
    book.save(target)
    return written


def iter_xlsx(engine: sa.Engine, q: IncidentQuery, chunk: int = 1 << 16) -> Iterator[bytes]:
    """The XLSX of every matching row as bytes: built in a temporary file (a zip is finished only at its end),
    then read out in chunks."""
    with tempfile.TemporaryFile() as tmp:
        write_xlsx(engine, q, tmp)
        tmp.seek(0)
        while data := tmp.read(chunk):
            yield data


# ---------------------------------------------------------------- URL parameters

ROW_PARAMS = ("year_from", "year_to", "category", "subtype", "source", "region", "major_only", "country", "year",
              "month", "half", "city", "sort", "dir")
# page-URL keys that choose how a page draws, not which rows: accepted so a page's query works as it is
PAGE_ONLY = ("metric", "base_year", "layer", "context", "context_line", "nibrs_year", "view")


def from_params(params: Mapping[str, Any], years: Sequence[int], regions: Iterable[str],
                sources: Iterable[str]) -> IncidentQuery:
    """URL parameters -> IncidentQuery, strictly: anything not allowed raises BadQuery with a plain message.
    No years means every year; one end alone runs to the first or last year with data."""
    unknown = sorted(set(params) - set(ROW_PARAMS) - set(PAGE_ONLY))
    if unknown:
        raise BadQuery(f"unknown parameter {unknown[0]!r}; allowed: {', '.join(ROW_PARAMS)}")
    p = {k: v for k, v in params.items() if k in ROW_PARAMS}
    if not all(isinstance(v, str) and len(v) <= 200 for v in p.values()):
        raise BadQuery("every parameter must be text of at most 200 characters")
    years = sorted(int(y) for y in years)

    def one_of(name: str, allowed: Iterable[Any], default: Any = None, cast: Any = str) -> Any:
        text = p.get(name, "").strip()
        if text == "":
            return default
        options = {str(a): a for a in allowed}
        if text not in options:
            shown = ", ".join(list(options)[:12]) + (", ..." if len(options) > 12 else "")
            raise BadQuery(f"{name}={text!r} is not allowed; choose one of: {shown}")
        return cast(options[text])

    year_from = one_of("year_from", years, years[0] if years and "year_to" in p else None, int)
    year_to = one_of("year_to", years, years[-1] if years and year_from is not None else None, int)
    if year_from is not None and year_to is not None and year_from > year_to:
        raise BadQuery(f"year_from {year_from} is after year_to {year_to}")
    category = one_of("category", CATEGORIES, ALL)
    subtype = one_of("subtype", [*SUBTYPES, NO_SUBTYPE], ALL)
    if subtype not in (ALL, NO_SUBTYPE):
        if category not in (ALL, SUBTYPE_CATEGORY[subtype]):
            raise BadQuery(f"sub-type {subtype!r} is not a kind of {category!r}")
        category = SUBTYPE_CATEGORY[subtype]
    known = set(regions)
    codes = sorted({c.strip().upper() for c in p.get("region", "").split(",") if c.strip()})
    if any(c not in known for c in codes):
        raise BadQuery(f"region {','.join(c for c in codes if c not in known)!r} is not a state or province code")
    flags = {"1": True, "true": True, "0": False, "false": False}
    f = Filters(year_from, year_to, category, ALL if subtype == NO_SUBTYPE else subtype,
                one_of("source", ["combined", *sources], "combined"), region=",".join(codes) or None,
                major_only=one_of("major_only", flags, False, flags.get))
    return IncidentQuery(f, one_of("country", ["US", "CA"], ""), one_of("sort", SORTABLE, "occurred_on"),
                         one_of("dir", ["desc", "asc"], "desc") == "desc", one_of("year", years, None, int),
                         one_of("month", range(1, 13), None, int), one_of("half", (1, 2), None, int),
                         p.get("city", "").strip()[:100], subtype == NO_SUBTYPE)


def to_params(q: IncidentQuery) -> dict[str, str]:
    """IncidentQuery -> the URL parameters `from_params` reads back (defaults left out)."""
    f = q.filters
    values = {"year_from": f.year_from, "year_to": f.year_to, "category": None if f.category == ALL else f.category,
              "subtype": NO_SUBTYPE if q.no_subtype else None if f.subtype == ALL else f.subtype,
              "source": None if f.source == "combined" else f.source, "region": f.region,
              "major_only": 1 if f.major_only else None, "country": q.country or None, "year": q.year,
              "month": q.month, "half": q.half, "city": q.city or None,
              "sort": None if q.sort == "occurred_on" else q.sort, "dir": None if q.descending else "asc"}
    return {k: str(v) for k, v in values.items() if v is not None}


def describe(q: IncidentQuery, names: Mapping[str, str]) -> str:
    """The selection in words: 'Robbery, 2021, Texas; JSA and JM combined' (`names`: region code -> name)."""
    f = q.filters
    what = SUBTYPES[f.subtype] if f.subtype != ALL else CATEGORIES.get(f.category, "All crime types")
    if q.no_subtype:
        what += ", sub-type not recorded"
    if q.year is not None or f.year_from is None:
        years = str(q.year) if q.year is not None else ""
    else:
        years = str(f.year_from) if f.year_from == (f.year_to or f.year_from) else f"{f.year_from}-{f.year_to}"
    months = calendar.month_name[q.month] if q.month else {1: "January-June", 2: "July-December"}.get(q.half or 0)
    when = " ".join(w for w in (months, years) if w) + ("" if years else ", every year" if months else "every year")
    codes = f.region_codes
    where = (" and ".join(names.get(c, c) for c in codes) if len(codes) <= 3 else f"{len(codes)} states and provinces") \
        if codes else COUNTRIES[q.country]
    parts = [what, when, where]
    parts += ["major cities only"] if f.major_only else []
    parts += [f"city containing '{q.city}'"] if q.city else []
    return ", ".join(parts) + "; " + source_label(f.source)


def with_changes(q: IncidentQuery, **changes: Any) -> IncidentQuery:
    """A copy with some fields changed (the Filters fields among them go to q.filters)."""
    own = {k: v for k, v in changes.items() if k in IncidentQuery.__dataclass_fields__}
    rest = {k: v for k, v in changes.items() if k not in own}
    return replace(q, filters=replace(q.filters, **rest), **own) if rest else replace(q, **own)


__all__ = ["COLUMNS", "SORTABLE", "BadCursor", "BadQuery", "IncidentQuery", "count", "csv_cell", "describe",
           "from_params", "iter_csv", "iter_xlsx", "page", "to_params", "with_changes", "write_xlsx"]
