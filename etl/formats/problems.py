"""Where cell parsers put what they find, and the pieces every parser shares.

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
read as a blank cell by every parser (`UNKNOWN_TOKENS`).

Speed matters (a million rows in a few seconds): most columns repeat a few
thousand distinct values, so they are parsed once per distinct value
(`by_value`) and spread back; messages are built only for the rows that need
them. Where a column can hold a million distinct values (date-times), the
distinct values are parsed with regular expressions evaluated by pyarrow and
numpy arithmetic (the helpers at the end), never a Python loop per value.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

MAX_LISTED = 20  # a message lists at most this many problems (or columns, or sheets), then says how many more
MAX_QUOTED = 60  # characters of a cell quoted in a message

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
    """True where the cell is missing, blank or one of UNKNOWN_TOKENS (any case and spacing).

    Looked at once per distinct value (Arrow's dictionary encoding); no marker has a digit in it, so the
    distinct values with one (ids, dates, amounts: a million of them, often) are passed over in one pass.
    """
    arr = _arrow(s.astype("str") if isinstance(s.dtype, pd.CategoricalDtype) else s)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    missing = _np(pc.is_null(arr)).astype(bool)
    if pc.count_distinct(arr.slice(0, 2000)).as_py() > 1000:  # mostly distinct values: ids, amounts, date-times
        digit = pc.fill_null(pc.match_substring_regex(arr, r"\d"), False)
        arr = pc.if_else(digit, pa.scalar(None, arr.type), arr)  # a value with a digit is never a marker
    encoded = pc.dictionary_encode(arr)
    values = encoded.dictionary
    flag = np.append(_unknown_of(_normal(values)), False) if len(values) else np.array([False])
    codes = _np(pc.fill_null(encoded.indices, len(values))).astype(np.int64)
    return flag[codes] | missing


def known_text(s: pd.Series) -> pd.Series:
    """Like clean_text, but a marker meaning unknown (N/A, -, not given, ...) becomes NaN too."""
    t = clean_text(s)
    return t.where(~is_unknown(t))


def listed(items: Sequence[str], what: str = "problems", sep: str = "; ", limit: int = MAX_LISTED) -> str:
    """The first `limit` items joined by `sep`, then "and N more <what>": a message stays short whatever the file."""
    shown = sep.join(items[:limit])
    return shown + f"{sep}and {len(items) - limit} more {what}" if len(items) > limit else shown


def clip(text: str, limit: int = MAX_QUOTED) -> str:
    """Text cut to `limit` characters for a message (a cell can hold megabytes)."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def quote(s: pd.Series, limit: int = MAX_QUOTED) -> pd.Series:
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
