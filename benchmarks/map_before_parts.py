"""dashboard/metrics_ranking.ranking and dashboard/queries.data_status as they were before issue 12 (verbatim,
commit d9609cc, unchanged up to 4a395c4), over the frozen benchmarks/map_before_metrics.py: with it, the old
map path in benchmarks/map_before.py keeps its own numbers and SQL, so the paired benchmark's "before" stays
what it was when the shared modules get faster. `queries` is dashboard.queries with the old data_status (cached
the same way: the benchmark's cold round clears it too). Not used by the app.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pandas as pd
import sqlalchemy as sa

import map_before_metrics as metrics  # noqa: E402 - benchmarks/ is on sys.path
from dashboard import queries as _queries
from dashboard.queries import COMBINED_SOURCES, JSA_JM_SOURCE_LINE, M, cached
from etl import schema

from dataclasses import replace
import numpy as np
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


@cached
def data_status_before(engine: sa.Engine, source: str | None = None) -> dict[str, Any]:
    """What the data is: sample or not, first and last month, the files it came from, and the line naming its
    source. With `source` (a Filters.source), of what that source filter shows only."""
    b = schema.load_batch
    names = None if source is None else COMBINED_SOURCES if source == "combined" else (source,)
    with engine.connect() as conn:
        ym = sa.cast(M.c.year, sa.Integer) * 100 + M.c.month  # PostgreSQL keeps smallint * smallint in smallint
        q = sa.select(sa.func.min(ym), sa.func.max(ym), sa.func.max(sa.cast(M.c.is_sample, sa.Integer)))
        lo, hi, sample = conn.execute(q if names is None else q.where(M.c.source.in_(names))).one()
        q = (sa.select(b.c.batch_id, b.c.file_name, b.c.format, b.c.finished_at, b.c.loaded, b.c.is_sample)
             .where(b.c.is_current, b.c.format != "reference").order_by(b.c.batch_id))
        files = conn.execute(q if names is None else q.where(b.c.source.in_(names))).all()
    if names is None or source == "combined" or source in COMBINED_SOURCES:
        line = JSA_JM_SOURCE_LINE
    else:  # a mapped source names itself and the files it was loaded from
        line = f"Data: {source}, loaded with a column mapping from {', '.join(sorted({f.file_name for f in files}))}"
    fmt = lambda ym: pd.Timestamp(year=ym // 100, month=ym % 100, day=1).strftime("%b %Y") if ym else None  # noqa: E731
    return {
        "is_sample": bool(sample) or any(bool(f.is_sample) for f in files),
        "first": fmt(lo), "last": fmt(hi),
        "range": f"{fmt(lo)} to {fmt(hi)}" if lo else "no incident data",
        "source_line": line,
        "files": [{"batch_id": f.batch_id, "file": f.file_name, "format": f.format, "loaded": f.loaded,
                   "finished_at": str(f.finished_at), "is_sample": bool(f.is_sample)} for f in files],
    }


# ---------------------------------------------------------------- map and regions



def _module_names() -> dict[str, Any]:
    return {k: getattr(_queries, k) for k in dir(_queries) if not k.startswith("__")}


queries = SimpleNamespace(**{**_module_names(), "data_status": data_status_before})
metrics_ranking = SimpleNamespace(ranking=ranking, COLUMNS=COLUMNS)
