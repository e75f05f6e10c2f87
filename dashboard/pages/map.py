"""Map: U.S. states and Canadian provinces from low to high crime, jewelry crime or general crime."""
from __future__ import annotations

from typing import Any

import dash
import pandas as pd
from dash import Input, Output, State, callback, html, no_update

from dashboard import context, controls, figures, metrics, metrics_context, metrics_ranking, queries, ranking_card, state
from dashboard.components import PAGE_LOCATION, ChartResult, chart_card, chart_outputs, part, render
from etl.stats import fmt_change
from etl.context import COVERAGE_THRESHOLD_PCT

PAGE = "map"
CHART = "map"
FILTERS = controls.cid(PAGE, "filters")
PARAMS = ["year_from", "year_to", "category", "subtype", "source", "metric", "layer", "context", "base_year"]
POPULATION_SOURCE = "population: U.S. Census Bureau and Statistics Canada estimates"

dash.register_page(__name__, path="/map", name="Map", title="Crime map · Jewelry Crime Analytics", order=1)


def current(query: dict[str, Any]) -> state.Filters:
    engine = context.engine()
    return state.parse(query, queries.years(engine), queries.regions(engine)["code"], sources=queries.sources(engine))


def layout(**query: Any) -> html.Div:
    f = current(query)
    engine = context.engine()
    years = queries.years(engine)
    title = ("General crime by state and province" if f.layer == "context" else "Crime by state and province")
    return html.Div([
        html.H1("Crime map: states and provinces", className="h3"),
        html.P("Each state and province is coloured from low to high crime in five classes. The class breaks are fixed "
               "for each measure and crime type, so the colours mean the same in every year. Grey means no data, "
               "not low crime. Switch the layer to see general crime (all crime reported, from the FBI and Statistics "
               "Canada) per 100,000 residents; the hover shows both. Click a region for its risk page.",
               className="text-muted"),
        controls.filter_row(controls.layer(PAGE, f), controls.context_measure(PAGE, f)),
        controls.filter_row(controls.year_range(PAGE, years, f), controls.crime_type(PAGE, f),
                            controls.source(PAGE, f, queries.sources(engine)), controls.metric(PAGE, f),
                            controls.base_year(PAGE, years, f, label="Ranking: change since")),
        controls.store(PAGE, f),
        chart_card(CHART, title, height=580),
        ranking_card.card(),
    ])


def _years_text(f: state.Filters) -> str:
    return str(f.year_to) if f.year_from == f.year_to else f"{f.year_from}-{f.year_to}"


def general_table(f: state.Filters, regions: pd.DataFrame, classes: bool = True) -> tuple[pd.DataFrame, list[float]]:
    """The general-crime measure for every state and province over the selected years, with NIBRS coverage
    of the last selected year, and (with `classes`) the measure's fixed class breaks."""
    engine = context.engine()
    # the selected years and the one before (for the change on the prior year)
    region_years = queries.context_region_years(engine, f.context, min(f.year_from, f.year_to - 1), f.year_to)
    breaks = metrics_context.context_breaks(queries.context_rates(engine, f.context)) if classes else []
    table = metrics_context.context_table(region_years, regions, f.year_from, f.year_to, breaks)
    return metrics_context.with_coverage(table, queries.context_coverage(engine, f.year_to)), breaks


def _general_line(r: Any, measure: str) -> str:
    if pd.isna(r.rate):
        return f"<br>General {measure}: no figure loaded"
    kind = metrics_context.DATASETS.get(str(r.dataset), str(r.dataset))
    return (f"<br>General {measure}: {metrics_context.fmt_rate(r.rate)} per 100,000 "
            f"({metrics_context.rank_text(r.rank, r.ranked)}; {kind})")


def _jewelry_line(r: Any, sample: bool = False) -> str:
    if pd.isna(r.value):
        return "<br>Jewelry crime: no data for this selection"
    return (f"<br>Jewelry crime{' (sample data)' if sample else ''}: {figures.fmt_value(r.value, 'per_million')} "
            f"incidents per million residents ({metrics_context.rank_text(r.rank, r.ranked)})")


def _general_is_sample(engine: Any) -> bool:
    """The general-crime layer draws FBI and Statistics Canada tables: sample only if one of those is."""
    batches = queries.context_batches(engine)
    return bool(len(batches) and batches["is_sample"].astype(bool).any())


def build(filters: dict[str, Any]) -> ChartResult:
    """Filters -> the map and the rows it draws (a plain function: tested without a browser)."""
    f = current(filters)
    engine = context.engine()
    regions = queries.regions(engine)
    if f.year_from is None:
        return ChartResult(figures.empty("No incident data loaded"), pd.DataFrame(), "No incident data is loaded.")
    counts = queries.region_year_counts(engine, f.jewelry())
    breaks = metrics.fixed_breaks(counts, regions, f.metric)
    table = metrics.region_table(counts, regions, f, breaks)
    per_million = table if f.metric == "per_million" else metrics.restated(table, "per_million")
    general, general_breaks = general_table(f, regions, classes=f.layer == "context")
    status = queries.data_status(engine, f.source)
    if f.layer == "context":
        return _build_context(f, general, general_breaks, per_million, status)
    measure = metrics_context.short_label(f.context)
    g = general.set_index("code")
    pm = per_million.set_index("code")
    pm_rows = {r.code: r for r in per_million.itertuples()}
    g_rows = {r.code: r for r in general.itertuples()}
    lines = [("" if f.metric == "per_million" else _jewelry_line(pm_rows[code])) + _general_line(g_rows[code], measure)
             for code in table["code"]]
    table = table.assign(more=lines)
    label = state.METRICS[f.metric] + (" per year" if f.year_from != f.year_to and f.metric in ("incidents", "losses") else "")
    fig = figures.map_figure(table, breaks, label, f.metric)
    rows = table[["code", "name", "country", "value", "rank", "risk_label", "incidents_total", "losses_total",
                  "last_year", "prior_year", "change_pct", "population", "businesses"]].rename(
        columns={"value": f.metric, "risk_label": "risk_class", "last_year": f"incidents_{f.year_to}",
                 "prior_year": f"incidents_{f.year_to - 1}", "change_pct": "change_pct_on_prior_year"})
    if f.metric != "per_million":
        rows["incidents_per_million"] = rows["code"].map(pm["value"])
    rows[f"general_{f.context}_per_100k"] = rows["code"].map(g["rate"])
    rows["general_rank"] = rows["code"].map(g["rank"])
    rows["general_source"] = rows["code"].map(g["source"])
    rows["general_release"] = rows["code"].map(g["release"])
    ranked = table[table["value"].notna()]
    no_data = int(table["value"].isna().sum())
    if ranked.empty:
        summary = f"No state or province has data for {f.describe()}."
    else:
        top = ranked.iloc[0]
        summary = (f"Map of {len(ranked)} states and provinces by {label.lower()} ({f.describe()}): highest is "
                   f"{top['name']} with {figures.fmt_value(top['value'], f.metric)}; {no_data} have no data.")
    jewelry_source = status["source_line"]
    if f.metric == "per_million":
        jewelry_source += "; " + POPULATION_SOURCE
    elif f.metric == "per_100_businesses":
        jewelry_source += "; business counts: SIC 5944 (2003), where published"
    drawn = metrics_context.sources_line(general)
    source = jewelry_source + (f"; general {measure} in the hover: {drawn}" if drawn else "")
    caveat = metrics_context.caveat(metrics_context.countries_drawn(general))
    return ChartResult(fig, rows, summary, source, f"Data {status['range']}; showing {f.describe()}",
                       status["is_sample"], caveat=caveat, export_source=jewelry_source)


def _build_context(f: state.Filters, general: pd.DataFrame, breaks: list[float], per_million: pd.DataFrame,
                   status: dict[str, Any]) -> ChartResult:
    """The general-crime layer: rates per 100,000 in fixed classes, jewelry crime in the hover."""
    engine = context.engine()
    measure = metrics_context.short_label(f.context)
    years = _years_text(f)
    per_year = " (average of the years)" if f.year_from != f.year_to else ""
    label = f"General {measure} per 100,000 residents{per_year}"
    pm = per_million.set_index("code")
    t = general.copy()
    t["value"] = t["rate"]
    t["reliable"] = True
    prior = f.year_to - 1
    t["change_text"] = [f"{fmt_change(c)} ({prior} to {f.year_to})" if pd.notna(c) else f"no {prior} figure to compare"
                        for c in t["change_pct"]]
    pm_rows = {r.code: r for r in per_million.itertuples()}
    more = []
    for r in t.itertuples():
        text = _jewelry_line(pm_rows[r.code], bool(status["is_sample"]))
        cover = metrics_context.coverage_text(r.coverage_pct, r.dataset if isinstance(r.dataset, str) else None)
        if cover:
            text += "<br>" + cover
        if isinstance(r.dataset, str):
            text += "<br>" + metrics_context.DATASETS.get(r.dataset, r.dataset)
        more.append(text)
    t["more"] = more
    low = t[t["low_coverage"] & t["rate"].notna()]
    outline_label = f"NIBRS covers under {COVERAGE_THRESHOLD_PCT:g}% of residents"
    fig = figures.map_figure(t, breaks, label, "rate", outline=list(low["code"]), outline_label=outline_label)
    rows = t[["code", "name", "country", "rate", "rank", "risk_label", "count", "rate_last", "rate_prior",
              "change_pct", "years", "dataset", "source", "release", "comparable", "coverage_pct",
              "low_coverage"]].rename(columns={
                  "rate": f"{f.context}_per_100k", "risk_label": "risk_class", "count": f"{f.context}_count_per_year",
                  "rate_last": f"rate_{f.year_to}", "rate_prior": f"rate_{prior}",
                  "change_pct": "change_pct_on_prior_year", "years": "years_with_figures",
                  "comparable": "cross_border_comparable", "coverage_pct": "nibrs_coverage_pct",
                  "low_coverage": "low_nibrs_coverage"})
    rows["jewelry_per_million"] = rows["code"].map(pm["value"])
    rows["jewelry_rank"] = rows["code"].map(pm["rank"])
    drawn = t[t["rate"].notna()]
    no_data = len(t) - len(drawn)
    if drawn.empty:
        have = queries.context_years(engine, f.context)
        loaded = f"loaded years: {have[0]}-{have[-1]}" if have else "no FBI or Statistics Canada table is loaded"
        summary = f"No state or province has a general {measure} figure for {years} ({loaded})."
    else:
        top = drawn.iloc[0]
        summary = (f"Map of {len(drawn)} states and provinces by general {measure} per 100,000 residents ({years}): "
                   f"highest is {top['name']} with {metrics_context.fmt_rate(top['rate'])}; {no_data} have no data"
                   + (f"; {len(low)} with NIBRS coverage under {COVERAGE_THRESHOLD_PCT:g}% of residents "
                      f"{'is' if len(low) == 1 else 'are'} outlined" if len(low) else "") + ".")
    drawn_sources = metrics_context.sources_line(t)
    general_source = f"General crime: {drawn_sources}" if drawn_sources else "General crime: no table loaded"
    source = f"{general_source}; jewelry crime in the hover: {status['source_line']}; {POPULATION_SOURCE}"
    date_range = (f"General crime {years}; jewelry data {status['range']} ({f.describe()}, in the hover); "
                  f"showing general {measure} per 100,000 residents, {years}")
    caveat = metrics_context.caveat(metrics_context.countries_drawn(t))
    return ChartResult(fig, rows, summary, source, date_range, _general_is_sample(engine), caveat=caveat,
                       export_source=f"{general_source}. {caveat}" if caveat else general_source)


def build_ranking(filters: dict[str, Any]) -> tuple[pd.DataFrame, str]:
    """Filters -> the ranking rows (metrics_ranking) and a sentence saying what they show."""
    f = current(filters)
    engine = context.engine()
    if f.year_from is None:
        return pd.DataFrame(columns=metrics_ranking.COLUMNS), "No incident data is loaded."
    rows = metrics_ranking.ranking(queries.region_year_counts(engine, f.jewelry()), queries.regions(engine), f)
    if rows.empty:
        return rows, f"No state or province has incidents for {f.describe()}."
    rose, more = rows[rows["change_pct"] > 0], rows[rows["change_abs"] > 0].sort_values("change_abs", ascending=False)
    if len(rose):
        top = rose.iloc[0]
        lead = (f"fastest rise: {top['name']} ({top['change_pct']:+.1f}%, {int(top['base_incidents']):,} to "
                f"{int(top['last_incidents']):,})")
    elif len(more):  # rises only from zero: no percentage, the count says it
        top = more.iloc[0]
        lead = (f"none rose by a percentage; the largest increase: {top['name']} ({int(top['base_incidents']):,} to "
                f"{int(top['last_incidents']):,})")
    else:
        lead = "none rose"
    summary = (f"{len(rows)} states and provinces with incidents ({f.describe()}), ranked by the change from "
               f"{f.base_year} to {f.year_to}: {lead}; {int(rows['significant'].sum())} significant.")
    return rows, summary


@callback(Output(ranking_card.GRID, "rowData"), Output(ranking_card.GRID, "columnDefs"),
          Output(ranking_card.SUMMARY, "children"), Input(FILTERS, "data"))
def update_ranking(filters: dict[str, Any]) -> tuple:
    rows, summary = build_ranking(filters or {})
    f = current(filters or {})
    return ranking_card.records(rows), ranking_card.column_defs(f.base_year, f.year_to), summary


@callback(Output(ranking_card.DOWNLOAD, "data"), Input(ranking_card.CSV, "n_clicks"),
          Input(ranking_card.XLSX, "n_clicks"), State(ranking_card.GRID, "virtualRowData"), State(FILTERS, "data"),
          prevent_initial_call=True)
def download_ranking(_csv: int | None, _xlsx: int | None, shown: list[dict] | None, filters: dict[str, Any]) -> Any:
    """Exactly the rows the grid shows (after its sorting and filtering)."""
    kind = "xlsx" if dash.ctx.triggered_id == ranking_card.XLSX else "csv"
    if not isinstance(shown, list) or not all(isinstance(r, dict) for r in shown):
        shown = ranking_card.records(build_ranking(filters or {})[0])
    f = current(filters or {})
    return ranking_card.download(shown, kind, f"ranking_{f.base_year}_{f.year_to}")


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
