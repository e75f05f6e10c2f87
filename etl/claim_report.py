"""What `jewelcrime check` and `jewelcrime figures` print: options into a claim spec, results into words."""
from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from etl.claim_spec import READERS, ClaimSpec, SpecError, parse_spec
from etl.claims import CheckResult, format_value

OPTION_OF = {"metric": "MEASURE", "source": "--source", "country": "--country", "regions": "--region",
             "category": "--category", "subtype": "--subtype", "major_only": "--major-only",
             "nibrs_class": "--nibrs-class", "period": "--period", "compared_with": "--compared-with",
             "denominator": "--share-of", "published_value": "--claimed", "unit": "MEASURE"}
NUMERATOR_KEYS = ("category", "subtype", "major_only", "nibrs_class")


class OptionError(ValueError):
    """A usage error, naming the option."""


def _filter_string(values: dict[str, Any]) -> str:
    return ";".join(f"{k}={'|'.join(v) if isinstance(v, (list, tuple)) else str(v).lower()}"
                    for k, v in values.items() if v not in (None, False, (), []))


def spec_from_options(measure: str, filters: dict[str, Any], period: str | None, compared_with: str | None,
                      share_of: str | None, claimed: float | None) -> ClaimSpec:
    """The claim the options describe; OptionError names the first option that is wrong."""
    if period is None:
        raise OptionError("--period is required: a year 2022, a half-year 2022H1, a month range 2022-01..2022-06 "
                          "or a range of years 2019..2022")
    if compared_with is not None and share_of is not None:
        raise OptionError("--compared-with and --share-of cannot be used together: a claim is a change or a share")
    for key, value in filters.items():  # each option on its own first, so the message names it
        try:
            READERS[key]("|".join(value) if isinstance(value, (list, tuple)) else value)
        except SpecError as exc:
            raise OptionError(f"{OPTION_OF[key]}: {exc.message}") from None
    metric = measure.strip().lower()
    unit = ("percent_change" if compared_with is not None else "percent_share" if share_of is not None
            else "amount_usd" if metric == "losses" else "count")
    row = {k: "|".join(v) if isinstance(v, (list, tuple)) else v for k, v in filters.items()}
    if row.get("source") is None and metric != "offenses":
        row["source"] = "JSA"
    if share_of is not None:  # the kind of crime is the numerator; source, country and regions apply to both
        row["numerator"] = _filter_string({k: filters.get(k) for k in NUMERATOR_KEYS}) or "all"
        row["denominator"] = share_of
        for k in NUMERATOR_KEYS:
            row.pop(k, None)
    row.update(metric=metric, unit=unit, period=period, compared_with=compared_with, published_value=claimed)
    spec, problems = parse_spec(row, require_claim=False)
    if spec is None:
        p = problems[0]
        option = OPTION_OF.get(p.field, "the numerator filters (--category, --subtype, --major-only, --nibrs-class)"
                               if p.field == "numerator" else p.field)
        raise OptionError(f"{option}: {p.message}")
    return spec


def check_json(spec: ClaimSpec, r: CheckResult) -> dict[str, Any]:
    return {"measure": spec.metric, "claim_unit": r.claim_unit, "label": r.label, "period": r.period,
            "value": r.value, "unit": r.unit, "numerator": r.numerator, "denominator": r.denominator,
            "formula": r.formula, "inputs": r.inputs, "claimed": spec.published_value, "verdict": r.verdict,
            "verdict_reason": r.reason, "sample_data": r.sample, "source_line": r.source_line, "latest": r.latest,
            "stale": r.stale, "freshness": r.freshness, "as_of": r.as_of, "sample_note": r.sample_note,
            "statement": r.statement, **({"by_year": r.by_year} if r.by_year is not None else {}), "extra": r.extra}


def format_claimed(value: float | None, claim_unit: str) -> str:
    if value is None:
        return ""
    if claim_unit == "percent_change":
        return f"{value:+g}%"
    return f"{value:g}%" if claim_unit == "percent_share" else format_value(value, claim_unit)


def _inputs(inputs: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v:,}" if isinstance(v, int) else f"{k}={v}" for k, v in inputs.items())


def _latest(latest: dict[str, Any] | None, claim_unit: str) -> str:
    if not latest:
        return "no complete period in the data"
    verdict = f" ({latest['verdict']})" if latest.get("verdict") and latest["value"] is not None else ""
    return f"{latest['period']}: {format_value(latest['value'], claim_unit)}{verdict}"


def print_check(out: Console, spec: ClaimSpec, r: CheckResult) -> None:
    out.print(f"[bold]{r.label}[/]", highlight=False)
    shown = format_value(r.value, r.claim_unit)
    if r.claim_unit in ("percent_change", "percent_share") and r.value is not None:
        shown += f" ({r.numerator:,} / {r.denominator:,})"
    out.print(f"value: {shown}", highlight=False)
    out.print(f"formula: {r.formula}", highlight=False)
    out.print(f"inputs: {_inputs(r.inputs)}", highlight=False)
    if r.verdict is None:
        out.print(f"verdict: not judged ({r.reason}; give --claimed X to judge a number)", highlight=False)
    else:
        colour = {"supported": "green", "not supported": "red"}.get(r.verdict, "yellow")
        out.print(f"verdict: [{colour}]{r.verdict}[/]: {r.reason}", highlight=False)
    out.print(f"latest complete period: {_latest(r.latest, r.claim_unit)}" + (
        "; [yellow]stale[/]: true for its own period, not for the latest" if r.stale else ""), highlight=False)
    if r.freshness:
        out.print(r.freshness, highlight=False)
    if r.sample:
        out.print(f"[yellow]sample data[/]: {r.sample_note}", highlight=False)
    out.print(f"source: {r.source_line}", highlight=False)


def print_figures(out: Console, figs: list) -> None:
    """The headline figures as a table, each value read by its unit, then formulas and reasons."""
    table = Table(title="Headline figures")
    for col in ("id", "value", "published", "verdict", "latest", "inputs", "sample data"):
        table.add_column(col, overflow="fold")
    for f in figs:
        colour = {"supported": "green", "not supported": "red"}.get(f.verdict, "yellow")
        table.add_row(f.id, format_value(f.value, f.claim_unit), format_claimed(f.published_value, f.claim_unit),
                      f"[{colour}]{f.verdict}[/]", _latest(f.latest, f.claim_unit) + (" stale" if f.stale else ""),
                      _inputs(f.inputs), "yes" if f.sample_data else "no")
    out.print(table)
    for f in figs:
        out.print(f"[bold]{f.id}[/]: {f.formula}. {f.verdict_reason}.", highlight=False)
        if f.freshness:
            out.print(f"  [yellow]{f.freshness}[/]" if f.stale else f"  {f.freshness}", highlight=False)
    notes = [f for f in figs if f.sample_note]
    for f in notes:  # a verdict on sample rows says what it proves, once per figure
        out.print(f"[yellow]{f.id} is drawn from sample data[/]: {f.sample_note}", highlight=False)
