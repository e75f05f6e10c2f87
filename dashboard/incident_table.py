"""The incident rows behind a chart element, in a modal: a grid paged from the server, a count, downloads.

A chart card has a "Show incidents" button (`{"chart": id, "part": "incidents"}`). Pressing it opens the
modal on the page's filters (the page's `{page}-filters` store) narrowed by the chart's last clicked
element: a bar gives a year and a crime category, the map a state or province, a ranking row a region.
CLICK_RULES says, per chart, how a click reads. The grid uses AG Grid's infinite row model: the browser
asks for 100 rows at a time and never holds more than a few blocks; sorting and the column filters run on
the server (dashboard/incidents.py). The downloads stream every matching row from two Flask routes.
"""
from __future__ import annotations

import calendar
import datetime as dt
import json
from dataclasses import dataclass, replace
from typing import Any, Mapping
from urllib.parse import urlencode

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import flask
from dash import ALL, Input, Output, State, callback, clientside_callback, dcc, html, no_update

from dashboard import context, incidents as inc, queries, ranking_card, state
from dashboard.chart_result import safe_filename
from etl.taxonomy import CATEGORIES, CRIME_TYPES

MODAL, TITLE, NOTE, SHOWN, GRID = "incidents-modal", "incidents-title", "incidents-note", "incidents-shown", "incidents-grid"
CSV, XLSX, PICK, QUERY, CURSORS = "incidents-csv", "incidents-xlsx", "incidents-pick", "incidents-query", "incidents-cursors"
BLOCK = 100  # rows per request from the grid
WALK = 5000  # rows per step when a block's start has no cursor yet (walked by key from the nearest one before)


@dataclass(frozen=True)
class ClickRule:
    """How a click on one chart narrows the page's filters (plotly clickData, or a grid's clicked row)."""
    page: str  # the page whose filters the chart draws: its store is f"{page}-filters"
    year: bool = False  # x is a year
    month: bool = False  # x is a month's short name; a line's trace name is its year
    category: str = ""  # "trace": the trace is a crime category; "type": the bar is a crime type (its label)
    region: str = ""  # "location" (the map), "customdata" (customdata[0] is a code), "row" (the grid row's code)
    half: int | None = None  # the chart counts this half of each year only
    trend: bool = False  # the chart applies the page's country and major-cities switch (trends page)
    page_region: bool = False  # the chart applies the page's states or provinces (trends, regional risk)
    needs_region: bool = False  # the chart shows one state or province, and nothing without (regional risk)
    grid: str = ""  # the element clicked is a row of this grid, not a point of the card's graph


CLICK_RULES: dict[str, ClickRule] = {
    "trends-yearly": ClickRule("trends", year=True, category="trace", trend=True, page_region=True),
    "trends-index": ClickRule("trends", year=True, trend=True, page_region=True),
    "trends-half": ClickRule("trends", year=True, category="trace", half=1, trend=True, page_region=True),
    "trends-monthly": ClickRule("trends", month=True, trend=True, page_region=True),
    "map": ClickRule("map", region="location"),
    "ranking": ClickRule("map", region="row", grid=ranking_card.GRID),
    "risk-trend": ClickRule("risk", year=True, category="trace", page_region=True, needs_region=True),
    "risk-types": ClickRule("risk", category="type", page_region=True, needs_region=True),
    "risk-top": ClickRule("risk", region="customdata"),
}
CATEGORY_OF = {label: key for key, label in CATEGORIES.items()}
# the risk page's crime-type bars are labelled like this (dashboard/charts/risk.py `_labels`): (category, sub-type)
TYPE_OF = {(ct.label if ct.subtype else f"{CATEGORIES[ct.category]}, sub-type not recorded"): (ct.category, ct.subtype)
           for ct in CRIME_TYPES}
MONTH_OF = {calendar.month_abbr[m]: m for m in range(1, 13)}
HEADERS = {"incident_id": "ID", "occurred_on": "Date", "year": "Year", "month": "Month", "region_code": "Region",
           "country": "Country", "city": "City", "category": "Category", "subtype": "Sub-type", "source": "Source",
           "loss_usd": "Loss (USD)", "location_type": "Location", "time_of_day": "Time of day", "hour": "Hour",
           "weapon_shown": "Weapon shown", "injured": "Injured", "killed": "Killed", "is_major_city": "Major city",
           "claim_status": "Claim status", "source_record_id": "Record ID", "linked_incident_id": "Linked to",
           "file": "File", "row_number": "Row"}
FILTERS = {"city": "contains", "category": "equals", "region_code": "equals"}  # server-side column filters


def column_defs() -> list[dict[str, Any]]:
    defs = []
    for name in inc.COLUMNS:
        d: dict[str, Any] = {"field": name, "headerName": HEADERS.get(name, name), "sortable": name in inc.SORTABLE}
        if name in FILTERS:  # the grid offers only what the server applies
            d["filter"] = "agTextColumnFilter"
            d["filterParams"] = {"filterOptions": [FILTERS[name]], "maxNumConditions": 4 if name == "region_code" else 1,
                                 "buttons": ["reset"], "debounceMs": 400}
        if name == "occurred_on":
            d.update(sort="desc", pinned="left", minWidth=115)
        if name in ("year", "month"):  # the date says it; the downloads keep both
            d["hide"] = True
        if name == "loss_usd":
            d["valueFormatter"] = {"function": "params.value == null ? 'unknown' : d3.format(',.0f')(params.value)"}
        defs.append(d)
    return defs


def modal() -> html.Div:
    """The modal and its stores: put once in the app shell."""
    grid = dag.AgGrid(id=GRID, rowModelType="infinite", columnDefs=column_defs(), className="ag-theme-alpine",
                      defaultColDef={"resizable": True, "minWidth": 90}, style={"height": "60vh", "width": "100%"},
                      dashGridOptions={"cacheBlockSize": BLOCK, "maxBlocksInCache": 20, "infiniteInitialRowCount": 1,
                                       "maxConcurrentDatasourceRequests": 1, "cacheOverflowSize": 1,
                                       "suppressMultiSort": True})
    links = html.Div([
        html.A([html.I(className="bi bi-download me-1"), "Download CSV"], id=CSV,
               className="btn btn-sm btn-outline-secondary me-2 incidents-csv"),
        html.A([html.I(className="bi bi-download me-1"), "Download XLSX"], id=XLSX,
               className="btn btn-sm btn-outline-secondary incidents-xlsx"),
    ], className="mt-2")
    body = dbc.ModalBody([
        html.P(["Each row is one incident, counted as the chart counts it: a JM claim linked to a JSA incident "
                "once, and claims that are not crimes only when their sub-type is chosen. Newest first; click ",
                html.Em("Date"), ", ", html.Em("Loss"), " or ", html.Em("ID"), " to sort, and filter city, category "
                "or region from the column menu (the table keeps them for the next chart). The downloads hold every "
                "matching row, in the table's order."],
               id=NOTE, className="small text-muted mb-2"),
        html.P(id=SHOWN, className="small mb-2", role="status", **{"aria-live": "polite"}),
        grid, links,
    ])
    return html.Div([
        dcc.Store(id=PICK), dcc.Store(id=QUERY), dcc.Store(id=CURSORS),
        dbc.Modal([dbc.ModalHeader(dbc.ModalTitle(id=TITLE)), body], id=MODAL, size="xl", fullscreen="md-down",
                  is_open=False, class_name="incidents-modal"),
    ])


# ---------------------------------------------------------------- from a click to a selection

def _choices(engine: Any) -> tuple[list[int], list[str], list[str]]:
    return queries.years(engine), list(queries.regions(engine)["code"]), queries.sources(engine)


def _text(value: Any) -> str:
    """A clicked value as text ('' for anything but text or a whole number: plotly may send 2021.0)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value.strip() if isinstance(value, str) else str(value) if isinstance(value, int) else ""


def selection(engine: Any, pick: Any) -> inc.IncidentQuery | str:
    """The clicked chart, its page's filters and the clicked point (as the browser sent them, so checked
    here) -> the incidents to show, or why there are none."""
    if not isinstance(pick, dict) or pick.get("chart") not in CLICK_RULES:
        return "This chart has no incident list."
    rule = CLICK_RULES[pick["chart"]]
    years, regions, sources = _choices(engine)
    raw = pick.get("filters") if isinstance(pick.get("filters"), dict) else {}
    f = state.parse(raw, years, regions, sources=sources, several_regions=True)
    # only what selects rows (a page's measure, base year or layer does not), as a download link reads it back
    f = state.Filters(f.year_from, f.year_to, f.category, f.subtype, f.source, region=f.region if rule.page_region
                      else None, major_only=f.major_only and rule.trend)
    country = raw.get("country") if rule.trend and raw.get("country") in ("US", "CA") else ""
    point = pick.get("point") if isinstance(pick.get("point"), dict) else {}
    data = point.get("customdata") if isinstance(point.get("customdata"), list) else []
    year = month = None
    no_subtype = False
    if rule.year and _text(point.get("x")).isdigit() and int(_text(point.get("x"))) in years:
        year = int(_text(point.get("x")))
    if rule.month and _text(point.get("x")) in MONTH_OF:
        month = MONTH_OF[_text(point.get("x"))]
        line = _text(point.get("name"))  # a line is one year; the bars are the average of the years
        year = int(line) if line.isdigit() and int(line) in years else None
    named = _text(point.get("name")) or (_text(data[1]) if len(data) > 1 else "")
    if rule.category == "trace" and CATEGORY_OF.get(named) and f.category == state.ALL:
        f = replace(f, category=CATEGORY_OF[named])
    label = _text(point.get("y")) or (_text(data[1]) if len(data) > 1 else "")
    if rule.category == "type" and label in TYPE_OF and f.subtype in (state.ALL, TYPE_OF[label][1]):
        category, subtype = TYPE_OF[label]
        f, no_subtype = replace(f, category=category, subtype=subtype or state.ALL), subtype is None
    code = {"location": point.get("location"), "customdata": data[0] if data else None,
            "row": point.get("location")}.get(rule.region)
    if rule.region and _text(code).upper() in regions:
        f = replace(f, region=_text(code).upper())
    if rule.needs_region and not f.region:
        return "Choose a state or province on the page first: this chart shows one."
    return inc.IncidentQuery(f, country, year=year, month=month, half=rule.half, no_subtype=no_subtype)


def describe(q: inc.IncidentQuery, names: Mapping[str, str]) -> str:
    """The selection in words: 'Robbery, 2021, Texas; JSA and JM combined' (`names`: region code -> name)."""
    f = q.filters
    what = state.SUBTYPES[f.subtype] if f.subtype != state.ALL else CATEGORIES.get(f.category, "All crime types")
    if q.no_subtype:
        what += ", sub-type not recorded"
    if q.year is not None or f.year_from is None:
        years = str(q.year) if q.year is not None else ""
    else:
        years = str(f.year_from) if f.year_from == (f.year_to or f.year_from) else f"{f.year_from}-{f.year_to}"
    months = calendar.month_name[q.month] if q.month else {1: "January-June", 2: "July-December"}.get(q.half or 0)
    when = " ".join(w for w in (months, years) if w) + ("" if years else ", every year" if months else "every year")
    codes = f.region_codes
    where = (" and ".join(names.get(c, c) for c in codes) if len(codes) <= 3 else f"{len(codes)} states and provinces") \
        if codes else inc.COUNTRIES[q.country]
    parts = [what, when, where]
    parts += ["major cities only"] if f.major_only else []
    parts += [f"city containing '{q.city}'"] if q.city else []
    return ", ".join(parts) + "; " + state.source_label(f.source)


def grid_query(base: inc.IncidentQuery, sort_model: Any, filter_model: Any,
               regions: list[str]) -> inc.IncidentQuery | None:
    """The grid's sort and column filters applied to the selection (None: nothing can match)."""
    q = base
    first = sort_model[0] if isinstance(sort_model, list) and sort_model else None
    if isinstance(first, dict) and first.get("colId") in inc.SORTABLE and first.get("sort") in ("asc", "desc"):
        q = replace(q, sort=first["colId"], descending=first["sort"] == "desc")
    for column, model in (filter_model if isinstance(filter_model, dict) else {}).items():
        values = _filter_values(model, FILTERS.get(column))
        if values is None:
            continue  # a filter the grid does not offer: ignored, as the grid would
        if column == "city":
            q = replace(q, city=values[0][:100])
        elif column == "category":
            keys = {k for v in values for k, label in CATEGORIES.items() if v.lower() in (k, label.lower())}
            if len(keys) != 1 or q.filters.category not in (state.ALL, *keys):
                return None
            q = replace(q, filters=replace(q.filters, category=keys.pop()))
        else:
            codes = {v.upper() for v in values} & set(regions) & set(q.filters.region_codes or regions)
            if not codes:
                return None
            q = replace(q, filters=replace(q.filters, region=",".join(sorted(codes))))
    return q


def _filter_values(model: Any, kind: str | None) -> list[str] | None:
    """The texts of an AG Grid text filter of the one kind offered (several only when OR-ed)."""
    if kind is None or not isinstance(model, dict):
        return None
    parts = model.get("conditions") if isinstance(model.get("conditions"), list) else [model]
    if len(parts) > 1 and model.get("operator") != "OR":
        return None
    values = [p.get("filter") for p in parts if isinstance(p, dict) and p.get("type") == kind]
    values = [v.strip() for v in values if isinstance(v, str) and v.strip()]
    return values if values and len(values) == len(parts) else None


# ---------------------------------------------------------------- callbacks

# "Show incidents": the clicked chart, its page's filters and its last clicked element, read in the browser
# (the page's store and the ranking grid are found by id, whichever page is open)
clientside_callback(
    """
    function(clicks) {
        const ctx = window.dash_clientside.callback_context;
        const trig = ctx.triggered && ctx.triggered[0];
        if (!trig || !trig.value) { return window.dash_clientside.no_update; }
        const id = JSON.parse(trig.prop_id.slice(0, trig.prop_id.lastIndexOf(".")));
        const rule = %s[id.chart];
        const api = window.dash_component_api;
        if (!rule || !api) { return window.dash_clientside.no_update; }
        const props = key => { const c = api.getLayout(key); return (c && c.props) || {}; };
        let point = null;
        if (rule[1]) {
            const grid = props(rule[1]), cell = grid.cellClicked, rows = grid.rowData || [];
            const row = cell && cell.rowId != null ? rows[Number(cell.rowId)] : null;
            point = row ? {location: row.code} : null;
        } else {
            const graph = props({chart: id.chart, part: "graph"}), data = graph.clickData;
            if (data && data.points && data.points.length) {
                const p = data.points[0], traces = (graph.figure && graph.figure.data) || [];
                point = {x: p.x, y: p.y, location: p.location, customdata: p.customdata,
                         name: (traces[p.curveNumber] || {}).name};
            }
        }
        return {chart: id.chart, filters: props(rule[0] + "-filters").data || null, point: point, at: Date.now()};
    }
    """ % json.dumps({k: [r.page, r.grid] for k, r in CLICK_RULES.items()}),
    Output(PICK, "data"),
    Input({"chart": ALL, "part": "incidents"}, "n_clicks"),
    prevent_initial_call=True,
)


@callback(Output(MODAL, "is_open"), Output(TITLE, "children"), Output(QUERY, "data"),
          Output(CURSORS, "data", allow_duplicate=True), Input(PICK, "data"), prevent_initial_call=True)
def open_incidents(pick: Any) -> tuple:
    """Open the modal on the selection; its title says in words what is shown and how many. (The grid keeps
    the sort and column filters the user chose last: they apply to the new selection.)"""
    engine = context.engine()
    q = selection(engine, pick)
    if isinstance(q, str):
        return True, q, None, None
    names = dict(zip(queries.regions(engine)["code"], queries.regions(engine)["name"]))
    n = inc.count(engine, q)
    return True, f"{describe(q, names)}: {n:,} incident{'' if n == 1 else 's'}", inc.to_params(q), None


def _bounds(request: Any) -> tuple[int, int] | None:
    start, end = (request.get("startRow"), request.get("endRow")) if isinstance(request, dict) else (None, None)
    ok = all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end))
    return (start, end) if ok and 0 <= start < end <= start + 500 else None


def rows_for(engine: Any, q: inc.IncidentQuery, start: int, size: int, known: dict[str, str]) -> tuple[list, str | None]:
    """`size` rows from position `start`: from the cursor kept for it, else walked by key from the nearest
    position before it that has one (the grid asks block after block, so this is rare)."""
    if start == 0 or str(start) in known:
        return inc.page(engine, q, known.get(str(start)) if start else None, size)
    at = max([int(k) for k in known if int(k) < start] or [0])
    cursor = known.get(str(at)) if at else None
    while at < start:
        step = min(WALK, start - at)
        rows, cursor = inc.page(engine, q, cursor, step)
        at += len(rows)
        if cursor is None:
            return [], None
    return inc.page(engine, q, cursor, size)


@callback(Output(GRID, "getRowsResponse"), Output(CURSORS, "data"), Output(SHOWN, "children"), Output(CSV, "href"),
          Output(XLSX, "href"), Input(GRID, "getRowsRequest"), State(QUERY, "data"), State(CURSORS, "data"),
          prevent_initial_call=True)
def get_rows(request: Any, params: Any, cursors: Any) -> tuple:
    """One block of rows for the grid, in the grid's sort and with its filters; the cursor of the next block
    is kept in a store, so the next request seeks straight to it."""
    engine = context.engine()
    bounds = _bounds(request)
    years, regions, sources = _choices(engine)
    try:
        base = inc.from_params(params, years, regions, sources) if isinstance(params, dict) else None
    except inc.BadQuery:
        base = None
    if base is None or bounds is None:  # no selection: nothing to show or download
        return {"rowData": [], "rowCount": 0}, None, "", None, None
    start, end = bounds
    q = grid_query(base, request.get("sortModel"), request.get("filterModel"), regions)
    if q is None:
        return {"rowData": [], "rowCount": 0}, None, "No incident matches the table's filters.", None, None
    key = json.dumps([inc.to_params(q)], sort_keys=True)
    known = cursors["at"] if isinstance(cursors, dict) and cursors.get("key") == key and \
        isinstance(cursors.get("at"), dict) else {}
    known = {k: v for k, v in known.items() if isinstance(k, str) and k.isdigit() and isinstance(v, str)}
    try:
        rows, cursor = rows_for(engine, q, start, end - start, known)
    except inc.BadCursor:  # a kept cursor no longer fits: start again from the top
        rows, cursor, known = [], None, {}
    if cursor is not None:
        known[str(start + len(rows))] = cursor
    response = {"rowData": rows, "rowCount": -1 if cursor is not None else start + len(rows)}
    if start != 0:
        return response, {"key": key, "at": known}, no_update, no_update, no_update
    filtered = q.city != base.city or q.filters != base.filters
    if not filtered:
        shown = ""
    elif inc.counts_quickly(q):
        shown = f"{inc.count(engine, q):,} match the table's filters."
    else:  # counting a city's rows takes seconds at millions of rows: the grid learns it at its end instead
        shown = "Filtered by city: the number of rows is known once the table is scrolled to its end."
    query = "?" + urlencode(inc.to_params(q))
    return response, {"key": key, "at": known}, shown, "/download/incidents.csv" + query, "/download/incidents.xlsx" + query


# ---------------------------------------------------------------- downloads

def register_routes(server: flask.Flask) -> None:
    """/download/incidents.csv and .xlsx: every matching row, streamed; the query parameters of the page URLs
    plus year, month, half, country, city, sort and dir (dashboard.incidents.from_params); 400 when one is
    not allowed."""
    if "incidents_csv" in server.view_functions:
        return

    def download(kind: str) -> flask.Response:
        engine = context.engine()
        args = flask.request.args
        try:
            if any(len(args.getlist(k)) > 1 for k in args):
                raise inc.BadQuery("give each parameter once")
            q = inc.from_params(args.to_dict(), *_choices(engine))
        except inc.BadQuery as exc:
            return flask.Response(f"Bad request: {exc}\n", status=400, mimetype="text/plain")
        name = safe_filename(f"jewelcrime_incidents_{dt.date.today():%Y%m%d}") + f".{kind}"
        body, mimetype = ((inc.iter_csv(engine, q), "text/csv") if kind == "csv" else
                          (inc.iter_xlsx(engine, q), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        return flask.Response(body, mimetype=mimetype, headers={
            "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})

    server.add_url_rule("/download/incidents.csv", "incidents_csv", lambda: download("csv"))
    server.add_url_rule("/download/incidents.xlsx", "incidents_xlsx", lambda: download("xlsx"))
