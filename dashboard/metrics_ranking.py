"""Pure pandas: the ranking of states and provinces (which rose fastest since the base year?).

One row per state or province with incidents under the filters: incidents over the selected years,
incidents per million residents per year (the default risk measure) with its rank and class, the count in
the base year and in the last selected year, the change between them in percent and in incidents, and
whether that change is readable and significant (etl/stats.py: the small-count rule and the Poisson test).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from dashboard import metrics
from dashboard.state import Filters
from etl import stats

COLUMNS = ["code", "name", "country", "incidents", "per_million", "rank", "risk_class", "base_year", "base_incidents",
           "last_year", "last_incidents", "change_pct", "change_abs", "p_value", "reliable", "significant"]


def ranking(year_counts: pd.DataFrame, regions: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Rows sorted by the change since the base year, fastest rise first (no comparison last), then name.

    `year_counts`: queries.region_year_counts (code, year, incidents, losses); `f` gives the selected years
    and the base year. The class uses the fixed per-million breaks of the map, whatever the page's metric."""
    if year_counts.empty or f.year_from is None:
        return pd.DataFrame(columns=COLUMNS)
    per_million = replace(f, metric="per_million")
    table = metrics.region_table(year_counts, regions, per_million,
                                 metrics.fixed_breaks(year_counts, regions, "per_million"))
    table = table[table["has_rows"]]
    by_year = year_counts.groupby(["code", "year"])["incidents"].sum()

    def count(code: str, year: int) -> float:
        return float(by_year.get((code, year), 0.0))

    base, last = f.base_year, f.year_to
    rows = []
    for r in table.itertuples():
        old, new = count(r.code, base), count(r.code, last)
        change = stats.pct_change(new, old) if base != last else None
        rows.append({"code": r.code, "name": r.name, "country": r.country, "incidents": float(r.incidents_total),
                     "per_million": r.value, "rank": r.rank, "risk_class": r.risk_label, "base_year": base,
                     "base_incidents": old, "last_year": last, "last_incidents": new,
                     "change_pct": np.nan if change is None else change, "change_abs": new - old,
                     "p_value": stats.change_p_value(old, new), "reliable": stats.is_reliable(old, new),
                     "significant": stats.is_significant(old, new)})
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.sort_values(["change_pct", "change_abs", "name"], ascending=[False, False, True],
                           na_position="last").reset_index(drop=True)
