"""Map page: U.S. states and Canadian provinces from low to high crime, and their ranking (charts in
dashboard.charts.map)."""
from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, callback, html, no_update

from dashboard import context, controls, queries, ranking_card, state
from dashboard.charts import map as charts
from dashboard.charts.map import CHART, TITLES
from dashboard.components import PAGE_LOCATION, chart_card, chart_outputs, part, render

PAGE = "map"
FILTERS = controls.cid(PAGE, "filters")
PARAMS = ["year_from", "year_to", "category", "subtype", "source", "metric", "layer", "context", "base_year"]

dash.register_page(__name__, path="/map", name="Map", title="Crime map · Jewelry Crime Analytics", order=1)


def layout(**query: Any) -> html.Div:
    engine = context.engine()
    f = charts.current(engine, query)
    years = queries.years(engine)
    title = TITLES.get(f.layer, TITLES["jewelry"])
    return html.Div([
        html.H1("Crime map: states and provinces", className="h3"),
        html.P("Each state and province is coloured from low to high crime in five classes. The class breaks are fixed "
               "for each measure and crime type, so the colours mean the same in every year. Grey means no data, "
               "not low crime. Switch the layer to see general crime (all crime reported, from the FBI and Statistics "
               "Canada) per 100,000 residents; the hover shows both. Classes are per million residents unless you "
               "pick another measure. 'Change since the base year' colours each region by its percent change, "
               "blue for falls and red for rises; a ring marks a change on fewer than 10 incidents or one a "
               "Poisson test cannot tell from chance. Per 100 jewelry businesses uses the Census 2023 store "
               "counts (U.S. only, 2020 onward). Click a region for its risk page.",
               className="text-muted"),
        controls.filter_row(controls.layer(PAGE, f), controls.context_measure(PAGE, f)),
        controls.filter_row(controls.year_range(PAGE, years, f), controls.crime_type(PAGE, f),
                            controls.source(PAGE, f, queries.sources(engine)), controls.metric(PAGE, f, with_change=True),
                            controls.base_year(PAGE, years, f, label="Ranking: change since")),
        controls.store(PAGE, f),
        ranking_card.view_switch(),
        chart_card(CHART, title, height=580),
        ranking_card.card(switch=False),
    ])


@callback(Output(ranking_card.GRID, "rowData"), Output(ranking_card.GRID, "columnDefs"),
          Output(ranking_card.SUMMARY, "children"), Input(FILTERS, "data"))
def update_ranking(filters: dict[str, Any]) -> tuple:
    engine = context.engine()
    rows, summary = charts.build_ranking(engine, filters or {})
    f = charts.current(engine, filters or {})
    return ranking_card.records(rows), ranking_card.column_defs(f.base_year, f.year_to), summary


@callback(Output(ranking_card.DOWNLOAD, "data"), Input(ranking_card.CSV, "n_clicks"),
          Input(ranking_card.XLSX, "n_clicks"), State(ranking_card.GRID, "virtualRowData"), State(FILTERS, "data"),
          prevent_initial_call=True)
def download_ranking(_csv: int | None, _xlsx: int | None, shown: list[dict] | None, filters: dict[str, Any]) -> Any:
    """Exactly the rows the grid shows (after its sorting and filtering)."""
    kind = "xlsx" if dash.ctx.triggered_id == ranking_card.XLSX else "csv"
    if not isinstance(shown, list) or not all(isinstance(r, dict) for r in shown):
        shown = ranking_card.records(charts.build_ranking(context.engine(), filters or {})[0])
    f = charts.current(context.engine(), filters or {})
    return ranking_card.download(shown, kind, f"ranking_{f.base_year}_{f.year_to}")


@callback(*chart_outputs(CHART), Input(FILTERS, "data"))
def update_map(filters: dict[str, Any]) -> tuple:
    return render(charts.build(context.engine(), filters or {}))


@callback(Output(PAGE_LOCATION, "pathname", allow_duplicate=True), Output(PAGE_LOCATION, "search", allow_duplicate=True),
          Input(part(CHART, "graph"), "clickData"), State(FILTERS, "data"), prevent_initial_call=True)
def open_region(click: dict | None, filters: dict[str, Any]) -> tuple:
    """A click on a region opens its regional risk page with the same years and crime type."""
    if not click or not click.get("points"):
        return no_update, no_update
    code = str(click["points"][0].get("location", ""))
    engine = context.engine()
    f = charts.current(engine, filters or {})
    if code not in set(queries.regions(engine)["code"]):
        return no_update, no_update
    return "/risk", state.Filters(f.year_from, f.year_to, f.category, f.subtype, f.source, f.metric,
                                  region=code).query()


controls.sync_url(PAGE, PARAMS)
