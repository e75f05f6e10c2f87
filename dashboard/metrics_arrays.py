"""dashboard.metrics' numbers over plain numpy arrays: sums per place, rates, ranks and classes with the
values and dtypes the pandas steps they replace gave (the map redraws on every filter change, and pandas'
per-operation cost was most of the callback). No SQL, no plotly; the rules themselves stay in metrics.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def classes(values: np.ndarray, breaks: list[float]) -> np.ndarray:
    out = np.searchsorted(np.asarray(breaks), values, side="right").astype(float)
    out[np.isnan(values)] = np.nan
    return out


def ranks(values: np.ndarray) -> np.ndarray:
    """pandas' rank(ascending=False, method="min"): 1 + how many values are higher; NaN stays NaN."""
    known = ~np.isnan(values)
    higher = (values[None, known] > values[:, None]).sum(axis=1)  # a few dozen places: all pairs is cheap
    return np.where(known, higher + 1.0, np.nan)


class Counts:
    """year_counts (code, year, incidents, losses) per place of `codes`, as arrays: sums over the selected
    years, the last and prior year, with the dtypes the former pandas map/fillna/where steps gave."""

    def __init__(self, year_counts: pd.DataFrame, codes: list[str], y0: int, y1: int) -> None:
        at = {c: i for i, c in enumerate(codes)}
        n = len(codes)
        self._codes = codes
        idx = np.array([at.get(c, -1) for c in year_counts["code"].tolist()], dtype=np.int64)
        years = year_counts["year"].to_numpy()
        mine = idx >= 0
        self.has_rows = np.zeros(n, dtype=bool)
        self.has_rows[idx[mine]] = True
        self._inc, self._loss = year_counts["incidents"], year_counts["losses"]
        self.incidents_total = self._summed(self._inc, idx, mine & (years >= y0) & (years <= y1), n)
        self.losses_total = self._summed(self._loss, idx, mine & (years >= y0) & (years <= y1), n)
        self.last = self._summed(self._inc, idx, mine & (years == y1), n)
        self.prior = self._summed(self._inc, idx, mine & (years == y1 - 1), n)

    def _summed(self, column: pd.Series, idx: np.ndarray, keep: np.ndarray, n: int) -> np.ndarray:
        """Per place: the sum of its rows kept, 0 where it has rows but none kept, NaN where it has no rows;
        the column's own integer dtype when every place has a row kept (as map/fillna/where kept it)."""
        values = column.to_numpy(dtype=float)
        found = np.bincount(idx[keep], minlength=n) > 0
        if pd.api.types.is_integer_dtype(column.dtype):
            out = np.bincount(idx[keep], weights=values[keep], minlength=n).astype(float)  # exact for counts
        else:
            out = in_order(idx[keep], values[keep], n, self._codes)
        if found.all() and pd.api.types.is_integer_dtype(column.dtype):
            return out.astype(column.dtype)
        return out

    def masked(self, values: np.ndarray) -> np.ndarray:
        """NaN for places without rows (a float array), else the values."""
        if self.has_rows.all():
            return values
        return np.where(self.has_rows, values, np.nan)


def in_order(places: np.ndarray, values: np.ndarray, n: int, codes: list[str]) -> np.ndarray:
    """Sums per place of float values through pandas' own groupby sum, grouped as before by the code's text
    (the group order changes how pandas adds the values up): dollar losses agree to the last bit."""
    out = np.zeros(n, dtype=float)
    if len(places):
        keys = np.array(codes, dtype=object)[places]
        sums = pd.Series(values).groupby(keys).sum()
        at = {c: i for i, c in enumerate(codes)}
        out[[at[c] for c in sums.index.tolist()]] = sums.to_numpy()
    return out


def rate(metric: str, incidents: np.ndarray, losses: np.ndarray, population: np.ndarray,
          per_business: np.ndarray, has_rows: np.ndarray) -> np.ndarray:
    """_metric over arrays: the value of each place, NaN without rows or a denominator (inf too)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric == "incidents":
            value = incidents.astype(float)
        elif metric == "losses":
            value = losses.astype(float)
        elif metric == "per_million":
            value = incidents / population * 1e6
        elif metric == "per_100_businesses":
            value = per_business.astype(float)
        else:
            raise ValueError(metric)
    value = np.where(has_rows & np.isfinite(value), value, np.nan)
    return value


def frame_of(cols: dict[str, object], order: list[int]) -> pd.DataFrame:
    """One DataFrame of the columns in row order `order` (object arrays of text become pandas' text
    dtype as a column assignment makes them; a Series keeps its own dtype)."""
    taken = np.asarray(order, dtype=np.int64)
    data = {}
    for k, v in cols.items():
        if isinstance(v, pd.Series):
            data[k] = pd.Series(v.to_numpy()[taken], dtype=v.dtype)
        else:
            data[k] = np.asarray(v)[taken]
    return pd.DataFrame(data)
