"""The map page's ranking of states and provinces: a sortable grid with CSV and XLSX downloads of exactly
the rows it shows (after the grid's own sorting and filtering)."""
from __future__ import annotations

import io
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from dashboard.components import safe_filename
from etl.stats import SIGNIFICANCE_LEVEL, UNRELIABLE_BELOW

GRID, SUMMARY, CSV, XLSX, DOWNLOAD = "ranking-grid", "ranking-summary", "ranking-csv", "ranking-xlsx", "ranking-download"
# the change first after the name (the question the table answers), then the counts and the rate
HEADERS = {"name": "State or province", "change_pct": "Change %", "change_abs": "Change (incidents)",
           "base_incidents": "Base year", "last_incidents": "Last year", "significant": "Significant",
           "p_value": "p-value", "per_million": "Per million residents a year", "rank": "Rank per million",
           "risk_class": "Class", "incidents": "Incidents (years shown)", "country": "Country"}
DECIMALS = {"per_million": 2, "change_pct": 1, "p_value": 3}


def column_defs(base: int | None, last: int | None) -> list[dict[str, Any]]:
    defs = []
    for key, header in HEADERS.items():
        if key == "base_incidents" and base is not None:
            header = f"Incidents {base}"
        if key == "last_incidents" and last is not None:
            header = f"Incidents {last}"
        d: dict[str, Any] = {"field": key, "headerName": header, "sortable": True, "filter": True}
        if key in DECIMALS:
            d["valueFormatter"] = {"function": f"params.value == null ? 'n/a' : d3.format(',.{DECIMALS[key]}f')(params.value)"}
        if key == "change_pct":
            d["sort"] = "desc"  # which rose fastest: the first view
        if key == "name":
            d["pinned"] = "left"
        defs.append(d)
    return defs


def card() -> dbc.Card:
    return dbc.Card(dbc.CardBody([
        html.H2("States and provinces ranked by change since the base year", className="h5 mb-1"),
        html.P(id=SUMMARY, className="small chart-summary mb-2"),
        html.P(f"A change counts as significant when both years have at least {UNRELIABLE_BELOW} incidents and a "
               f"Poisson test gives p < {SIGNIFICANCE_LEVEL:g} (the chance of so uneven a split if nothing "
               "changed). Click a column to sort; the downloads hold exactly the rows shown, in that order.",
               className="small text-muted mb-2"),
        dag.AgGrid(id=GRID, rowData=[], columnDefs=column_defs(None, None), className="ag-theme-alpine",
                   defaultColDef={"resizable": True, "minWidth": 90}, columnSize="autoSize",
                   dashGridOptions={"domLayout": "autoHeight", "pagination": True, "paginationPageSize": 20}),
        html.Div([dbc.Button("CSV", id=CSV, size="sm", color="secondary", outline=True, className="me-2"),
                  dbc.Button("XLSX", id=XLSX, size="sm", color="secondary", outline=True), dcc.Download(id=DOWNLOAD)],
                 className="mt-2"),
    ]), className="mt-4 ranking-card", id="card-ranking")


def records(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Grid rows: NaN as null, floats rounded as shown."""
    out = rows.drop(columns=["base_year", "last_year"], errors="ignore").round(DECIMALS)
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in out.to_dict("records")]


def download(shown: list[dict[str, Any]] | None, kind: str, name: str) -> dict[str, Any]:
    """The rows the grid shows, as CSV or XLSX, with the grid's column headings."""
    frame = pd.DataFrame(shown or [], columns=None if shown else ["code", *HEADERS])
    frame = frame[[c for c in ["code", *HEADERS] if c in frame.columns]]
    frame = frame.rename(columns={k: v for k, v in HEADERS.items()})
    stem = safe_filename(name)
    if kind == "xlsx":
        buffer = io.BytesIO()
        frame.to_excel(buffer, index=False, sheet_name="Ranking")
        return dcc.send_bytes(buffer.getvalue(), f"{stem}.xlsx")
    return dcc.send_string(frame.to_csv(index=False), f"{stem}.csv")
