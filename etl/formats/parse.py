"""Vectorised cell parsers shared by the input formats.

Each parser takes a Series of raw strings (NaN = blank) and returns the parsed
values; problems go to a Problems collector and send the row to quarantine
with a reason naming the column and the value, never stopping the file.

Speed matters (a million rows in a few seconds): most columns repeat a few
thousand distinct values, so they are parsed once per distinct value
(`by_value`) and spread back; reasons are built only for the rows that have
a problem.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
EARLIEST = pd.Timestamp("1900-01-01")


class Problems:
    """Row problems collected column by column; every reason of a row is kept."""

    def __init__(self, index: pd.Index):
        self.index = index
        self._parts: list[pd.Series] = []

    def add(self, mask: pd.Series | np.ndarray, message: str | pd.Series | Callable[[pd.Index], pd.Series]) -> None:
        """Record `message` for the rows where mask is true.

        message may be one string, a Series aligned with the rows, or a
        function of the affected row labels (so long texts are built only
        for the rows that need them).
        """
        flags = np.asarray(pd.Series(mask).fillna(False).to_numpy(dtype=bool) if not isinstance(mask, np.ndarray) else mask,
                           dtype=bool)
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

    def reasons(self) -> pd.Series:
        """Row label -> list of reasons, for rows with at least one problem."""
        if not self._parts:
            return pd.Series([], dtype="object")
        allmsgs = pd.concat(self._parts)
        return allmsgs.groupby(level=0, sort=True).agg(list)

    def restrict(self, index: pd.Index) -> "Problems":
        kept = Problems(index)
        for part in self._parts:
            part = part[part.index.isin(index)]
            if len(part):
                kept._parts.append(part)
        return kept


def clean_text(s: pd.Series) -> pd.Series:
    """Strip surrounding spaces; blank becomes NaN."""
    s = s.astype("str").str.strip()
    return s.where(s != "")


def quote(s: pd.Series, limit: int = 60) -> pd.Series:
    return "'" + s.astype("str").str.slice(0, limit) + "'"


def said(s: pd.Series, column: str, problem: str) -> Callable[[pd.Index], pd.Series]:
    """A message builder: "column: 'value' problem", for the affected rows only."""
    return lambda rows: column + ": " + quote(s.loc[rows]) + " " + problem


def by_value(raw: pd.Series, parse: Callable[[pd.Series, Problems], pd.Series | pd.DataFrame],
             problems: Problems) -> pd.Series | pd.DataFrame:
    """Parse each distinct value once, then spread results and problems back to the rows."""
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
        padded = pd.concat([parsed, pd.DataFrame(index=[len(u)], columns=parsed.columns)]).astype(parsed.dtypes.to_dict())
        out = padded.take(take)
    else:
        padded = pd.concat([parsed, pd.Series([pd.NA if str(parsed.dtype) in ("Int64", "boolean") else np.nan],
                                              index=[len(u)], dtype=parsed.dtype)])
        out = padded.take(take)
    out.index = raw.index
    _spread_problems(sub, codes, raw, problems)
    return out


def _spread_problems(sub: Problems, codes: np.ndarray, raw: pd.Series, problems: Problems) -> None:
    for part in sub._parts:  # noqa: SLF001 - same module
        hit = np.isin(codes, part.index.to_numpy())
        if hit.any():
            problems.add(hit, pd.Series(part.reindex(codes[hit]).to_numpy(), index=raw.index[hit]))


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


def _present(s: pd.Series) -> pd.Series:
    return s.notna() & (s.str.strip() != "")


def parse_date(raw: pd.Series, column: str, problems: Problems, today: dt.date, required: bool) -> pd.Series:
    """ISO (2022-03-05, with or without time), US M/D/YYYY, or an Excel serial day number."""
    if required:
        problems.add(~_present(raw).to_numpy(dtype=bool), f"{column}: is blank (required)")

    def parse(u: pd.Series, sub: Problems) -> pd.Series:
        s = u.str.strip()
        out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
        numeric = s.str.fullmatch(r"\d{1,7}(\.\d+)?").fillna(False).astype(bool)
        if numeric.any():
            serial = pd.to_numeric(s[numeric], errors="coerce")
            # below 10000 (May 1927) a bare number is far likelier a year or a typo than a date
            ok = serial.between(10000, 2958465)
            sub.add((serial.between(1900, 2100)).reindex(s.index, fill_value=False).to_numpy(),
                    said(u, column, "looks like a year, not a date (give the day, e.g. 2022-03-05)"))
            out.loc[serial.index[ok]] = (EXCEL_EPOCH + pd.to_timedelta(serial[ok].astype("float64").round(6), unit="D")
                                         ).dt.floor("D").to_numpy()
        iso = ~numeric & s.str.match(r"\d{4}-\d{1,2}-\d{1,2}(?:$|[ T])").fillna(False).astype(bool)
        if iso.any():
            # the day as written: a UTC offset after the time is dropped (converting to UTC would move late-evening
            # times to the next day)
            local = s[iso].str.replace(r"(\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$", r"\1",
                                       regex=True)
            parsed = pd.to_datetime(local, format="ISO8601", errors="coerce", utc=True).dt.tz_localize(None)
            out.loc[parsed.index] = parsed.dt.floor("D").to_numpy()
        us = ~numeric & ~iso
        if us.any():
            part = s[us].str.extract(r"^(\d{1,2}/\d{1,2}/\d{4})(?:[ T].*)?$", expand=False)
            out.loc[part.index] = pd.to_datetime(part, format="%m/%d/%Y", errors="coerce").to_numpy()
        blank = s == ""
        year_like = numeric & pd.to_numeric(s.where(numeric), errors="coerce").between(1900, 2100)
        sub.add((out.isna() & ~blank & ~year_like).to_numpy(),
                said(u, column, "is not a date (use YYYY-MM-DD, M/D/YYYY or an Excel date)"))
        sub.add((out > pd.Timestamp(today)).to_numpy(),
                lambda rows: column + ": " + out.loc[rows].dt.strftime("%Y-%m-%d") + " is in the future")
        sub.add((out < EARLIEST).to_numpy(),
                lambda rows: column + ": " + out.loc[rows].dt.strftime("%Y-%m-%d") + " is before 1900")
        return out

    return by_value(raw, parse, problems)


def _arrow(s: pd.Series) -> pa.ChunkedArray:
    return pa.chunked_array([pa.array(s.astype("str").to_numpy(na_value=None), type=pa.string())]) \
        if not hasattr(s.array, "_pa_array") else s.array._pa_array  # noqa: SLF001 - zero-copy view


def parse_money(raw: pd.Series, column: str, problems: Problems) -> pd.Series:
    """'12500', '$12,500.00', '(1,234)' (accounting negative); blank is unknown (NaN), never zero."""
    arr = pc.utf8_trim_whitespace(_arrow(raw))
    paren = pc.fill_null(pc.match_substring_regex(arr, r"^\(.*\)$"), False)
    other_currency = pc.fill_null(pc.match_substring_regex(arr, r"(?i)\b(cad|c\$|can\$|eur|€|£|gbp)"), False)
    body = pc.replace_substring_regex(arr, r"[\s$()€£]|(?i:usd|us\$|cad|can\$|c\$|eur|gbp)", "")
    # a comma must group thousands: '12.500,00' or '1,2,3' is not an amount (it would silently become 12.5 or 123)
    misplaced = pc.fill_null(pc.and_(pc.match_substring(body, ","), pc.invert(
        pc.match_substring_regex(body, r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$"))), False)
    body = pc.replace_substring(body, ",", "")
    body = pc.if_else(pc.equal(body, ""), pa.scalar(None, pa.string()), body)
    good = pc.and_(pc.fill_null(pc.match_substring_regex(body, r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"), False),
                   pc.invert(misplaced))
    values = pc.cast(pc.if_else(good, body, pa.scalar(None, pa.string())), pa.float64())
    value = pd.Series(values.to_numpy(zero_copy_only=False), index=raw.index, dtype="float64")
    value = value.where(~paren.to_numpy(zero_copy_only=False), -value)
    given = pc.fill_null(pc.greater(pc.utf8_length(arr), 0), False).to_numpy(zero_copy_only=False)
    problems.add(given & value.isna().to_numpy(), said(raw, column, "is not an amount"))
    problems.add((value < 0).to_numpy(), said(raw, column, "is negative"))
    problems.add(other_currency.to_numpy(zero_copy_only=False),
                 said(raw, column, "is not in U.S. dollars; convert it (the column holds USD)"))
    problems.add((value > 1e10).to_numpy(), said(raw, column, "is implausibly large"))
    return value


def parse_count(raw: pd.Series, column: str, problems: Problems) -> pd.Series:
    """A whole number of people, 0 or more; blank is unknown."""
    def parse(u: pd.Series, sub: Problems) -> pd.Series:
        s = u.str.strip()
        value = pd.to_numeric(s, errors="coerce")
        whole = (value >= 0) & (value == np.floor(value)) & (value < 10000)
        sub.add(((s != "") & ~whole.fillna(False).astype(bool)).to_numpy(),
                said(u, column, "is not a count (a whole number, 0 or more)"))
        return value.where(whole).astype("Int64")

    return by_value(raw, parse, problems)


_TRUE = {"yes", "y", "true", "t", "1", "x", "shown", "displayed"}
_FALSE = {"no", "n", "false", "f", "0", "none", "not shown"}


def parse_bool(raw: pd.Series, column: str, problems: Problems) -> pd.Series:
    def parse(u: pd.Series, sub: Problems) -> pd.Series:
        low = u.str.strip().str.lower()
        value = pd.Series(pd.NA, index=u.index, dtype="boolean")
        value[low.isin(_TRUE).to_numpy()] = True
        value[low.isin(_FALSE).to_numpy()] = False
        sub.add(((low != "") & value.isna()).to_numpy(), said(u, column, "is not yes/no"))
        return value

    return by_value(raw, parse, problems)


_TIME_WORDS = {"morning": "morning", "am": "morning", "afternoon": "afternoon", "midday": "afternoon",
               "noon": "afternoon", "evening": "evening", "night": "night", "overnight": "night",
               "after hours": "night", "business hours": None, "daytime": None}


def time_of_day(hour: pd.Series) -> pd.Series:
    """0-5 night, 6-11 morning, 12-16 afternoon, 17-20 evening, 21-23 night."""
    h = hour.astype("float64")
    out = np.select([h <= 5, h <= 11, h <= 16, h <= 20, h <= 23], ["night", "morning", "afternoon", "evening", "night"],
                    default="")
    return pd.Series(out, index=hour.index, dtype="str").where(h.notna())


def parse_hour(raw: pd.Series, column: str, problems: Problems) -> tuple[pd.Series, pd.Series]:
    """'14', '14:30', '2:30 PM', '2 pm' -> hour 0-23; 'morning', 'night' -> only a time of day."""
    def parse(u: pd.Series, sub: Problems) -> pd.DataFrame:
        low = u.str.strip().str.lower()
        m = low.str.extract(r"^(\d{1,2})(?::(\d{2}))?(?::\d{2})?\s*(a\.?m\.?|p\.?m\.?)?$")
        hour = pd.to_numeric(m[0], errors="coerce")
        minute = pd.to_numeric(m[1], errors="coerce")
        ampm = m[2].str.replace(".", "", regex=False)
        is_12h = ampm.notna()
        bad_12h = is_12h & ~hour.between(1, 12)
        hour = hour.where(~is_12h, (hour % 12) + np.where(ampm == "pm", 12, 0))
        valid = hour.between(0, 23) & ~bad_12h & (minute.isna() | minute.between(0, 59))
        hour = hour.where(valid)
        word = low.map(lambda v: _TIME_WORDS.get(v))
        known_word = low.isin(list(_TIME_WORDS))
        tod = time_of_day(hour).where(hour.notna(), word)
        sub.add(((low != "") & hour.isna() & ~known_word).to_numpy(), said(u, column, "is not an hour or time of day"))
        return pd.DataFrame({"hour": hour.astype("Int64"), "time_of_day": tod.astype("str")})

    out = by_value(raw, parse, problems)
    return out["hour"], out["time_of_day"]


def parse_coordinate(raw: pd.Series, column: str, lo: float, hi: float, problems: Problems) -> pd.Series:
    s = clean_text(raw)
    value = pd.to_numeric(s, errors="coerce")
    problems.add((s.notna() & value.isna()).to_numpy(), said(s, column, "is not a number"))
    problems.add((value.notna() & ~value.between(lo, hi)).to_numpy(), said(s, column, f"is outside {lo:g} to {hi:g}"))
    return value.where(value.between(lo, hi)).astype("float64")


def choose(raw: pd.Series, column: str, allowed: dict[str, str], problems: Problems, what: str) -> pd.Series:
    """Map spellings (compared without case or punctuation) to canonical values."""
    listing = ", ".join(sorted(set(allowed.values())))

    def parse(u: pd.Series, sub: Problems) -> pd.Series:
        key = u.str.lower().str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()
        value = key.map(allowed)
        sub.add(((key != "") & value.isna()).to_numpy(), said(u, column, f"is not a known {what} ({listing})"))
        return value.astype("str")

    return by_value(raw, parse, problems)
