"""Pure pandas for the trends page: year-over-year change, an index, half-years, seasonality.

Also the small helpers both the trends and share pages use to tie a crime
type to its guidance page. No SQL and no plotly here.
"""
from __future__ import annotations

import calendar
from typing import Iterable

import numpy as np
import pandas as pd

from dashboard.chart_result import guidance_tag
from etl.stats import fmt_change
from etl.stats import UNRELIABLE_BELOW, is_reliable
from etl.taxonomy import CATEGORIES, GUIDANCE_SCENARIOS

MONTHS = list(calendar.month_abbr)[1:]


def change_text(pct: float | None, reliable: bool) -> str:
    if pct is None or (isinstance(pct, float) and np.isnan(pct)):
        return "n/a (nothing to compare with)"
    return fmt_change(pct) + ("" if reliable else f" (unreliable: fewer than {UNRELIABLE_BELOW} incidents)")


def categories_in(df: pd.DataFrame) -> list[str]:
    """Categories present, in the taxonomy's order."""
    present = set(df["category"]) if not df.empty else set()
    return [c for c in CATEGORIES if c in present] + sorted(present - set(CATEGORIES))


def by_year(df: pd.DataFrame, years: list[int], value: str = "incidents") -> pd.DataFrame:
    """Rows per year (every year of the data: a year with none under the filters is a real zero),
    one column per category, the total, and the change on the year before.

    Summed over plain values (a pivot table cost more than the rest of a trend chart); a value is counted
    whole, as the int64 columns always held it."""
    cats = categories_in(df)
    sums: dict[tuple[int, str], float] = {}
    if not df.empty:
        for year, cat, v in zip(df["year"].tolist(), df["category"].tolist(), df[value].tolist()):
            if v == v and v is not None:  # a missing value adds nothing
                sums[(year, cat)] = sums.get((year, cat), 0) + v
    columns: dict[str, np.ndarray] = {"year": np.array(years, dtype="int64")}
    total = np.zeros(len(years), dtype="int64")
    for cat in cats:
        columns[cat] = np.array([sums.get((y, cat), 0) for y in years], dtype="float64").astype("int64")
        total += columns[cat]
    columns["total"] = total
    # the change on the year before: a percent only where that year had incidents
    prior = np.concatenate([[np.nan], total[:-1].astype("float64")]) if len(years) else np.zeros(0)
    columns["change"] = total - prior
    with np.errstate(divide="ignore", invalid="ignore"):
        columns["change_pct"] = np.where(prior > 0, (total - prior) / np.where(prior > 0, prior, np.nan) * 100, np.nan)
    columns["reliable"] = np.array([is_reliable(p, n) if p > 0 else False for p, n in zip(prior.tolist(), total.tolist())],
                                   dtype=bool)
    return pd.DataFrame(columns)


def in_range(table: pd.DataFrame, year_from: int, year_to: int) -> pd.DataFrame:
    return table[table["year"].between(year_from, year_to)].reset_index(drop=True)


def index_table(totals: pd.DataFrame, base_year: int) -> pd.DataFrame:
    """Each year's total as an index, base year = 100; change_since_base_pct = index - 100."""
    years, incidents = totals["year"].to_numpy(), totals["total"].to_numpy()
    at_base = incidents[years == base_year]
    base_n = int(at_base[0]) if len(at_base) else 0
    index = incidents / base_n * 100 if base_n else np.full(len(incidents), np.nan)
    return pd.DataFrame({"year": years, "incidents": incidents, "base_incidents": np.full(len(years), base_n, dtype="int64"),
                         "index": index, "change_since_base_pct": index - 100,
                         "reliable": np.array([is_reliable(base_n, n) for n in incidents.tolist()], dtype=bool)},
                        index=totals.index)


def by_year_and_category(halves: pd.DataFrame) -> pd.DataFrame:
    """Half-year rows (year, half, category, incidents, losses) summed to years: year, category, incidents,
    losses, in year and category order (what a groupby gave; at most two halves a group, so the float sums
    are the same to the last bit)."""
    if halves.empty:  # the columns typed as an empty read left them
        return halves.groupby(["year", "category"], as_index=False)[["incidents", "losses"]].sum()
    sums: dict[tuple[int, str], list] = {}
    for year, cat, n, loss in zip(halves["year"].tolist(), halves["category"].tolist(), halves["incidents"].tolist(),
                                  halves["losses"].tolist()):
        got = sums.setdefault((year, cat), [0, 0.0])
        got[0] += n
        got[1] += loss if loss == loss else 0.0  # groupby's sum skips a missing loss
    keys = sorted(sums)
    return pd.DataFrame({"year": np.array([k[0] for k in keys], dtype="int64"), "category": [k[1] for k in keys],
                         "incidents": np.array([sums[k][0] for k in keys], dtype="int64"),
                         "losses": np.array([sums[k][1] for k in keys], dtype="float64")})


def first_halves(df: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """January-June of every year, by category, with the change on January-June of the year before."""
    return by_year(df[df["half"] == 1], years)


def h1_comparison(df: pd.DataFrame, old_year: int, new_year: int,
                  categories: Iterable[str] | None = None) -> dict[str, object]:
    """January-June of new_year against January-June of old_year (optionally some categories only)."""
    h1 = df[df["half"] == 1]
    if categories is not None:
        h1 = h1[h1["category"].isin(list(categories))]
    old = int(h1.loc[h1["year"] == old_year, "incidents"].sum())
    new = int(h1.loc[h1["year"] == new_year, "incidents"].sum())
    pct = (new - old) / old * 100 if old else None
    return {"old_year": old_year, "new_year": new_year, "old": old, "new": new, "change": new - old,
            "change_pct": pct, "reliable": is_reliable(old, new)}


def seasonality(monthly: pd.DataFrame, year_from: int, year_to: int, span: tuple[int | None, int | None]) -> pd.DataFrame:
    """Average incidents per calendar month over the selected years, and each year's count.

    A month outside the data's first..last month is unknown, not zero: it
    counts in no average and its cell stays empty.
    """
    lo, hi = span
    years = list(range(year_from, year_to + 1))
    counts = monthly.pivot_table(index="month", columns="year", values="incidents", aggfunc="sum")
    counts = counts.reindex(index=range(1, 13), columns=years).fillna(0)
    for y in years:
        for m in range(1, 13):
            if lo is None or not lo <= y * 100 + m <= hi:
                counts.loc[m, y] = np.nan
    out = pd.DataFrame({"month": range(1, 13), "month_name": MONTHS})
    out["years_counted"] = counts.notna().sum(axis=1).to_numpy()
    out["average"] = counts.mean(axis=1, skipna=True).to_numpy()
    for y in years:
        out[f"incidents_{y}"] = counts[y].to_numpy()
    return out


# ---------------------------------------------------------------- guidance

def guidance_slugs(crime_types: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(category, subtype or '') -> guidance slug, from the crime_type table."""
    ct = crime_types.dropna(subset=["guidance"])
    return {(r.category, r.subtype or ""): r.guidance for r in ct.itertuples()}


def slug_for(slugs: dict[tuple[str, str], str], category: str, subtype: str = "") -> str | None:
    return slugs.get((category, subtype or "")) or slugs.get((category, ""))


def tag_for(slugs: dict[tuple[str, str], str], category: str, subtype: str = "") -> str:
    return guidance_tag(slug_for(slugs, category, subtype))


def guidance_list(slugs: Iterable[str | None]) -> list[tuple[str, str]]:
    """(label, slug) for each distinct scenario, in first-seen order."""
    seen: list[str] = []
    for s in slugs:
        if s and s not in seen and s in GUIDANCE_SCENARIOS:
            seen.append(s)
    return [(GUIDANCE_SCENARIOS[s], s) for s in seen]
