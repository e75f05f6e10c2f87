"""What a chart builder returns, and the plain-data helpers shared by the cards, the API and the exporter.

Kept apart from dashboard.components so the exporter and the API can use them without importing Dash.
"""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # only named in annotations: a headline-figure export need not import plotly at all
    import plotly.graph_objects as go

    from dashboard.plain_figure import PlainFigure

from etl.figures import JSA_JM_SOURCE_LINE


@dataclass
class ChartResult:
    figure: go.Figure | PlainFigure  # a map's (and a cached chart's) figure is kept as plain dicts
    rows: pd.DataFrame  # exactly what the chart draws
    summary: str
    source: str = JSA_JM_SOURCE_LINE
    date_range: str = ""
    sample: bool = False
    guidance: list[tuple[str, str]] = field(default_factory=list)  # (label, scenario slug)
    caveat: str = ""  # a warning the card shows under the summary (e.g. figures that do not compare across the border)
    export_source: str | None = None  # the source line of an exported image, when it draws less than the card
    claims: list[dict[str, Any]] = field(default_factory=list)  # checked claims behind the chart (drawn or not)
    left_out: list[str] = field(default_factory=list)  # claims an export left out: the data does not support them


def _json_value(value: Any) -> Any:
    """NaN, NaT and NA become None (null in the browser's grid and CSV); everything else as it is."""
    if value is None or isinstance(value, str):
        return value
    try:
        return None if pd.isna(value) else value
    except (TypeError, ValueError):  # a list or array cell: kept as it is
        return value


def records(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows a chart draws as the grid, the CSV and the API receive them: floats to 4 places, NaN as null.

    Built from one object array, not cell by cell through pandas (which cost more than the rest of a card):
    the same values as `_json_value` of every cell of `to_dict("records")`, which tests/test_components.py
    checks for every kind of column."""
    rounded = rows.round(4)
    if rounded.columns.has_duplicates:  # to_dict keeps the last of repeated names: so does this
        return [{k: _json_value(v) for k, v in r.items()} for r in rounded.to_dict("records")]
    cells = rounded.to_numpy(dtype=object, copy=True)  # a frame of one object block would give a read-only view
    cells[rounded.isna().to_numpy(dtype=bool)] = None
    for i, dtype in enumerate(rounded.dtypes):  # numpy scalars in an object column become Python ones, as to_dict
        if dtype == object:
            cells[:, i] = [v.item() if isinstance(v, np.generic) else v for v in cells[:, i]]
    names = list(rounded.columns)
    return [dict(zip(names, row)) for row in cells.tolist()]


def _csv_cell(value: Any) -> Any:
    """One value as text, the same whether it came straight from Python or back from the browser's JSON
    (where 2.0 arrives as 2)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value


def csv_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """Records -> CSV text, columns in the order given: what 'Download CSV' and the API's chart CSV send."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(c)) for c in columns])
    return out.getvalue()


def table_csv(result: ChartResult) -> str:
    """The CSV of exactly the rows a chart draws."""
    return csv_text(records(result.rows), [str(c) for c in result.rows.columns])


def safe_filename(text: str) -> str:
    """Letters, digits, dashes and underscores only."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:80] or "data"


def claim_shown(engine: Any, fig: dict[str, Any], export: bool, left_out: list[str] | None = None) -> bool:
    """May a chart draw the campaign's claim of this headline figure? On screen always (beside the data, with
    its verdict); in an exported image only when the data supports it (`left_out` collects the others' ids
    for the manifest)."""
    if not export:
        return True
    if "verdict" not in fig:  # a claim as written (queries.chart_claims): check it now, in the export only
        from dashboard import queries

        fig = queries.checked_figure(engine, fig["id"]) or {**fig, "verdict": None}
    if fig.get("verdict") == "supported":
        return True
    if left_out is not None:
        left_out.append(fig["id"])
    return False


GUIDANCE_PREFIX = "guidance:"


def guidance_tag(slug: str | None) -> str:
    """customdata[0] for a chart point that names a crime type: a click on it opens that guidance page."""
    return f"{GUIDANCE_PREFIX}{slug}" if slug else ""
