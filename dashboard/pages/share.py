"""Share page: NIBRS crimes against property, persons and society, and the jewelry-crime mix (charts in
dashboard.charts.share)."""
from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import sqlalchemy as sa
from dash import Input, Output, callback, html

from dashboard import context, controls, queries
from dashboard.charts import share as charts
from dashboard.charts.share import MIX_COUNT, MIX_LOSSES, NIBRS, OFFENSES, STATES, YEARS
from dashboard.claims_view import value_text
from dashboard.components import chart_card, chart_outputs, part, render, verdict_badge

PAGE = "share"
YEAR_NOTE = "share-year-note"
FILTERS = controls.cid(PAGE, "filters")
CLAIM = "share-claim"
PARAMS = ["nibrs_year", "year_from", "year_to", "source"]

dash.register_page(__name__, path="/share", name="Share", title="Share of crime · Jewelry Crime Analytics", order=3)


def year_note(engine: sa.Engine, year: int | None) -> Any:
    """Says so when the NIBRS year shown is not the year the campaign's claim is about."""
    year_of_claim = charts.claim_year(engine)
    if year is None or year_of_claim is None or year == year_of_claim:
        return None
    return dbc.Alert([html.I(className="bi bi-info-circle me-2", **{"aria-hidden": "true"}),
                      f"You are looking at NIBRS {year}. The campaign's claim on this page is about {year_of_claim}: "
                      f"choose {year_of_claim} to judge it, or compare the years in the chart further down."],
                     color="info", className="py-2 small", id=YEAR_NOTE)


# ---------------------------------------------------------------- the claim beside the chart

def claim_panel(engine: sa.Engine, year: int | None) -> dbc.Card:
    """The campaign's '% of all offenses' claim beside the computed share, with the verdict (headline figures)."""
    written = charts.share_claim(engine)
    h = queries.checked_figure(engine, written["id"]) if written else None
    if h is None or h["published_claim"] is None:
        return dbc.Card(dbc.CardBody("No published claim about the property share is loaded."), id=CLAIM)
    computed = value_text(h)
    body = [
        html.H2("The campaign's claim", className="h6 text-uppercase text-muted"),
        html.P(["Campaign says: ", html.Q(h["published_claim"])], className="mb-2"),
        html.P([html.Span(computed, className="display-value d-block"),
                f"computed share of crimes against property in {h['period']}"], className="mb-2"),
        html.P(verdict_badge(h["verdict"]), className="mb-1"),
        html.P(h["verdict_reason"][:1].upper() + h["verdict_reason"][1:] + ".", className="small mb-2"),
    ]
    if h["verdict"] == "not supported" and h["value"] is not None:
        body.append(html.P(f"The data does not support the campaign's number: the FBI's counts give {computed} "
                           f"({h['numerator']:,} of {h['denominator']:,} offenses).", className="small fw-semibold"))
    if h["freshness"]:
        body.append(html.P(h["freshness"], className="small freshness-note"))
    if h["sample_note"]:
        body.append(html.P(h["sample_note"], className="small sample-note"))
    if year != charts.claim_year(engine):
        body.append(html.P(f"The claim is about {charts.claim_year(engine)}; the chart shows {year}.", className="small text-muted"))
    return dbc.Card(dbc.CardBody(body), className="mb-4 figure-card claim-panel", id=CLAIM)


def layout(**query: Any) -> html.Div:
    engine = context.engine()
    f = charts.current(engine, query)
    years, nibrs_years = queries.years(engine), queries.nibrs_years(engine)
    return html.Div([
        html.H1("Share of crime", className="h3"),
        html.P("Two views of what crime is made of. First the FBI's national count of offenses, split into crimes "
               "against property, persons and society, with the campaign's claim about it. Then the crimes against "
               "jewelers themselves, by type, counted and in dollars.", className="text-muted"),
        controls.filter_row(controls.nibrs_year(PAGE, nibrs_years, f)),
        year_note(engine, f.nibrs_year),
        controls.store(PAGE, f),
        dbc.Row([
            dbc.Col(chart_card(NIBRS, "Crimes against property, persons and society (FBI NIBRS)", height=400, note=(
                "Each bar is one class's share of all offenses in the year. Hatched bars are counts worked out from "
                "the FBI's published percentages rather than counted in a table.")), lg=8),
            dbc.Col(claim_panel(engine, f.nibrs_year), lg=4),
        ]),
        chart_card(OFFENSES, "Offense categories within each class", height=380, note=(
            "Shown when the loaded FBI table lists offense categories; the published national totals do not.")),
        dbc.Row([
            dbc.Col(chart_card(YEARS, "Crimes against property in every NIBRS year loaded", height=360, note=(
                "The national share for each year a table is loaded for; the darker bar is the year the "
                "campaign's claim is about.")), lg=6),
            dbc.Col(chart_card(STATES, "Crimes against property by state", height=420, note=(
                "From the FBI's NIBRS tables by state, for the NIBRS year picked above where loaded (else the "
                "latest by-state year); the dashed line is the national share.")), lg=6),
        ]),
        html.H2("Crimes against jewelers by type", className="h4 mt-4"),
        controls.filter_row(controls.year_range(PAGE, years, f), controls.source(PAGE, f, queries.sources(engine))),
        dbc.Row([
            dbc.Col(chart_card(MIX_COUNT, "By number of incidents", height=520, note=(
                "Click a bar to read what to do about that kind of crime.")), xl=6),
            dbc.Col(chart_card(MIX_LOSSES, "By dollar losses", height=520, note=(
                "Sum of the losses that are known. With both sources combined, a claim linked to a JSA incident is "
                "counted once: the incident's loss is used, not the claim's.")), xl=6),
        ]),
    ])


@callback(*chart_outputs(NIBRS), Input(FILTERS, "data"))
def update_nibrs(filters: dict[str, Any]) -> tuple:
    return render(charts.build_nibrs(context.engine(), filters or {}))


@callback(*chart_outputs(OFFENSES), Input(FILTERS, "data"))
def update_offenses(filters: dict[str, Any]) -> tuple:
    return render(charts.build_offenses(context.engine(), filters or {}))


@callback(Output(part(OFFENSES, "graph"), "style"), Input(FILTERS, "data"))
def size_offenses(filters: dict[str, Any]) -> dict[str, str]:
    """The FBI's full table lists a few dozen offense categories: give each bar room."""
    return {"height": f"{int(charts.build_offenses(context.engine(), filters or {}).figure.layout.height or 300)}px"}


@callback(*chart_outputs(YEARS), Input(FILTERS, "data"))
def update_years(filters: dict[str, Any]) -> tuple:
    return render(charts.build_years(context.engine(), filters or {}))


@callback(*chart_outputs(STATES), Input(FILTERS, "data"))
def update_states(filters: dict[str, Any]) -> tuple:
    return render(charts.build_states(context.engine(), filters or {}))


@callback(Output(part(STATES, "graph"), "style"), Input(FILTERS, "data"))
def size_states(filters: dict[str, Any]) -> dict[str, str]:
    """Fifty states need more room than a handful."""
    return {"height": f"{int(charts.build_states(context.engine(), filters or {}).figure.layout.height or 420)}px"}


@callback(*chart_outputs(MIX_COUNT), Input(FILTERS, "data"))
def update_mix_count(filters: dict[str, Any]) -> tuple:
    return render(charts.build_mix_count(context.engine(), filters or {}))


@callback(*chart_outputs(MIX_LOSSES), Input(FILTERS, "data"))
def update_mix_losses(filters: dict[str, Any]) -> tuple:
    return render(charts.build_mix_losses(context.engine(), filters or {}))


controls.sync_url(PAGE, PARAMS)
