"""Pure pandas: this period against the same period a year earlier (CompStat style).

Two comparisons, per crime category and in total, for an as-of month (year, month):

* year to date ("ytd"): January..as-of month of its year against January..the same month a year earlier;
* rolling 12 months ("r12"): the 12 months ending with the as-of month against the 12 months ending a year
  earlier.

Each row carries the absolute and percent change and the product's small-count rule and Poisson test
(etl/stats.py). `monthly` is queries.trend_months_by_category (year, month, category, incidents; without a
category column only the total row is made). A month with no row inside the data's span is a real zero;
a month outside the span is unknown, so a comparison that needs one raises PeriodError (in words) instead
of counting it as zero. No SQL, no plotly and no Dash here.
"""
from __future__ import annotations

import calendar
import re
from typing import Any

import numpy as np
import pandas as pd

from etl import stats
from etl.taxonomy import CATEGORIES

Month = tuple[int, int]  # (year, month)
Span = tuple[int | None, int | None]  # first and last month with data, as year*100+month (queries.month_span)

PERIODS = {"ytd": "Year to date", "r12": "Last 12 months"}
TOTAL = "total"
COLUMNS = ["category", "period", "incidents", "prior_period", "prior_incidents", "change", "change_pct",
           "reliable", "p_value", "significant"]
_AS_OF = re.compile(r"(\d{4})-(\d{2})")


class PeriodError(ValueError):
    """A comparison the data cannot give; the message says why in words a page can show."""


class NotEnoughHistory(PeriodError):
    """The earlier period starts before the data do."""


class OutsideData(PeriodError):
    """The as-of month is after the last month with data (or there are no data at all)."""


# ---------------------------------------------------------------- months

def check_month(value: Any) -> Month:
    """(year, month) as two whole numbers, month 1..12; anything else raises TypeError or ValueError."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"a month is (year, month), not {value!r}")
    year, month = value
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (year, month)):
        raise TypeError(f"a month is two whole numbers, not {value!r}")
    if not 1 <= int(month) <= 12 or not 1 <= int(year) <= 9999:
        raise ValueError(f"no such month: {value!r}")
    return int(year), int(month)


def _n(ym: Month) -> int:
    """Months since year 0: consecutive months are consecutive numbers."""
    return ym[0] * 12 + ym[1] - 1


def _ym(n: int) -> Month:
    return n // 12, n % 12 + 1


def _from_code(code: int) -> Month:
    return int(code) // 100, int(code) % 100


def fmt_month(ym: Month) -> str:
    """(2024, 9) -> '2024-09', the form of the `as_of` URL parameter."""
    return f"{ym[0]:04d}-{ym[1]:02d}"


def month_words(ym: Month) -> str:
    """(2024, 9) -> 'September 2024'."""
    return f"{calendar.month_name[ym[1]]} {ym[0]}"


def label(start: Month, end: Month, long: bool = False) -> str:
    """'Jan-Sep 2024', 'Jan 2024', 'Oct 2023-Sep 2024'; with long, the months in full ('January-September 2024')."""
    names = calendar.month_name if long else calendar.month_abbr
    if start == end:
        return f"{names[end[1]]} {end[0]}"
    if start[0] == end[0]:
        return f"{names[start[1]]}-{names[end[1]]} {end[0]}"
    return f"{names[start[1]]} {start[0]}-{names[end[1]]} {end[0]}"


def window(kind: str, as_of: Month) -> tuple[Month, Month]:
    """First and last month of the period ending with the as-of month."""
    if kind not in PERIODS:
        raise ValueError(f"unknown period {kind!r}; choose one of {', '.join(PERIODS)}")
    as_of = check_month(as_of)
    return ((as_of[0], 1) if kind == "ytd" else _ym(_n(as_of) - 11)), as_of


def prior(months: tuple[Month, Month]) -> tuple[Month, Month]:
    """The same months a year earlier."""
    return _ym(_n(months[0]) - 12), _ym(_n(months[1]) - 12)


# ---------------------------------------------------------------- the data's span and the as-of month

def _check_monthly(monthly: Any) -> pd.DataFrame:
    if not isinstance(monthly, pd.DataFrame):
        raise TypeError(f"monthly must be a DataFrame, not {type(monthly).__name__}")
    missing = {"year", "month", "incidents"} - set(monthly.columns)
    if missing:
        raise ValueError(f"monthly lacks the column(s) {', '.join(sorted(missing))}")
    out = monthly.copy()
    for col in ("year", "month", "incidents"):  # PostgreSQL sums arrive as Decimal: whole numbers here
        out[col] = pd.to_numeric(out[col]).astype("int64")
    if len(out) and not out["month"].between(1, 12).all():
        raise ValueError("monthly has a month outside 1..12")
    return out


def bounds(monthly: pd.DataFrame, span: Span | None = None) -> tuple[Month, Month] | None:
    """First and last month of the data: the span when given (year*100+month codes), else the first and
    last row of `monthly`; None when there are none."""
    if span is not None and span[0] is not None and span[1] is not None:
        return _from_code(span[0]), _from_code(span[1])
    frame = _check_monthly(monthly)
    if frame.empty:
        return None
    n = frame["year"] * 12 + frame["month"] - 1
    return _ym(int(n.min())), _ym(int(n.max()))


def as_of_month(monthly: pd.DataFrame, span: Span | None) -> Month:
    """The default as-of month: the last month of the data's span (a month in it with no incidents under
    the filters is a real zero, so it is not skipped); without a span, the last month of `monthly`."""
    found = bounds(monthly, span)
    if found is None:
        raise OutsideData("No monthly incident data is loaded.")
    return found[1]


def as_of_choices(span: Span | None) -> list[Month]:
    """Every month a user may choose: in the span, with the same month a year earlier in it too."""
    if span is None or span[0] is None or span[1] is None:
        return []
    lo, hi = _n(_from_code(span[0])), _n(_from_code(span[1]))
    return [_ym(n) for n in range(lo + 12, hi + 1)]


def parse_as_of(value: Any, span: Span | None) -> Month | None:
    """'2024-09' -> (2024, 9) when it is one of as_of_choices; anything else (wrong type, form or month) None."""
    if not isinstance(value, str):
        return None
    m = _AS_OF.fullmatch(value.strip())
    if not m:
        return None
    ym = (int(m.group(1)), int(m.group(2)))
    return ym if ym in as_of_choices(span) else None


# ---------------------------------------------------------------- the comparisons

def ytd(monthly: pd.DataFrame, as_of: Month, span: Span | None = None) -> pd.DataFrame:
    """Year to date against the same months a year earlier (see compare)."""
    return compare(monthly, "ytd", as_of, span)


def rolling12(monthly: pd.DataFrame, as_of: Month, span: Span | None = None) -> pd.DataFrame:
    """The 12 months ending with as_of against the 12 months ending a year earlier (see compare)."""
    return compare(monthly, "r12", as_of, span)


def compare(monthly: pd.DataFrame, kind: str, as_of: Month, span: Span | None = None) -> pd.DataFrame:
    """One row per category with incidents in either period (taxonomy order), then the "total" row.

    `span` is the data's first and last month (queries.month_span codes); without it the first and last row
    of `monthly` stand for it, which is right only when `monthly` has a row for every month. Raises
    OutsideData when the as-of month is after the data, NotEnoughHistory when the earlier period starts
    before them."""
    frame = _check_monthly(monthly)
    now = window(kind, as_of)
    before = prior(now)
    found = bounds(frame, span)
    if found is None:
        raise OutsideData("No monthly incident data is loaded.")
    first, last = found
    if _n(now[1]) > _n(last):
        raise OutsideData(f"The data end in {month_words(last)}: {month_words(now[1])} is not loaded yet, so "
                          f"{label(*now, long=True)} cannot be counted.")
    if _n(before[0]) < _n(first):
        raise NotEnoughHistory(f"The data start in {month_words(first)}: comparing {label(*now, long=True)} with "
                               f"{label(*before, long=True)} needs data from {month_words(before[0])}.")
    n = frame["year"] * 12 + frame["month"] - 1
    cats = frame["category"] if "category" in frame else pd.Series(TOTAL, index=frame.index)
    new = frame["incidents"][n.between(_n(now[0]), _n(now[1]))].groupby(cats).sum()
    old = frame["incidents"][n.between(_n(before[0]), _n(before[1]))].groupby(cats).sum()
    present = {c for c in set(new.index) | set(old.index) if new.get(c, 0) or old.get(c, 0)} - {TOTAL}
    order = [c for c in CATEGORIES if c in present] + sorted(present - set(CATEGORIES))
    rows = [_row(c, int(new.get(c, 0)), int(old.get(c, 0)), now, before) for c in order]
    rows.append(_row(TOTAL, int(new.sum()), int(old.sum()), now, before))
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.astype({"incidents": "int64", "prior_incidents": "int64", "change": "int64", "change_pct": "float64",
                       "reliable": "bool", "p_value": "float64", "significant": "bool"})


def _row(category: str, new: int, old: int, now: tuple[Month, Month], before: tuple[Month, Month]) -> dict[str, Any]:
    pct = stats.pct_change(new, old)
    return {"category": category, "period": label(*now), "incidents": new, "prior_period": label(*before),
            "prior_incidents": old, "change": new - old, "change_pct": np.nan if pct is None else pct,
            "reliable": stats.is_reliable(old, new), "p_value": stats.change_p_value(old, new),
            "significant": stats.is_significant(old, new)}


def verdict(row: Any) -> str:
    """How a row's change reads: 'significant', 'not significant' or 'unreliable' (the small-count rule first)."""
    if not row["reliable"]:
        return "unreliable"
    return "significant" if row["significant"] else "not significant"


def change_words(row: Any) -> str:
    """'+32 (+8.4%)', or '+3 (none a year earlier)' when there is no percent change to give."""
    pct = row["change_pct"]
    has_pct = pct is not None and np.isfinite(pct)
    return f"{int(row['change']):+,} ({stats.fmt_change(pct) if has_pct else 'none a year earlier'})"
