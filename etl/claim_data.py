"""The counts a claim is checked on: incidents and losses from the rollups, offenses from the NIBRS tables.

SQLAlchemy Core with bound parameters only. Incidents and losses of one
source count `n` and `loss_usd`; the JSA + JM combination (`combined`)
counts `n_combined` and `loss_combined`, so that a JM claim linked to a JSA
incident counts once (as on the dashboard). Rows that are not crimes (a JM
water-damage claim: no NIBRS class) count only when a sub-type or a class
asks for them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from etl import schema
from etl.claim_period import Period
from etl.claim_spec import Filters

R, M = schema.rollup_region, schema.rollup_month
CLASS_IN_ROLLUPS = {"persons": "person", "property": "property", "society": "society"}


@dataclass
class Total:
    """One count (or sum of losses) and what it is made of."""

    value: float = 0
    rows: int = 0  # incident rows behind it (losses: rows with a known loss)
    sample: bool = False
    info: dict[str, Any] = field(default_factory=dict)  # NIBRS: counts of every class, files, derived classes

    @property
    def found(self) -> bool:
        return self.rows > 0


def _conditions(t: sa.Table, f: Filters) -> list[sa.ColumnElement]:
    cond: list[sa.ColumnElement] = [t.c.source.in_(list(f.sources())) if f.source == "combined"
                                    else t.c.source == f.source]
    if f.country:
        cond.append(t.c.country == f.country)
    if f.regions:
        cond.append(t.c.region_code.in_(list(f.regions)))
    if f.categories:
        cond.append(t.c.category.in_(list(f.categories)))
    if f.subtype:
        cond.append(t.c.subtype == f.subtype)
    if f.major_only:
        cond.append(t.c.is_major_city.is_(True))
    if f.nibrs_class:
        cond.append(t.c.crimes_against == CLASS_IN_ROLLUPS[f.nibrs_class])
    elif not f.subtype:
        cond.append(t.c.crimes_against != "")  # claims that are not crimes (water damage, ...) never count
    return cond


def _measures(t: sa.Table, f: Filters, metric: str) -> tuple[sa.ColumnElement, sa.ColumnElement]:
    combined = f.source == "combined"
    if metric == "losses":
        return (sa.func.sum(t.c.loss_combined if combined else t.c.loss_usd),
                sa.func.sum(t.c.loss_known_combined if combined else t.c.loss_known))
    n = sa.func.sum(t.c.n_combined if combined else t.c.n)
    return n, n


def _in_period(t: sa.Table, period: Period) -> list[sa.ColumnElement]:
    cond = [t.c.year.between(period.first_year, period.last_year)]
    if t is R:
        if period.length % 12 or period.start % 12:  # not whole years: whole half-years
            cond.append((t.c.year * 2 + t.c.half - 1).between(period.start // 6, period.end // 6))
    elif period.length % 12 or period.start % 12:
        cond.append((t.c.year * 12 + t.c.month - 1).between(period.start, period.end))
    return cond


def incidents(conn: sa.Connection, metric: str, f: Filters, period: Period) -> Total:
    """Incidents (or losses in U.S. dollars) matching the filters in the period."""
    t = R if period.in_halves else M
    value, rows = _measures(t, f, metric)
    got = conn.execute(sa.select(value, rows, sa.func.max(sa.cast(t.c.is_sample, sa.Integer)))
                       .where(*_conditions(t, f), *_in_period(t, period))).one()
    total = float(got[0] or 0) if metric == "losses" else int(got[0] or 0)
    return Total(total, int(got[1] or 0), bool(got[2]))


def incidents_by_year(conn: sa.Connection, metric: str, f: Filters) -> dict[int, Total]:
    """The same measure for every calendar year with rows."""
    value, rows = _measures(R, f, metric)
    q = (sa.select(R.c.year, value, rows, sa.func.max(sa.cast(R.c.is_sample, sa.Integer)))
         .where(*_conditions(R, f)).group_by(R.c.year).order_by(R.c.year))
    return {int(y): Total(float(v or 0) if metric == "losses" else int(v or 0), int(n or 0), bool(s))
            for y, v, n, s in conn.execute(q)}


def months_present(conn: sa.Connection, sources: tuple[str, ...]) -> set[int]:
    """Months (year * 12 + month - 1) in which any of the sources has rows: a period is complete when it has all."""
    if not sources:
        return set()
    q = sa.select(M.c.year, M.c.month).where(M.c.source.in_(list(sources))).distinct()
    return {int(y) * 12 + int(m) - 1 for y, m in conn.execute(q)}


# ---------------------------------------------------------------- NIBRS

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


def class_total(counts: dict[str, int]) -> int:
    """All offenses: the Total row, or for a table without one the sum of the three classes."""
    return counts.get("total") or sum(counts.get(k, 0) for k in ("persons", "property", "society"))


def nibrs_years(conn: sa.Connection) -> list[int]:
    n, b = schema.nibrs_offense, schema.load_batch
    return [int(y) for (y,) in conn.execute(sa.select(n.c.year).join(b, b.c.batch_id == n.c.batch_id)
                                            .where(b.c.is_current, n.c.offense_category == "").distinct()
                                            .order_by(n.c.year))]


def offenses(conn: sa.Connection, f: Filters, period: Period) -> Total:
    """NIBRS offenses of one class (or all of them) over the period's years, each year from its best table."""
    wanted = f.nibrs_class or "total"
    value, found, sample = 0, 0, False
    counts_all: dict[str, int] = {}
    files: list[str] = []
    derived: set[str] = set()
    last: dict[str, Any] = {}
    for year in period.years():
        counts, info = nibrs_classes(conn, year)
        if not counts:
            continue
        count = class_total(counts) if wanted == "total" else counts.get(wanted)
        if count is not None and (wanted != "total" or count):
            value, found = value + count, found + 1
        for k, v in counts.items():
            counts_all[k] = counts_all.get(k, 0) + v
        files.append(info["file"])
        derived |= set(info["derived"])
        sample = sample or info["sample"]
        last = info
    complete = found == len(period.years())
    info = {"counts": counts_all, "files": files, "derived": sorted(derived), "source": last.get("source"),
            "url": last.get("url"), "total": class_total(counts_all) if counts_all else 0}
    return Total(value if complete else 0, found if complete else 0, sample, info)


def property_shares(conn: sa.Connection) -> dict[str, float]:
    """The property class's share of all NIBRS offenses for every year a national table is loaded for."""
    shares = {}
    for year in nibrs_years(conn):
        counts, _ = nibrs_classes(conn, year)
        total = class_total(counts)
        if counts.get("property") is not None and total:
            shares[str(year)] = round(counts["property"] / total * 100.0, 1)
    return shares
