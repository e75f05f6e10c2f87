"""The page for an address the site does not have: says so, and offers every page (Dash Pages shows the
layout of a module named not_found_404 for any unknown path)."""
from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

dash.register_page(__name__, path="/404", name="Page not found", title="Page not found · Jewelry Crime Analytics",
                   order=99)

PAGES = [("/", "Overview", "the headline figures, checked, and the form to check any number"),
         ("/map", "Map", "states and provinces from low to high crime, and the ranking by change"),
         ("/trends", "Trends", "incidents per year, against a base year, January to June, by month"),
         ("/share", "Share", "crimes against property, persons and society, and the crime-type mix"),
         ("/risk", "Regional risk", "how risky a state or province is, for which crimes"),
         ("/guidance", "Guidance", "what to do about each kind of crime"),
         ("/campaign", "Campaign", "graphics for campaigns, from live data")]


def layout(**_query: Any) -> html.Div:
    return html.Div([
        html.H1("Page not found", className="h3"),
        html.P("There is no page at this address. It may have been mistyped, or the link may be older than the "
               "site. These are the pages there are:", className="text-muted"),
        html.Ul([html.Li([dcc.Link(label, href=href), f": {what}."]) for href, label, what in PAGES],
                className="not-found-links"),
    ], id="not-found")
