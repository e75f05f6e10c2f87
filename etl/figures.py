"""The campaign's headline figures, computed from the database and judged.

Nothing is typed in: counts come from the rollups and NIBRS tables, published
values from the published_figure reference table. Verdict tolerances (see
docs/figures.md): a stated change ("up 50%") is supported when the computed
change is within 5 percentage points of it; a share ("65%") within 1 point;
a count ("8.9 million") within 1%. No data for an input gives "no data".
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa

from etl import schema

TOLERANCE = {"percent_change": 5.0, "percent_share": 1.0, "count_relative": 0.01}
JSA_JM_SOURCE_LINE = "Data derived from Jewelers' Security Alliance and Jewelers Mutual Group"
FBI_SOURCE_LINE = "Data: FBI, National Incident-Based Reporting System (NIBRS)"
BASE_YEAR, TARGET_YEAR = 2019, 2022
H1_YEARS = (2021, 2022)
SHARE_YEAR = 2020


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

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for optional in ("by_year", "property_share_by_year"):
            if d[optional] is None:
                d.pop(optional)
        return d


def pct_change(new: float, old: float) -> float | None:
    return None if not old else (new - old) / old * 100.0


def _published(conn: sa.Connection, figure_id: str, kind: str, compares: str = "value") -> sa.Row | None:
    p = schema.published_figure
    return conn.execute(sa.select(p).where(p.c.figure_id == figure_id, p.c.kind == kind, p.c.compares == compares)
                        .order_by(p.c.id)).first()


def _judge_change(value: float | None, claim: sa.Row | None) -> tuple[str, str]:
    if value is None:
        return "no data", "an input count is missing or zero"
    if claim is None:
        return "no data", "no published claim to compare with"
    diff = value - claim.value
    tol = TOLERANCE["percent_change"]
    same_sign = (value >= 0) == (claim.value >= 0)
    if abs(diff) <= tol and same_sign:
        return "supported", f"computed {value:+.1f}% is within {tol:g} points of the claimed {claim.value:+g}%"
    return "not supported", f"computed {value:+.1f}% is {abs(diff):.1f} points from the claimed {claim.value:+g}% " \
                            f"(tolerance {tol:g} points)"


def _jsa_counts(conn: sa.Connection, *conditions: Any) -> tuple[dict[int, int], dict[int, bool]]:
    """U.S. JSA-style incidents per year, and whether each year's count includes sample rows."""
    r = schema.rollup_region
    q = (sa.select(r.c.year, sa.func.sum(r.c.n), sa.func.max(sa.cast(r.c.is_sample, sa.Integer)))
         .where(r.c.source == "JSA", r.c.country == "US", *conditions).group_by(r.c.year))
    rows = conn.execute(q).all()
    return {int(k): int(n) for k, n, _ in rows}, {int(k): bool(s) for k, _, s in rows}


def change_since_2019(conn: sa.Connection) -> Figure:
    counts, sample_years = _jsa_counts(conn)
    sample = any(flag for year, flag in sample_years.items() if year >= BASE_YEAR)  # the value and by_year
    base, target = counts.get(BASE_YEAR, 0), counts.get(TARGET_YEAR, 0)
    value = pct_change(target, base) if base and target else None
    by_year = {str(y): round(pct_change(n, base), 1) for y, n in sorted(counts.items()) if y > BASE_YEAR and base}
    claim = _published(conn, "change_since_2019", "campaign_claim")
    official = _published(conn, "change_since_2019", "official")
    verdict, why = _judge_change(value, claim)
    return Figure(
        id="change_since_2019", label="Crimes against U.S. jewelers, 2022 against 2019", unit="percent",
        value=None if value is None else round(value, 1), period=f"{BASE_YEAR} to {TARGET_YEAR}",
        numerator=(target - base) if value is not None else None, denominator=base or None,
        formula=f"(U.S. incidents in the JSA-style data in {TARGET_YEAR} minus those in {BASE_YEAR}) "
                f"divided by those in {BASE_YEAR}, times 100",
        inputs={f"incidents_{BASE_YEAR}": base, f"incidents_{TARGET_YEAR}": target},
        published_value=claim.value if claim else None, published_source=claim.source if claim else None,
        published_claim=claim.claim if claim else None, published_url=claim.url if claim else None,
        verdict=verdict, verdict_reason=why, sample_data=sample, source_line=JSA_JM_SOURCE_LINE,
        official_value=official.value if official else None, official_source=official.source if official else None,
        by_year=by_year,
    )


def major_cities_theft_robbery_h1(conn: sa.Connection) -> Figure:
    r = schema.rollup_region
    counts, sample_years = _jsa_counts(conn, r.c.is_major_city.is_(True), r.c.half == 1,
                                       r.c.category.in_(["theft", "robbery"]), r.c.year.in_(list(H1_YEARS)))
    sample = any(sample_years.values())
    old, new = counts.get(H1_YEARS[0], 0), counts.get(H1_YEARS[1], 0)
    value = pct_change(new, old) if old and new else None
    claim = _published(conn, "major_cities_theft_robbery_h1", "campaign_claim")
    official = _published(conn, "major_cities_theft_robbery_h1", "official")
    verdict, why = _judge_change(value, claim)
    return Figure(
        id="major_cities_theft_robbery_h1", label="Thefts and robberies in major U.S. cities, Jan-Jun 2022 against Jan-Jun 2021",
        unit="percent", value=None if value is None else round(value, 1),
        period=f"Jan-Jun {H1_YEARS[1]} vs Jan-Jun {H1_YEARS[0]}",
        numerator=(new - old) if value is not None else None, denominator=old or None,
        formula="(thefts plus robberies in major U.S. cities, January to June 2022, minus the same for January to "
                "June 2021) divided by the 2021 count, times 100; major city = the reference list of cities with "
                "at least 500,000 residents",
        inputs={"h1_2021_theft_robbery_major_cities": old, "h1_2022_theft_robbery_major_cities": new},
        published_value=claim.value if claim else None, published_source=claim.source if claim else None,
        published_claim=claim.claim if claim else None, published_url=claim.url if claim else None,
        verdict=verdict, verdict_reason=why, sample_data=sample, source_line=JSA_JM_SOURCE_LINE,
        official_value=official.value if official else None, official_source=official.source if official else None,
    )


def nibrs_classes(conn: sa.Connection, year: int) -> tuple[dict[str, int], dict[str, Any]]:
    """Class offense counts for a year from the best available batch: an FBI table beats the reference totals."""
    n, b = schema.nibrs_offense, schema.load_batch
    best = conn.execute(
        sa.select(n.c.batch_id, b.c.format, b.c.file_name).join(b, b.c.batch_id == n.c.batch_id)
        .where(n.c.year == year, b.c.is_current)
        .order_by(sa.case((b.c.format == "nibrs", 0), else_=1), n.c.batch_id.desc()).limit(1)).first()
    if best is None:
        return {}, {}
    rows = conn.execute(sa.select(n.c.crimes_against, n.c.offenses, n.c.is_derived, n.c.is_sample, n.c.source, n.c.url)
                        .where(n.c.batch_id == best.batch_id, n.c.year == year, n.c.offense_category == "")).all()
    counts = {r.crimes_against: int(r.offenses) for r in rows if r.offenses is not None}
    info = {"batch_id": best.batch_id, "file": best.file_name, "format": best.format,
            "derived": sorted(r.crimes_against for r in rows if r.is_derived),
            "sample": any(bool(r.is_sample) for r in rows),
            "source": rows[0].source if rows else None, "url": rows[0].url if rows else None}
    return counts, info


def property_shares(conn: sa.Connection) -> dict[str, float]:
    """The property class's share of all NIBRS offenses for every year a national table is loaded for."""
    n, b = schema.nibrs_offense, schema.load_batch
    years = [int(y) for (y,) in conn.execute(sa.select(n.c.year).join(b, b.c.batch_id == n.c.batch_id)
                                             .where(b.c.is_current).distinct().order_by(n.c.year))]
    shares = {}
    for year in years:
        counts, _ = nibrs_classes(conn, year)
        total = counts.get("total") or sum(counts.get(k, 0) for k in ("persons", "property", "society"))
        if counts.get("property") is not None and total:
            shares[str(year)] = round(counts["property"] / total * 100.0, 1)
    return shares


def property_share_2020(conn: sa.Connection) -> Figure:
    counts, info = nibrs_classes(conn, SHARE_YEAR)
    total = counts.get("total") or sum(counts.get(k, 0) for k in ("persons", "property", "society"))
    prop = counts.get("property")
    value = prop / total * 100.0 if prop is not None and total else None
    claim = _published(conn, "property_share_2020", "campaign_claim")
    claim_total = _published(conn, "property_share_2020", "campaign_claim", "denominator")
    official = _published(conn, "property_share_2020", "official")
    if value is None:
        verdict, why = "no data", f"no NIBRS {SHARE_YEAR} offense counts in the database"
    elif claim is None:
        verdict, why = "no data", "no published claim to compare with"
    else:
        share_ok = abs(value - claim.value) <= TOLERANCE["percent_share"]
        total_ok = claim_total is None or abs(total - claim_total.value) <= TOLERANCE["count_relative"] * claim_total.value
        verdict = "supported" if share_ok and total_ok else "not supported"
        parts = [f"computed share {value:.1f}% against the claimed {claim.value:g}% "
                 f"({'within' if share_ok else 'outside'} {TOLERANCE['percent_share']:g} point)"]
        if claim_total is not None:
            parts.append(f"total offenses {total:,} against the claimed {claim_total.value:,.0f} "
                         f"({'within' if total_ok else 'outside'} {TOLERANCE['count_relative']:.0%})")
        why = "; ".join(parts)
    inputs = {"offenses_total": total or None, "offenses_property": prop}
    inputs.update({f"offenses_{k}": v for k, v in counts.items() if k in ("persons", "society")})
    inputs["counts_from"] = info.get("file")
    inputs["derived_from_published_percent"] = info.get("derived", [])
    return Figure(
        id="property_share_2020", label=f"Crimes against property, share of NIBRS {SHARE_YEAR} offenses", unit="percent",
        value=None if value is None else round(value, 1), period=str(SHARE_YEAR), numerator=prop,
        denominator=total or None,
        formula=f"offenses in the 'Crimes Against Property' class divided by all NIBRS offenses in {SHARE_YEAR}, times 100",
        inputs=inputs,
        published_value=claim.value if claim else None, published_source=claim.source if claim else None,
        published_claim=claim.claim if claim else None, published_url=claim.url if claim else None,
        verdict=verdict, verdict_reason=why, sample_data=bool(info.get("sample")), source_line=FBI_SOURCE_LINE,
        official_value=official.value if official else None, official_source=official.source if official else None,
        extra={"nibrs_source": info.get("source"), "nibrs_url": info.get("url"),
               "published_total": claim_total.value if claim_total else None},
        property_share_by_year=property_shares(conn),
    )


FIGURES = (change_since_2019, major_cities_theft_robbery_h1, property_share_2020)
FIGURE_IDS = tuple(f.__name__ for f in FIGURES)


def compute_all(engine: sa.Engine) -> list[Figure]:
    with engine.connect() as conn:
        return [f(conn) for f in FIGURES]


