"""Vectorised cell parsers shared by the input formats.

Each parser takes a Series of raw strings (NaN = blank) and returns the parsed
values plus the problems it found; a problem never stops the file, it sends
the row to quarantine with a reason that names the column and the value.
"""
from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
EARLIEST = pd.Timestamp("1900-01-01")


class Problems:
    """Row problems collected column by column; many per row are kept."""

    def __init__(self, index: pd.Index):
        self.index = index
        self._parts: list[pd.Series] = []

    def add(self, mask: pd.Series, message: str | pd.Series) -> None:
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        if isinstance(message, str):
            msgs = pd.Series(message, index=mask.index[mask.to_numpy()], dtype="object")
        else:
            msgs = message[mask].astype("object")
        self._parts.append(msgs)

    def reasons(self) -> pd.Series:
        """Row label -> list of reasons, for rows with at least one problem."""
        if not self._parts:
            return pd.Series([], dtype="object")
        allmsgs = pd.concat(self._parts)
        return allmsgs.groupby(level=0, sort=True).agg(list)

    def mask(self) -> pd.Series:
        bad = pd.Series(False, index=self.index)
        for part in self._parts:
            bad.loc[part.index] = True
        return bad


def clean_text(s: pd.Series) -> pd.Series:
    """Strip surrounding spaces; blank becomes NaN."""
    s = s.astype("str").str.strip()
    return s.where(s != "")


def quote(s: pd.Series, limit: int = 60) -> pd.Series:
    return "'" + s.astype("str").str.slice(0, limit) + "'"


def parse_date(raw: pd.Series, column: str, problems: Problems, today: dt.date, required: bool) -> pd.Series:
    """ISO (2022-03-05, with or without time), US M/D/YYYY, or an Excel serial day number."""
    s = clean_text(raw)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    present = s.notna()
    numeric = s.str.fullmatch(r"\d{1,6}(\.\d+)?").fillna(False).astype(bool)
    if numeric.any():
        serial = pd.to_numeric(s[numeric], errors="coerce")
        ok = serial.between(1, 2958465)
        out.loc[serial.index[ok]] = (EXCEL_EPOCH + pd.to_timedelta(serial[ok].astype("float64").round(6), unit="D")).dt.floor("D").to_numpy()
    iso_like = present & ~numeric & s.str.match(r"\d{4}-\d{1,2}-\d{1,2}").fillna(False).astype(bool)
    if iso_like.any():
        parsed = pd.to_datetime(s[iso_like], format="ISO8601", errors="coerce")
        out.loc[parsed.index] = parsed.dt.tz_localize(None).dt.floor("D").to_numpy() if parsed.dt.tz is not None \
            else parsed.dt.floor("D").to_numpy()
    us_like = present & ~numeric & ~iso_like
    if us_like.any():
        part = s[us_like].str.extract(r"^(\d{1,2}/\d{1,2}/\d{4})(?:[ T].*)?$", expand=False)
        parsed = pd.to_datetime(part, format="%m/%d/%Y", errors="coerce")
        out.loc[parsed.index] = parsed.to_numpy()
    bad = present & out.isna()
    problems.add(bad, column + ": " + quote(s) + " is not a date (use YYYY-MM-DD, M/D/YYYY or an Excel date)")
    if required:
        problems.add(~present, f"{column}: is blank (required)")
    limit = pd.Timestamp(today)
    problems.add(out > limit, column + ": " + out.dt.strftime("%Y-%m-%d").fillna("") + " is in the future")
    problems.add(out < EARLIEST, column + ": " + out.dt.strftime("%Y-%m-%d").fillna("") + " is before 1900")
    return out


_MONEY_STRIP = re.compile(r"[\s$,]|usd|us\$|cad|c\$", re.IGNORECASE)


def parse_money(raw: pd.Series, column: str, problems: Problems) -> pd.Series:
    """'12500', '$12,500.00', '(1,234)' (accounting negative); blank is unknown (NaN), never zero."""
    s = clean_text(raw)
    present = s.notna()
    neg_paren = s.str.fullmatch(r"\(.*\)").fillna(False).astype(bool)
    body = s.str.replace(r"^\((.*)\)$", r"\1", regex=True).str.replace(_MONEY_STRIP, "", regex=True)
    value = pd.to_numeric(body, errors="coerce")
    value = value.where(~neg_paren, -value)
    problems.add(present & value.isna(), column + ": " + quote(s) + " is not an amount")
    problems.add(value < 0, column + ": " + quote(s) + " is negative")
    problems.add(value > 1e10, column + ": " + quote(s) + " is implausibly large")
    return value.astype("float64")


def parse_count(raw: pd.Series, column: str, problems: Problems) -> pd.Series:
    """A whole number of people, 0 or more; blank is unknown."""
    s = clean_text(raw)
    present = s.notna()
    value = pd.to_numeric(s, errors="coerce")
    whole = (value >= 0) & (value == np.floor(value)) & (value < 10000)
    problems.add(present & ~whole.fillna(False).astype(bool), column + ": " + quote(s) + " is not a count (a whole number, 0 or more)")
    return value.where(whole).astype("Int64")


_TRUE = {"yes", "y", "true", "t", "1", "x", "shown", "displayed"}
_FALSE = {"no", "n", "false", "f", "0", "none", "not shown"}


def parse_bool(raw: pd.Series, column: str, problems: Problems) -> pd.Series:
    s = clean_text(raw)
    low = s.str.lower()
    value = pd.Series(pd.NA, index=s.index, dtype="boolean")
    value[low.isin(_TRUE).fillna(False).astype(bool)] = True
    value[low.isin(_FALSE).fillna(False).astype(bool)] = False
    problems.add(s.notna() & value.isna(), column + ": " + quote(s) + " is not yes/no")
    return value


_TIME_WORDS = {"morning": "morning", "am": "morning", "afternoon": "afternoon", "midday": "afternoon",
               "noon": "afternoon", "evening": "evening", "night": "night", "overnight": "night",
               "after hours": "night", "business hours": None, "daytime": None}


def time_of_day(hour: pd.Series) -> pd.Series:
    bins = pd.cut(hour.astype("float64"), bins=[-1, 5, 11, 16, 20, 23],
                  labels=["night", "morning", "afternoon", "evening", "night2"])
    return bins.astype("str").replace({"night2": "night", "nan": np.nan})


def parse_hour(raw: pd.Series, column: str, problems: Problems) -> tuple[pd.Series, pd.Series]:
    """'14', '14:30', '2:30 PM', '2 pm' -> hour 0-23; 'morning', 'night' -> only a time of day."""
    s = clean_text(raw)
    low = s.str.lower()
    m = low.str.extract(r"^(\d{1,2})(?::(\d{2}))?(?::\d{2})?\s*(a\.?m\.?|p\.?m\.?)?$")
    hour = pd.to_numeric(m[0], errors="coerce")
    minute = pd.to_numeric(m[1], errors="coerce")
    ampm = m[2].str.replace(".", "", regex=False)
    is_12h = ampm.notna()
    bad_12h = is_12h & ~hour.between(1, 12)
    hour = hour.where(~is_12h, (hour % 12) + np.where(ampm == "pm", 12, 0))
    valid = hour.between(0, 23) & ~bad_12h & (minute.isna() | minute.between(0, 59))
    hour = hour.where(valid)
    words = low.map(lambda v: _TIME_WORDS.get(v, "?") if isinstance(v, str) else np.nan)
    is_word = words.notna() & (words != "?")
    tod = time_of_day(hour)
    tod = tod.where(~is_word | hour.notna(), words.where(is_word))
    known_word = low.isin(list(_TIME_WORDS)).fillna(False).astype(bool)
    problems.add(s.notna() & hour.isna() & ~known_word, column + ": " + quote(s) + " is not an hour or time of day")
    return hour.astype("Int64"), tod


def parse_coordinate(raw: pd.Series, column: str, lo: float, hi: float, problems: Problems) -> pd.Series:
    s = clean_text(raw)
    value = pd.to_numeric(s, errors="coerce")
    problems.add(s.notna() & value.isna(), column + ": " + quote(s) + " is not a number")
    problems.add(value.notna() & ~value.between(lo, hi), column + ": " + quote(s) + f" is outside {lo:g} to {hi:g}")
    return value.where(value.between(lo, hi)).astype("float64")


def choose(raw: pd.Series, column: str, allowed: dict[str, str], problems: Problems, what: str) -> pd.Series:
    """Map spellings (compared without case or punctuation) to canonical values."""
    s = clean_text(raw)
    key = s.str.lower().str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()
    value = key.map(allowed)
    problems.add(s.notna() & value.isna(),
                 column + ": " + quote(s) + f" is not a known {what} (" + ", ".join(sorted(set(allowed.values()))) + ")")
    return value
