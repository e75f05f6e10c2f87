"""A claim as data: the periods, filters and measure of one row of claims.csv (or of `jewelcrime check`).

`parse_spec` reads a row (text cells as written, or the typed values stored
in the `claim` table) into a `ClaimSpec`, or says which fields are wrong and
why; `split_rows` does that for a whole claims.csv and sets the bad rows
aside for quarantine, so one bad claim never stops the others. Whether a
period has data is not checked here: that is a "no data" verdict when the
claim is checked (etl/claims.py).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, replace
from typing import Any, Mapping

import pandas as pd

from etl import taxonomy
from etl.claim_period import PERIOD_FORMS, Period, parse_period  # noqa: F401 - part of the spec

METRICS = ("incidents", "losses", "offenses")
UNITS = ("percent_change", "percent_share", "count", "amount_usd")
NIBRS_CLASSES = ("total", "persons", "property", "society")
NAMED_SOURCES = {"jsa": "JSA", "jm": "JM", "combined": "combined"}
FILTER_KEYS = ("source", "country", "regions", "category", "subtype", "major_only", "nibrs_class")
TRUE, FALSE = ("true", "yes", "1"), ("false", "no", "0", "")
COLUMNS = ("id", "claim", "published_value", "unit", "published_by", "url", "published_on", "metric", "numerator",
           "denominator", "source", "country", "regions", "category", "subtype", "major_only", "nibrs_class", "period",
           "compared_with", "official_value", "official_source", "tolerance", "published_denominator")
REQUIRED_COLUMNS = ("id", "claim", "published_value", "unit", "published_by", "metric", "period")  # in the header


class SpecError(ValueError):
    """One wrong field: `field` is the column (or filter key) it is about."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class Filters:
    """Which incidents (or NIBRS offenses) count."""

    source: str | None = None  # JSA | JM | combined | a mapped source's name; None for offenses
    country: str | None = None
    regions: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subtype: str | None = None
    major_only: bool = False
    nibrs_class: str | None = None  # total | persons | property | society

    def sources(self) -> tuple[str, ...]:
        """The stored sources counted: JSA and JM for combined."""
        if self.source is None:
            return ()
        return ("JSA", "JM") if self.source == "combined" else (self.source,)


@dataclass(frozen=True)
class ClaimSpec:
    """One measure, its periods and (optionally) the published number it is judged against."""

    metric: str
    unit: str
    filters: Filters
    period: Period
    compared_with: Period | None = None
    numerator: Filters | None = None  # shares: the row's filters with the numerator's on top
    denominator: Filters | None = None
    published_value: float | None = None
    tolerance: float | None = None
    published_denominator: float | None = None
    id: str | None = None
    claim: str | None = None
    published_by: str | None = None
    url: str | None = None
    published_on: str | None = None
    official_value: float | None = None
    official_source: str | None = None
    row_number: int | None = None  # its line in claims.csv

    @property
    def since(self) -> bool:
        """A "since YEAR" change: one year against another; the base year stays when the claim is re-checked."""
        return self.compared_with is not None and self.period.kind == "year" and self.compared_with.kind == "year"

    def parts(self) -> tuple[Filters, ...]:
        return (self.numerator, self.denominator) if self.unit == "percent_share" else (self.filters,)


# ---------------------------------------------------------------- cells

def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    t = str(value).strip()
    return t or None


def _number(name: str, value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return None if math.isnan(value) else float(value)
    t = _text(value)
    if t is None:
        return None
    try:
        number = float(t.replace(",", "").rstrip("%").strip())
    except ValueError:
        raise SpecError(name, f"{t!r} is not a number") from None
    if math.isnan(number) or math.isinf(number):
        raise SpecError(name, f"{t!r} is not a number")
    return number


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    t = (_text(value) or "").lower()
    if t in TRUE or t in FALSE:
        return t in TRUE
    raise SpecError(name, f"{t!r} is not true or false")


def _list(value: Any) -> list[str]:
    t = _text(value)
    return [] if t is None else [p.strip() for p in re.split(r"[|,]", t) if p.strip()]


def _source(value: Any) -> str | None:
    t = _text(value)
    if t is None:
        return None
    if len(t) > 80:
        raise SpecError("source", f"{t[:20]!r}... is longer than 80 characters")
    return NAMED_SOURCES.get(t.lower(), t)


def _regions(value: Any) -> tuple[str, ...]:
    from etl.regions import region_book

    names = region_book().names
    codes = tuple(dict.fromkeys(r.upper() for r in _list(value)))
    wrong = [r for r in codes if r not in names]
    if wrong:
        raise SpecError("regions", f"{'|'.join(wrong)!r} is not a U.S. state or Canadian province code (e.g. TX, ON)")
    return codes


def _categories(value: Any) -> tuple[str, ...]:
    cats = tuple(dict.fromkeys(c.lower() for c in _list(value)))
    wrong = [c for c in cats if c not in taxonomy.CATEGORIES]
    if wrong:
        raise SpecError("category", f"{'|'.join(wrong)!r} is not a category ({', '.join(taxonomy.CATEGORIES)})")
    return cats


def _subtype(value: Any) -> str | None:
    t = _text(value)
    if t is None:
        return None
    subtypes = {c.subtype: c.category for c in taxonomy.CRIME_TYPES if c.subtype}
    if t.lower() not in subtypes:
        raise SpecError("subtype", f"{t!r} is not a sub-type ({', '.join(subtypes)})")
    return t.lower()


def _nibrs_class(value: Any) -> str | None:
    t = (_text(value) or "").lower()
    t = {"person": "persons", "all": "total"}.get(t, t)
    if t and t not in NIBRS_CLASSES:
        raise SpecError("nibrs_class", f"{t!r} is not a NIBRS class ({', '.join(NIBRS_CLASSES)})")
    return t or None


def _country(value: Any) -> str | None:
    t = (_text(value) or "").upper()
    if t and t not in ("US", "CA"):
        raise SpecError("country", f"{t!r} is not US or CA")
    return t or None


READERS = {"source": _source, "country": _country, "regions": _regions, "category": _categories,
           "subtype": _subtype, "major_only": lambda v: _flag("major_only", v), "nibrs_class": _nibrs_class}
FIELD_OF = {"regions": "regions", "category": "categories", "subtype": "subtype", "major_only": "major_only",
            "nibrs_class": "nibrs_class", "source": "source", "country": "country"}


def parse_filter_string(name: str, value: Any) -> dict[str, Any] | None:
    """`key=value;key=value` (values with `|` for several) -> the filters it sets; `all` -> none; blank -> None."""
    t = _text(value)
    if t is None:
        return None
    if t.lower() == "all":
        return {}
    found: dict[str, Any] = {}
    for part in (p.strip() for p in t.split(";")):
        if not part:
            continue
        key, eq, val = (s.strip() for s in part.partition("="))
        key = {"region": "regions", "categories": "category", "class": "nibrs_class"}.get(key.lower(), key.lower())
        if not eq or key not in READERS:
            raise SpecError(name, f"{part!r} is not key=value with a key of {', '.join(FILTER_KEYS)}")
        try:
            found[FIELD_OF[key]] = READERS[key](val)
        except SpecError as exc:
            raise SpecError(name, f"{key}={val}: {exc.message}") from None
    return found


# ---------------------------------------------------------------- a whole row

def _check_filters(metric: str, f: Filters, where: str, problems: list[SpecError]) -> None:
    """What a metric's data can be filtered by; `where` names the field the filters came from."""
    from etl.regions import region_book

    def bad(name: str, message: str) -> None:
        problems.append(SpecError(where if where != "row" else name, message))

    if metric == "offenses":
        if f.source not in (None, "FBI", "NIBRS"):
            bad("source", f"{f.source!r}: offenses are FBI NIBRS national counts and take no incident source")
        for name, given in (("regions", f.regions), ("category", f.categories), ("subtype", f.subtype),
                            ("major_only", f.major_only)):
            if given:
                bad(name, "offenses are FBI NIBRS national counts: no regions, categories, sub-types or major cities")
        if f.country == "CA":
            bad("country", "offenses are U.S. NIBRS counts")
        return
    if f.source is None:
        bad("source", f"is required for {metric} (JSA, JM, combined or a mapped source's name)")
    if f.nibrs_class == "total":
        bad("nibrs_class", "total is for offenses; incidents have the classes persons, property and society")
    if f.subtype and f.categories:
        category = next(c.category for c in taxonomy.CRIME_TYPES if c.subtype == f.subtype)
        if category not in f.categories:
            bad("subtype", f"{f.subtype!r} belongs to {category}, not to {'|'.join(f.categories)}")
    if f.country and f.regions:
        other = [r for r in f.regions if region_book().country.get(r) != f.country]
        if other:
            bad("regions", f"{'|'.join(other)} is not in {f.country}")


def _period(name: str, value: Any, required: bool) -> Period | None:
    t = _text(value)
    if t is None:
        if required:
            raise SpecError(name, f"is blank (required: {PERIOD_FORMS})")
        return None
    try:
        return parse_period(t)
    except ValueError as exc:
        raise SpecError(name, str(exc)) from None


def _collect(problems: list[SpecError], fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except SpecError as exc:
        problems.append(exc)
        return None


def parse_spec(row: Mapping[str, Any], require_claim: bool = True) -> tuple[ClaimSpec | None, list[SpecError]]:
    """A row (column -> cell) as a spec, or None and every problem found (each naming its field)."""
    problems: list[SpecError] = []
    metric = (_text(row.get("metric")) or "").lower()
    unit = (_text(row.get("unit")) or "").lower()
    if metric not in METRICS:
        problems.append(SpecError("metric", f"{metric!r} is not one of {', '.join(METRICS)}"))
    if unit not in UNITS:
        problems.append(SpecError("unit", f"{unit!r} is not one of {', '.join(UNITS)}"))
    values = {FIELD_OF[k]: _collect(problems, READERS[k], row.get(k)) for k in FILTER_KEYS}
    filters = Filters(**{k: v for k, v in values.items() if v is not None})
    period = _collect(problems, _period, "period", row.get("period"), True)
    compared = _collect(problems, _period, "compared_with", row.get("compared_with"), False)
    num = _collect(problems, parse_filter_string, "numerator", row.get("numerator"))
    den = _collect(problems, parse_filter_string, "denominator", row.get("denominator"))
    numbers = {k: _collect(problems, _number, k, row.get(k))
               for k in ("published_value", "official_value", "tolerance", "published_denominator")}
    ident, claim, by = (_text(row.get(k)) for k in ("id", "claim", "published_by"))
    if require_claim:
        for name, value in (("id", ident), ("claim", claim), ("published_by", by)):
            if value is None:
                problems.append(SpecError(name, "is blank (required)"))
        if ident is not None and not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}", ident):
            problems.append(SpecError("id", f"{ident!r}: use up to 64 letters, digits, '_', '-' or '.'"))
        if numbers["published_value"] is None and not any(p.field == "published_value" for p in problems):
            problems.append(SpecError("published_value", "is blank (required)"))
    url, on = _text(row.get("url")), _text(row.get("published_on"))
    if url is not None and not re.match(r"https?://", url):
        problems.append(SpecError("url", f"{url!r} is not a web address (http:// or https://)"))
    if on is not None and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", on):
        problems.append(SpecError("published_on", f"{on!r} is not a date (2022-11-01, 2022-11 or 2022)"))
    if metric in METRICS and unit in UNITS:
        _check_unit(metric, unit, period, compared, num, den, numbers, problems)
    num_f = replace(filters, **num) if unit == "percent_share" and num is not None else None
    den_f = replace(filters, **den) if unit == "percent_share" and den is not None else None
    if metric in METRICS and not problems:
        for where, f in (("row", filters), ("numerator", num_f), ("denominator", den_f)):
            if f is not None:
                _check_filters(metric, f, where, problems)
        if period is not None and not period.in_halves and any(f.regions for f in (filters, num_f, den_f) if f):
            problems.append(SpecError("period", f"{period.written()!r}: months that are not whole half-years "
                                      "cannot be counted by region (the month rollup has no regions)"))
    if problems:
        return None, problems
    if num_f is None and unit == "percent_share":
        num_f = filters
    return ClaimSpec(metric, unit, filters, period, compared, num_f, den_f, numbers["published_value"],
                     numbers["tolerance"], numbers["published_denominator"], ident, claim, by, url, on,
                     numbers["official_value"], _text(row.get("official_source")),
                     int(row["row_number"]) if row.get("row_number") is not None else None), []


def _check_unit(metric: str, unit: str, period: Period | None, compared: Period | None, num: Any, den: Any,
                numbers: dict[str, float | None], problems: list[SpecError]) -> None:
    """The fields each unit needs, and the ones it must not have."""
    def bad(name: str, message: str) -> None:
        problems.append(SpecError(name, message))

    if unit == "amount_usd" and metric != "losses":
        bad("unit", f"amount_usd is for losses, not {metric}")
    if unit == "count" and metric == "losses":
        bad("unit", "losses are an amount: use amount_usd")
    if unit == "percent_change":
        if compared is None:
            bad("compared_with", "is blank (required for a percent_change)")
        elif period is not None:
            if compared.length != period.length:
                bad("compared_with", f"{compared.written()!r} covers {compared.length} months, the period "
                                     f"{period.written()!r} {period.length}: compare like with like")
            elif compared.end >= period.start:
                bad("compared_with", f"{compared.written()!r} must end before the period {period.written()!r} starts")
    elif compared is not None:
        bad("compared_with", f"is only for a percent_change, not a {unit}")
    if unit == "percent_share":
        if den is None:
            bad("denominator", "is blank: a share needs a denominator (filters such as nibrs_class=total, or all)")
    else:
        for name, given in (("numerator", num), ("denominator", den)):
            if given is not None:
                bad(name, f"is only for a percent_share, not a {unit}")
        if numbers["published_denominator"] is not None:
            bad("published_denominator", f"is only for a percent_share, not a {unit}")
    for name in ("official_value", "published_value"):
        value = numbers[name]
        if value is not None and unit in ("count", "amount_usd", "percent_share") and value < 0:
            bad(name, f"{value:g} is negative")
        if value is not None and unit == "percent_share" and value > 100:
            bad(name, f"{value:g} is more than 100%")
    tol = numbers["tolerance"]
    if tol is not None and (tol < 0 or (unit in ("count", "amount_usd") and tol > 1)):
        bad("tolerance", f"{tol:g} is not a tolerance: " + (
            "for a count or an amount it is a fraction from 0 to 1 (0.01 = 1%)" if unit in ("count", "amount_usd")
            else "percentage points, 0 or more"))
    if numbers["published_denominator"] is not None and numbers["published_denominator"] <= 0:
        bad("published_denominator", f"{numbers['published_denominator']:g} is not more than 0")
    if period is not None and metric == "offenses" and period.is_span:
        bad("period", f"{period.written()!r}: NIBRS offenses are counted by whole years")


# ---------------------------------------------------------------- claims.csv

def stored_row(spec: ClaimSpec, row: Mapping[str, Any], row_number: int) -> dict[str, Any]:
    """The `claim` table row of a valid claim: the cells as written, with numbers, flags and codes normalised."""
    f = spec.filters
    return {"id": spec.id, "row_number": row_number, "claim": spec.claim, "published_value": spec.published_value,
            "unit": spec.unit, "published_by": spec.published_by, "url": spec.url, "published_on": spec.published_on,
            "metric": spec.metric, "numerator": _text(row.get("numerator")),
            "denominator": _text(row.get("denominator")), "source": f.source, "country": f.country,
            "regions": "|".join(f.regions) or None, "category": "|".join(f.categories) or None, "subtype": f.subtype,
            "major_only": f.major_only, "nibrs_class": f.nibrs_class, "period": spec.period.written(),
            "compared_with": spec.compared_with.written() if spec.compared_with else None,
            "official_value": spec.official_value, "official_source": spec.official_source,
            "tolerance": spec.tolerance, "published_denominator": spec.published_denominator}


def split_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """claims.csv rows (text, file order) -> the valid rows, the quarantined ones (with reasons) and warnings.

    Row numbers are the file's line numbers: the header is row 1, the first claim row 2.
    """
    good, bad, warnings, seen = [], [], [], {}
    for i, cells in enumerate(frame.to_dict(orient="records")):
        number = i + 2
        spec, problems = parse_spec(cells)
        if spec is not None and spec.id in seen:
            problems = [SpecError("id", f"{spec.id!r} is already the id of row {seen[spec.id]}")]
        if problems:
            reasons = [f"row {number}, {p.field}: {p.message}" for p in problems]
            raw = {k: str(v) for k, v in cells.items() if _text(v) is not None}
            bad.append({"sheet": None, "row_number": number, "raw": json.dumps(raw, ensure_ascii=False),
                        "reasons": reasons})
            warnings.append(f"claim not loaded: {'; '.join(reasons)}")
            continue
        seen[spec.id] = number
        good.append(stored_row(spec, cells, number))
    clean = pd.DataFrame(good, columns=["row_number", *COLUMNS])
    return clean, pd.DataFrame(bad, columns=["sheet", "row_number", "raw", "reasons"]), warnings
