"""Regional risk page: one state or province for a jeweler (class, rank, rate, trend, crime types,
patterns), with what to do; the charts are built in dashboard.charts.risk."""
from dataclasses import replace
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, html, no_update

from dashboard import context, controls, figures_risk, metrics, queries, state
from dashboard.charts import risk as charts
from dashboard.charts.risk import (COUNTRY, GENERAL, HOUR, LOCATION, PATTERNS, POPULATION_SOURCE, SCATTER, TOD, TOP,
                                   TREND, TYPES, WEEKDAY, Profile, _national_line, fmt_rate)
from dashboard.components import PAGE_LOCATION, ChartResult, chart_card, chart_outputs, part, render
from dashboard.guidance_content import guidance_card, resource_links
from dashboard.theme import CLASS_COLOURS

PAGE = "risk"
FILTERS = controls.cid(PAGE, "filters")
HEADLINE = "risk-headline"
GUIDE_CARDS = "risk-guidance-cards"
PARAMS = ["region", "year_from", "year_to", "category", "subtype", "source", "metric"]

dash.register_page(__name__, path="/risk", name="Regional risk", title="Regional risk · Jewelry Crime Analytics",
                   order=4)


def layout(**query: Any) -> html.Div:
    engine = context.engine()
    f = charts.current(engine, query)
    # a region without a single incident under these filters gets its 'no data' notice and the top regions instead
    if f.region and f.region in set(queries.region_year_counts(engine, f.jewelry())["code"]):
        top = dbc.Row([
            dbc.Col(html.Div(id=HEADLINE, className="mb-4", role="status"), lg=6),
            dbc.Col(chart_card(GENERAL, "General crime there: robbery, burglary and theft", height=320, note=(
                "All crime reported in the state or province (FBI estimates, Statistics Canada police-reported "
                "incidents), not crime against jewelers: each bar is its rate against the national rate, "
                "with the rate, its rank among states and provinces and the change on the prior year.")), lg=6),
        ])
        body = [
            chart_card(TREND, "Incidents per year", height=380),
            chart_card(TYPES, "Top crime types in the selected years", height=340),
            html.Div(id=GUIDE_CARDS, className="mb-4"),
            html.H2("When and where", className="h4 mt-2"),
            dbc.Row([dbc.Col(chart_card(HOUR, "Hour of day", height=300), lg=6),
                     dbc.Col(chart_card(TOD, "Time of day", height=300), lg=6),
                     dbc.Col(chart_card(LOCATION, "Type of location", height=300), lg=6),
                     dbc.Col(chart_card(WEEKDAY, "Day of the week", height=300), lg=6)]),
        ]
    else:
        top = html.Div(id=HEADLINE, className="mb-4", role="status")
        body = [chart_card(TOP, "States and provinces with the most crime", height=480,
                           note="Click a bar to open that state or province."),
                chart_card(SCATTER, "Jewelry crime against general robbery", height=480, note=(
                    "One point per state or province: incidents against jewelers per million residents (up) "
                    "against all robberies reported per 100,000 residents (across). Places above the dashed line "
                    "have more jewelry crime than their general robbery rate would suggest. Click a point to "
                    "open that state or province."))]
    return html.Div([
        html.H1("Regional risk for jewelers", className="h3"),
        html.P("How much jewelry crime a state or province sees, how it compares with its country, which crimes "
               "are most common there and when they happen, with what to do about each.", className="text-muted"),
        controls.filter_row(controls.region(PAGE, queries.regions(engine), f, width=4),
                            controls.year_range(PAGE, queries.years(engine), f), controls.source(PAGE, f, queries.sources(engine))),
        controls.filter_row(controls.crime_type(PAGE, f), controls.metric(PAGE, f)),
        controls.store(PAGE, f),
        top,
        *body,
        resource_links(),
    ])


def _years(f: state.Filters) -> str:
    return str(f.year_to) if f.year_from == f.year_to else f"{f.year_from}-{f.year_to}"


def measure_note(p: Profile, other: Profile | None) -> str:
    """How the class reads under the other measure, and why: the default (per million residents) against
    the one picked, or, on the default, against the raw count ('' when there is nothing to compare)."""
    if other is None or not other.has_data or other.rank is None or p.rank is None:
        return ""
    words = {m: label.lower() for m, label in state.METRICS.items()}
    if p.filters.metric == state.DEFAULT_METRIC:
        if other.rank == p.rank:
            return f"By number of incidents it ranks the same, {p.rank} of {p.ranked}."
        why = ("it has more people than most, and more people means more stores and more crime"
               if other.rank < p.rank else "it has fewer people than most")
        return (f"By number of incidents {p.name} ranks {other.rank} of {other.ranked} ({other.risk_label.lower()}): "
                f"{why}. Per resident, the measure risk classes use, it ranks {p.rank}.")
    return (f"This class is by {words[p.filters.metric]}. Per resident (incidents per million residents per year, "
            f"the default measure of risk classes) {p.name} is {other.risk_label.lower()}, rank {other.rank} of "
            f"{other.ranked}" + (": a count mostly follows how many people live there." if
                                  p.filters.metric == "incidents" and other.rank != p.rank else "."))


def headline(p: Profile, other: Profile | None = None) -> Any:
    f = p.filters
    if f.year_from is None:
        return dbc.Alert("No incident data is loaded yet.", color="secondary")
    if not f.region:
        return dbc.Alert([html.I(className="bi bi-geo-alt me-2"), html.Strong("Choose a state or province "),
                          "in the search box above, or click one on the map or in the chart below, to see its risk "
                          f"profile. {_national_line(p)}"], color="info", id="risk-prompt")
    if not p.has_data:
        what = replace(f, year_from=None).describe()  # crime types and source, without the years
        return dbc.Alert([html.Strong(f"No data for {p.name}. "), f"No incidents are recorded there in any year "
                          f"({what}). Try all crime types or another source. {_national_line(p)}"],
                         color="secondary", id="risk-no-data")
    metric = state.METRICS[f.metric].lower() + (" per year" if f.year_from != f.year_to and
                                                f.metric in ("incidents", "losses") else "")
    badge_text = "#212529" if (p.risk_class or 0) < 3 else "white"
    badge = html.Span(p.risk_label, className="badge fs-6 me-2 risk-class",
                      style={"backgroundColor": CLASS_COLOURS[p.risk_class] if p.risk_class is not None else "#d0d0d0",
                             "color": badge_text})
    rank = (f"Rank {p.rank} of {p.ranked} states and provinces with data, by {metric}."
            if p.rank else f"Not ranked by {metric}: the denominator is not known for {p.name}.")
    nat = p.national.get(p.country)
    if p.ratio is not None:
        rate = (f"{fmt_rate(p.per_million)} incidents per million residents per year: {p.ratio:,.1f} times the "
                f"{COUNTRY[p.country]} national rate ({fmt_rate(nat)}).")
    elif p.per_million is not None:
        rate = f"{fmt_rate(p.per_million)} incidents per million residents per year; no national rate to compare with."
    else:
        rate = "No population figure, so no rate per million residents."
    return dbc.Card(dbc.CardBody([
        html.H2(p.name, className="h4 mb-2", id="risk-region-name"),
        html.P([badge, html.Span(f"by {metric}, {_years(f)}. ", className="fw-semibold risk-measure"),
                html.Span(rank, id="risk-rank")], className="mb-2"),
        html.P(measure_note(p, other), className="small mb-2", id="risk-measure-note") if measure_note(p, other) else None,
        html.P(f"{p.incidents_total:,.0f} incidents ({f.describe()}). {rate}", className="mb-1",
               id="risk-rate"),
        html.P(f"{f.year_to}: {p.last_year:,.0f} incidents, "
               f"{figures_risk.change_text(p.last_year, p.prior_year, f.year_to)}.",
               className="mb-1", id="risk-change"),
        html.P("Classes use fixed breaks from every state-year in the data, as on the map: "
               + "; ".join(metrics.break_labels(p.breaks, f.metric)) + f". Rates: {POPULATION_SOURCE}.",
               className="small text-muted mb-0"),
    ]), className="risk-headline-card")


def guidance_cards(result: ChartResult) -> Any:
    """One card per scenario behind the top crime types, in the order of the types."""
    rows = result.rows
    if rows.empty:
        return None
    cards = []
    for slug in dict.fromkeys(rows["slug"]):
        named = rows.loc[rows["slug"] == slug, "label"].tolist()
        card = guidance_card(slug, "For: " + ", ".join(named))
        if card is not None:
            cards.append(dbc.Col(card, md=6, xl=4, className="mb-3"))
    if not cards:
        return None
    return html.Section([html.H2("What to do about these crimes", className="h5"), dbc.Row(cards)],
                        id="risk-guidance")


# ---------------------------------------------------------------- callbacks (thin)

@callback(Output(HEADLINE, "children"), Input(FILTERS, "data"))
def update_headline(filters: dict[str, Any]) -> Any:
    engine = context.engine()
    p = charts.profile(engine, filters or {})
    swap = "incidents" if p.filters.metric == state.DEFAULT_METRIC else state.DEFAULT_METRIC
    return headline(p, charts.profile(engine, {**(filters or {}), "metric": swap}))


@callback(*chart_outputs(TREND), Input(FILTERS, "data"))
def update_trend(filters: dict[str, Any]) -> tuple:
    return render(charts.build_trend(context.engine(), filters or {}))


@callback(*chart_outputs(TYPES), Output(GUIDE_CARDS, "children"), Input(FILTERS, "data"))
def update_types(filters: dict[str, Any]) -> tuple:
    result = charts.build_types(context.engine(), filters or {})
    return (*render(result), guidance_cards(result))


@callback(*[o for chart in PATTERNS for o in chart_outputs(chart)], Input(FILTERS, "data"))
def update_patterns(filters: dict[str, Any]) -> tuple:
    results = charts.build_patterns(context.engine(), filters or {})
    return tuple(v for chart in PATTERNS for v in render(results[chart]))


@callback(*chart_outputs(TOP), Input(FILTERS, "data"))
def update_top(filters: dict[str, Any]) -> tuple:
    return render(charts.build_top(context.engine(), filters or {}))


@callback(*chart_outputs(GENERAL), Input(FILTERS, "data"))
def update_general(filters: dict[str, Any]) -> tuple:
    return render(charts.build_general(context.engine(), filters or {}))


@callback(*chart_outputs(SCATTER), Input(FILTERS, "data"))
def update_scatter(filters: dict[str, Any]) -> tuple:
    return render(charts.build_scatter(context.engine(), filters or {}))


@callback(Output(PAGE_LOCATION, "search", allow_duplicate=True), Input(part(SCATTER, "graph"), "clickData"),
          State(FILTERS, "data"), prevent_initial_call=True)
def open_scatter_region(click: dict | None, filters: dict[str, Any]) -> Any:
    """A click on a point of the scatter selects that state or province."""
    return open_region(click, filters)


@callback(Output(PAGE_LOCATION, "search", allow_duplicate=True), Input(part(TOP, "graph"), "clickData"),
          State(FILTERS, "data"), prevent_initial_call=True)
def open_region(click: dict | None, filters: dict[str, Any]) -> Any:
    """A click on a bar of the top-regions chart selects that region (same years and filters)."""
    if not click or not click.get("points"):
        return no_update
    data = click["points"][0].get("customdata")
    code = str(data[0] if isinstance(data, list) and data else "")
    engine = context.engine()
    f = charts.current(engine, filters or {})
    if code not in set(queries.regions(engine)["code"]):
        return no_update
    return f.query(region=code)


controls.sync_url(PAGE, PARAMS)
