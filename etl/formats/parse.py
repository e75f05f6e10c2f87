"""Vectorised cell parsers shared by the input formats (see etl.formats.problems for how problems are kept).

Counts, yes/no, hours, coordinates and fixed lists of values live here; dates
and money have modules of their own, re-exported here so that a format
imports every parser from one place.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from etl.formats.dates import EARLIEST, EXCEL_EPOCH, NOT_A_DATE, parse_date, parse_date_time  # noqa: F401
from etl.formats.money import NOT_AN_AMOUNT, parse_money  # noqa: F401
from etl.formats.problems import (UNKNOWN_TOKENS, Problems, as_category, by_value, clean_text,  # noqa: F401
                                  is_unknown, known_text, map_distinct, quote, said)
from etl.formats.problems import _arrow, _groups, _normal, _np, _number, _same

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
