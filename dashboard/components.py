"""Building blocks shared by the pages: the chart card and its generic callbacks.

Every chart sits in a card with its title, a one-sentence summary for screen
readers, the source line, the data's date range, a 'sample data' badge while
the data is the bundled sample, links to guidance for the crime types drawn,
a 'view data' grid and a CSV download of exactly the rows drawn.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import ALL, MATCH, Input, Output, State, callback, clientside_callback, dcc, html, no_update

from dashboard.chart_result import (GUIDANCE_PREFIX, ChartResult, claim_shown, csv_text, guidance_tag,  # noqa: F401
                                    records, safe_filename, table_csv)
from etl.figures import FBI_SOURCE_LINE, JSA_JM_SOURCE_LINE

PAGE_LOCATION = "_pages_location"  # Dash Pages' own Location: writing its search updates the URL


def part(chart: str, name: str) -> dict[str, str]:
    """Component id of one part of a chart card."""
    return {"chart": chart, "part": name}


def chart_card(chart: str, title: str, height: int = 420, note: str | None = None,
               controls: Any = None, exportable: bool = True) -> dbc.Card:
    return dbc.Card(dbc.CardBody([
        html.Div([
            html.H2(title, className="h5 mb-1 chart-title"),
            dbc.Badge("sample data", color="warning", text_color="dark", className="ms-2 sample-badge",
                      id=part(chart, "sample"), style={"display": "none"}),
        ], className="d-flex align-items-center"),
        html.P(note, className="text-muted small mb-2") if note else None,
        controls,
        dcc.Loading(dcc.Graph(id=part(chart, "graph"), config={"displaylogo": False, "responsive": True,
                                                                 "topojsonURL": "/assets/topojson/",
                                                                 "modeBarButtonsToRemove": ["select2d", "lasso2d"]},
                              style={"height": f"{height}px"}, className="chart-graph"), type="circle"),
        html.P(id=part(chart, "summary"), className="chart-summary small mb-1", role="status", **{"aria-live": "polite"}),
        html.Div(id=part(chart, "guidance"), className="chart-guidance small mb-1"),
        html.P([html.Span(id=part(chart, "source"), className="chart-source"), " · ",
                html.Span(id=part(chart, "range"), className="chart-range")], className="text-muted small mb-2"),
        html.Div([
            dbc.Button([html.I(className="bi bi-table me-1"), "View data"], id=part(chart, "toggle"), size="sm",
                       color="secondary", outline=True, className="me-2 chart-view-data"),
            dbc.Button([html.I(className="bi bi-download me-1"), "Download CSV"], id=part(chart, "csv"), size="sm",
                       color="secondary", outline=True, className="chart-csv"),
            _export_link(chart) if exportable else None,
            dbc.Button([html.I(className="bi bi-list-ul me-1"), "Show incidents"], id=part(chart, "incidents"),
                       size="sm", color="secondary", outline=True, className="ms-2 chart-incidents",
                       title="The incident rows behind this chart, or behind the bar or region you clicked last",
                       style=None if _has_incidents(chart) else {"display": "none"}),
            dcc.Download(id=part(chart, "download")),
        ], id=part(chart, "actions"), className="chart-actions"),
        # the rows drawn live in a Store; the grid itself is built on first "View data" (AG Grid's
        # scripts are heavy, and most visitors never open it)
        dcc.Store(id=part(chart, "rows")), dcc.Store(id=part(chart, "columns")),
        dbc.Collapse(html.Div(id=part(chart, "grid")), id=part(chart, "collapse"), is_open=False),
    ]), className="mb-4 chart-card", id=f"card-{chart}")


def _has_incidents(chart: str) -> bool:
    """Does a click on this chart name incident rows (dashboard.incident_table.CLICK_RULES)?"""
    from dashboard.incident_table import CLICK_RULES  # imported late: that module builds on this one

    return chart in CLICK_RULES


def _export_link(chart: str) -> Any:
    """'Export image' opens the Campaign page on this chart with the page's current filters."""
    return html.A([html.I(className="bi bi-image me-1"), "Export image"], id=part(chart, "export"),
                  href=f"/campaign?item=chart:{chart}", className="btn btn-sm btn-outline-secondary ms-2 chart-export")


# the export link carries the filters the chart was drawn with (the page's URL query)
clientside_callback(
    """
    function(rows, href) {
        if (!href) { return window.dash_clientside.no_update; }
        const base = href.split("&")[0];
        const query = window.location.search.replace(/^\?/, "");
        return query ? base + "&" + query : base;
    }
    """,
    Output(part(MATCH, "export"), "href"),
    Input(part(MATCH, "rows"), "data"),
    State(part(MATCH, "export"), "href"),
)


# a chart with no rows (an empty table, a message in place of a chart) offers no data, CSV or image
clientside_callback(
    """
    function(rows) {
        return (Array.isArray(rows) && rows.length) ? {} : {display: "none"};
    }
    """,
    Output(part(MATCH, "actions"), "style"),
    Input(part(MATCH, "rows"), "data"),
)


def chart_outputs(chart: str) -> list[Output]:
    return [Output(part(chart, "graph"), "figure"), Output(part(chart, "rows"), "data"),
            Output(part(chart, "columns"), "data"), Output(part(chart, "summary"), "children"),
            Output(part(chart, "source"), "children"), Output(part(chart, "range"), "children"),
            Output(part(chart, "sample"), "style"), Output(part(chart, "guidance"), "children")]


def decimals(name: str, values: pd.Series | np.ndarray) -> int:
    """How many decimals the grid shows for a number column (the CSV keeps them all): none for whole
    numbers, one for percentages and indexes, three for p-values, else two."""
    v = np.asarray(values, dtype="float64")  # numpy, not pandas: a card has a few dozen columns to judge
    known = v[~np.isnan(v)]
    if not known.size or (known == np.round(known)).all():
        return 0
    if name.endswith("pct") or "index" in name or name.startswith("change"):
        return 1
    if "p_value" in name:
        return 3
    return 2


def _column_defs(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """The grid's columns; a number column's decimals are judged on its values rounded to 4 places, as the grid
    gets them (rounded here, column by column, not as a rounded copy of the whole table)."""
    defs = []
    for name, column in rows.items():
        d: dict[str, Any] = {"field": name, "headerName": name.replace("_", " "), "sortable": True, "filter": True}
        if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
            d["type"] = "numericColumn"
            places = decimals(name, np.round(column.to_numpy(dtype="float64", na_value=np.nan), 4))
            d["valueFormatter"] = {"function": f"params.value == null ? '' : d3.format(',.{places}f')(params.value)"}
        defs.append(d)
    return defs


def guidance_links(items: list[tuple[str, str]]) -> Any:
    if not items:
        return None
    links = [dcc.Link(label, href=f"/guidance/{slug}", className="guidance-link me-2") for label, slug in items]
    return [html.Span("What to do: ", className="text-muted"), *links]


def render(result: ChartResult) -> tuple:
    return (result.figure, records(result.rows), _column_defs(result.rows), result.summary, result.source, result.date_range,
            {"display": "inline-block"} if result.sample else {"display": "none"}, notes(result))


def notes(result: ChartResult) -> Any:
    """What the card says under the summary: the caveat (if any), then the guidance links."""
    links = guidance_links(result.guidance)
    if not result.caveat:
        return links
    caveat = html.P([html.I(className="bi bi-exclamation-circle me-1", **{"aria-hidden": "true"}), result.caveat],
                    className="chart-caveat text-body-secondary mb-1")
    return [caveat, html.Div(links)] if links else [caveat]


@callback(Output(part(MATCH, "collapse"), "is_open"), Output(part(MATCH, "grid"), "children"),
          Input(part(MATCH, "toggle"), "n_clicks"), State(part(MATCH, "collapse"), "is_open"),
          State(part(MATCH, "rows"), "data"), State(part(MATCH, "columns"), "data"), State(part(MATCH, "grid"), "id"),
          prevent_initial_call=True)
def toggle_grid(n_clicks: int | None, is_open: bool, rows: list[dict] | None, columns: list[dict] | None,
                grid_id: dict) -> tuple:
    """Open or close 'view data'; the grid shows exactly the rows the chart drew."""
    if not n_clicks:
        return is_open, no_update
    if is_open:
        return False, no_update
    grid = dag.AgGrid(id={"chart": grid_id["chart"], "part": "table"}, rowData=rows or [], columnDefs=columns or [],
                      className="ag-theme-alpine mt-2", style={"height": None},
                      dashGridOptions={"domLayout": "autoHeight", "pagination": True, "paginationPageSize": 20})
    return True, grid


@callback(Output(part(MATCH, "download"), "data"), Input(part(MATCH, "csv"), "n_clicks"),
          State(part(MATCH, "rows"), "data"), State(part(MATCH, "columns"), "data"), State(part(MATCH, "rows"), "id"),
          prevent_initial_call=True)
def download_csv(n_clicks: int | None, rows: list[dict] | None, columns: list[dict] | None, store_id: dict) -> Any:
    """The CSV holds exactly the rows the chart drew (the same text as the API's chart CSV)."""
    if not n_clicks:
        return no_update
    rows = [r for r in rows or [] if isinstance(r, dict)]
    names = [str(c["field"]) for c in columns or [] if isinstance(c, dict) and "field" in c] or \
        list(dict.fromkeys(k for r in rows for k in r))
    name = f"jewelcrime_{safe_filename(str(store_id.get('chart', 'chart')))}_{dt.date.today():%Y%m%d}.csv"
    return dcc.send_string(csv_text(rows, names), name)


VERDICT = {"supported": ("success", "bi-check-circle-fill", "Supported by the data"),
           "not supported": ("danger", "bi-x-octagon-fill", "Not supported by the data"),
           "no data": ("secondary", "bi-question-circle-fill", "No data to judge")}


def verdict_badge(verdict: str) -> dbc.Badge:
    """Colour, icon and words: the verdict never rests on colour alone."""
    colour, icon, words = VERDICT.get(verdict, VERDICT["no data"])
    return dbc.Badge([html.I(className=f"bi {icon} me-1", **{"aria-hidden": "true"}), words], color=colour,
                     className=f"verdict verdict-badge fs-6 verdict-{verdict.replace(' ', '-')}")


# Any chart point whose customdata starts with "guidance:<slug>" opens /guidance/<slug> when clicked.
clientside_callback(
    """
    function(clicks) {
        const ctx = window.dash_clientside.callback_context;
        const trig = ctx.triggered[0];
        if (!trig || !trig.value || !trig.value.points || !trig.value.points.length) {
            return window.dash_clientside.no_update;
        }
        // a chart whose click picks the rows for "Show incidents" keeps the click; its guidance is linked below it
        const chart = JSON.parse(trig.prop_id.slice(0, trig.prop_id.lastIndexOf("."))).chart;
        const rows = document.getElementById(JSON.stringify({chart: chart, part: "incidents"}));
        if (rows && rows.style.display !== "none") return window.dash_clientside.no_update;
        let data = trig.value.points[0].customdata;
        if (Array.isArray(data)) data = data[0];
        if (typeof data !== "string" || !data.startsWith("%s")) return window.dash_clientside.no_update;
        const slug = data.slice(%d);
        if (!/^[a-z-]+$/.test(slug)) return window.dash_clientside.no_update;
        return window.location.origin + "/guidance/" + slug;  // without the other page's filters
    }
    """ % (GUIDANCE_PREFIX, len(GUIDANCE_PREFIX)),
    Output(PAGE_LOCATION, "href", allow_duplicate=True),
    Input(part(ALL, "graph"), "clickData"),
    prevent_initial_call=True,
)


__all__ = ["claim_shown", "csv_text", "records", "table_csv", "guidance_tag", "verdict_badge", "VERDICT", "ChartResult", "chart_card", "chart_outputs", "render", "part", "FBI_SOURCE_LINE", "JSA_JM_SOURCE_LINE",
           "PAGE_LOCATION", "safe_filename", "guidance_links"]
