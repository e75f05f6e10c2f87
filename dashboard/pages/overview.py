"""Overview: the campaign's headline figures, recomputed from the database and judged."""
from __future__ import annotations

import re
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import check_form, claims_view, context, queries
from dashboard.components import verdict_badge
from etl.claims import TOLERANCE

dash.register_page(__name__, path="/", name="Overview", title="Jewelry Crime Analytics", order=0)

CARDS = "overview-cards"
INPUT_LABELS = {
    "offenses_total": "All NIBRS offenses", "offenses_property": "Crimes against property",
    "offenses_persons": "Crimes against persons", "offenses_society": "Crimes against society",
    "counts_from": "Counts taken from", "derived_from_published_percent": "Counts derived from published percentages",
}


def fmt_figure(fig: dict[str, Any], key: str = "value") -> str:
    """A figure's value (or official value) read by its claim's unit: +53.1%, 61.0%, 1,234, $1,234."""
    return claims_view.value_text(fig, key)


def input_label(key: str) -> str:
    if key in INPUT_LABELS:
        return INPUT_LABELS[key]
    half = re.fullmatch(r"h1_(\d{4})_theft_robbery_major_cities", key)
    if half:
        return f"Thefts and robberies in major cities, Jan-Jun {half[1]}"
    year = re.fullmatch(r"incidents_(\d{4})", key)
    if year:
        return f"U.S. incidents in {year[1]}"
    words = key.replace("_", " ")
    return words[0].upper() + words[1:]


def input_value(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "none" if value is None else ("yes" if value else "no")
    if isinstance(value, (int, float)):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or "none"
    return str(value)


def tolerance_text(fig: dict[str, Any]) -> str:
    """The tolerance the verdict used (the claim's own, else its unit's default in etl.claims.TOLERANCE)."""
    unit = fig.get("claim_unit")
    tol = (fig.get("measure") or {}).get("tolerance")
    if unit == "percent_share":
        tol = TOLERANCE["percent_share"] if tol is None else tol
        text = f"Supported when the computed share is within {tol:g} percentage point{'s' if tol != 1 else ''} of " \
               "the claimed share"
        if (fig.get("extra") or {}).get("published_total"):
            text += f" and the claimed total is within {TOLERANCE['count_relative']:.0%} of the counted one"
        return text + "."
    if unit in ("count", "amount_usd"):
        tol = TOLERANCE["count_relative"] if tol is None else tol
        return f"Supported when the computed {'count' if unit == 'count' else 'amount'} is within {tol:.0%} of the " \
               "claimed one."
    tol = TOLERANCE["percent_change"] if tol is None else tol
    return f"Supported when the computed change is within {tol:g} percentage points of the claimed change, in the " \
           "same direction."


def _sources(fig: dict[str, Any]) -> list[Any]:
    """Where the counts and the claim come from; links as plain anchors (they leave the site)."""
    items: list[Any] = [html.Li(["Counts: ", fig["source_line"]] + (
        [" (", html.A(fig["extra"]["nibrs_source"] or "source", href=fig["extra"]["nibrs_url"], rel="noopener",
                      target="_blank"), ")"] if fig.get("extra", {}).get("nibrs_url") else []))]
    if fig["published_source"]:
        link = (html.A(fig["published_source"], href=fig["published_url"], rel="noopener", target="_blank")
                if fig["published_url"] else fig["published_source"])
        items.append(html.Li(["Claim: ", link]))
    if fig["official_source"]:
        items.append(html.Li(["Official figure: ", fig["official_source"]]))
    return items


def how_computed(fig: dict[str, Any]) -> html.Details:
    rows = [html.Tr([html.Th(input_label(k), scope="row", className="fw-normal"), html.Td(input_value(v),
                                                                                            className="text-end")])
            for k, v in fig["inputs"].items()]
    if fig.get("numerator") is not None and fig.get("denominator"):
        rows.append(html.Tr([html.Th("Numerator / denominator", scope="row", className="fw-normal"),
                             html.Td(f"{fig['numerator']:,.0f} / {fig['denominator']:,.0f}", className="text-end")]))
    by_year = fig.get("by_year") or {}
    return html.Details([
        html.Summary("How this is computed", className="fw-semibold"),
        html.P(fig["formula"][0].upper() + fig["formula"][1:] + ".", className="small mt-2 mb-2"),
        dbc.Table([html.Caption("Inputs counted in the database", className="caption-top small"),
                   html.Tbody(rows)], size="sm", bordered=False, striped=True, className="small mb-2 figure-inputs"),
        html.P(["Each year against the base year: ", ", ".join(f"{y}: {v:+.1f}%" for y, v in by_year.items())],
               className="small mb-2") if by_year else None,
        html.P(tolerance_text(fig), className="small mb-2"),
        html.Ul(_sources(fig), className="small mb-0 ps-3"),
    ], className="mt-3 how-computed")


def figure_card(fig: dict[str, Any]) -> dbc.Card:
    """One headline figure: computed value, the claim beside it, verdict, reason, official value, how it is done."""
    value = fmt_figure(fig)
    href, link_text = claims_view.link_of(fig)
    claim = [html.P("Campaign says:", className="small text-muted mb-0"),
             html.Blockquote(fig["published_claim"] or "no published claim loaded", className="mb-2 fst-italic")]
    plain = None
    if fig["verdict"] == "not supported" and fig["value"] is not None:
        plain = html.P([html.Strong("The data does not support this claim. "),
                        f"The campaign says {claims_view.claimed_text(fig)}; computed from the data it is "
                        f"{value}. {fig['source_line']}."], className="small not-supported-note mb-2")
    official = None
    if fig["official_value"] is not None:
        official = html.P([html.Span("Official figure: ", className="text-muted"),
                           html.Strong(fmt_figure(fig, "official_value")), f" ({fig['official_source']})"],
                          className="small mb-2 official-value")
    header = html.Div([
        html.H2(fig["label"], className="h5 mb-0 me-2"),
        dbc.Badge("sample data", color="warning", text_color="dark", className="sample-badge")
        if fig["sample_data"] else None,
    ], className="d-flex align-items-center flex-wrap")
    return dbc.Card(dbc.CardBody([
        header,
        html.P(fig["period"], className="text-muted small mb-3"),
        html.Div([
            html.Div([html.Div(value, className="display-value computed-value text-nowrap"),
                      html.P("computed from the database", className="small text-muted mb-2")],
                     className="flex-shrink-0 figure-value"),
            html.Div(claim, className="flex-grow-1"),
        ], className="d-flex flex-wrap gap-3 align-items-start"),
        html.Div(verdict_badge(fig["verdict"]), className="mb-1"),
        html.P(fig["verdict_reason"][0].upper() + fig["verdict_reason"][1:] + ".", className="small mb-2 verdict-reason"),
        freshness_note(fig),
        plain,
        official,
        dcc.Link([link_text, html.I(className="bi bi-arrow-right ms-1", **{"aria-hidden": "true"})], href=href,
                 className="btn btn-outline-primary btn-sm chart-link"),
        sample_note(fig),
        how_computed(fig),
    ]), className="h-100 figure-card", id=f"figure-{fig['id']}")


def freshness_note(fig: dict[str, Any]) -> Any:
    """'True for 2022; by 2024 the change was -1.3%.' on a stale claim, in a warning colour; a quieter line
    when a later period still agrees."""
    if not fig.get("freshness"):
        return None
    if fig.get("stale"):
        return html.P([html.I(className="bi bi-clock-history me-1", **{"aria-hidden": "true"}),
                       html.Strong("Out of date. "), fig["freshness"]], className="small mb-2 stale-note")
    return html.P(fig["freshness"], className="small mb-2 text-muted freshness-note")


def sample_note(fig: dict[str, Any]) -> Any:
    """What a verdict drawn from sample rows proves (and what the generator did to this claim's measure)."""
    if not fig.get("sample_note"):
        return None
    return html.P([html.I(className="bi bi-info-circle me-1", **{"aria-hidden": "true"}), fig["sample_note"]],
                  className="small mb-2 sample-note")


def layout(**query: Any) -> html.Div:
    figures = queries.headline_figures(context.engine())
    return html.Div([
        html.H1("Crime against jewelers: the headline figures, checked", className="h3"),
        html.P(f"{len(figures)} published figure{'s' if len(figures) != 1 else ''} about crime against jewelers, one "
               "card each. Every card recomputes its number from the data in this database, puts it next to what "
               "was published, says whether the two agree, and whether they still agree in the latest complete "
               "period of the data. Open 'How this is computed' for the formula, the counts that went in and where "
               "they come from; the button on each card opens the chart the number is read from. To check a "
               "number before you publish it, use the form below the cards.",
               className="lead fs-6"),
        dbc.Row([dbc.Col(figure_card(f), lg=4, className="mb-4") for f in figures], id=CARDS),
        check_form.layout(context.engine(), query),
        html.H2("Explore further", className="h5"),
        html.Ul([
            html.Li([dcc.Link("Crime map", href="/map"), ": every state and province from low to high crime."]),
            html.Li([dcc.Link("Regional risk", href="/risk"), ": what crime looks like where your store is."]),
            html.Li([dcc.Link("Guidance", href="/guidance"), ": practical steps against each kind of crime."]),
            html.Li([dcc.Link("Trends", href="/trends"), " and ", dcc.Link("share of crime", href="/share"),
                     ": the charts behind the figures above."]),
        ], className="explore-links"),
    ])
