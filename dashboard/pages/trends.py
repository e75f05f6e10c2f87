"""Trends page: incidents per year, an index against a base year, January-June comparisons, seasonality.

The charts themselves are built in dashboard.charts.trends; this module lays out the page and wires its
filters to them.
"""
from __future__ import annotations

from typing import Any

import dash
from dash import Input, callback, html

from dashboard import context, controls, queries, state
from dashboard.charts import trends as charts, trends_period
from dashboard.charts.trends import COUNTRY, HALF, INDEX, MONTHLY, PAGE, VIEWS, YEARLY
from dashboard.components import chart_card, chart_outputs, render

FILTERS = controls.cid(PAGE, "filters")
PARAMS = ["year_from", "year_to", "category", "subtype", "source", "region", "base_year", "major_only", "country",
          "context_line", *trends_period.PARAMS]
PERIOD = trends_period.PERIOD
TITLES = {c.id: c.title for c in [*charts.CHARTS, *trends_period.CHARTS]}

dash.register_page(__name__, path="/trends", name="Trends", title="Trends · Jewelry Crime Analytics", order=2)


def layout(**query: Any) -> html.Div:
    engine = context.engine()
    f, country = charts.current(engine, query)
    years = queries.years(engine)
    months = trends_period.as_of_options(engine, query)
    as_of = query.get("as_of") if query.get("as_of") in {m["value"] for m in months} else \
        (months[0]["value"] if months else None)
    view = VIEWS.get(str(query.get("view", "")))
    cards = {
        YEARLY: chart_card(YEARLY, TITLES[YEARLY], note=(
            "Each bar is one year, split by crime category; the label on top is the change on the year before.")),
        INDEX: chart_card(INDEX, TITLES[INDEX], note=(
            "The base year counts as 100, so 150 means half as many incidents again. The dashed line is the "
            "campaign's published claim, read from the reference table. Switch on the general-crime line to add "
            "the national rate of the same kind of crime (all reported crime, not only against jewelers), indexed "
            "to the same base year.")),
        HALF: chart_card(HALF, TITLES[HALF], note=(
            "Only incidents from January to June, so every bar covers the same months. Use 'Major cities only' "
            "to keep cities on the reference list of large cities.")),
        PERIOD: chart_card(PERIOD, TITLES[PERIOD], note=(
            "Year to date: January to the month chosen, against the same months a year earlier. Last 12 months: "
            "the 12 months to the month chosen, against the 12 before them. The label says whether a change is "
            "more than chance would give (a Poisson test at the 5% level)."),
            controls=controls.filter_row(
                controls.choice(PAGE, "period", "Compare", trends_period.period_options(),
                                query.get("period") or trends_period.DEFAULT_PERIOD, width=4),
                controls.choice(PAGE, "as_of", "Up to the month", months, as_of, width=4))),
        MONTHLY: chart_card(MONTHLY, TITLES[MONTHLY], note=(
            "Bars: the average for each calendar month over the selected years. Lines: single years; click a "
            "year in the legend to show or hide it.")),
    }
    order = [view] + [k for k in cards if k != view] if view else list(cards)
    if view:
        cards[view].className += " border-primary linked-chart"
    return html.Div([
        html.H1("Trends over time", className="h3"),
        html.P("How the number of incidents against jewelers moves from year to year, against a base year, "
               "in the first half of each year, and across the calendar. The campaign's headline figures count "
               "U.S. incidents from the JSA-style list only: choose 'United States' and the JSA source to compare "
               "like with like.", className="text-muted"),
        controls.filter_row(controls.year_range(PAGE, years, f), controls.crime_type(PAGE, f),
                            controls.source(PAGE, f, queries.sources(engine)),
                            controls.regions(PAGE, queries.regions(engine), f)),
        controls.filter_row(controls.base_year(PAGE, years, f), controls.country(PAGE, country, COUNTRY),
                            controls.major_only(PAGE, f),
                            controls.context_line(PAGE, f, "General-crime line on the index")),
        _store(f, country, {"period": query.get("period") or trends_period.DEFAULT_PERIOD, "as_of": as_of}),
        *[cards[k] for k in order],
    ])


def _store(f: state.Filters, country: str, own: dict[str, Any]) -> Any:
    """The filters, the country and the period chart's own choices this render was made for."""
    store = controls.store(PAGE, f)
    store.data = {**f.as_dict(), "country": country, **{k: v for k, v in own.items() if isinstance(v, str)}}
    return store


@callback(*chart_outputs(YEARLY), Input(FILTERS, "data"))
def update_yearly(filters: dict[str, Any]) -> tuple:
    return render(charts.build_yearly(context.engine(), filters or {}))


@callback(*chart_outputs(INDEX), Input(FILTERS, "data"))
def update_index(filters: dict[str, Any]) -> tuple:
    return render(charts.build_index(context.engine(), filters or {}))


@callback(*chart_outputs(HALF), Input(FILTERS, "data"))
def update_half(filters: dict[str, Any]) -> tuple:
    return render(charts.build_half(context.engine(), filters or {}))


@callback(*chart_outputs(PERIOD), Input(FILTERS, "data"))
def update_period(filters: dict[str, Any]) -> tuple:
    return render(trends_period.build_period(context.engine(), filters or {}))


@callback(*chart_outputs(MONTHLY), Input(FILTERS, "data"))
def update_monthly(filters: dict[str, Any]) -> tuple:
    return render(charts.build_monthly(context.engine(), filters or {}))


controls.sync_url(PAGE, PARAMS, {"major_only": "value", "context_line": "value"})
