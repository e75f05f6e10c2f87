"""The incident rows behind a chart: the same rows the chart counts, paged by key, counted, and streamed out.

No Dash here, and no engine of its own: the dashboard's incident table (dashboard.incident_table), its
downloads and the read-only API all call these functions with the engine.

Which rows: exactly those the rollups count (dashboard.queries `_where`, `_count`, `_trend_where`). One function,
`_conditions`, writes the condition for the incident table and the rollups alike, so `count()` (summed from the
rollups) and the rows paged cannot disagree: combined is JSA plus JM less the claims linked to a JSA incident,
and a claim that is not a crime (empty `crimes_against`) never counts unless a sub-type is chosen.

Paging is by key, never by OFFSET: a page is "the next `size` rows after (sort value, incident_id)", which an
index on (sort column, incident_id) answers by a seek, as fast on page 5,000 as on page 1 (docs/incidents.md).
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

from dashboard.state import ALL, COMBINED_SOURCES, SUBTYPE_CATEGORY, SUBTYPES, Filters
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
# read in COLUMNS order: the date as its ISO text (as SQLite keeps it; PostgreSQL casts it alike), the batch where
# its file's name goes, then the day number that the cursors of the date order hold
_READ = [sa.cast(I.c.occurred_on, sa.String).label("occurred_on") if c == "occurred_on" else I.c.batch_id if c == "file"
         else I.c[c] for c in COLUMNS] + [I.c.day_number]
_AT = {c: i for i, c in enumerate(COLUMNS)}
_KEY_AT = {"occurred_on": len(COLUMNS), "loss_usd": _AT["loss_usd"], "incident_id": _AT["incident_id"]}
_FLAGS = (_AT["weapon_shown"], _AT["is_major_city"])
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
        f, whole = self.filters, _int_or_none
        if not isinstance(f, Filters):
            raise BadQuery("filters must be a dashboard.state.Filters")
        for bad, message in (
            (self.sort not in SORTABLE, f"sort must be one of {', '.join(SORTABLE)}"),
            (not isinstance(self.descending, bool) or not isinstance(self.no_subtype, bool), "flags must be booleans"),
            (self.country not in COUNTRIES, "country must be US, CA or empty"),
            (not whole(self.year) or not whole(f.year_from) or not whole(f.year_to), "years must be whole numbers"),
            (not (self.month is None or whole(self.month) and 1 <= self.month <= 12), "month must be 1-12"),
            (self.half not in (None, 1, 2), "half must be 1 or 2"),
            (not isinstance(self.city, str) or len(self.city) > 100, "city must be text of at most 100 characters"),
            (f.category != ALL and f.category not in CATEGORIES, f"unknown category {f.category!r}"),
            (f.subtype != ALL and f.subtype not in SUBTYPES, f"unknown sub-type {f.subtype!r}"),
            (self.no_subtype and f.subtype != ALL, "no_subtype excludes a sub-type"),
            (not isinstance(f.source, str) or not 0 < len(f.source) <= schema.SOURCE_LENGTH, "bad source"),
            (f.region is not None and not (isinstance(f.region, str) and _REGION.fullmatch(f.region)),
             "region must be codes like TX or CA,TX"),
            (not isinstance(f.major_only, bool), "major_only must be a boolean"),
        ):
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


def _conditions(t: sa.Table, q: IncidentQuery, by_day: bool = False) -> list[sa.ColumnElement]:
    """The selection as a WHERE clause on the incident table or a rollup (the rollups keep a blank sub-type and
    NIBRS class as '', the incident table as NULL; `!= ''` is false for both).

    On the incident table, `by_day` (rows read in day order) lets one state or province be sought in its own
    index; otherwise the region test is written so that no index serves it (SQLite would take the region index
    and sort every row of a big state) and is checked in the index walked, like the other filter columns. The
    day range the years stand for is added by the caller (`_days`): a page narrows it to its cursor."""
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
        seek = not rows or (by_day and len(f.region_codes) == 1)
        cond.append((t.c.region_code if seek else sa.func.coalesce(t.c.region_code, "")).in_(f.region_codes))
    if q.city:
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", q.city.strip().lower()) + "%"
        cond.append(sa.func.lower(t.c.city).like(pattern, escape="\\"))
    return cond


def _rollup_for(q: IncidentQuery) -> sa.Table | None:
    """The rollup that holds the selection's count, or None (a city is kept by none of them)."""
    t = M if q.month is not None else R
    return None if q.city or (q.filters.region_codes and "region_code" not in t.c) else t


def counts_quickly(q: IncidentQuery) -> bool:
    """Does count() read only the rollups (milliseconds)? Not with a city: that counts rows (seconds at 10M)."""
    return _rollup_for(q) is not None


def _may_have_rows(conn: sa.Connection, q: IncidentQuery) -> bool:
    """False when the rollups show that nothing matches: a walk of the index would read it all to find nothing.
    (No rollup keeps a city, so that part is left out of the test.)"""
    loose = replace(q, city="")
    t = _rollup_for(loose)
    if t is None:  # a month in some regions where the month rollup has no region: test the months' years
        t, loose = R, replace(loose, month=None)
    n = t.c.n_combined if q.filters.source == "combined" else t.c.n
    return conn.execute(sa.select(t.c.n).where(*_conditions(t, loose), n > 0).limit(1)).first() is not None


def count(engine: sa.Engine, q: IncidentQuery) -> int:
    """How many incidents the selection holds: the chart's own number, summed from the rollups; counted from
    the incident rows only for a city, which the rollups do not keep."""
    t = _rollup_for(q)
    if t is None:
        days = _days(q)
        stmt = sa.select(sa.func.count()).select_from(I).where(
            *_conditions(I, q, by_day=True), *([I.c.day_number.between(*days)] if days else []))
    else:
        n = t.c.n_combined if q.filters.source == "combined" else t.c.n
        stmt = sa.select(sa.func.coalesce(sa.func.sum(n), 0)).where(*_conditions(t, q))
    with engine.connect() as conn:
        return int(conn.execute(stmt).scalar_one())


# ---------------------------------------------------------------- pages and cursors

def _encode(q: IncidentQuery, row: Sequence[Any]) -> str:
    raw = json.dumps([q.sort, int(q.descending), row[_KEY_AT[q.sort]], row[_AT["incident_id"]]], separators=(",", ":"))
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
    blank, the blank ones (by id). Each walks one index in order, from a bound written as a plain comparison
    (SQLite seeks by that, not by the row-value comparison that settles ties)."""
    col, ident, desc = _SORT_KEY[q.sort], I.c.incident_id, q.descending
    before = (lambda a, b: a < b) if desc else (lambda a, b: a > b)
    direction = (lambda c: c.desc()) if desc else (lambda c: c.asc())
    base = sa.select(*columns).where(*_conditions(I, q, by_day=q.sort == "occurred_on"))
    value, last = after if after is not None else (None, None)
    if col is ident:
        return [base.where(*([before(ident, last)] if after else [])).order_by(direction(ident))]
    out = []
    if after is None or value is not None:
        lo, hi = (_days(q) or (None, None)) if q.sort == "occurred_on" else (None, None)
        if after is not None:  # from the cursor on: the tighter of the two bounds
            lo, hi = (lo, value if hi is None else min(hi, value)) if desc else (value if lo is None else max(lo, value), hi)
        known = [col.isnot(None)] if q.sort in _NULLABLE else []
        known += ([col >= lo] if lo is not None else []) + ([col <= hi] if hi is not None else [])
        if after is not None:
            known.append(before(sa.tuple_(col, ident), sa.tuple_(value, last)))
        out.append(base.where(*known).order_by(direction(col), direction(ident)))
    if q.sort in _NULLABLE:
        blank = [col.is_(None)] + ([before(ident, last)] if after is not None and value is None else [])
        out.append(base.where(*blank).order_by(direction(ident)))
    return out


def _files(conn: sa.Connection) -> dict[int, str]:
    return {int(b): str(n) for b, n in conn.execute(sa.select(B.c.batch_id, B.c.file_name))}


def _values(row: Sequence[Any], files: Mapping[int, str]) -> list[Any]:
    """A row as read -> its values in COLUMNS order: its file's name for its batch, booleans as booleans."""
    values = list(row[:len(COLUMNS)])
    values[_AT["file"]] = files.get(values[_AT["file"]])
    for i in _FLAGS:
        values[i] = None if values[i] is None else bool(values[i])
    return values


def page(engine: sa.Engine, q: IncidentQuery, after: str | None = None,
         size: int = 100) -> tuple[list[dict[str, Any]], str | None]:
    """`size` rows after the cursor `after` (None: the first page), and the cursor of the next page (None when
    these are the last rows)."""
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_PAGE:
        raise BadQuery(f"size must be 1-{MAX_PAGE}")
    position = _decode(after, q) if after is not None else None
    rows: list[Sequence[Any]] = []
    with engine.connect() as conn:
        if position is None and not _may_have_rows(conn, q):
            return [], None
        for stmt in _phases(q, position, _READ):  # one row more than asked: is there a next page?
            rows += conn.execute(stmt.limit(size + 1 - len(rows))).all()
            if len(rows) > size:
                break
        files = _files(conn) if rows else {}
    cursor = _encode(q, rows[size - 1]) if len(rows) > size else None
    return [dict(zip(COLUMNS, _values(r, files))) for r in rows[:size]], cursor


# ---------------------------------------------------------------- downloads

def _stream(engine: sa.Engine, q: IncidentQuery, batch: int = 5000) -> Iterator[list[list[Any]]]:
    """Every matching row in order (values in COLUMNS order), `batch` rows at a time, from one server-side
    cursor per phase."""
    with engine.connect() as conn:
        files = _files(conn)
        streaming = conn.execution_options(stream_results=True, yield_per=batch)
        for stmt in _phases(q, None, _READ):
            for part in streaming.execute(stmt).partitions(batch):
                yield [_values(r, files) for r in part]


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
    """The CSV of every matching row: the header, then chunks of a few thousand rows as they are read. Cells as
    csv_cell writes them; only the columns that need it are converted (the writer does the rest alike)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    yield buffer.getvalue()
    loss, text = _AT["loss_usd"], {True: "true", False: "false", None: None}
    for part in _stream(engine, q):
        buffer.seek(0)
        buffer.truncate()
        for values in part:
            if values[loss] is not None and values[loss].is_integer():
                values[loss] = int(values[loss])
            for i in _FLAGS:
                values[i] = text[values[i]]
        writer.writerows(part)
        yield buffer.getvalue()


def write_xlsx(engine: sa.Engine, q: IncidentQuery, target: IO[bytes]) -> int:
    """Every matching row into an XLSX workbook, in bounded memory (openpyxl's write-only mode writes each row
    to a temporary file as it comes); a sheet per 1,048,575 rows. Returns the rows written."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet, written, on_sheet, day = None, 0, XLSX_SHEET_ROWS, _AT["occurred_on"]
    for part in _stream(engine, q):
        for values in part:
            if on_sheet == XLSX_SHEET_ROWS:
                sheet = book.create_sheet("Incidents" if sheet is None else f"Incidents {written // XLSX_SHEET_ROWS + 1}")
                sheet.append(COLUMNS)
                on_sheet = 0
            values[day] = dt.date.fromisoformat(values[day])
            sheet.append(values)
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
