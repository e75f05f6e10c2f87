"""Map: U.S. states and Canadian provinces from low to high crime."""
from __future__ import annotations

from typing import Any

import dash
import pandas as pd
from dash import Input, Output, State, callback, html, no_update

from dashboard import context, controls, figures, metrics, queries, state
from dashboard.components import PAGE_LOCATION, ChartResult, chart_card, chart_outputs, part, render

PAGE = "map"
CHART = "map"
FILTERS = controls.cid(PAGE, "filters")
PARAMS = ["year_from", "year_to", "category", "subtype", "source", "metric"]

dash.register_page(__name__, path="/map", name="Map", title="Crime map · Jewelry Crime Analytics", order=1)


def current(query: dict[str, Any]) -> state.Filters:
    engine = context.engine()
    return state.parse(query, queries.years(engine), queries.regions(engine)["code"], sources=queries.sources(engine))


def layout(**query: Any) -> html.Div:
    f = current(query)
    years = queries.years(context.engine())
    return html.Div([
        html.H1("Crime map: states and provinces", className="h3"),
        html.P("Each state and province is coloured from low to high crime in five classes. The class breaks are fixed "
               "for each measure and crime type, so the colours mean the same in every year. Grey means no data, "
               "not low crime. Click a region for its risk page.", className="text-muted"),
        controls.filter_row(controls.year_range(PAGE, years, f), controls.crime_type(PAGE, f), controls.source(PAGE, f, queries.sources(context.engine())),
                            controls.metric(PAGE, f)),
        controls.store(PAGE, f),
        chart_card(CHART, "Crime by state and province", height=580),
    ])


def build(filters: dict[str, Any]) -> ChartResult:
    """Filters -> the map and the rows it draws (a plain function: tested without a browser)."""
    f = current(filters)
    engine = context.engine()
    regions = queries.regions(engine)
    counts = queries.region_year_counts(engine, f)
    if f.year_from is None:
        return ChartResult(figures.empty("No incident data loaded"), pd.DataFrame(), "No incident data is loaded.")
    breaks = metrics.fixed_breaks(counts, regions, f.metric)
    table = metrics.region_table(counts, regions, f, breaks)
    label = state.METRICS[f.metric] + (" per year" if f.year_from != f.year_to and f.metric in ("incidents", "losses") else "")
    fig = figures.map_figure(table, breaks, label, f.metric)
    rows = table[["code", "name", "country", "value", "rank", "risk_label", "incidents_total", "losses_total",
                  "last_year", "prior_year", "change_pct", "population", "businesses"]].rename(
        columns={"value": f.metric, "risk_label": "risk_class", "last_year": f"incidents_{f.year_to}",
                 "prior_year": f"incidents_{f.year_to - 1}", "change_pct": "change_pct_on_prior_year"})
    ranked = table[table["value"].notna()]
    no_data = int(table["value"].isna().sum())
    if ranked.empty:
        summary = f"No state or province has data for {f.describe()}."
    else:
        top = ranked.iloc[0]
        summary = (f"Map of {len(ranked)} states and provinces by {label.lower()} ({f.describe()}): highest is "
                   f"{top['name']} with {figures.fmt_value(top['value'], f.metric)}; {no_data} have no data.")
    status = queries.data_status(engine, f.source)
    source = status["source_line"]
    if f.metric == "per_million":
        source += "; population: U.S. Census Bureau and Statistics Canada estimates"
    elif f.metric == "per_100_businesses":
        source += "; business counts: SIC 5944 (2003), where published"
    return ChartResult(fig, rows, summary, source, f"Data {status['range']}; showing {f.describe()}",
                       status["is_sample"])


@callback(*chart_outputs(CHART), Input(FILTERS, "data"))
def update_map(filters: dict[str, Any]) -> tuple:
    return render(build(filters or {}))


@callback(Output(PAGE_LOCATION, "pathname", allow_duplicate=True), Output(PAGE_LOCATION, "search", allow_duplicate=True),
          Input(part(CHART, "graph"), "clickData"), State(FILTERS, "data"), prevent_initial_call=True)
def open_region(click: dict | None, filters: dict[str, Any]) -> tuple:
    """A click on a region opens its regional risk page with the same years and crime type."""
    if not click or not click.get("points"):
        return no_update, no_update
    code = str(click["points"][0].get("location", ""))
    f = current(filters or {})
    if code not in set(queries.regions(context.engine())["code"]):
        return no_update, no_update
    return "/risk", state.Filters(f.year_from, f.year_to, f.category, f.subtype, f.source, f.metric,
                                  region=code).query()


controls.sync_url(PAGE, PARAMS)
