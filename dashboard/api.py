"""The read-only HTTP API, /api/v1/: the rows of every chart, the ranking, the incidents, the checked claims
and general crime, as CSV or JSON, with the pages' own filters checked strictly (dashboard.api_params);
an OpenAPI 3.1 description and a page documenting it, both made from the same parameter table.

GET only; nothing here writes. The database is the running app's (dashboard.context.engine()).
"""
from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any, Iterator, Mapping

import flask
import numpy as np
import pandas as pd
from flask import Blueprint, Response, render_template, request, stream_with_context, url_for
from werkzeug.exceptions import HTTPException

from dashboard import api_params as ap, charts, components, context, incidents as incident_list, queries
from dashboard.api_params import ENDPOINTS, ParamError
from dashboard.charts.map import build_ranking
from dashboard.chart_result import safe_filename
from dashboard.metrics_ranking import COLUMNS as RANKING_COLUMNS
from dashboard.ranking_card import DECIMALS as RANKING_DECIMALS
from etl.context import CAVEAT as GENERAL_CAVEAT, MEASURES as GENERAL_MEASURES

bp = Blueprint("api", __name__, url_prefix="/api", template_folder="templates")
DATA_CACHE = "public, max-age=60"  # the data change when the ETL loads a file: a minute's staleness at most
DOCS_CACHE = "public, max-age=300"


def register(server: flask.Flask) -> None:
    """Serve /api/v1/ from this Flask app (twice is once)."""
    if bp.name in server.blueprints:
        return
    server.register_blueprint(bp)
    server.register_error_handler(404, _http_error)
    server.register_error_handler(405, _http_error)


# ---------------------------------------------------------------- responses

def _plain(value: Any) -> Any:
    """Anything a builder returns -> plain JSON values: NaN, NA and infinities as null, numpy scalars as Python
    ones, dates as ISO text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def _json(body: Any, status: int = 200, cache: str = DATA_CACHE) -> Response:
    text = json.dumps(_plain(body), ensure_ascii=False, allow_nan=False)
    response = Response(text, status, mimetype="application/json")
    response.headers["Cache-Control"] = cache if status == 200 else "no-store"
    if status == 200:
        response.add_etag()
        response.make_conditional(request)
    return response


def _attachment(name: str, ext: str) -> str:
    return f'attachment; filename="{safe_filename(name)}.{ext}"'


def _csv(text: str, name: str) -> Response:
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = _attachment(name, "csv")
    response.headers["Cache-Control"] = DATA_CACHE
    response.add_etag()
    return response.make_conditional(request)


@bp.errorhandler(ParamError)
def _param_error(exc: ParamError) -> Response:
    return _json(exc.body(), exc.status)


def _http_error(exc: HTTPException) -> Any:
    """JSON for the API's 404 and 405; every other path keeps the framework's own answer."""
    if request.path != "/api" and not request.path.startswith("/api/"):
        return exc
    response = _json({"error": exc.description if exc.code != 404 else f"no such endpoint: {request.path[:80]}",
                      "parameter": None, "status": exc.code}, exc.code or 500)
    if exc.code == 405:
        response.headers["Allow"] = "GET, HEAD, OPTIONS"
    return response


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> Any:
    """A bug is still a JSON answer (and logged), never an HTML page."""
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    flask.current_app.logger.exception("API error on %s", request.full_path)
    return _json({"error": "internal error: the request could not be answered", "parameter": None}, 500)


def _args() -> dict[str, list[str]]:
    return {k: request.args.getlist(k) for k in request.args.keys()}


def _check(endpoint: ap.Endpoint, fmt: str, required: tuple[str, ...] = (), parser: ap.Parser | None = None
           ) -> dict[str, Any]:
    names = tuple(n for n in endpoint.params if fmt == "json" or n not in endpoint.json_only)
    return ap.check(context.engine(), _args(), endpoint, names, required, parser)


# ---------------------------------------------------------------- charts

def _chart(chart_id: str) -> Any:
    found = charts.registry()
    if chart_id not in found:
        raise ParamError("chart_id", f"unknown chart {chart_id[:60]!r}", list(found), status=404)
    return found[chart_id]


@bp.get("/v1/charts/<chart_id>.<any(csv, json):fmt>")
def chart_data(chart_id: str, fmt: str) -> Response:
    chart = _chart(chart_id)
    checked = _check(ap.chart_endpoint(context.engine(), chart), fmt, ap.PAGE_REQUIRED.get(chart.page, ()),
                     ap.chart_parser(chart))
    result = chart.build(context.engine(), ap.query_of(checked))
    # the card's own 'Download CSV' text and rows (components.table_csv, components.records), so they never differ
    if fmt == "csv":
        return _csv(components.table_csv(result), f"jewelcrime_{chart.id}_{dt.date.today():%Y%m%d}")
    return _json({"chart": chart.id, "title": chart.title, "summary": result.summary, "source": result.source,
                  "date_range": result.date_range, "sample_data": bool(result.sample), "filters": checked,
                  "rows": components.records(result.rows)})


# ---------------------------------------------------------------- the ranking, claims, general crime

@bp.get("/v1/ranking.<any(csv, json):fmt>")
def ranking(fmt: str) -> Response:
    endpoint = ENDPOINTS["/ranking.{fmt}"]
    checked = _check(endpoint, fmt)
    rows, summary = build_ranking(context.engine(), ap.query_of(checked))
    # rounded as the map page's ranking grid shows them (and its CSV gives them)
    records = components.records(rows.reindex(columns=RANKING_COLUMNS).round(RANKING_DECIMALS))
    if fmt == "csv":
        f = ap.filters(context.engine(), checked, endpoint)
        return _csv(components.csv_text(records, RANKING_COLUMNS), f"jewelcrime_ranking_{f.base_year}_{f.year_to}")
    return _json({"ranking": "change since the base year", "summary": summary, "filters": checked, "rows": records})


@bp.get("/v1/claims.json")
def claims() -> Response:
    _check(ENDPOINTS["/claims.{fmt}"], "json")
    return _json({"claims": queries.headline_figures(context.engine())})


@bp.get("/v1/context.<any(csv, json):fmt>")
def general_crime(fmt: str) -> Response:
    engine = context.engine()
    endpoint = ENDPOINTS["/context.{fmt}"]
    if not ap.allowed(engine, "context_years"):
        raise ParamError(None, "no general-crime table (FBI or Statistics Canada) is loaded", status=404, rows=[])
    checked = _check(endpoint, fmt)
    measure = checked.get("measure", ap.PARAMS["measure"].default)
    codes = checked["region"].split(",") if "region" in checked else []
    rows = queries.context_region_years(engine, measure, checked.get("year_from"),
                                        checked.get("year_to", checked.get("year_from")),
                                        codes[0] if len(codes) == 1 else None)
    if len(codes) > 1:
        rows = rows[rows["code"].isin(codes)]
    columns = [str(c) for c in rows.columns]
    records = components.records(rows.reset_index(drop=True))
    if fmt == "csv":
        return _csv(components.csv_text(records, columns), f"jewelcrime_context_{measure}")
    message = "" if records else f"No general {GENERAL_MEASURES[measure].lower()} figures for these years and places."
    return _json({"measure": measure, "label": GENERAL_MEASURES[measure], "filters": checked,
                  "caveat": GENERAL_CAVEAT, "message": message, "rows": records})


# ---------------------------------------------------------------- incidents

@bp.get("/v1/incidents.<any(csv, json):fmt>")
def incidents(fmt: str) -> Response:
    engine = context.engine()
    endpoint = ENDPOINTS["/incidents.{fmt}"]
    checked = _check(endpoint, fmt)
    try:
        q = incident_list.IncidentQuery(
            ap.filters(engine, checked, endpoint), country=checked.get("country", ""),
            sort=checked.get("sort", "occurred_on"), descending=checked.get("dir", "desc") == "desc",
            year=checked.get("year"), month=checked.get("month"), half=checked.get("half"),
            city=checked.get("city", ""), no_subtype=checked.get("subtype") == ap.NO_SUBTYPE)
    except incident_list.BadQuery as exc:  # a rule of the incident list the table above does not know
        raise ParamError(None, str(exc)) from None
    if fmt == "csv":
        lines: Iterator[str] = incident_list.iter_csv(engine, q)
        response = Response(stream_with_context(lines), mimetype="text/csv")
        response.headers["Content-Disposition"] = _attachment(f"jewelcrime_incidents_{dt.date.today():%Y%m%d}", "csv")
        response.headers["Cache-Control"] = DATA_CACHE
        return response
    try:
        rows, cursor = incident_list.page(engine, q, after=checked.get("after"), size=checked.get("page_size", 100))
    except incident_list.BadCursor as exc:
        raise ParamError("after", f"after is not a cursor of this list: {exc}") from None
    args = {**{k: v for k, v in request.args.items() if k != "after"}, **({"after": cursor} if cursor else {})}
    return _json({"rows": rows, "next": cursor,
                  "next_url": url_for(".incidents", fmt="json", _external=True, **args) if cursor else None,
                  # a city filter is counted row by row (seconds at millions of rows): only on the first page
                  "total": incident_list.count(engine, q) if incident_list.counts_quickly(q) or not checked.get("after")
                  else None, "filters": checked})


# ---------------------------------------------------------------- the description and the docs page

SCHEMAS = {"charts": "ChartData", "ranking": "Ranking", "incidents": "IncidentPage", "claims": "Claims",
           "context": "GeneralCrime", "openapi": "OpenAPI"}


def _schema(d: ap.Described) -> dict[str, Any]:
    if d.kind == "boolean":
        return {"type": "string", "enum": [*ap.TRUE, *ap.FALSE]}
    one: dict[str, Any] = {"type": "integer" if d.kind == "integer" else "string"}
    if d.listed and d.values:
        one["enum"] = list(d.values)
    elif not d.listed and d.kind != "integer":
        one["maxLength"] = d.length
    if d.minimum is not None:
        one.update(minimum=d.minimum, maximum=d.maximum)
    if d.default is not None:
        one["default"] = d.default
    return {"type": "array", "items": one} if d.several else one


def _parameter(d: ap.Described) -> dict[str, Any]:
    doc = d.doc + (" None is loaded, so any value is refused." if d.listed and not d.values else "")
    out = {"name": d.name, "in": "query", "required": False, "description": doc, "schema": _schema(d)}
    if d.several:
        out.update(style="form", explode=False)  # ?region=CA,TX
    return out


def _error(what: str) -> dict[str, Any]:
    return {"description": what, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _operation(endpoint: ap.Endpoint, fmt: str, params: list[ap.Described], extra: dict[str, Any]) -> dict[str, Any]:
    name = endpoint.path.strip("/").split(".")[0].split("/")[0]
    ok = ({"text/csv": {"schema": {"type": "string"}}} if fmt == "csv" else
          {"application/json": {"schema": {"$ref": f"#/components/schemas/{SCHEMAS[name]}"}}})
    op = {"summary": endpoint.summary, "operationId": f"{name}_{fmt}",
          "parameters": [_parameter(d) for d in params if fmt == "json" or not d.json_only],
          "responses": {"200": {"description": "OK", "content": ok},
                        "400": _error("A parameter is unknown, repeated, malformed or not allowed."),
                        "404": _error("No such chart, or no data of this kind loaded."),
                        "405": _error("Only GET is answered.")}}
    return {**op, **extra}


def openapi_document(engine: Any, found: Mapping[str, Any]) -> dict[str, Any]:
    """The OpenAPI 3.1 description, from the parameter table and the values allowed now."""
    out: dict[str, Any] = {}
    every, each = ap.chart_endpoints(engine, found)
    chart_id = {"name": "chart_id", "in": "path", "required": True, "description": "The chart's id.",
                "schema": {"type": "string", "enum": list(found)}}
    for endpoint in ENDPOINTS.values():
        extra: dict[str, Any] = {}
        if endpoint.path == ap.CHARTS:
            endpoint = every
            extra = {"x-parameters-by-chart": {cid: list(e.params) for cid, e in each.items()},
                     "x-several-regions": [cid for cid, e in each.items() if e.several_regions]}
        params = ap.described(engine, endpoint)
        for fmt, path in ap.paths(endpoint):
            op = _operation(endpoint, fmt, params, extra)
            if endpoint.path == ap.CHARTS:
                op["parameters"].insert(0, chart_id)
            out[path] = {"get": op}
    obj = {"type": "object"}
    rows = {"type": "array", "items": obj}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Jewelry Crime Analytics: read-only data API", "version": "1",
                 "description": "Every number of the dashboard as CSV or JSON, with the pages' filters, checked "
                                "strictly: an unknown or disallowed parameter is a 400 naming it."},
        "paths": out,
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error", "parameter"], "properties": {
                "error": {"type": "string"}, "parameter": {"type": ["string", "null"]},
                "allowed": {"type": "array"}}},
            "ChartData": {"type": "object", "required": ["chart", "rows"], "properties": {
                "chart": {"type": "string"}, "title": {"type": "string"}, "summary": {"type": "string"},
                "source": {"type": "string"}, "date_range": {"type": "string"}, "sample_data": {"type": "boolean"},
                "filters": obj, "rows": rows}},
            "Ranking": {"type": "object", "properties": {"summary": {"type": "string"}, "filters": obj, "rows": rows}},
            "IncidentPage": {"type": "object", "required": ["rows", "next", "total"], "properties": {
                "rows": rows, "next": {"type": ["string", "null"]}, "next_url": {"type": ["string", "null"]},
                "total": {"type": "integer"}}},
            "Claims": {"type": "object", "properties": {"claims": rows}},
            "GeneralCrime": {"type": "object", "properties": {"measure": {"type": "string"}, "filters": obj,
                                                              "caveat": {"type": "string"}, "rows": rows}},
            "OpenAPI": obj,
        }},
    }


@bp.get("/v1/openapi.json")
def openapi() -> Response:
    _check(ENDPOINTS["/openapi.{fmt}"], "json")
    return _json(openapi_document(context.engine(), charts.registry()), cache=DOCS_CACHE)


@bp.get("")
@bp.get("/")
@bp.get("/v1")
@bp.get("/v1/")
def docs() -> Response:
    engine = context.engine()
    found = charts.registry()
    every, each = ap.chart_endpoints(engine, found)
    listed = [every if e.path == ap.CHARTS else e for e in ENDPOINTS.values()]
    endpoints = [{"paths": ap.paths(e), "summary": e.summary, "params": ap.described(engine, e)} for e in listed]
    chart_rows = [{"id": c.id, "title": c.title, "page": c.page, "params": each[c.id].params,
                   "several": each[c.id].several_regions} for c in found.values()]
    base = request.host_url.rstrip("/")
    html = render_template("api.html", endpoints=endpoints, charts=chart_rows, base=base,
                           max_page_size=ap.MAX_PAGE_SIZE)
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = DOCS_CACHE
    return response


@bp.get("/<path:rest>")
def not_found(rest: str) -> Response:
    """Anything else under /api: a JSON 404 (not the dashboard's page for an unknown address)."""
    return _json({"error": f"no such endpoint: /api/{rest[:80]}", "parameter": None,
                  "endpoints": [p for e in ENDPOINTS.values() for _, p in ap.paths(e)]}, 404)
