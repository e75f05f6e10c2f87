"""Pure pandas: rates, ranks, fixed class breaks and risk classes.

Kept apart from queries (SQL) and figures (plotly) so each step is tested on
its own. The one rule for jewelry-store counts (which count a crime year may
be divided by) lives here too: see MAX_COUNT_GAP_YEARS and docs/business-counts.md.
"""
from __future__ import annotations

import math
from typing import Iterable

import numpy as np
import pandas as pd

from dashboard import metrics_arrays as arrays
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
        if "per_100_businesses" in frame:  # region_table's yearly rates under the count rule
            return frame["per_100_businesses"].astype(float)
        return frame[incidents] / frame["businesses"] * 100
    raise ValueError(metric)


def nice(value: float) -> float:
    """Round a class break to two significant figures (12,345 -> 12,000; 0.4567 -> 0.46)."""
    if value <= 0 or not math.isfinite(value):
        return 0.0
    digits = 1 - int(math.floor(math.log10(value)))
    return round(value, digits)


def fixed_breaks(year_counts: pd.DataFrame, regions: pd.DataFrame, metric: str,
                 business_counts: pd.DataFrame | None = None) -> list[float]:
    """Four breaks for five classes, from every region-year of the data (not the selected years).

    Fixed per metric and crime-type selection, so the same colour means the
    same level in every year. Quintiles of the region-year values, rounded.
    Per business, a region-year counts only where it has a usable count (the
    rule of `year_counts_used`); `business_counts` as in region_table.
    """
    if metric == "per_100_businesses":
        used = year_counts_used(_counts_or_latest(business_counts, regions), year_counts["code"].unique(),
                                year_counts["year"].unique())
        frame = year_counts.merge(used[["code", "year", "businesses"]], on=["code", "year"], how="inner")
        return quintile_breaks(frame["incidents"] / frame["businesses"] * 100)
    if metric not in ("incidents", "losses", "per_million"):
        raise ValueError(metric)
    column = "losses" if metric == "losses" else "incidents"
    values = year_counts[column].to_numpy(dtype=float)
    if metric == "per_million":  # every region-year over its region's population (none: NaN, left out)
        people = dict(zip(regions["code"].tolist(), regions["population"].to_numpy(dtype=float).tolist()))
        with np.errstate(divide="ignore", invalid="ignore"):
            values = values / np.array([people.get(c, np.nan) for c in year_counts["code"].tolist()], dtype=float) * 1e6
    return _quintiles(values)


def quintile_breaks(values: pd.Series) -> list[float]:
    """Quintiles of the positive values, rounded to two significant figures and kept strictly rising."""
    return _quintiles(values.to_numpy(dtype=float))


def _quintiles(values: np.ndarray) -> list[float]:
    values = values[np.isfinite(values) & (values > 0)]
    if not len(values):
        return [1.0, 2.0, 3.0, 4.0]
    raw = np.quantile(values, [0.2, 0.4, 0.6, 0.8])
    breaks: list[float] = []
    for b in raw:
        b = nice(float(b))
        if breaks and b <= breaks[-1]:
            b = nice(breaks[-1] * 1.5) if breaks[-1] > 0 else 1.0
        breaks.append(b)
    return breaks


def region_table(year_counts: pd.DataFrame, regions: pd.DataFrame, f: Filters, breaks: list[float],
                 business_counts: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per state/province: value for the selected years, rank, class, change against the prior year.

    A region with no rows at all under the crime-type and source filters has
    no data (grey on the map), as does a rate whose denominator is unknown;
    a region with data in other years but none in the selected years is a
    real zero. `no_value_reason` says in words why `value` is missing (empty
    when there is one).

    `business_counts` (queries.business_counts: code, year, businesses, source,
    every year loaded) feeds the per-business columns under the count rule;
    without it, the latest count per region in `regions` is all there is.
    `businesses` is the count used for the last selected year that has one
    (NaN when none is usable), `per_100_businesses` the yearly rates averaged.

    Computed over plain arrays (the map redraws on every filter change; pandas' per-operation cost was
    most of the callback), with the columns, dtypes and order the pandas version had.
    """
    y0, y1 = f.years
    n_years = y1 - y0 + 1
    codes = regions["code"].tolist()
    c = arrays.Counts(year_counts, codes, y0, y1)
    per_business = business_rates(year_counts, regions, y0, y1, _counts_or_latest(business_counts, regions))
    cols: dict[str, object] = {k: regions[k].to_numpy() for k in regions.columns}
    incidents_total, losses_total = c.masked(c.incidents_total), c.masked(c.losses_total)
    cols.update(has_rows=c.has_rows, incidents_total=incidents_total, losses_total=losses_total,
                incidents=incidents_total / n_years, losses=losses_total / n_years)
    # the latest count queries.regions attached is replaced by the one the rule picks for these years
    cols.pop("businesses_confidence", None)
    for column in BUSINESS_COLUMNS[1:]:  # business_rates keeps the order of the regions it is given
        cols[column] = per_business[column].to_numpy()
    population = regions["population"].to_numpy(dtype=float) if "population" in regions else np.full(len(codes), np.nan)
    value = arrays.rate(f.metric, cols["incidents"], cols["losses"], population,  # type: ignore[arg-type]
                  per_business["per_100_businesses"].to_numpy(dtype=float), c.has_rows)
    cols["value"] = value
    cols["no_value_reason"] = _reason_list(value, cols["business_reason"], c.has_rows, population, f.metric)
    last, prior = c.masked(c.last), c.masked(c.prior)
    cols["last_year"], cols["prior_year"] = last, prior
    with np.errstate(divide="ignore", invalid="ignore"):
        cols["change_pct"] = np.where(prior > 0, (last - prior) / prior * 100, np.nan)
    cols["reliable"] = (prior >= UNRELIABLE_BELOW) & (last >= UNRELIABLE_BELOW)
    rank = arrays.ranks(value)
    cols["rank"] = rank
    cols["ranked"] = np.full(len(codes), int((~np.isnan(value)).sum()), dtype=np.int64)
    risk = arrays.classes(value, breaks)
    cols["risk_class"] = risk
    cols["risk_label"] = np.array([CLASS_LABELS[int(k)] if k == k else "No data" for k in risk.tolist()], dtype=object)
    names = regions["name"].tolist()
    order = sorted(range(len(codes)), key=lambda i: (rank[i] != rank[i], 0.0 if rank[i] != rank[i] else rank[i], names[i]))
    return arrays.frame_of(cols, order)


def _reason_list(value: np.ndarray, business: object, has_rows: np.ndarray, population: np.ndarray,
                 metric: str) -> pd.Series:
    """_reasons over arrays: why each row has no value, '' where it has one (an object column, as before)."""
    out = []
    for v, b, rows, pop in zip(value.tolist(), list(business), has_rows.tolist(), population.tolist()):  # type: ignore[call-overload]
        if v == v:
            out.append("")
        elif metric == "per_100_businesses" and isinstance(b, str) and b:
            out.append(b)
        elif not rows:
            out.append(NO_ROWS_REASON)
        elif metric == "per_million" and pop != pop:
            out.append(NO_POPULATION_REASON)
        else:
            out.append("no value for this selection")
    return pd.Series(out, dtype=object)


def restated(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """region_table's rows with `value`, `rank` and `ranked` for another metric over the same years (the map's
    hover shows incidents per million whatever the map's metric): the same numbers as a second
    region_table, without recomputing the rest."""
    keep = ["code", "name", "country", "incidents", "losses", "population", "has_rows", *BUSINESS_COLUMNS[1:]]
    cols: dict[str, object] = {k: table[k] for k in keep}
    has_rows = table["has_rows"].to_numpy(dtype=bool)
    population = table["population"].to_numpy(dtype=float)
    value = arrays.rate(metric, table["incidents"].to_numpy(dtype=float), table["losses"].to_numpy(dtype=float),
                  population, table["per_100_businesses"].to_numpy(dtype=float), has_rows)
    cols["value"] = value
    reasons = _reason_list(value, table["business_reason"].tolist(), has_rows, population, metric)
    cols["no_value_reason"] = reasons.set_axis(table.index)
    cols["rank"] = arrays.ranks(value)
    cols["ranked"] = np.full(len(value), int((~np.isnan(value)).sum()), dtype=np.int64)
    return pd.DataFrame(cols, index=table.index)


def national_rate(year_counts: pd.DataFrame, regions: pd.DataFrame, f: Filters, country: str) -> float | None:
    """The country's incidents per million residents for the selected years (per year)."""
    y0, y1 = f.years
    # plain arrays: a merge and two filters cost several ms a call, and the regional page asks for both countries
    in_country = regions["country"].to_numpy(dtype=object) == country
    pop = float(np.nansum(regions["population"].to_numpy(dtype=float)[in_country]))
    if not pop:
        return None
    places = set(regions["code"].to_numpy(dtype=object)[in_country].tolist())
    years = year_counts["year"].to_numpy(dtype=float)
    mine = np.fromiter((c in places for c in year_counts["code"].tolist()), dtype=bool, count=len(year_counts))
    chosen = mine & (years >= y0) & (years <= y1)
    return float(np.nansum(year_counts["incidents"].to_numpy(dtype=float)[chosen])) / (y1 - y0 + 1) / pop * 1e6


def break_labels(breaks: list[float], metric: str) -> list[str]:
    from dashboard.figures import fmt_value

    edges = [0.0, *breaks]
    labels = []
    for i, label in enumerate(CLASS_LABELS):
        lo = fmt_value(edges[i], metric)
        labels.append(f"{label}: {lo} or more" if i == len(CLASS_LABELS) - 1 else
                      f"{label}: {lo} to under {fmt_value(edges[i + 1], metric)}")
    return labels


# ---------------------------------------------------------------- jewelry-store counts: the one rule

# A count is used for a crime year only when it is at most this many years away. Store counts move a few
# percent a year (CBP: California 2,540 in 2022, 2,614 in 2023), so three years off keeps the denominator
# within about a tenth; further away, openings, closures and changes of definition (SIC 5944 in 2003,
# NAICS 2022's 458310 with online sellers) make the quotient a different measure, not a rate.
MAX_COUNT_GAP_YEARS = 3
COUNT_COLUMNS = ("code", "year", "businesses", "source")
BUSINESS_COLUMNS = ("code", "businesses", "businesses_year", "businesses_source", "businesses_basis",
                    "per_100_businesses", "business_reason")
CANADA_REASON = "no jewelry-store count for Canadian provinces or territories"
NO_ROWS_REASON = "no incidents under these crime-type and source filters in any year"
NO_POPULATION_REASON = "no population figure loaded"


def years_text(years: Iterable[int]) -> str:
    """[2004, 2005, 2006, 2020, 2021] -> '2004-2006, 2020-2021'."""
    runs: list[list[int]] = []
    for y in sorted({int(y) for y in years}):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def _check_gap(max_gap: int) -> int:
    if isinstance(max_gap, bool) or not isinstance(max_gap, (int, np.integer)) or max_gap < 0:
        raise ValueError(f"max_gap must be a whole number of years, 0 or more (got {max_gap!r})")
    return int(max_gap)


def check_counts(counts: pd.DataFrame) -> pd.DataFrame:
    """The counts as the rule reads them (code, year, businesses, source), typed, one per region and year.

    Two counts of one region and year (two measures in the file) are not averaged: the first source in
    name order is kept, so the choice never depends on row order."""
    rows = [(code, year, b, source) for code, years in _count_book(counts).items()
            for year, (b, source) in sorted(years.items())]
    return pd.DataFrame(rows, columns=list(COUNT_COLUMNS))


def _count_book(counts: pd.DataFrame) -> dict[str, dict[int, tuple[float, str]]]:
    """Checked counts as code -> {year: (businesses, source)}, in plain Python (the map redraws often)."""
    if not isinstance(counts, pd.DataFrame):
        raise TypeError(f"business counts must be a DataFrame, not {type(counts).__name__}")
    missing = [c for c in COUNT_COLUMNS if c not in counts.columns]
    if missing:
        raise ValueError(f"business counts lack the column(s) {', '.join(missing)}")
    book: dict[str, dict[int, tuple[float, str]]] = {}
    for code, year, businesses, source in zip(*(counts[c].tolist() for c in COUNT_COLUMNS)):
        if pd.isna(code) or pd.isna(year) or pd.isna(businesses):
            continue  # a region without a count (queries.regions leaves those blank)
        if float(year) != int(year) or float(businesses) <= 0:
            raise ValueError(f"a business count needs a whole year and more than 0 businesses "
                             f"(got {code}: {year}, {businesses})")
        source = "" if source is None or (isinstance(source, float) and pd.isna(source)) else str(source)
        own = book.setdefault(str(code), {})
        kept = own.get(int(year))
        if kept is None or source < kept[1]:
            own[int(year)] = (float(businesses), source)
    return book


def usable_year(count_years: Iterable[int], year: int, max_gap: int = MAX_COUNT_GAP_YEARS) -> int | None:
    """The year of the count that crime year `year` is divided by: the nearest count at most `max_gap` years
    away (the later one on a tie: newer counts follow the current definition); None when none is that close."""
    gap_limit = _check_gap(max_gap)
    year = int(year)
    best: int | None = None
    for cy in (int(y) for y in count_years):
        gap = abs(cy - year)
        if gap <= gap_limit and (best is None or (gap, -cy) < (abs(best - year), -best)):
            best = cy
    return best


def _used(by_code: dict[str, dict[int, tuple[float, str]]], codes: Iterable[str], years: list[int],
          max_gap: int) -> list[tuple[str, int, int, float, str]]:
    rows = []
    for code in codes:
        own = by_code.get(code)
        for y in years if own else ():
            cy = usable_year(own, y, max_gap)
            if cy is not None:
                rows.append((code, y, cy, *own[cy]))
    return rows


def year_counts_used(counts: pd.DataFrame, codes: Iterable[str], years: Iterable[int],
                     max_gap: int = MAX_COUNT_GAP_YEARS) -> pd.DataFrame:
    """(code, year, count_year, businesses, source): the count each region and crime year uses; a pair with
    no usable count has no row."""
    rows = _used(_count_book(counts), codes, sorted({int(y) for y in years}), max_gap)
    return pd.DataFrame(rows, columns=["code", "year", "count_year", "businesses", "source"])


def business_rates(year_counts: pd.DataFrame, regions: pd.DataFrame, year_from: int, year_to: int,
                   counts: pd.DataFrame, max_gap: int = MAX_COUNT_GAP_YEARS) -> pd.DataFrame:
    """Per region (`regions`: code, name, country): incidents per 100 jewelry businesses, year_from..year_to.

    Each crime year is divided by its own usable count; a range's value is the mean of those yearly rates,
    so every year with a count weighs the same (with one count for all of them, this is the yearly average
    of incidents over that count, as before). Years with no usable count are left out, and
    `businesses_basis` names them; a region with no usable count for any year shown has NaN, and
    `business_reason` says why in words. Columns: BUSINESS_COLUMNS.
    """
    for name, value in (("year_from", year_from), ("year_to", year_to)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be a year, not {value!r}")
    if year_from > year_to:
        raise ValueError(f"year_from {year_from} is after year_to {year_to}")
    by_code = _count_book(counts)
    years = list(range(int(year_from), int(year_to) + 1))
    used: dict[str, list[tuple[int, int, float, str]]] = {}
    for code, y, cy, businesses, source in _used(by_code, regions["code"], years, _check_gap(max_gap)):
        used.setdefault(code, []).append((y, cy, businesses, source))
    incidents = _incidents_by_year(year_counts, year_from, year_to)
    country_of = dict(zip(regions["code"], regions["country"]))
    rows = []
    for code, name, country in zip(regions["code"], regions["name"], regions["country"]):
        mine = used.get(code)
        if not mine:
            reason = _no_count_reason(code, name, country, by_code, country_of, years)
            rows.append((code, np.nan, np.nan, "", "", np.nan, reason))
            continue
        rates = [incidents.get((code, y), 0.0) / b * 100 for y, _, b, _ in mine]
        by_count: dict[int, list[int]] = {}
        for y, cy, _, _ in mine:
            by_count.setdefault(cy, []).append(y)
        basis = [f"{cy} count for {years_text(ys)}" for cy, ys in sorted(by_count.items())]
        left_out = sorted(set(years) - {y for y, _, _, _ in mine})
        if left_out:
            basis.append(f"{years_text(left_out)} left out: no count within {max_gap} years")
        _, last_year, last_count, _ = mine[-1]
        rows.append((code, last_count, last_year, "; ".join(sorted({m[3] for m in mine})), "; ".join(basis),
                     sum(rates) / len(rates), ""))
    return pd.DataFrame(rows, columns=list(BUSINESS_COLUMNS))


def _incidents_by_year(year_counts: pd.DataFrame, year_from: int, year_to: int) -> dict[tuple[str, int], float]:
    """(code, year) -> incidents over the years shown; whole counts added in plain Python (exact), others by
    pandas' own groupby sum as before."""
    if not pd.api.types.is_integer_dtype(year_counts["incidents"].dtype):
        shown = year_counts[year_counts["year"].between(year_from, year_to)]
        return shown.groupby(["code", "year"])["incidents"].sum().to_dict()
    out: dict[tuple[str, int], float] = {}
    for code, year, n in zip(year_counts["code"].tolist(), year_counts["year"].tolist(),
                             year_counts["incidents"].tolist()):
        if year_from <= year <= year_to:
            out[(code, year)] = out.get((code, year), 0) + n
    return out


def _no_count_reason(code: str, name: str, country: str, by_code: dict[str, dict[int, tuple[float, str]]],
                     country_of: dict[str, str], years: list[int]) -> str:
    """Why a region has no usable count, from what is loaded (never a list of known gaps kept here)."""
    own = by_code.get(code)
    if own:
        lo, hi = years[0], years[-1]
        nearest = min(own, key=lambda cy: (max(lo - cy, cy - hi, 0), -cy))
        return f"no jewelry-store count for {years_text(years)}; nearest is {nearest}"
    peers = [(cy, source) for peer, rows in by_code.items() if country_of.get(peer) == country
             for cy, (_, source) in rows.items()]
    if peers:
        newest = max(cy for cy, _ in peers)
        sources = sorted(source for cy, source in peers if cy == newest)
        source = max(sources, key=sources.count)  # the source most of the country's newest counts name
        return f"{name}: no row in the {newest} counts ({source})"
    if country == "CA":
        return CANADA_REASON
    return f"no jewelry-store count loaded for {name}"


def _counts_or_latest(business_counts: pd.DataFrame | None, regions: pd.DataFrame) -> pd.DataFrame:
    """All the counts when given; else the one per region that queries.regions keeps (its latest)."""
    if business_counts is not None:
        return business_counts
    have = {"code", "businesses_year", "businesses", "businesses_source"} <= set(regions.columns)
    if not have:
        return pd.DataFrame(columns=list(COUNT_COLUMNS))
    return regions[["code", "businesses_year", "businesses", "businesses_source"]].rename(
        columns={"businesses_year": "year", "businesses_source": "source"})


def _reasons(t: pd.DataFrame, metric: str) -> pd.Series:
    """Why each row has no `value` for `metric`, in words; '' where it has one."""
    def why(value: float, business: str, has_rows: bool, population: float) -> str:
        if pd.notna(value):
            return ""
        if metric == "per_100_businesses" and isinstance(business, str) and business:
            return business
        if not has_rows:
            return NO_ROWS_REASON
        if metric == "per_million" and pd.isna(population):
            return NO_POPULATION_REASON
        return "no value for this selection"
    return pd.Series([why(*r) for r in zip(t["value"], t["business_reason"], t["has_rows"], t["population"])],
                     index=t.index, dtype=object)


def business_source_line(table: pd.DataFrame) -> str:
    """The source line of per-business values (region_table's rows): the counts behind them and the rule."""
    drawn = table[table["per_100_businesses"].notna()]
    sources = sorted({s for joined in drawn["businesses_source"] for s in str(joined).split("; ") if s})
    if not sources:
        return f"jewelry-store counts: none within {MAX_COUNT_GAP_YEARS} years of the years shown"
    return (f"jewelry-store counts: {'; '.join(sources)} (each used only within {MAX_COUNT_GAP_YEARS} years "
            "of the crime year)")
