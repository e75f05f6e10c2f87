"""Pure pandas: the ranking of states and provinces (which rose fastest since the base year?).

One row per state or province with incidents under the filters: incidents over the selected years,
incidents per million residents per year (the default risk measure) with its rank and class, the count in
the base year and in the last selected year, the change between them in percent and in incidents, and
whether that change is readable and significant (etl/stats.py: the small-count rule and the Poisson test).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard import metrics, metrics_arrays as arrays
from dashboard.state import Filters
from dashboard.theme import CLASS_LABELS
from etl import stats

COLUMNS = ["code", "name", "country", "incidents", "per_million", "rank", "risk_class", "base_year", "base_incidents",
           "last_year", "last_incidents", "change_pct", "change_abs", "p_value", "reliable", "significant"]


def ranking(year_counts: pd.DataFrame, regions: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Rows sorted by the change since the base year, fastest rise first (no comparison last), then name.

    `year_counts`: queries.region_year_counts (code, year, incidents, losses); `f` gives the selected years
    and the base year. The class uses the fixed per-million breaks of the map, whatever the page's metric.
    Plain arrays and lists (the map's change measure redraws it on every filter change), the same rows,
    values and dtypes as metrics.region_table's per-million rows would give."""
    if year_counts.empty or f.year_from is None:
        return pd.DataFrame(columns=COLUMNS)
    y0, y1 = f.years
    codes = regions["code"].tolist()
    counts = arrays.Counts(year_counts, codes, y0, y1)  # the same sums as region_table
    totals = counts.masked(counts.incidents_total)
    population = regions["population"].to_numpy(dtype=float)
    value = arrays.rate("per_million", totals / (y1 - y0 + 1), totals, population, totals,
                          counts.has_rows)
    rank = arrays.ranks(value)
    breaks = metrics.fixed_breaks(year_counts, regions, "per_million")
    labels = [CLASS_LABELS[int(k)] if k == k else "No data" for k in arrays.classes(value, breaks).tolist()]
    by_year = _by_year(year_counts)
    base, last = f.base_year, f.year_to
    names, countries = regions["name"].tolist(), regions["country"].tolist()
    columns: dict[str, list] = {c: [] for c in COLUMNS}
    for i in np.nonzero(counts.has_rows)[0].tolist():
        code = codes[i]
        old, new = float(by_year.get((code, base), 0.0)), float(by_year.get((code, last), 0.0))
        change = stats.pct_change(new, old) if base != last else None
        for key, v in (("code", code), ("name", names[i]), ("country", countries[i]), ("incidents", float(totals[i])),
                       ("per_million", float(value[i])), ("rank", float(rank[i])), ("risk_class", labels[i]),
                       ("base_year", base), ("base_incidents", old), ("last_year", last), ("last_incidents", new),
                       ("change_pct", np.nan if change is None else change), ("change_abs", new - old),
                       ("p_value", stats.change_p_value(old, new)), ("reliable", stats.is_reliable(old, new)),
                       ("significant", stats.is_significant(old, new))):
            columns[key].append(v)
    if not columns["code"]:
        return pd.DataFrame([], columns=COLUMNS)
    pct, gain, name = columns["change_pct"], columns["change_abs"], columns["name"]
    # as sort_values(change_pct, change_abs descending, name ascending, NaN last), stable
    order = sorted(range(len(pct)), key=lambda k: (pct[k] != pct[k], -pct[k] if pct[k] == pct[k] else 0.0,
                                                   -gain[k], name[k]))
    return pd.DataFrame({c: [v[k] for k in order] for c, v in columns.items()}, columns=COLUMNS)


def _by_year(year_counts: pd.DataFrame) -> dict[tuple[str, int], float]:
    """Incidents per (code, year), summed over any repeated rows."""
    if not pd.api.types.is_integer_dtype(year_counts["incidents"].dtype):  # float counts: pandas' own sum
        return year_counts.groupby(["code", "year"])["incidents"].sum().to_dict()
    out: dict[tuple[str, int], float] = {}
    for code, year, n in zip(year_counts["code"].tolist(), year_counts["year"].tolist(),
                             year_counts["incidents"].tolist()):
        out[(code, year)] = out.get((code, year), 0) + n
    return out
