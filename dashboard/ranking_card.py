"""The map page's ranking of states and provinces: a sortable grid with CSV and XLSX downloads of exactly
the rows it shows (after the grid's own sorting and filtering).

On a phone the map is too small to tap a state on, so the card also offers the ranking as a list of links
to each place's risk page, in place of the map: a "List" / "Map" switch, the list by default (app.css shows
one or the other below 576 px and puts the one chosen first; a wider screen shows the map and the grid,
and no switch). The switch is at the top of the card, or above the map when the page places it there."""
from __future__ import annotations

import io
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, clientside_callback, dcc, html

from dashboard.chart_result import safe_filename
from etl.stats import SIGNIFICANCE_LEVEL, UNRELIABLE_BELOW

GRID, SUMMARY, CSV, XLSX, DOWNLOAD = "ranking-grid", "ranking-summary", "ranking-csv", "ranking-xlsx", "ranking-download"
VIEW, LIST = "map-view", "ranking-list"  # the phone's List / Map switch, and the list it shows
VIEWS = {"list": "List", "map": "Map"}
LIST_FIRST = 10  # the list shows this many places, the rest behind "all N"
# the filters a tap on a place carries to its risk page (as a click on the map does)
CARRIED = ("year_from", "year_to", "category", "subtype", "source", "metric")
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


def view_switch() -> html.Div:
    """Phones only: the ranking as a list (the default) or the map. Remembered for the visit, so a filter
    change, which draws the page again, keeps the choice."""
    return html.Div([
        html.Span("Show as", className="small fw-semibold me-2", id=f"{VIEW}-label"),
        dbc.RadioItems(id=VIEW, options=[{"label": v, "value": k} for k, v in VIEWS.items()], value="list",
                       inline=True, persistence=True, persistence_type="session", className="d-inline-block",
                       input_class_name="btn-check", label_class_name="btn btn-sm btn-outline-primary",
                       label_checked_class_name="active"),
    ], className="map-view mb-3", role="group", **{"aria-labelledby": f"{VIEW}-label"})


def card(switch: bool = True) -> dbc.Card:
    """The ranking card; `switch=False` when the page puts view_switch() above the map itself."""
    return dbc.Card(dbc.CardBody([
        view_switch() if switch else None,
        html.H2("States and provinces ranked by change since the base year", className="h5 mb-1"),
        html.P(id=SUMMARY, className="small chart-summary mb-2"),
        html.Ol(id=LIST, className="ranking-list list-unstyled mb-3"),
        html.P(f"A change counts as significant when both years have at least {UNRELIABLE_BELOW} incidents and a "
               f"Poisson test gives p < {SIGNIFICANCE_LEVEL:g} (the chance of so uneven a split if nothing "
               "changed). Click a column to sort; the downloads hold exactly the rows shown, in that order.",
               className="small text-muted mb-2"),
        dag.AgGrid(id=GRID, rowData=[], columnDefs=column_defs(None, None), className="ag-theme-alpine",
                   defaultColDef={"resizable": True, "minWidth": 90}, columnSize="autoSize",
                   dashGridOptions={"domLayout": "autoHeight", "pagination": True, "paginationPageSize": 20}),
        html.Div([dbc.Button("CSV", id=CSV, size="sm", color="secondary", outline=True, className="me-2"),
                  dbc.Button("XLSX", id=XLSX, size="sm", color="secondary", outline=True),
                  dbc.Button([html.I(className="bi bi-list-ul me-1"), "Show incidents"],
                             id={"chart": "ranking", "part": "incidents"}, size="sm", color="secondary", outline=True,
                             className="ms-2 chart-incidents",
                             title="The incident rows of the row you clicked last (or of every row)"),
                  dcc.Download(id=DOWNLOAD)],
                 className="mt-2"),
    ]), className="mt-4 ranking-card", id="card-ranking")


# The list: the grid's rows in the grid's order, each a link to the place's risk page with the map's
# years, crime type, source and measure. Built in the browser from the rows the page already sent.
clientside_callback(
    """
    function(shown, rows) {
        const list = (Array.isArray(shown) && shown.length) ? shown : (Array.isArray(rows) ? rows : []);
        const carried = %s, first = %d;
        const here = new URLSearchParams(window.location.search), keep = new URLSearchParams();
        carried.forEach(k => { if (here.get(k)) keep.set(k, here.get(k)); });
        const num = (v, d) => (typeof v === "number" && isFinite(v)) ? v.toLocaleString("en-US",
            {minimumFractionDigits: d, maximumFractionDigits: d}) : null;
        const el = (type, props, ns) => ({namespace: ns || "dash_html_components", type: type, props: props});
        const item = (r, i) => {
            if (typeof r.code !== "string" || !/^[A-Z]{2}$/.test(r.code)) return null;
            const q = new URLSearchParams(keep); q.set("region", r.code);
            const pct = num(r.change_pct, 1);
            const change = pct === null ? "no change to compare" : (r.change_pct > 0 ? "+" : "") + pct + "%%";
            const counts = num(r.base_incidents, 0) + " to " + num(r.last_incidents, 0) + " incidents";
            const words = [change, counts, r.significant ? "significant" : null, r.risk_class || null];
            return el("Li", {className: "ranking-item", children: el("Link", {href: "/risk?" + q.toString(),
                className: "d-flex flex-wrap justify-content-between gap-1 py-2 border-bottom", children: [
                    el("Span", {className: "fw-semibold", children: (i + 1) + ". " + (r.name || r.code)}),
                    el("Span", {className: "text-body-secondary", children: words.filter(Boolean).join(" · ")})]},
                "dash_core_components")});
        };
        const items = list.map(item).filter(Boolean);
        if (items.length <= first) return items;
        return [...items.slice(0, first), el("Li", {children: el("Details", {children: [
            el("Summary", {className: "py-2", children: "All " + items.length + " states and provinces"}),
            el("Ol", {className: "list-unstyled", children: items.slice(first)})]})})];
    }
    """ % (list(CARRIED), LIST_FIRST),
    Output(LIST, "children"), Input(GRID, "virtualRowData"), Input(GRID, "rowData"),
)


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
