"""Pure pandas: rates, ranks, fixed class breaks and risk classes.

Kept apart from queries (SQL) and figures (plotly) so each step is tested on
its own.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from dashboard.state import Filters
from dashboard.theme import CLASS_LABELS
from etl.stats import UNRELIABLE_BELOW


def _metric(frame: pd.DataFrame, metric: str, incidents: str = "incidents", losses: str = "losses") -> pd.Series:
    if metric == "incidents":
        return frame[incidents].astype(float)
    if metric == "losses":
        return frame[losses].astype(float)
    if metric == "per_million":
        return frame[incidents] / frame["population"] * 1e6
    if metric == "per_100_businesses":
        return frame[incidents] / frame["businesses"] * 100
    raise ValueError(metric)


def nice(value: float) -> float:
    """Round a class break to two significant figures (12,345 -> 12,000; 0.4567 -> 0.46)."""
    if value <= 0 or not math.isfinite(value):
        return 0.0
    digits = 1 - int(math.floor(math.log10(value)))
    return round(value, digits)


def fixed_breaks(year_counts: pd.DataFrame, regions: pd.DataFrame, metric: str) -> list[float]:
    """Four breaks for five classes, from every region-year of the data (not the selected years).

    Fixed per metric and crime-type selection, so the same colour means the
    same level in every year. Quintiles of the region-year values, rounded.
    """
    frame = year_counts.merge(regions, on="code", how="left")
    return quintile_breaks(_metric(frame, metric))


def quintile_breaks(values: pd.Series) -> list[float]:
    """Quintiles of the positive values, rounded to two significant figures and kept strictly rising."""
    values = values.replace([np.inf, -np.inf], np.nan).dropna()
    values = values[values > 0]
    if values.empty:
        return [1.0, 2.0, 3.0, 4.0]
    raw = np.quantile(values, [0.2, 0.4, 0.6, 0.8])
    breaks: list[float] = []
    for b in raw:
        b = nice(float(b))
        if breaks and b <= breaks[-1]:
            b = nice(breaks[-1] * 1.5) if breaks[-1] > 0 else 1.0
        breaks.append(b)
    return breaks


def classify(values: pd.Series, breaks: list[float]) -> pd.Series:
    """0 (low) .. 4 (high); NaN stays NaN ('no data')."""
    out = pd.Series(np.searchsorted(np.asarray(breaks), values.to_numpy(dtype=float), side="right"), index=values.index)
    return out.astype("float").where(values.notna())


def region_table(year_counts: pd.DataFrame, regions: pd.DataFrame, f: Filters, breaks: list[float]) -> pd.DataFrame:
    """One row per state/province: value for the selected years, rank, class, change against the prior year.

    A region with no rows at all under the crime-type and source filters has
    no data (grey on the map), as does a rate whose denominator is unknown;
    a region with data in other years but none in the selected years is a
    real zero.
    """
    y0, y1 = f.years
    n_years = y1 - y0 + 1
    seen = set(year_counts["code"])
    sel = year_counts[year_counts["year"].between(y0, y1)].groupby("code")[["incidents", "losses"]].sum()
    last = year_counts[year_counts["year"] == y1].set_index("code")["incidents"]
    prior = year_counts[year_counts["year"] == y1 - 1].set_index("code")["incidents"]
    t = regions.copy()
    t["has_rows"] = t["code"].isin(seen)
    t["incidents_total"] = t["code"].map(sel["incidents"]).fillna(0).where(t["has_rows"])
    t["losses_total"] = t["code"].map(sel["losses"]).fillna(0).where(t["has_rows"])
    t["incidents"] = t["incidents_total"] / n_years
    t["losses"] = t["losses_total"] / n_years
    t["value"] = _metric(t, f.metric)
    t.loc[~t["has_rows"], "value"] = np.nan
    t["value"] = t["value"].replace([np.inf, -np.inf], np.nan)
    t["last_year"] = t["code"].map(last).fillna(0).where(t["has_rows"])
    t["prior_year"] = t["code"].map(prior).fillna(0).where(t["has_rows"])
    t["change_pct"] = np.where(t["prior_year"] > 0, (t["last_year"] - t["prior_year"]) / t["prior_year"] * 100, np.nan)
    t["reliable"] = (t["prior_year"] >= UNRELIABLE_BELOW) & (t["last_year"] >= UNRELIABLE_BELOW)
    t["rank"] = t["value"].rank(ascending=False, method="min")
    t["ranked"] = int(t["value"].notna().sum())
    t["risk_class"] = classify(t["value"], breaks)
    t["risk_label"] = t["risk_class"].map(lambda c: CLASS_LABELS[int(c)] if pd.notna(c) else "No data")
    return t.sort_values(["rank", "name"], na_position="last").reset_index(drop=True)


def restated(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """region_table's rows with `value`, `rank` and `ranked` for another metric over the same years (the map's
    hover shows incidents per million whatever the map's metric): the same numbers as a second
    region_table, without recomputing the rest."""
    t = table[["code", "name", "country", "incidents", "losses", "population", "businesses", "has_rows"]].copy()
    t["value"] = _metric(t, metric).replace([np.inf, -np.inf], np.nan).where(t["has_rows"])
    t["rank"] = t["value"].rank(ascending=False, method="min")
    t["ranked"] = int(t["value"].notna().sum())
    return t


def national_rate(year_counts: pd.DataFrame, regions: pd.DataFrame, f: Filters, country: str) -> float | None:
    """The country's incidents per million residents for the selected years (per year)."""
    y0, y1 = f.years
    frame = year_counts[year_counts["year"].between(y0, y1)].merge(regions, on="code")
    frame = frame[frame["country"] == country]
    pop = regions.loc[regions["country"] == country, "population"].sum()
    if not pop:
        return None
    return frame["incidents"].sum() / (y1 - y0 + 1) / pop * 1e6


def break_labels(breaks: list[float], metric: str) -> list[str]:
    from dashboard.figures import fmt_value

    edges = [0.0, *breaks]
    labels = []
    for i, label in enumerate(CLASS_LABELS):
        lo = fmt_value(edges[i], metric)
        labels.append(f"{label}: {lo} or more" if i == len(CLASS_LABELS) - 1 else
                      f"{label}: {lo} to under {fmt_value(edges[i + 1], metric)}")
    return labels
