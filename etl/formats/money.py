"""Money in U.S. dollars: plain amounts on a vectorised path, odd spellings (multipliers, words, ranges,
qualifiers) per distinct value (see docs/data-formats.md, Money).
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl.formats.problems import (Problems, UNKNOWN_TOKENS, by_value, said, _arrow, _np)


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
