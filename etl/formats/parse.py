"""Vectorised cell parsers shared by the input formats.

Each parser takes a Series of raw strings (NaN = blank) and returns the parsed
values. What it finds goes to a Problems collector, in one of three kinds:

* a reason (`Problems.add`) sends the row to quarantine. Only a missing or
  unusable required value, or a value that is present but impossible (a
  negative amount, a date in the future, another currency, ...) is a reason;
* a note (`Problems.note`) keeps the row: an optional cell that cannot be
  read becomes unknown (NaN/NA) and the note says which cell and why;
* a warning (`Problems.warn`) is a remark about the whole file, such as the
  day/month order chosen for its dates.

Spellings that mean "unknown" (`N/A`, `-`, `unknown`, `not given`, ...) are
read as a blank cell by every parser.

Speed matters (a million rows in a few seconds): most columns repeat a few
thousand distinct values, so they are parsed once per distinct value
(`by_value`) and spread back; messages are built only for the rows that need
them. Where a column can hold a million distinct values (date-times), the
distinct values are parsed with regular expressions evaluated by pyarrow and
numpy arithmetic, never a Python loop per value. Rare spellings (money with
words, multipliers or ranges) take a slower path for just those values.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
EARLIEST = pd.Timestamp("1900-01-01")

Message = str | pd.Series | Callable[[pd.Index], pd.Series]


def _flags(mask: pd.Series | np.ndarray) -> np.ndarray:
    """A mask as a plain bool array (missing counts as false)."""
    if isinstance(mask, np.ndarray):
        return np.asarray(mask, dtype=bool)
    return pd.Series(mask).fillna(False).to_numpy(dtype=bool)


class Problems:
    """What the parsers found, column by column.

    Reasons send a row to quarantine (every reason of a row is kept); notes
    are remarks on single cells of rows that still load; warnings are
    remarks on the whole file.
    """

    def __init__(self, index: pd.Index):
        self.index = index
        self._parts: list[pd.Series] = []
        # each part: a frame indexed by row label with columns column, value, note
        self._notes: list[pd.DataFrame] = []
        self.warnings: list[str] = []

    def add(self, mask: pd.Series | np.ndarray, message: Message) -> None:
        """Record the quarantine reason `message` for the rows where mask is true.

        message may be one string, a Series aligned with the rows, or a
        function of the affected row labels (so long texts are built only
        for the rows that need them).
        """
        flags = _flags(mask)
        if not flags.any():
            return
        rows = self.index[flags]
        if isinstance(message, str):
            msgs = pd.Series(message, index=rows, dtype="object")
        elif callable(message):
            msgs = pd.Series(message(rows), index=rows, dtype="object")
        else:
            msgs = message.loc[rows].astype("object")
        self._parts.append(msgs)

    def note(self, mask: pd.Series | np.ndarray, column: str, raw: pd.Series,
             why: str | pd.Series | Callable[[pd.Index], pd.Series]) -> None:
        """Record a note on the cells of `column` where mask is true; the rows still load.

        raw holds the cells as written (aligned with the rows by label); why
        is one text, a Series aligned with the rows, or a function of the
        affected row labels.
        """
        flags = _flags(mask)
        if not flags.any():
            return
        rows = self.index[flags]
        if isinstance(why, pd.Series):
            text = np.asarray(why.loc[rows].to_numpy(), dtype=object)
        elif callable(why):
            text = np.asarray(pd.Series(why(rows)).to_numpy(), dtype=object)
        else:
            text = np.full(len(rows), why, dtype=object)
        value = np.asarray(raw.loc[rows].astype("object").to_numpy(), dtype=object)
        part = pd.DataFrame({"column": np.full(len(rows), column, dtype=object), "value": value, "note": text},
                            index=rows)
        self._notes.append(part)

    def warn(self, message: str) -> None:
        """Record a remark on the whole file (each text once)."""
        if message not in self.warnings:
            self.warnings.append(message)

    def reasons(self) -> pd.Series:
        """Row label -> list of reasons, for rows with at least one problem."""
        if not self._parts:
            return pd.Series([], dtype="object")
        allmsgs = pd.concat(self._parts)
        return allmsgs.groupby(level=0, sort=True).agg(list)

    def notes(self) -> pd.DataFrame:
        """One line per note: row (label), column, value (as written), note; by row, then as recorded."""
        if not self._notes:
            return pd.DataFrame({"row": pd.Series([], dtype=self.index.dtype),
                                 "column": pd.Series([], dtype="str"), "value": pd.Series([], dtype="str"),
                                 "note": pd.Series([], dtype="str")})
        every = pd.concat(self._notes)
        order = np.argsort(every.index.to_numpy(), kind="stable")
        every = every.iloc[order]
        return pd.DataFrame({"row": every.index.to_numpy(), "column": every["column"].astype("str").to_numpy(),
                             "value": every["value"].astype("str").to_numpy(),
                             "note": every["note"].astype("str").to_numpy()})

    def restrict(self, index: pd.Index) -> "Problems":
        """The reasons and notes of the rows in `index` (and every warning)."""
        kept = Problems(index)
        for part in self._parts:
            part = part[part.index.isin(index)]
            if len(part):
                kept._parts.append(part)
        for part in self._notes:
            part = part[part.index.isin(index)]
            if len(part):
                kept._notes.append(part)
        kept.warnings = list(self.warnings)
        return kept

    def _absorb(self, other: "Problems") -> None:
        """Take over everything `other` found (its rows are rows of this collector)."""
        self._parts.extend(other._parts)
        self._notes.extend(other._notes)
        for w in other.warnings:
            self.warn(w)


# ---------------------------------------------------------------- text helpers

UNKNOWN_TOKENS: frozenset[str] = frozenset({
    "", "n/a", "na", "n.a.", "-", "--", "\u2014", "\u2013", "?", "??", "unknown", "unk", "not known",
    "not mentioned", "none given", "not given", "not available", "not reported", "undisclosed", "not disclosed",
    "null", "tbd",
})
_UNKNOWN_ARROW = pa.array(sorted(UNKNOWN_TOKENS), type=pa.string())


def clean_text(s: pd.Series) -> pd.Series:
    """Strip surrounding spaces; blank becomes NaN."""
    s = s.astype("str").str.strip()
    return s.where(s != "")


def _arrow(s: pd.Series) -> pa.ChunkedArray:
    return pa.chunked_array([pa.array(s.astype("str").to_numpy(na_value=None), type=pa.string())]) \
        if not hasattr(s.array, "_pa_array") else s.array._pa_array  # noqa: SLF001 - zero-copy view


def _normal(arr: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Trimmed, lower case, inner runs of white space as one space."""
    arr = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    # rewriting every value is slow; only the few with odd spacing need it
    odd = pc.fill_null(pc.match_substring_regex(arr, r"[\t\n\r\f\v\x{a0}\x{2000}-\x{200b}\x{3000}]|  "), False)
    if pc.any(odd).as_py():
        fixed = pc.replace_substring_regex(arr.filter(odd), r"[\s\x{a0}\x{2000}-\x{200b}\x{3000}]+", " ")
        arr = pc.replace_with_mask(arr, odd, fixed)
    return arr


def _np(arr: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(arr.to_numpy(zero_copy_only=False))


def _unknown_of(norm: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """For normalised text: true where it is missing or an unknown marker."""
    return _np(pc.fill_null(pc.is_in(norm, value_set=_UNKNOWN_ARROW), True)).astype(bool)


def is_unknown(s: pd.Series) -> np.ndarray:
    """True where the cell is missing, blank or one of UNKNOWN_TOKENS (any case and spacing)."""
    codes, uniques = pd.factorize(s.astype("str"), use_na_sentinel=True)
    u = pd.Series(np.asarray(uniques, dtype=object), dtype="str")
    flag = np.append(_unknown_of(_normal(_arrow(u))), True)
    return flag[np.where(codes < 0, len(u), codes)]


def known_text(s: pd.Series) -> pd.Series:
    """Like clean_text, but a marker meaning unknown (N/A, -, not given, ...) becomes NaN too."""
    t = clean_text(s)
    return t.where(~is_unknown(t))


def quote(s: pd.Series, limit: int = 60) -> pd.Series:
    return "'" + s.astype("str").str.slice(0, limit) + "'"


def said(s: pd.Series, column: str, problem: str) -> Callable[[pd.Index], pd.Series]:
    """A message builder: "column: 'value' problem", for the affected rows only."""
    return lambda rows: column + ": " + quote(s.loc[rows]) + " " + problem


# ---------------------------------------------------------------- distinct values

def by_value(raw: pd.Series, parse: Callable[[pd.Series, Problems], pd.Series | pd.DataFrame],
             problems: Problems) -> pd.Series | pd.DataFrame:
    """Parse each distinct value once, then spread results, reasons, notes and warnings back to the rows."""
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    u = pd.Series(np.asarray(uniques, dtype=object), dtype="str")
    sub = Problems(u.index)
    parsed = parse(u, sub)
    take = np.where(codes < 0, len(u), codes)
    if isinstance(parsed, pd.Series) and (parsed.dtype == object or pd.api.types.is_string_dtype(parsed)):
        # text results (location types, time of day, statuses) stay Categorical: cheap to filter and group
        vcodes, vuniques = pd.factorize(parsed, use_na_sentinel=True)
        vcodes = np.append(vcodes, -1)
        out = pd.Series(pd.Categorical.from_codes(vcodes[take], pd.Index(vuniques, dtype="str")), index=raw.index)
        _spread_problems(sub, codes, raw, problems)
        return out
    if isinstance(parsed, pd.DataFrame):
        # one missing value of each column's own type at the end, for the blank cells (codes < 0)
        out = pd.DataFrame({c: _with_missing(parsed[c], len(u)).take(take).array for c in parsed.columns})
    else:
        out = _with_missing(parsed, len(u)).take(take)
    out.index = raw.index
    _spread_problems(sub, codes, raw, problems)
    return out


def _with_missing(parsed: pd.Series, label: int) -> pd.Series:
    missing = pd.Series([pd.NA if str(parsed.dtype) in ("Int64", "boolean") else np.nan], index=[label])
    return pd.concat([parsed, missing.astype(parsed.dtype)])


def _spread_problems(sub: Problems, codes: np.ndarray, raw: pd.Series, problems: Problems) -> None:
    for part in sub._parts:  # noqa: SLF001 - same module
        hit = np.isin(codes, part.index.to_numpy())
        if hit.any():
            problems.add(hit, pd.Series(part.reindex(codes[hit]).to_numpy(), index=raw.index[hit]))
    for part in sub._notes:  # noqa: SLF001 - same module
        hit = np.isin(codes, part.index.to_numpy())
        if hit.any():
            spread = part.reindex(codes[hit])
            spread.index = raw.index[hit]
            problems._notes.append(spread)  # noqa: SLF001 - same module
    for w in sub.warnings:
        problems.warn(w)


def map_distinct(s: pd.Series, mapping: dict | Callable[[str], object], dtype: str = "str",
                 categories: list[str] | None = None) -> pd.Series:
    """s.map(mapping), computed once per distinct value (Series.map on a million strings is slow).

    With `categories`, the result is a Categorical over exactly those values
    (cheap to filter and group; anything else becomes NaN).
    """
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    get = mapping.get if isinstance(mapping, dict) else mapping
    mapped = [get(u) for u in uniques]
    if categories is not None:
        lookup = {c: i for i, c in enumerate(categories)}
        to_code = np.array([lookup.get(v, -1) if v is not None else -1 for v in mapped] + [-1], dtype=np.int32)
        out = pd.Series(pd.Categorical.from_codes(to_code[np.where(codes < 0, len(uniques), codes)], categories),
                        index=s.index)
        return out
    values = pd.Series(mapped + [None], dtype=dtype)
    out = values.take(np.where(codes < 0, len(uniques), codes))
    out.index = s.index
    return out


def as_category(s: pd.Series) -> pd.Series:
    """Text with few distinct values as a Categorical (its own distinct values, in order of appearance)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return pd.Series(pd.Categorical.from_codes(codes, pd.Index(uniques, dtype="str")), index=s.index)


# ---------------------------------------------------------------- regex and bytes over pyarrow

def _take(arr: pa.ChunkedArray | pa.Array, positions: np.ndarray) -> pa.Array:
    out = arr.take(pa.array(positions, type=pa.int64()))
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def _matches(arr: pa.Array, pattern: str) -> np.ndarray:
    return _np(pc.fill_null(pc.match_substring_regex(arr, pattern), False)).astype(bool)


def _groups(arr: pa.Array, pattern: str) -> tuple[np.ndarray, dict[str, pa.Array]]:
    """Which values match `pattern` (named groups, RE2 syntax) and each group's text ("" where it took no part)."""
    found = pc.extract_regex(arr, pattern)
    matched = _np(found.is_valid()).astype(bool)
    return matched, {found.type.field(i).name: found.field(i) for i in range(found.type.num_fields)}


def _number(text: pa.Array) -> np.ndarray:
    """Group text as floats (NaN where empty)."""
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    return _np(pc.cast(text, pa.float64()))


def _same(a: pa.Array, b: pa.Array | str) -> np.ndarray:
    """Element-wise text equality as a bool array."""
    return _np(pc.fill_null(pc.equal(a, b), False)).astype(bool)


class _Bytes:
    """The UTF-8 bytes of some rows of a string array, to read digits at fixed places.

    Only for rows a regex has already shown to be ASCII digits and separators
    at the places read.
    """

    def __init__(self, arr: pa.Array, rows: np.ndarray):
        wide = pa.types.is_large_string(arr.type)
        _, offsets, data = arr.buffers()
        starts = np.frombuffer(offsets, dtype=np.int64 if wide else np.int32)[arr.offset:arr.offset + len(arr) + 1]
        self.base = starts[rows].astype(np.int64)
        self.length = starts[rows + 1].astype(np.int64) - self.base
        self.data = np.frombuffer(data, dtype=np.uint8)

    def byte(self, at: int | np.ndarray, where: np.ndarray) -> np.ndarray:
        """The byte at place `at` of the rows in `where`; 0 elsewhere and past the end of a row."""
        where = where & (at < self.length) & (at >= 0)
        out = np.zeros(len(self.base), dtype=np.uint8)
        at = at[where] if isinstance(at, np.ndarray) else at
        out[where] = self.data[self.base[where] + at]
        return out

    def digits(self, at: int, width: int, where: np.ndarray | None = None) -> np.ndarray:
        """The number written with `width` digits from place `at`; NaN for rows not in `where`."""
        value = np.zeros(len(self.base) if where is None else int(where.sum()), dtype=np.int64)
        base = self.base if where is None else self.base[where]
        for k in range(width):
            value = value * 10 + (self.data[base + at + k].astype(np.int64) - 48)
        if where is None:
            return value.astype(np.float64)
        out = np.full(len(self.base), np.nan)
        out[where] = value
        return out


# ---------------------------------------------------------------- dates

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


def _read_dates(u: pd.Series, sub: Problems, column: str, today: dt.date, required: bool, order: str | None,
                formats: list[str] | tuple[str, ...] | None) -> tuple[np.ndarray, np.ndarray]:
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
        rows, f = _shape(text, _NUMERIC, today, _FIXED_NUMERIC, "a")
        if len(rows):
            hours, clock_ok = _clock(f)
            a, b, year = f["a"], f["b"], f["y"]
            usable = clock_ok & f["same_sep"]
            as_dm, as_md = _calendar(year, b, a), _calendar(year, a, b)
            as_dm[~usable] = _NAT
            as_md[~usable] = _NAT
            if order is None:
                dm_ok, md_ok = ~np.isnat(as_dm), ~np.isnat(as_md)
                only_dm, only_md = dm_ok & ~md_ok, md_ok & ~dm_ok
                either = dm_ok & md_ok & (a != b)  # 03/03/2022 reads the same both ways
                key = (year * 100 + a) * 100 + b  # distinct days, whatever the time or the padding
                n_dm, n_md = len(np.unique(key[only_dm])), len(np.unique(key[only_md]))
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
           formats: list[str] | tuple[str, ...] | None, with_hour: bool) -> pd.Series | pd.DataFrame:
    order = _order_code(order)
    if required:
        problems.add(raw.isna().to_numpy(dtype=bool), f"{column}: is blank (required)")

    def parse(u: pd.Series, sub: Problems) -> pd.Series | pd.DataFrame:
        day, hour = _read_dates(u, sub, column, today, required, order, formats)
        days = pd.Series(day, index=u.index, dtype="datetime64[us]")
        if not with_hour:  # the day alone: one column less to spread over a million rows
            return days
        return pd.DataFrame({"day": days, "hour": pd.Series(hour, index=u.index).astype("Int64")})

    return by_value(raw, parse, problems)


def parse_date(raw: pd.Series, column: str, problems: Problems, today: dt.date, required: bool,
               order: str | None = None, formats: list[str] | tuple[str, ...] | None = None) -> pd.Series:
    """The day (datetime64[us]) of each cell: parse_date_time without the hour."""
    return _dates(raw, column, problems, today, required, order, formats, with_hour=False)


def parse_date_time(raw: pd.Series, column: str, problems: Problems, today: dt.date, required: bool,
                    order: str | None = None, formats: list[str] | tuple[str, ...] | None = None
                    ) -> tuple[pd.Series, pd.Series]:
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
    with order="MD" or "DM". `formats` (strptime) are tried first, in order.
    Blank or unknown is NaT; when required, that sends the row to quarantine.
    An unreadable value is quarantined when required, else noted. A day in
    the future or before 1900 is always quarantined.
    """
    out = _dates(raw, column, problems, today, required, order, formats, with_hour=True)
    return out["day"], out["hour"]


# ---------------------------------------------------------------- money

NOT_AN_AMOUNT = "is not an amount"
OTHER_CURRENCY = "is not in U.S. dollars; convert it (the column holds USD)"
A_RANGE = "is a range, not one amount (left unknown; give a single figure)"

_PLAIN_AMOUNT = r"^[+-]?(?:\d{1,3}(?:,\d{3})+(?:\.\d*)?|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$"
_CURRENCY = re.compile(r"(?<![a-z])(?:cad|eur|euros?|gbp|jpy|yen|mxn|aud|pesos?|(?:c|ca|can|mx|mex|au)\$)(?![a-z])"
                       r"|€|£|¥", re.I)
# longer spellings first: 'approximately' must not be read as 'approx' + 'imately'
_QUALIFIER = re.compile(r"^(?:approximately|approx\.?|appx\.?|about|around|roughly|~|estimated|est\.?|over|"
                        r"more than|nearly|almost|up to|at least|under|less than)(?![a-z])\s*", re.I)
_NUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?: \d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_MULT = r"(?:thousand|million|billion|mill|mil|mm|mn|bn|k|m|b)"
_MULTIPLIERS = {"k": 10**3, "thousand": 10**3, "m": 10**6, "mm": 10**6, "mn": 10**6, "mil": 10**6, "mill": 10**6,
                "million": 10**6, "b": 10**9, "bn": 10**9, "billion": 10**9}
_ONE = (r"\(?\s*(?:usd|us\$)?\s*[+-]?\s*(?:usd|us\$|\$)?\s*" + _NUM + r"\s*(?:" + _MULT + r"\b)?\s*"
        r"(?:usd|us\$|dollars?)?\s*\)?")
_RANGE = re.compile(r"^(?:between\s+" + _ONE + r"\s*(?:-|\u2013|\u2014|to|and)\s*" + _ONE
                    + r"|" + _ONE + r"\s*(?:-|\u2013|\u2014|to)\s*" + _ONE + ")$", re.I)
# each optional part brings its own leading spaces, so `rest` keeps the space that shows words follow
_AMOUNT = re.compile(r"^(?P<open>\()?\s*(?:usd|us\$)?\s*(?P<sign>[+-])?\s*(?:usd|us\$|\$)?\s*(?P<num>" + _NUM + r")"
                     r"(?:\s*(?P<mult>" + _MULT + r")\b)?(?:\s*(?:usd|us\$|dollars?)\b)?(?:\s*(?P<close>\)))?"
                     r"(?P<rest>.*)$", re.I)
_WORDS_AFTER = re.compile(r"^(?:\s+|\s*[,;:(/\u2013\u2014-]\s*)(?=.*[a-z])", re.I)


def _amount_text(v: float) -> str:
    if float(v).is_integer():
        return str(int(v))
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _read_amount(text: str) -> tuple[float, str, str | None]:
    """One unusual money text -> (value, kind, note); kind is ok, unknown, note or currency."""
    s = " ".join(text.split())
    if s.lower() in UNKNOWN_TOKENS:
        return np.nan, "unknown", None
    if _CURRENCY.search(s):
        return np.nan, "currency", None
    qualifiers = []
    while m := _QUALIFIER.match(s):
        qualifiers.append(m.group(0).strip())
        s = s[m.end():]
    if _RANGE.match(s):
        return np.nan, "note", A_RANGE
    m = _AMOUNT.match(s)
    if not m or bool(m.group("open")) != bool(m.group("close")):
        return np.nan, "note", NOT_AN_AMOUNT
    rest = m.group("rest")
    words = bool(rest.strip())
    if words and (not _WORDS_AFTER.match(rest) or re.search(r"\$\s*\d|\d\s*\$", rest)):
        return np.nan, "note", NOT_AN_AMOUNT
    # Decimal, so that $1.1B is exactly 1100000000 (in floats 1.1 * 1e9 is not)
    number = Decimal(m.group("num").replace(",", "").replace(" ", ""))
    if m.group("mult"):
        number *= _MULTIPLIERS[m.group("mult").lower()]
    if m.group("sign") == "-" or m.group("open"):
        number = -number
    value = float(number)
    if not qualifiers and not words:
        return value, "ok", None
    before = " ".join(f"'{q}'" for q in qualifiers) + " before the number"
    if qualifiers and words:
        left_out = before + " and the words after the number were left out"
    elif qualifiers:
        left_out = before + " was left out"
    else:
        left_out = "the words after the number were left out"
    return value, "note", f"read as {_amount_text(value)}; {left_out}"


def _unusual_money(column: str) -> Callable[[pd.Series, Problems], pd.Series]:
    def parse(u: pd.Series, sub: Problems) -> pd.Series:
        read = [_read_amount(v) for v in u.tolist()]
        value = pd.Series([r[0] for r in read], index=u.index, dtype="float64")
        kind = np.array([r[1] for r in read], dtype=object)
        why = pd.Series([r[2] for r in read], index=u.index, dtype="object")
        sub.add(kind == "currency", said(u, column, OTHER_CURRENCY))
        sub.note(kind == "note", column, u, lambda rows: why.loc[rows])
        return value
    return parse


def parse_money(raw: pd.Series, column: str, problems: Problems) -> pd.Series:
    """U.S. dollars: '12500', '$12,500.00', 'USD 1,250', '$1.2M', '250 thousand'; '(1,234)' is negative.

    Blank or an unknown marker is unknown (NaN), never zero. Another
    currency, a negative or an implausibly large amount sends the row to
    quarantine; words after the number or a qualifier before it ('approx.')
    are left out with a note; a range or anything else unreadable is left
    unknown with a note.
    """
    arr = pc.utf8_trim_whitespace(_arrow(raw))
    given = _np(pc.fill_null(pc.greater(pc.utf8_length(arr), 0), False)).astype(bool)
    paren = _np(pc.fill_null(pc.match_substring_regex(arr, r"^\(.*\)$"), False)).astype(bool)
    body = pc.replace_substring_regex(arr, r"[\s$()]|(?i:usd|us\$)", "")
    # a comma must group thousands: '12.500,00' or '1,2,3' is not an amount (it would silently become 12.5 or 123)
    plain = pc.fill_null(pc.match_substring_regex(body, _PLAIN_AMOUNT), False)
    good = _np(plain).astype(bool)
    body = pc.replace_substring(body, ",", "")
    values = pc.cast(pc.if_else(plain, body, pa.scalar(None, pa.string())), pa.float64())
    value = pd.Series(_np(values), index=raw.index, dtype="float64")
    value = value.where(~paren, -value)
    unusual = given & ~good
    if unusual.any():
        rows = raw[unusual]
        sub = Problems(rows.index)
        value[unusual] = by_value(rows, _unusual_money(column), sub).to_numpy()
        problems._absorb(sub)  # noqa: SLF001 - same module
    problems.add((value < 0).to_numpy(), said(raw, column, "is negative"))
    problems.add((value > 1e10).to_numpy(), said(raw, column, "is implausibly large"))
    return value


# ---------------------------------------------------------------- counts and yes/no

NOT_A_COUNT = "is not a count (a whole number, 0 or more)"
_COUNT_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_COUNT_WORDS.update({"none": 0, "no one": 0, "no-one": 0, "nobody": 0})


def _normal_series(u: pd.Series) -> pd.Series:
    return pd.Series(_np(_normal(_arrow(u))), index=u.index, dtype="str")


def parse_count(raw: pd.Series, column: str, problems: Problems) -> pd.Series:
    """A whole number of people, 0 or more ('3', 'three', 'none'); blank or unknown is NA."""
    def parse(u: pd.Series, sub: Problems) -> pd.Series:
        low = _normal_series(u)
        value = pd.to_numeric(low, errors="coerce").astype("float64")
        word = low.map(_COUNT_WORDS).astype("float64")
        number = value.notna()
        whole = number & (value >= 0) & (value == np.floor(value)) & (value < 10000)
        unknown = low.isin(UNKNOWN_TOKENS) & word.isna()
        sub.add((number & ~whole).to_numpy(), said(u, column, NOT_A_COUNT))
        sub.note((~number & word.isna() & ~unknown).to_numpy(), column, u, NOT_A_COUNT)
        return value.where(whole, word).astype("Int64")

    return by_value(raw, parse, problems)


_TRUE = {"yes", "y", "true", "t", "1", "x", "shown", "displayed"}
_FALSE = {"no", "n", "false", "f", "0", "none", "not shown"}


def parse_bool(raw: pd.Series, column: str, problems: Problems) -> pd.Series:
    """yes/no, y/n, true/false, t/f, 1/0, x, shown/not shown (any case); blank or unknown is NA."""
    def parse(u: pd.Series, sub: Problems) -> pd.Series:
        low = _normal_series(u)
        value = pd.Series(pd.NA, index=u.index, dtype="boolean")
        value[low.isin(_TRUE).to_numpy()] = True
        value[low.isin(_FALSE).to_numpy()] = False
        unknown = low.isin(UNKNOWN_TOKENS)
        sub.note((~unknown & value.isna()).to_numpy(), column, u, "is not yes/no")
        return value

    return by_value(raw, parse, problems)


# ---------------------------------------------------------------- hours

NOT_AN_HOUR = "is not an hour or time of day"
_TIME_WORDS = {"morning": "morning", "am": "morning", "afternoon": "afternoon", "midday": "afternoon",
               "noon": "afternoon", "evening": "evening", "night": "night", "overnight": "night",
               "after hours": "night", "business hours": None, "daytime": None}
_HOURS_SUFFIX = r"(?: ?(?:h|hrs?|hours))?"
_HOUR_CLOCK = (r"^(?P<hh>\d{1,2})(?::(?P<mi>\d{2})(?::(?P<ss>\d{2})(?:[.,]\d+)?)?)?"
               r"(?: ?(?P<ap>[ap])\.?m\.?|" + _HOURS_SUFFIX + ")$")
_HOUR_H = r"^(?P<hh>\d{1,2}) ?h ?(?P<mi>\d{2})$"


def time_of_day(hour: pd.Series) -> pd.Series:
    """0-5 night, 6-11 morning, 12-16 afternoon, 17-20 evening, 21-23 night."""
    h = hour.astype("float64")
    out = np.select([h <= 5, h <= 11, h <= 16, h <= 20, h <= 23], ["night", "morning", "afternoon", "evening", "night"],
                    default="")
    return pd.Series(out, index=hour.index, dtype="str").where(h.notna())


def parse_hour(raw: pd.Series, column: str, problems: Problems, hhmm: bool = False) -> tuple[pd.Series, pd.Series]:
    """Hour 0-23 and time of day.

    '14', '14:30', '13:40:00', '2 pm', '2:30 PM', '1:40:00 p.m.', police HHMM
    '0330' / '1540' / '330' / '1540h' / '15h40'; 'morning', 'night', ... give
    only a time of day. With hhmm=True every whole number of 1 to 4 digits is
    HHMM ('5' is 00:05). Anything else is NA with a note.
    """
    hhmm_digits = r"^(?P<hhmm>\d{1,4})" if hhmm else r"^(?P<hhmm>\d{3,4})"

    def parse(u: pd.Series, sub: Problems) -> pd.DataFrame:
        norm = _normal(_arrow(u))
        if isinstance(norm, pa.ChunkedArray):
            norm = norm.combine_chunks()
        low = pd.Series(_np(norm), index=u.index, dtype="str")
        hour = np.full(len(u), np.nan)

        matched, g = _groups(norm, hhmm_digits + _HOURS_SUFFIX + "$")
        if matched.any():
            n = _number(g["hhmm"])
            hh, mi = np.floor(n / 100), np.mod(n, 100)
            ok = matched & (hh <= 23) & (mi <= 59)
            hour = np.where(ok, hh, hour)
        done = matched.copy()

        matched, g = _groups(norm, _HOUR_CLOCK)
        matched &= ~done
        if matched.any():
            hh, mi, ss = _number(g["hh"]), _number(g["mi"]), _number(g["ss"])
            twelve, pm = _same(g["ap"], "a") | _same(g["ap"], "p"), _same(g["ap"], "p")
            ok = np.where(twelve, (hh >= 1) & (hh <= 12), (hh >= 0) & (hh <= 23))
            ok &= (np.isnan(mi) | (mi <= 59)) & (np.isnan(ss) | (ss <= 59)) & matched
            h = np.where(twelve, np.mod(hh, 12) + np.where(pm, 12, 0), hh)
            hour = np.where(ok, h, hour)
        done |= matched

        matched, g = _groups(norm, _HOUR_H)
        matched &= ~done
        if matched.any():
            hh, mi = _number(g["hh"]), _number(g["mi"])
            hour = np.where(matched & (hh <= 23) & (mi <= 59), hh, hour)

        hours = pd.Series(hour, index=u.index)
        word = low.map(lambda v: _TIME_WORDS.get(v))
        known_word = low.isin(list(_TIME_WORDS))
        unknown = low.isin(UNKNOWN_TOKENS)
        tod = time_of_day(hours).where(hours.notna(), word)
        sub.note((hours.isna() & ~known_word & ~unknown).to_numpy(), column, u, NOT_AN_HOUR)
        return pd.DataFrame({"hour": hours.astype("Int64"), "time_of_day": tod.astype("str")})

    out = by_value(raw, parse, problems)
    return out["hour"], out["time_of_day"]


# ---------------------------------------------------------------- coordinates and choices

def parse_coordinate(raw: pd.Series, column: str, lo: float, hi: float, problems: Problems) -> pd.Series:
    """Decimal degrees; outside lo..hi sends the row to quarantine, text that is not a number is noted."""
    s = clean_text(raw)
    value = pd.to_numeric(s, errors="coerce")
    bad = (s.notna() & value.isna()).to_numpy(dtype=bool, copy=True)
    if bad.any():
        bad[bad] = ~is_unknown(s[bad])
        problems.note(bad, column, raw, "is not a number")
    problems.add((value.notna() & ~value.between(lo, hi)).to_numpy(), said(s, column, f"is outside {lo:g} to {hi:g}"))
    return value.where(value.between(lo, hi)).astype("float64")


def choose(raw: pd.Series, column: str, allowed: dict[str, str], problems: Problems, what: str) -> pd.Series:
    """Map spellings (compared without case or punctuation) to canonical values; others are noted and left blank."""
    listing = ", ".join(sorted(set(allowed.values())))

    def parse(u: pd.Series, sub: Problems) -> pd.Series:
        key = u.str.lower().str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()
        value = key.map(allowed)
        unknown = _normal_series(u).isin(UNKNOWN_TOKENS)
        sub.note((value.isna() & ~unknown).to_numpy(), column, u, f"is not a known {what} ({listing})")
        return value.astype("str")

    return by_value(raw, parse, problems)
