"""The headline figures: one per row of the `claim` table (data/raw/reference/claims.csv), in file order.

Every figure is computed and judged by the one checker, etl/claims.py, from
its row alone: adding a row adds a figure, with no code change. See
docs/figures.md for the formulas, verdicts and tolerances.
"""
from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import sqlalchemy as sa

from etl import claims, schema
from etl.claim_data import nibrs_classes, property_shares
from etl.claim_spec import ClaimSpec, parse_spec
from etl.claim_text import FBI_SOURCE_LINE, JSA_JM_SOURCE_LINE
from etl.claims import TOLERANCE, pct_change
from etl.config import REFERENCE_DIR

__all__ = ["FBI_SOURCE_LINE", "FIGURE_IDS", "Figure", "JSA_JM_SOURCE_LINE", "TOLERANCE", "compute_all", "figure",
           "nibrs_classes", "pct_change", "property_shares"]


@dataclass
class Figure:
    id: str
    label: str
    value: float | None
    unit: str
    period: str
    numerator: float | None
    denominator: float | None
    formula: str
    inputs: dict[str, Any]
    published_value: float | None
    published_source: str | None
    published_claim: str | None
    published_url: str | None
    verdict: str
    verdict_reason: str
    sample_data: bool
    source_line: str
    official_value: float | None = None
    official_source: str | None = None
    by_year: dict[str, float] | None = None
    property_share_by_year: dict[str, float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    latest: dict[str, Any] | None = None
    stale: bool = False
    claim_unit: str = "percent_change"
    statement: str = ""
    measure: dict[str, Any] = field(default_factory=dict)
    freshness: str = ""
    as_of: str = ""
    sample_note: str = ""

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for optional in ("by_year", "property_share_by_year"):
            if d[optional] is None:
                d.pop(optional)
        return d


def bundled_claim_ids() -> tuple[str, ...]:
    """The ids of the claims in the bundled claims.csv, in file order."""
    path = REFERENCE_DIR / "claims.csv"
    if not path.exists():
        return ()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return tuple(row["id"] for row in csv.DictReader(fh) if (row.get("id") or "").strip())


FIGURE_IDS = bundled_claim_ids()


def figure(conn: sa.Connection, spec: ClaimSpec) -> Figure:
    """One claim, checked, as a headline figure."""
    r = claims.check(conn, spec)
    return Figure(
        id=spec.id, label=r.label, value=r.value, unit=r.unit, period=r.period, numerator=r.numerator,
        denominator=r.denominator, formula=r.formula, inputs=r.inputs, published_value=spec.published_value,
        published_source=spec.published_by, published_claim=spec.claim, published_url=spec.url,
        verdict=r.verdict or claims.NO_DATA, verdict_reason=r.reason, sample_data=r.sample, source_line=r.source_line,
        official_value=spec.official_value, official_source=spec.official_source, by_year=r.by_year,
        property_share_by_year=r.property_share_by_year, extra=r.extra, latest=r.latest, stale=r.stale,
        claim_unit=spec.unit, statement=r.statement, measure=r.measure, freshness=r.freshness, as_of=r.as_of,
        sample_note=r.sample_note)


def _unusable(row: dict[str, Any], problems: list) -> Figure:
    """A stored claim that no longer reads (the reference tables changed under it): shown, never judged."""
    why = "; ".join(str(p) for p in problems)
    return Figure(id=row["id"], label=row["claim"], value=None, unit="percent", period=row.get("period") or "",
                  numerator=None, denominator=None, formula="", inputs={}, published_value=row["published_value"],
                  published_source=row["published_by"], published_claim=row["claim"], published_url=row["url"],
                  verdict=claims.NO_DATA, verdict_reason=f"the claim's row cannot be read: {why}", sample_data=False,
                  source_line="", official_value=row.get("official_value"),
                  official_source=row.get("official_source"), claim_unit=row["unit"])


def claim_specs(conn: sa.Connection) -> list[tuple[dict[str, Any], ClaimSpec | None, list]]:
    """Every stored claim, in file order: its row, its spec (None if it does not read) and the problems."""
    c = schema.claim
    rows = [dict(r._mapping) for r in conn.execute(sa.select(c).order_by(c.c.row_number, c.c.id))]
    out = []
    for row in rows:
        spec, problems = parse_spec(row)
        out.append((row, spec, problems))
    return out


def compute_all(engine: sa.Engine, where: Callable[[ClaimSpec], bool] | None = None) -> list[Figure]:
    """Every stored claim checked, in file order; with `where`, only the claims whose spec it accepts (a
    chart that shows one kind of claim need not check the others)."""
    with engine.connect() as conn:
        return [figure(conn, spec) if spec is not None else _unusable(row, problems)
                for row, spec, problems in claim_specs(conn) if where is None or (spec is not None and where(spec))]
