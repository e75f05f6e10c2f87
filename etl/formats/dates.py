"""Dates: every spelling analysts and exports write, one column at a time (see docs/data-formats.md, Dates).

ISO dates and date-times, numeric day/month/year with the order inferred per
file, month names, compact and Excel serial dates; a date-time also gives the
hour. Rows parsed once per distinct value, by pyarrow regular expressions and
numpy arithmetic.
"""
from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl.formats.problems import (by_value, EARLIEST, EXCEL_EPOCH, Problems, said, _arrow, _Bytes, _matches, _normal,
                                  _np, _number, _same, _take, _unknown_of)


NOT_A_DATE = "is not a date (e.g. 2022-03-05, 3/5/2022, Mar 5, 2022 or an Excel date)"
LOOKS_LIKE_A_YEAR = "looks like a year, not a date (give the day, e.g. 2022-03-05)"
UNKNOWN_DATE = "means unknown, but a date is required"

_MONTH_SET = pa.array(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])
_MONTH = (r"(?P<mon>january|february|march|april|may|june|july|august|september|october|november|december"
          r"|sept|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)\.?")
_WEEKDAY = (r"(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tues|thurs|thur|mon|tue|wed|thu|fri"
            r"|sat|sun)\.?,? )?")
_ORDINAL = r"(?:st|nd|rd|th)?"
# an optional time of day after the date, then an optional UTC offset or zone (dropped: the day stays as written)
_CLOCK = (r"(?:(?:t| | ?, ?| at )(?P<hh>\d{1,2})(?::(?P<mi>\d{2})(?::(?P<ss>\d{2})(?:[.,](?P<fr>\d+))?)?)?"
          r"(?: ?(?P<ap>[ap])\.?m\.?)?(?: ?(?:z|utc|gmt|[+-]\d{2}(?::?\d{2})?))?)?")
_YEAR_FIRST = r"^(?P<y>\d{4})(?P<s1>[-/.])(?P<m>\d{1,2})(?P<s2>[-/.])(?P<d>\d{1,2})" + _CLOCK + "$"
_NUMERIC = r"^(?P<a>\d{1,2})(?P<s1>[-/.])(?P<b>\d{1,2})(?P<s2>[-/.])(?P<y>\d{4}|\d{2})" + _CLOCK + "$"
_MONTH_FIRST = (r"^" + _WEEKDAY + _MONTH + r"[ -](?P<d>\d{1,2})" + _ORDINAL + r"(?:, ?| |-)(?P<y>\d{4}|\d{2})"
                + _CLOCK + "$")
_DAY_FIRST = (r"^" + _WEEKDAY + r"(?P<d>\d{1,2})" + _ORDINAL + r"(?: of)?[ -]" + _MONTH + r"(?:, ?| |-)"
              r"(?P<y>\d{4}|\d{2})" + _CLOCK + "$")
_COMPACT = r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"
_SERIAL = r"^\d{1,7}(?:\.\d+)?$"
# the zero-padded shapes machines export, read straight from the bytes (a regex with groups is several times slower)
_FIXED_ISO = r"^\d{4}-\d\d-\d\d(?:[t ]\d\d:\d\d(?::\d\d)?(?:z|[+-]\d\d(?::?\d\d)?)?)?$"
_FIXED_NUMERIC = r"^\d\d(?:/\d\d/|-\d\d-|\.\d\d\.)\d{4}(?: \d\d:\d\d(?::\d\d)?(?: ?[ap]m)?)?$"

_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_NAT = np.datetime64("NaT", "us")


def _calendar(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Dates (datetime64[us]) from float components; NaT where missing or not a real day (Feb 30)."""
    ok = ~(np.isnan(year) | np.isnan(month) | np.isnan(day))
    ok &= (month >= 1) & (month <= 12) & (day >= 1) & (year >= 1) & (year <= 9999)
    y = np.where(ok, year, 1970).astype(np.int64)
    m = np.where(ok, month, 1).astype(np.int64)
    d = np.where(ok, day, 1).astype(np.int64)
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    ok &= d <= _MONTH_DAYS[m - 1] + ((m == 2) & leap)
    first = ((y - 1970) * 12 + (m - 1)).astype("datetime64[M]").astype("datetime64[D]")
    out = (first + (d - 1).astype("timedelta64[D]")).astype("datetime64[us]")
    out[~ok] = _NAT
    return out


def _blank_fields(n: int) -> dict[str, np.ndarray]:
    nan = np.full(n, np.nan)
    return {"y": nan, "m": nan.copy(), "d": nan.copy(), "a": nan.copy(), "b": nan.copy(), "hh": nan.copy(),
            "mi": nan.copy(), "ss": nan.copy(), "twelve": np.zeros(n, bool), "pm": np.zeros(n, bool),
            "zero_fraction": np.ones(n, bool), "same_sep": np.ones(n, bool)}


def _regex_fields(text: pa.Array, pattern: str, today: dt.date) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Rows of `text` matching `pattern` (positions) and their date and time parts as numbers."""
    rows = np.flatnonzero(_matches(text, pattern))
    f = _blank_fields(len(rows))
    if not len(rows):
        return rows, f
    found = pc.extract_regex(_take(text, rows), pattern)
    g = {found.type.field(i).name: found.field(i) for i in range(found.type.num_fields)}
    for name in ("m", "d", "a", "b", "hh", "mi", "ss"):
        if name in g:
            f[name] = _number(g[name])
    if "y" in g:
        f["y"] = _two_digit_years(_number(g["y"]), _np(pc.utf8_length(g["y"])), today)
    if "mon" in g:
        f["m"] = _np(pc.cast(pc.index_in(pc.utf8_slice_codeunits(g["mon"], 0, 3), value_set=_MONTH_SET),
                             pa.float64())) + 1
    if "ap" in g:
        f["pm"] = _same(g["ap"], "p")
        f["twelve"] = f["pm"] | _same(g["ap"], "a")
    if "fr" in g:
        f["zero_fraction"] = _matches(g["fr"], r"^0*$")
    if "s1" in g:
        f["same_sep"] = _same(g["s1"], g["s2"])
    return rows, f


def _fixed_fields(text: pa.Array, pattern: str, first: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Like _regex_fields for the zero-padded shapes (_FIXED_ISO: first='y', _FIXED_NUMERIC: first='a')."""
    rows = np.flatnonzero(_matches(text, pattern))
    f = _blank_fields(len(rows))
    if not len(rows):
        return rows, f
    raw = _Bytes(text, rows)
    if first == "y":  # 2022-01-05[T13:40[:00]][offset]
        f["y"], f["m"], f["d"] = raw.digits(0, 4), raw.digits(5, 2), raw.digits(8, 2)
    else:  # 01/05/2022[ 13:40[:00][ PM]]
        f["a"], f["b"], f["y"] = raw.digits(0, 2), raw.digits(3, 2), raw.digits(6, 4)
    timed = raw.length >= 16
    if timed.any():
        f["hh"], f["mi"] = raw.digits(11, 2, timed), raw.digits(14, 2, timed)
        seconds = timed & (raw.byte(16, timed) == ord(":"))
        f["ss"] = raw.digits(17, 2, seconds)
        if first == "a":
            marker = raw.byte(raw.length - 2, timed)
            f["twelve"] = timed & (raw.byte(raw.length - 1, timed) == ord("m")) & np.isin(marker, (ord("a"), ord("p")))
            f["pm"] = f["twelve"] & (marker == ord("p"))
    return rows, f


def _shape(text: pa.Array, pattern: str, today: dt.date, fixed: str | None = None,
           first: str = "") -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Rows written in one shape: the zero-padded variant from the bytes, the rest by regex."""
    if fixed is None:
        return _regex_fields(text, pattern, today)
    rows, f = _fixed_fields(text, fixed, first)
    others = np.setdiff1d(np.arange(len(text)), rows, assume_unique=True)
    if not len(others):
        return rows, f
    more, g = _regex_fields(_take(text, others), pattern, today)
    return np.concatenate([rows, others[more]]), {k: np.concatenate([f[k], g[k]]) for k in f}


def _clock(f: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(hour as float, NaN where no time or exactly midnight; whether the time is valid or absent)."""
    hh, mi, ss, twelve = f["hh"], f["mi"], f["ss"], f["twelve"]
    some = ~np.isnan(hh)
    # a 24-hour time needs its minutes ('2022-01-05 13' is not a time); '3/5/2022 1 pm' does not
    ok = np.where(twelve, (hh >= 1) & (hh <= 12), (hh >= 0) & (hh <= 23) & ~np.isnan(mi))
    ok &= (np.isnan(mi) | ((mi >= 0) & (mi <= 59))) & (np.isnan(ss) | ((ss >= 0) & (ss <= 59)))
    hour = np.where(twelve, np.mod(hh, 12) + np.where(f["pm"], 12, 0), hh)
    midnight = (hour == 0) & (np.isnan(mi) | (mi == 0)) & (np.isnan(ss) | (ss == 0)) & f["zero_fraction"]
    return np.where(some & ok & ~midnight, hour, np.nan), ~some | ok


def _two_digit_years(year: np.ndarray, width: np.ndarray, today: dt.date) -> np.ndarray:
    """A 2-digit year up to this year's is in this century, a later one in the last."""
    pivot = today.year % 100
    return np.where(width == 2, np.where(year <= pivot, 2000 + year, 1900 + year), year)


def _dates_count(n: int) -> str:
    return "none" if n == 0 else ("1 date" if n == 1 else f"{n} dates")


def _has_time(fmt: str) -> bool:
    return any(code in fmt for code in ("%H", "%I", "%M", "%X", "%T", "%R", "%c"))


def _order_code(order: str | None) -> str | None:
    if order is None:
        return None
    code = order.upper().replace("/", "").replace("-", "").strip()
    if code not in ("MD", "DM"):
        raise ValueError(f"order must be 'MD' (month first) or 'DM' (day first), not {order!r}")
    return code


def _numeric_reads(text: pa.Array, today: dt.date) -> tuple[np.ndarray, dict, np.ndarray, np.ndarray, np.ndarray]:
    """Numeric dates (3/5/2022) among `text`: (rows, fields, hours, day-first reading, month-first reading)."""
    rows, f = _shape(text, _NUMERIC, today, _FIXED_NUMERIC, "a")
    if not len(rows):
        return rows, f, np.array([]), np.array([], dtype="datetime64[us]"), np.array([], dtype="datetime64[us]")
    hours, clock_ok = _clock(f)
    usable = clock_ok & f["same_sep"]
    as_dm, as_md = _calendar(f["y"], f["b"], f["a"]), _calendar(f["y"], f["a"], f["b"])
    as_dm[~usable] = _NAT
    as_md[~usable] = _NAT
    return rows, f, hours, as_dm, as_md


def _evidence(f: dict, as_dm: np.ndarray, as_md: np.ndarray) -> tuple[int, int]:
    """Distinct days that can only be read day-first, and only month-first."""
    dm_ok, md_ok = ~np.isnat(as_dm), ~np.isnat(as_md)
    key = (f["y"] * 100 + f["a"]) * 100 + f["b"]  # distinct days, whatever the time or the padding
    return len(np.unique(key[dm_ok & ~md_ok])), len(np.unique(key[md_ok & ~dm_ok]))


def order_evidence(raw: pd.Series, today: dt.date) -> tuple[int, int]:
    """(day-first only, month-first only) distinct numeric dates of a column: lets the parts of one file (the
    sheets of a workbook) share one day/month order."""
    u = pd.Series(pd.unique(raw.dropna()), dtype="str")
    if u.empty:
        return 0, 0
    norm = _normal(_arrow(u))
    if isinstance(norm, pa.ChunkedArray):
        norm = norm.combine_chunks()
    rows, f, _, as_dm, as_md = _numeric_reads(norm, today)
    return _evidence(f, as_dm, as_md) if len(rows) else (0, 0)


def _read_dates(u: pd.Series, sub: Problems, column: str, today: dt.date, required: bool, order: str | None,
                formats: list[str] | tuple[str, ...] | None,
                evidence: tuple[int, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Days and hours of distinct date texts; problems go to `sub` (one row per distinct value)."""
    n = len(u)
    arr = _arrow(u)
    norm = _normal(arr)
    if isinstance(norm, pa.ChunkedArray):
        norm = norm.combine_chunks()
    day = np.full(n, _NAT, dtype="datetime64[us]")
    hour = np.full(n, np.nan)
    blank = _np(pc.fill_null(pc.equal(norm, ""), True)).astype(bool)
    unknown = _unknown_of(norm) & ~blank
    todo = ~(blank | unknown)
    year_like = np.zeros(n, dtype=bool)

    def remaining() -> tuple[np.ndarray, pa.Array]:
        positions = np.flatnonzero(todo)
        return positions, _take(norm, positions)

    def settle(positions: np.ndarray, days: np.ndarray, hours: np.ndarray) -> None:
        good = ~np.isnat(days)
        where = positions[good]
        day[where] = days[good]
        hour[where] = hours[good]
        todo[where] = False

    # 1. the formats of a column mapping, in order
    for fmt in formats or ():
        positions = np.flatnonzero(todo)
        if not len(positions):
            break
        text = pd.Series(_np(_take(pc.utf8_trim_whitespace(arr), positions)), dtype="str")
        got = pd.to_datetime(text, format=fmt, errors="coerce")
        if getattr(got.dt, "tz", None) is not None:
            got = got.dt.tz_localize(None)  # the wall time as written, as for an ISO offset
        stamps = got.to_numpy(dtype="datetime64[us]")
        days = stamps.astype("datetime64[D]").astype("datetime64[us]")
        seconds = (stamps - days) / np.timedelta64(1, "s")
        hours = np.where((seconds > 0) & _has_time(fmt), np.floor(seconds / 3600), np.nan)
        settle(positions, days, hours)

    # 2. year first: 2022-01-05, 2022-1-5, 2022-01-05T13:40:00.5+05:00, 2022/01/05
    positions, text = remaining()
    if len(positions):
        rows, f = _shape(text, _YEAR_FIRST, today, _FIXED_ISO, "y")
        hours, clock_ok = _clock(f)
        days = _calendar(f["y"], f["m"], f["d"])
        days[~clock_ok | ~f["same_sep"]] = _NAT
        settle(positions[rows], days, hours)

    # 3. numeric day and month in either order: 3/5/2022, 03.05.22, 03/05/2022 01:40:00 PM
    positions, text = remaining()
    if len(positions):
        rows, f, hours, as_dm, as_md = _numeric_reads(text, today)
        if len(rows):
            a, b = f["a"], f["b"]
            if order is None:
                dm_ok, md_ok = ~np.isnat(as_dm), ~np.isnat(as_md)
                only_dm, only_md = dm_ok & ~md_ok, md_ok & ~dm_ok
                either = dm_ok & md_ok & (a != b)  # 03/03/2022 reads the same both ways
                # the whole file's evidence when it has several parts (sheets), else this column's
                n_dm, n_md = evidence if evidence is not None else _evidence(f, as_dm, as_md)
                day_first = n_dm > n_md
                days = np.where(only_dm, as_dm, np.where(only_md, as_md, as_dm if day_first else as_md))
                evidence = f"{_dates_count(n_dm)} can only be day-first, {n_md or 'none'} only month-first"
                if either.any() and n_dm:
                    first = positions[rows[np.flatnonzero(either)].min()]
                    example = re.split(r"[ T,]", str(u.iloc[first]).strip(), maxsplit=1)[0]
                    chosen = "day/month (D/M/YYYY)" if day_first else "month/day (M/D/YYYY)"
                    sub.warn(f"{column}: dates such as {example} read as {chosen}: {evidence}")
                elif n_dm and n_md:
                    sub.warn(f"{column}: dates are written both day-first and month-first ({evidence}); "
                             "each was read the only way it can be")
            else:
                days = as_dm if order == "DM" else as_md
            settle(positions[rows], days, hours)

    # 4. month names: Jan 5, 2022 / Wednesday, January 5th, 2022 3:30 PM / 5-Jan-2022 / 05-JAN-22
    for pattern in (_MONTH_FIRST, _DAY_FIRST):
        positions, text = remaining()
        if not len(positions):
            break
        rows, f = _shape(text, pattern, today)
        if len(rows):
            hours, clock_ok = _clock(f)
            days = _calendar(f["y"], f["m"], f["d"])
            days[~clock_ok] = _NAT
            settle(positions[rows], days, hours)

    # 5. Excel serial day numbers (a fraction is the time of day); a bare number from 1900 to 2100 is a year
    positions, text = remaining()
    if len(positions):
        numeric = _matches(text, _SERIAL)
        if numeric.any():
            positions = positions[numeric]
            serial = _np(pc.cast(text.filter(pa.array(numeric)), pa.float64()))
            year_like[positions] = (serial >= 1900) & (serial <= 2100)
            # below 10000 (May 1927) a bare number is far likelier a year or a typo than a date
            ok = (serial >= 10000) & (serial <= 2958465)
            seconds = np.round(np.where(ok, serial, 0) * 86400).astype(np.int64)
            days = (EXCEL_EPOCH.to_datetime64().astype("datetime64[D]")
                    + (seconds // 86400).astype("timedelta64[D]")).astype("datetime64[us]")
            days[~ok] = _NAT
            of_day = seconds % 86400
            settle(positions, days, np.where(of_day > 0, of_day // 3600, np.nan))

    # 6. compact 20220105
    positions, text = remaining()
    if len(positions):
        rows, f = _shape(text, _COMPACT, today)
        settle(positions[rows], _calendar(f["y"], f["m"], f["d"]), np.full(len(rows), np.nan))

    unreadable = todo & ~year_like
    late = day > np.datetime64(pd.Timestamp(today).to_datetime64(), "us")
    early = day < EARLIEST.to_datetime64().astype("datetime64[us]")
    if required:
        sub.add(blank, f"{column}: is blank (required)")
        sub.add(unknown, said(u, column, UNKNOWN_DATE))
        sub.add(year_like, said(u, column, LOOKS_LIKE_A_YEAR))
        sub.add(unreadable, said(u, column, NOT_A_DATE))
    else:
        sub.note(year_like, column, u, LOOKS_LIKE_A_YEAR)
        sub.note(unreadable, column, u, NOT_A_DATE)
    shown = pd.Series(day, index=u.index)
    sub.add(late, lambda rows: column + ": " + shown.loc[rows].dt.strftime("%Y-%m-%d") + " is in the future")
    sub.add(early, lambda rows: column + ": " + shown.loc[rows].dt.strftime("%Y-%m-%d") + " is before 1900")
    return day, hour


def _dates(raw: pd.Series, column: str, problems: Problems, today: dt.date, required: bool, order: str | None,
           formats: list[str] | tuple[str, ...] | None, with_hour: bool,
           evidence: tuple[int, int] | None = None) -> pd.Series | pd.DataFrame:
    order = _order_code(order)
    if required:
        problems.add(raw.isna().to_numpy(dtype=bool), f"{column}: is blank (required)")

    def parse(u: pd.Series, sub: Problems) -> pd.Series | pd.DataFrame:
        day, hour = _read_dates(u, sub, column, today, required, order, formats, evidence)
        days = pd.Series(day, index=u.index, dtype="datetime64[us]")
        if not with_hour:  # the day alone: one column less to spread over a million rows
            return days
        return pd.DataFrame({"day": days, "hour": pd.Series(hour, index=u.index).astype("Int64")})

    return by_value(raw, parse, problems)


def parse_date(raw: pd.Series, column: str, problems: Problems, today: dt.date, required: bool,
               order: str | None = None, formats: list[str] | tuple[str, ...] | None = None,
               evidence: tuple[int, int] | None = None) -> pd.Series:
    """The day (datetime64[us]) of each cell: parse_date_time without the hour."""
    return _dates(raw, column, problems, today, required, order, formats, with_hour=False, evidence=evidence)


def parse_date_time(raw: pd.Series, column: str, problems: Problems, today: dt.date, required: bool,
                    order: str | None = None, formats: list[str] | tuple[str, ...] | None = None,
                    evidence: tuple[int, int] | None = None) -> tuple[pd.Series, pd.Series]:
    """(day as datetime64[us], hour as Int64 where a time of day was written).

    Read, mixed freely in one column: Excel serial day numbers (a fraction is
    the time of day); ISO 2022-01-05 with or without a time, fraction, Z or
    UTC offset (the day stays as written); compact 20220105; numeric day and
    month in either order with / . or - and a 2- or 4-digit year, optionally
    with a 24- or 12-hour time; English month names (Jan 5, 2022 / 5-Jan-22 /
    Wednesday, January 5th, 2022 3:30 PM). A time of exactly midnight is an
    export's placeholder, not a time: its hour is NA. A 2-digit year up to
    today's is 20yy, a later one 19yy.

    The day/month order of numeric dates is inferred from the values that can
    only be read one way (order=None; see the warning it leaves), or forced
    with order="MD" or "DM". `evidence` (from `order_evidence` over every part
    of a file) replaces this column's own counts, so that the sheets of one
    workbook share one order. `formats` (strptime) are tried first, in order.
    Blank or unknown is NaT; when required, that sends the row to quarantine.
    An unreadable value is quarantined when required, else noted. A day in
    the future or before 1900 is always quarantined.
    """
    out = _dates(raw, column, problems, today, required, order, formats, with_hour=True, evidence=evidence)
    return out["day"], out["hour"]
