"""Guidance: the seven crime scenarios a jeweler should plan for, one card each."""
from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.guidance_content import SCENARIOS, Scenario, resource_links, type_label

dash.register_page(__name__, path="/guidance", name="Guidance", title="Guidance · Jewelry Crime Analytics", order=5)


def scenario_card(s: Scenario) -> dbc.Card:
    """Title, one-line summary, the crime types it covers and a link to the full page."""
    types = "; ".join(type_label(ct) for ct in s.related)
    return dbc.Card(dbc.CardBody([
        html.H2([html.I(className=f"bi {s.icon} me-2", **{"aria-hidden": "true"}), s.title], className="h5"),
        html.P(s.summary, className="mb-2"),
        html.P(["Covers: ", types], className="small text-muted mb-3"),
        dcc.Link(["What to do", html.I(className="bi bi-arrow-right ms-1")], href=f"/guidance/{s.slug}",
                 className="btn btn-outline-primary btn-sm mt-auto align-self-start scenario-link",
                 title=f"What to do: {s.title}"),
    ], className="d-flex flex-column"), className="h-100 scenario-card", id=f"scenario-{s.slug}")


def layout(**_query: Any) -> html.Div:
    return html.Div([
        html.H1("Guidance: what to do before, during and after a crime", className="h3"),
        html.P("Each page describes how one kind of jewelry crime usually unfolds, what staff should do while it "
               "happens and afterwards, and how to limit what can be lost. Each also shows how often those crimes "
               "appear in the data and links to the regional risk page.", className="text-muted"),
        dbc.Alert([html.I(className="bi bi-heart-pulse me-2"), html.Strong("People first. "),
                   "In every scenario the rule is the same: nobody should be hurt defending merchandise."],
                  color="light", className="border"),
        dbc.Row([dbc.Col(scenario_card(s), md=6, xl=4, className="mb-4") for s in SCENARIOS.values()],
                id="scenario-cards"),
        html.P(["To see which crimes are most common where you are, open the ",
                dcc.Link("regional risk page", href="/risk"), "."]),
        resource_links(),
    ])
