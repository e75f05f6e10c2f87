"""Pure pandas for general crime beside jewelry crime: the map's context layer, the index line, a region's
general rates and the jewelry-against-general scatter. No SQL and no plotly here.

Inputs come from dashboard.queries (etl.context underneath): `region_years` is one row per state or
province and year with count, population, rate (per 100,000), rank, dataset, source, release.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard import metrics_arrays as arrays
from dashboard.metrics import quintile_breaks
from dashboard.theme import CLASS_LABELS
from etl.context import CAVEAT, COVERAGE_THRESHOLD_PCT, MEASURES

NOT_JEWELRY = CAVEAT.split(";")[0] + "."  # the first half: general crime is not crime against jewelers
DATASETS = {"fbi-estimated": "FBI estimate", "nibrs-state": "NIBRS, reporting agencies only",
            "statcan-crime": "Statistics Canada, police-reported"}


def measure_label(measure: str) -> str:
    """'robbery' -> 'Robbery'; 'burglary' -> 'Burglary (breaking and entering)'."""
    return MEASURES.get(measure, measure.title())


def short_label(measure: str) -> str:
    """The measure in a sentence: 'robbery', 'burglary', 'property crime'."""
    return measure_label(measure).split(" (")[0].lower()


def context_breaks(region_years: pd.DataFrame) -> list[float]:
    """Four breaks for five classes from every region-year rate of the measure (fixed, as for jewelry)."""
    if region_years.empty:
        return quintile_breaks(pd.Series(dtype="float64"))
    return quintile_breaks(pd.to_numeric(region_years["rate"], errors="coerce"))


def _num(value: object) -> float:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return np.nan
    return v


def context_table(region_years: pd.DataFrame, regions: pd.DataFrame, year_from: int, year_to: int,
                  breaks: list[float]) -> pd.DataFrame:
    """One row per state and province: the average yearly rate over the selected years (the years with a
    figure), its rank (1 = highest) and class, the change of the rate on the prior year, and the tables used
    (distinct datasets, sources and releases in year order, each joined by '; ').

    A place with no figure in the selected years has no data (grey), never a low rate. One pass over the
    rows in plain Python: the table is small (places x years) and pandas' per-operation cost dominated.
    """
    need = ["code", "year", "rate", "count", "comparable", "dataset", "source", "release"]
    cols = ([region_years[c].tolist() for c in need] if len(region_years) else [[] for _ in need])
    per_place: dict[str, dict] = {}
    at_year: dict[tuple[str, int], float] = {}
    for code, year, rate, count, comparable, dataset, source, release in zip(*cols):
        rate = _num(rate)
        if not np.isfinite(rate):
            continue
        year = int(year)
        at_year[(code, year)] = rate
        if not year_from <= year <= year_to:
            continue
        p = per_place.setdefault(code, {"rates": [], "counts": [], "years": set(), "comparable": True,
                                        "dataset": {}, "source": {}, "release": {}})
        p["rates"].append(rate)
        p["counts"].append(_num(count))
        p["years"].add(year)
        p["comparable"] = p["comparable"] and bool(comparable)
        for key, value in (("dataset", dataset), ("source", source), ("release", release)):
            p[key][str(value)] = None
    codes = regions["code"].tolist()
    got = [per_place.get(c) for c in codes]
    nan = float("nan")

    def column(fn):  # one value per place, NaN where the place has no figure in the years
        return [fn(p) if p else nan for p in got]

    def mean(values: list[float]) -> float:
        known = [v for v in values if v == v]
        return sum(known) / len(known) if known else nan

    last = [at_year.get((c, year_to), nan) for c in codes]
    prior = [at_year.get((c, year_to - 1), nan) for c in codes]
    rate = np.array(column(lambda p: sum(p["rates"]) / len(p["rates"])), dtype="float64")
    rank = arrays.ranks(rate)
    risk = arrays.classes(rate, breaks)
    names = regions["name"].tolist()
    cols: dict[str, object] = {
        # pd.Series of the lists: the dtypes a frame built from them infers (a NaN among ints is float, among
        # booleans object); frame_of keeps a Series' dtype
        "code": pd.Series(codes), "name": pd.Series(names), "country": pd.Series(regions["country"].tolist()),
        "population": regions["population"].to_numpy(), "rate": rate,
        "count": np.array(column(lambda p: mean(p["counts"])), dtype="float64"),
        "years": pd.Series(column(lambda p: len(p["years"]))), "first_year": pd.Series(column(lambda p: min(p["years"]))),
        "last_year": pd.Series(column(lambda p: max(p["years"]))), "comparable": pd.Series(column(lambda p: p["comparable"])),
        **{key: pd.Series(column(lambda p, key=key: "; ".join(p[key]))) for key in ("dataset", "source", "release")},
        "rate_last": np.array(last, dtype="float64"), "rate_prior": np.array(prior, dtype="float64"),
        "change_pct": np.array([(a - b) / b * 100 if b > 0 else nan for a, b in zip(last, prior)], dtype="float64"),
        "rank": rank, "ranked": np.full(len(codes), int((~np.isnan(rate)).sum()), dtype="int64"), "risk_class": risk,
        "risk_label": pd.Series([CLASS_LABELS[int(c)] if np.isfinite(c) else "No data" for c in risk.tolist()]),
    }
    # highest rate first, ties and places without a figure by name (as sort_values(["rank", "name"]) put them)
    order = sorted(range(len(codes)), key=lambda i: (rank[i] != rank[i], 0.0 if rank[i] != rank[i] else rank[i], names[i]))
    return arrays.frame_of(cols, order)


def with_coverage(table: pd.DataFrame, coverage: pd.DataFrame) -> pd.DataFrame:
    """Add NIBRS coverage (percent of residents) and the low-coverage flag where a participation table is loaded."""
    t = table.copy()
    if coverage is None or coverage.empty:
        t["coverage_pct"], t["low_coverage"] = np.nan, False
        return t
    cov = coverage.set_index("region_code")
    t["coverage_pct"] = pd.to_numeric(t["code"].map(cov["coverage_pct"]), errors="coerce")
    t["low_coverage"] = (t["coverage_pct"] < COVERAGE_THRESHOLD_PCT).fillna(False).astype(bool)
    return t


def countries_drawn(table: pd.DataFrame, column: str = "rate") -> set[str]:
    return set(table.loc[table[column].notna(), "country"])


def sources_line(table: pd.DataFrame, column: str = "rate") -> str:
    """'FBI, ... (release 1979-2024); Statistics Canada, Table 35-10-0177-01 (release 2015-2024)' for the rows drawn."""
    drawn = table[table[column].notna()]
    pairs = dict.fromkeys(zip(drawn["source"], drawn["release"]))
    return "; ".join(f"{s}, release {r}" for s, r in pairs)


def caveat(countries: set[str]) -> str:
    """The cross-border caveat when U.S. and Canadian figures are shown together, else the shorter one."""
    return CAVEAT if {"US", "CA"} <= countries else NOT_JEWELRY if countries else ""


def fmt_rate(value: float | None) -> str:
    if value is None or not np.isfinite(value):
        return "no data"
    return f"{value:,.1f}"


def rank_text(rank: float | None, ranked: int) -> str:
    return f"rank {int(rank)} of {int(ranked)}" if rank is not None and pd.notna(rank) else "not ranked"


def coverage_text(pct: float | None, dataset: str | None = None) -> str:
    """'NIBRS covers 62% of residents', with what it means for the figure drawn."""
    if pct is None or not np.isfinite(pct):
        return ""
    shown = f"{pct:.0f}" if round(pct, 1) == round(pct) else f"{pct:.1f}"  # 79.9 stays 79.9, never "80"
    text = f"NIBRS covers {shown}% of residents"
    if dataset and "nibrs-state" in dataset:
        text += " (the counts describe those residents only)"
    elif dataset and "fbi-estimated" in dataset:
        text += " (the FBI estimate fills in the rest)"
    return text


def index_line(national: pd.DataFrame, base_year: int, years: list[int]) -> pd.DataFrame:
    """The national rate of each year as an index, base year = 100 (NaN without a base-year rate)."""
    cols = ["year", "rate", "base_rate", "index", "count", "population", "source", "release", "from_places"]
    if national is None or national.empty:
        return pd.DataFrame(columns=cols)
    n = national.assign(rate=pd.to_numeric(national["rate"], errors="coerce"))
    if "from_places" not in n.columns:
        n["from_places"] = False
    n = n.set_index("year")
    base = float(n.loc[base_year, "rate"]) if base_year in n.index and pd.notna(n.loc[base_year, "rate"]) else np.nan
    out = n.reindex(years)
    out = out[out["rate"].notna()].reset_index().rename(columns={"index": "year"})
    out["from_places"] = out["from_places"].fillna(False).astype(bool)
    out["base_rate"] = base
    out["index"] = out["rate"] / base * 100 if np.isfinite(base) and base > 0 else np.nan
    return out[cols]


def years_text(years: list[int]) -> str:
    """[2017, 2018, 2019, 2021] -> '2017-2019 and 2021'."""
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    parts = [f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs]
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else (parts[0] if parts else "")


def region_general(by_measure: dict[str, pd.DataFrame], code: str, year: int) -> pd.DataFrame:
    """One row per measure for one place: the rate in `year` (else its latest earlier year with a figure),
    its rank among all places with a figure that year, the rate the year before and the change."""
    rows = []
    for measure, ry in by_measure.items():
        mine = ry[(ry["code"] == code) & ry["rate"].notna() & (ry["year"] <= year)] if len(ry) else ry
        if mine is None or mine.empty:
            rows.append({"measure": measure, "label": measure_label(measure), "year": np.nan, "rate": np.nan})
            continue
        now = mine.sort_values("year").iloc[-1]
        y = int(now["year"])
        prior = mine[mine["year"] == y - 1]
        prior_rate = float(prior["rate"].iloc[0]) if len(prior) else np.nan
        rate = float(now["rate"])
        rows.append({"measure": measure, "label": measure_label(measure), "year": y, "rate": rate,
                     "count": _float(now["count"]), "population": _float(now["population"]),
                     "rank": int(now["rank"]), "ranked": int(now["ranked"]),
                     "prior_rate": prior_rate,
                     "change_pct": (rate - prior_rate) / prior_rate * 100 if prior_rate and np.isfinite(prior_rate)
                     else np.nan,
                     "dataset": now["dataset"], "source": now["source"], "release": now["release"]})
    cols = ["measure", "label", "year", "rate", "count", "population", "rank", "ranked", "prior_rate", "change_pct",
            "dataset", "source", "release"]
    return pd.DataFrame(rows).reindex(columns=cols)


def _float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return np.nan


def scatter_table(jewelry: pd.DataFrame, general: pd.DataFrame) -> tuple[pd.DataFrame, float | None]:
    """Jewelry incidents per million residents against the general rate per 100,000, one row per place with
    both, and the slope of the line of proportionality through the origin.

    `jewelry`: metrics.region_table with metric per_million (value, incidents, population);
    `general`: context_table (rate). The slope is the pooled ratio of the places shown: all their jewelry
    incidents per million residents over their population-weighted general rate, so a place on the line has
    as much jewelry crime as its general crime would suggest. `excess` is the distance above the line, in
    incidents per million; `ratio` the place's value against the line's.
    """
    codes = jewelry["code"].tolist()
    at = {code: k for k, code in enumerate(general["code"].tolist())}
    per_million, population, rate = (frame[c].to_numpy(dtype="float64", na_value=np.nan) for frame, c in (
        (jewelry, "value"), (jewelry, "population"), (general, "rate")))
    # the places in both with a jewelry figure, a general rate and residents, in the jewelry table's order (as an
    # inner merge on the code keeps them): plain values, not pandas' merge and sort (most of the scatter's time)
    both = [(i, at[code]) for i, code in enumerate(codes) if code in at]
    both = [(i, k) for i, k in both if per_million[i] == per_million[i] and rate[k] == rate[k] and population[i] > 0]
    if not both:
        return _no_scatter(jewelry, general), None
    jr, gr = (np.array(side, dtype=np.int64) for side in zip(*both))

    weighted = float(np.nansum(rate[gr] * population[jr]))
    incidents = float(np.nansum(jewelry["incidents"].to_numpy(dtype="float64", na_value=np.nan)[jr]))
    slope = incidents * 1e6 / weighted if weighted > 0 else None
    expected = rate[gr] * slope if slope is not None else np.full(len(jr), np.nan)
    excess = per_million[jr] - expected
    names = jewelry["name"].to_numpy(dtype=object)[jr]
    # furthest above the line first, ties by name, places without a line last (as sort_values put them)
    order = np.array(sorted(range(len(jr)), key=lambda n: (excess[n] != excess[n], -excess[n] if excess[n] == excess[n]
                                                           else 0.0, names[n])), dtype=np.int64)
    jr, gr, expected, excess = jr[order], gr[order], expected[order], excess[order]

    def taken(frame: pd.DataFrame, column: str, rows: np.ndarray) -> pd.Series:  # its rows, its dtype kept
        return pd.Series(frame[column].to_numpy()[rows], dtype=frame[column].dtype)

    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, per_million[jr] / expected, np.nan)
    return pd.DataFrame({
        **{c: taken(jewelry, c, jr) for c in ("code", "name", "country")},
        "jewelry_per_million": taken(jewelry, "value", jr), "jewelry_incidents_per_year": taken(jewelry, "incidents", jr),
        "population": taken(jewelry, "population", jr), "general_rate": taken(general, "rate", gr),
        "general_rank": taken(general, "rank", gr), **{c: taken(general, c, gr) for c in ("dataset", "source", "release")},
        "expected_per_million": expected, "excess_per_million": excess, "ratio": ratio,
    }), slope


def _no_scatter(jewelry: pd.DataFrame, general: pd.DataFrame) -> pd.DataFrame:
    """scatter_table's columns, no rows."""
    j = jewelry[["code", "name", "country", "value", "incidents", "population"]].rename(
        columns={"value": "jewelry_per_million", "incidents": "jewelry_incidents_per_year"}).iloc[:0]
    g = general[["code", "rate", "rank", "dataset", "source", "release"]].rename(
        columns={"rate": "general_rate", "rank": "general_rank"})
    return j.merge(g, on="code").assign(expected_per_million=[], excess_per_million=[], ratio=[])
