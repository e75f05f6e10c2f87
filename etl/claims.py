"""One checker for every claim: compute its measure from the database, judge it, and say whether it is stale.

`check(conn_or_engine, spec)` works the same way for every row of claims.csv
and for `jewelcrime check`: the value, its numerator and denominator, a
formula in words built from the row, the counts used, the verdict and why,
whether sample rows were counted, the source line, and the same measure for
the latest complete period in the data (`latest`, `stale`). Tolerances (see
docs/figures.md): a change within 5 percentage points and of the same sign;
a share within 1 point; a count or an amount within 1%; a row's
`tolerance` replaces its unit's default. Nothing here reads a claim's id.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

import sqlalchemy as sa

from etl import claim_data as data, claim_text as words
from etl.claim_period import Period
from etl.claim_spec import ClaimSpec
from etl.stats import pct_change

TOLERANCE = {"percent_change": 5.0, "percent_share": 1.0, "count_relative": 0.01, "amount_relative": 0.01}
TOLERANCE_OF_UNIT = {"percent_change": "percent_change", "percent_share": "percent_share", "count": "count_relative",
                     "amount_usd": "amount_relative"}
DISPLAY_UNIT = {"percent_change": "percent", "percent_share": "percent", "count": "count", "amount_usd": "usd"}
SUPPORTED, NOT_SUPPORTED, NO_DATA = "supported", "not supported", "no data"


@dataclass
class CheckResult:
    label: str
    unit: str  # how the value reads: percent | count | usd
    claim_unit: str  # percent_change | percent_share | count | amount_usd
    period: str
    value: float | None
    numerator: float | None
    denominator: float | None
    formula: str
    inputs: dict[str, Any]
    verdict: str | None  # None when there is no claimed value to judge
    reason: str
    sample: bool
    source_line: str
    latest: dict[str, Any] | None = None
    stale: bool = False
    by_year: dict[str, float] | None = None
    property_share_by_year: dict[str, float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    statement: str = ""  # the counts behind the value in one sentence
    measure: dict[str, Any] = field(default_factory=dict)  # the claim's measure, periods and filters as plain data
    freshness: str = ""  # how the claim stands in the latest complete period, in words
    as_of: str = ""  # the line a stale claim's exports carry
    sample_note: str = ""  # what a verdict drawn from sample rows means

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def tolerance(spec: ClaimSpec) -> float:
    return spec.tolerance if spec.tolerance is not None else TOLERANCE[TOLERANCE_OF_UNIT[spec.unit]]


def format_value(value: float | None, claim_unit: str) -> str:
    """How a value reads for its unit: +12.5%, 40.0%, 1,234, $1,234,567."""
    if value is None:
        return "no data"
    if claim_unit == "percent_change":
        return f"{value:+.1f}%"
    if claim_unit == "percent_share":
        return f"{value:.1f}%"
    return f"${value:,.0f}" if claim_unit == "amount_usd" else f"{value:,.0f}"


def _points(tol: float) -> str:
    return f"{tol:g} point" if tol == 1 else f"{tol:g} points"


# ---------------------------------------------------------------- verdicts

def judge_change(value: float | None, claimed: float | None, tol: float) -> tuple[str | None, str]:
    if value is None:
        return NO_DATA, "an input count is missing or zero"
    if claimed is None:
        return None, "no claimed value to judge"
    diff, same_sign = value - claimed, (value >= 0) == (claimed >= 0)
    if abs(diff) <= tol and same_sign:
        return SUPPORTED, f"computed {value:+.1f}% is within {tol:g} points of the claimed {claimed:+g}%"
    return NOT_SUPPORTED, f"computed {value:+.1f}% is {abs(diff):.1f} points from the claimed {claimed:+g}% " \
                          f"(tolerance {tol:g} points)"


def judge_share(spec: ClaimSpec, value: float | None, total: float, period: Period,
                check_total: bool = True) -> tuple[str | None, str]:
    if value is None:
        if spec.metric == "offenses":
            return NO_DATA, f"no NIBRS {period.text()} offense counts in the database"
        return NO_DATA, f"no {spec.metric} match the denominator in {period.text()}"
    if spec.published_value is None:
        return None, "no claimed value to judge"
    tol = tolerance(spec)
    share_ok = abs(value - spec.published_value) <= tol
    parts = [f"computed share {value:.1f}% against the claimed {spec.published_value:g}% "
             f"({'within' if share_ok else 'outside'} {_points(tol)})"]
    total_ok = True
    if check_total and spec.published_denominator is not None:
        claimed, rel = spec.published_denominator, TOLERANCE["count_relative"]
        total_ok = abs(total - claimed) <= rel * claimed
        shown = f"${total:,.0f}" if spec.metric == "losses" else f"{total:,.0f}"
        parts.append(f"total {spec.metric} {shown} against the claimed {claimed:,.0f} "
                     f"({'within' if total_ok else 'outside'} {rel:.0%})")
    return (SUPPORTED if share_ok and total_ok else NOT_SUPPORTED), "; ".join(parts)


def judge_amount(spec: ClaimSpec, value: float | None, period: Period) -> tuple[str | None, str]:
    if value is None:
        return NO_DATA, f"no {spec.metric} in the data for {period.text()}"
    if spec.published_value is None:
        return None, "no claimed value to judge"
    tol, claimed = tolerance(spec), spec.published_value
    shown, said = format_value(value, spec.unit), format_value(claimed, spec.unit)
    off = abs(value - claimed)
    if off <= tol * abs(claimed):
        return SUPPORTED, f"computed {shown} is within {tol:.0%} of the claimed {said}"
    away = f"{off / abs(claimed):.1%}" if claimed else "above zero"
    return NOT_SUPPORTED, f"computed {shown} is {away} from the claimed {said} (tolerance {tol:.0%})"


# ---------------------------------------------------------------- computing

def _total(conn: sa.Connection, spec: ClaimSpec, f: Any, period: Period) -> data.Total:
    if spec.metric == "offenses":
        return data.offenses(conn, f, period)
    return data.incidents(conn, spec.metric, f, period)


def _number(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(float(x), 2)


def _change(conn: sa.Connection, spec: ClaimSpec, r: CheckResult) -> tuple[float | None, Any]:
    f, p, c = spec.filters, spec.period, spec.compared_with
    old, new = _total(conn, spec, f, c), _total(conn, spec, f, p)
    value = pct_change(new.value, old.value) if old.value and new.value else None
    r.inputs = {words.input_name(spec.metric, f, c): _number(old.value),
                words.input_name(spec.metric, f, p): _number(new.value)}
    r.numerator = _number(new.value - old.value) if value is not None else None
    r.denominator = _number(old.value) or None
    r.sample = old.sample or new.sample
    if spec.since and spec.metric != "offenses":
        years = data.incidents_by_year(conn, spec.metric, f)
        base = old.value
        r.by_year = {str(y): round(pct_change(t.value, base), 1) for y, t in years.items()
                     if y > c.first_year and base}
        r.sample = r.sample or any(t.sample for y, t in years.items() if y >= c.first_year)
    return value, judge_change(value, spec.published_value, tolerance(spec))


def _share(conn: sa.Connection, spec: ClaimSpec, r: CheckResult, check_total: bool) -> tuple[float | None, Any]:
    p = spec.period
    num, den = _total(conn, spec, spec.numerator, p), _total(conn, spec, spec.denominator, p)
    # NIBRS: the class must be in the table; incidents: none of the kind among the denominator's is 0%
    has_num = num.found or (spec.metric != "offenses" and bool(den.value))
    value = num.value / den.value * 100.0 if den.value and has_num else None
    num_key = words.input_name(spec.metric, spec.numerator, p)
    den_key = words.input_name(spec.metric, spec.denominator, p)
    den_key = den_key if den_key != num_key else f"{den_key}_total"
    r.inputs = {den_key: _number(den.value) or None, num_key: _number(num.value) if has_num else None}
    r.numerator = _number(num.value) if has_num else None
    r.denominator = _number(den.value) or None
    r.sample = num.sample or den.sample
    if spec.metric == "offenses":
        counts = den.info.get("counts", {})
        r.inputs.update({f"offenses_{k}": v for k, v in counts.items()
                         if k in ("persons", "property", "society") and f"offenses_{k}" not in r.inputs})
        r.inputs["counts_from"] = ", ".join(dict.fromkeys(den.info.get("files", []))) or None
        r.inputs["derived_from_published_percent"] = den.info.get("derived", [])
        r.property_share_by_year = data.property_shares(conn)
        r.extra = {"nibrs_source": den.info.get("source"), "nibrs_url": den.info.get("url"),
                   "published_total": spec.published_denominator}
    elif spec.published_denominator is not None:
        r.extra = {"published_total": spec.published_denominator}
    return value, judge_share(spec, value, den.value, p, check_total)


def _amount(conn: sa.Connection, spec: ClaimSpec, r: CheckResult) -> tuple[float | None, Any]:
    p = spec.period
    t = _total(conn, spec, spec.filters, p)
    # when the sources have every month of the period, no matching row is a count of 0, not "no data"
    found = t.found or (spec.metric == "incidents" and all(i in _months(conn, spec) for i in p.months()))
    value = float(t.value) if found else None
    r.numerator, r.sample = (_number(t.value) if found else None), t.sample
    r.inputs = {words.input_name(spec.metric, spec.filters, p): r.numerator}
    if spec.metric == "offenses":
        r.inputs["counts_from"] = ", ".join(dict.fromkeys(t.info.get("files", []))) or None
        r.extra = {"nibrs_source": t.info.get("source"), "nibrs_url": t.info.get("url")}
    return value, judge_amount(spec, value, p)


def _compute(conn: sa.Connection, spec: ClaimSpec, check_total: bool = True) -> CheckResult:
    r = CheckResult(label=words.label(spec), unit=DISPLAY_UNIT[spec.unit], claim_unit=spec.unit,
                    period=words.period_text(spec), value=None, numerator=None, denominator=None,
                    formula=words.formula(spec), inputs={}, verdict=None, reason="", sample=False,
                    source_line=words.source_line(spec))
    if spec.unit == "percent_change":
        value, (r.verdict, r.reason) = _change(conn, spec, r)
    elif spec.unit == "percent_share":
        value, (r.verdict, r.reason) = _share(conn, spec, r, check_total)
    else:
        value, (r.verdict, r.reason) = _amount(conn, spec, r)
    if value is not None:
        r.value = round(value, 1) if r.unit == "percent" else _number(round(value, 2))
    r.statement = words.statement(spec, r.value, r.numerator, r.denominator, r.inputs)
    r.measure = measure(spec)
    return r


def measure(spec: ClaimSpec) -> dict[str, Any]:
    """The claim's measure as plain data, for pages that place a claim beside a chart by what it measures."""
    def filters(f: Any) -> dict[str, Any] | None:
        return None if f is None else {"source": f.source, "country": f.country, "regions": list(f.regions),
                                       "categories": list(f.categories), "subtype": f.subtype,
                                       "major_only": f.major_only, "nibrs_class": f.nibrs_class}

    c = spec.compared_with
    return {"metric": spec.metric, "unit": spec.unit, "period": spec.period.written(), "period_kind": spec.period.kind,
            "first_year": spec.period.first_year, "last_year": spec.period.last_year,
            "compared_with": c.written() if c else None, "compared_kind": c.kind if c else None,
            "compared_first_year": c.first_year if c else None, "since": spec.since, "tolerance": tolerance(spec),
            "filters": filters(spec.filters), "numerator": filters(spec.numerator),
            "denominator": filters(spec.denominator)}


# ---------------------------------------------------------------- the latest complete period

def _months(conn: sa.Connection, spec: ClaimSpec) -> set[int]:
    """The months (year * 12 + month - 1) the claim's data has: any row of its sources, or NIBRS years."""
    if spec.metric == "offenses":
        return {y * 12 + m for y in data.nibrs_years(conn) for m in range(12)}
    return data.months_present(conn, tuple(dict.fromkeys(s for f in spec.parts() for s in f.sources())))


def latest_shift(conn: sa.Connection, spec: ClaimSpec) -> int | None:
    """How many years later the latest complete period of the claim's kind is (0: the claim's own), or None.

    Incidents: a period is complete when the month rollup has every one of its months for the claim's
    sources. Offenses: when every one of its years has NIBRS class counts.
    """
    p, have = spec.period, _months(conn, spec)
    if not have:
        return None
    for k in range(max(have) // 12 - p.last_year, -1, -1):
        if all(i in have for i in p.shift(k).months()):
            return k
    return None


def moved(spec: ClaimSpec, years: int) -> ClaimSpec:
    """The same claim `years` later: a "since YEAR" change keeps its base year, any other comparison moves too."""
    c = spec.compared_with
    return replace(spec, period=spec.period.shift(years),
                   compared_with=None if c is None else c if spec.since else c.shift(years))


def check(conn_or_engine: sa.Connection | sa.Engine, spec: ClaimSpec, latest: bool = True) -> CheckResult:
    """Compute and judge one claim; with `latest`, also for the latest complete period (`latest`, `stale`)."""
    if isinstance(conn_or_engine, sa.Engine):
        with conn_or_engine.connect() as conn:
            return check(conn, spec, latest)
    conn = conn_or_engine
    result = _compute(conn, spec)
    if not latest:
        return result
    k = latest_shift(conn, spec)
    later_spec = None
    if k is None:
        result.latest = None
    else:
        later_spec = moved(spec, k)
        later = result if k == 0 else _compute(conn, later_spec, check_total=False)
        result.latest = {"period": later.period, "value": later.value, "verdict": later.verdict}
    result.stale = bool(result.verdict == SUPPORTED and result.latest and result.latest["verdict"] == NOT_SUPPORTED)
    if result.latest:
        result.freshness, result.as_of = words.freshness(
            spec, result.verdict, later_spec, format_value(result.latest["value"], spec.unit),
            result.latest["verdict"], result.stale)
    if result.sample:
        result.sample_note = sample_note(spec.id)
    return result


def sample_note(claim_id: str | None) -> str:
    """What a verdict on the bundled sample means: the general warning, and what the generator did to this
    claim's measure where etl/sample/calibration.csv says so."""
    from etl.sample.calibration import note_for

    return note_for(claim_id)
