"""One guidance scenario: how it unfolds, what to do, how to limit loss, and how often it happens."""
from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, callback, dcc, html

from dashboard import context, queries, state
from dashboard.charts import guidance as charts
from dashboard.charts.guidance import CHART, scenario_of
from dashboard.components import chart_card, chart_outputs, render
from dashboard.guidance_content import SCENARIOS, Scenario, resource_links, type_label

STORE = "guidance-scenario"
NOT_FOUND = "guidance-not-found"


def _title(scenario: str | None = None, **_: Any) -> str:
    s = SCENARIOS.get(str(scenario))
    return f"{s.title if s else 'Guidance not found'} · Jewelry Crime Analytics"


dash.register_page(__name__, path_template="/guidance/<scenario>", name="Guidance scenario", title=_title, order=6)


def risk_link(s: Scenario) -> str:
    """The regional risk page filtered to this scenario's crime types (a category, or its one sub-type)."""
    types = s.related
    cats = list(dict.fromkeys(ct.category for ct in types if ct.category != "other"))
    subs = [ct.subtype for ct in types if ct.subtype and ct.category == cats[0]] if cats else []
    has_bare = any(ct.subtype is None and ct.category == cats[0] for ct in types) if cats else False
    if not cats:
        return "/risk"
    if len(subs) == 1 and not has_bare:
        return "/risk" + state.Filters().query(category=cats[0], subtype=subs[0])
    return "/risk" + state.Filters().query(category=cats[0])


def not_found(value: Any) -> html.Div:
    shown = str(value)[:60] if value else ""
    return html.Div([
        html.H1("Guidance not found", className="h3"),
        html.P(f"There is no guidance page called \u201c{shown}\u201d. These are the scenarios we cover:"
               if shown else "Choose one of the scenarios we cover:"),
        html.Ul([html.Li(dcc.Link(s.title, href=f"/guidance/{s.slug}")) for s in SCENARIOS.values()]),
        html.P([dcc.Link("All guidance", href="/guidance"), " · ", dcc.Link("Regional risk", href="/risk")]),
        resource_links(),
    ], id=NOT_FOUND)


def layout(scenario: str | None = None, **query: Any) -> html.Div:
    s = scenario_of(scenario)
    if s is None:
        return not_found(scenario)
    source = query.get("source") if query.get("source") in state.source_options(queries.sources(context.engine())) \
        else "combined"
    return html.Div([
        html.Nav(html.Ol([html.Li(dcc.Link("Guidance", href="/guidance"), className="breadcrumb-item"),
                          html.Li(s.title, className="breadcrumb-item active", **{"aria-current": "page"})],
                         className="breadcrumb small"), **{"aria-label": "breadcrumb"}),
        html.H1([html.I(className=f"bi {s.icon} me-2", **{"aria-hidden": "true"}), s.title], className="h3"),
        html.P(s.summary, className="lead"),
        html.H2("How it usually happens", className="h5"),
        html.P(s.how_it_happens, className="scenario-how"),
        dbc.Row([
            dbc.Col(dbc.Card(dbc.CardBody([html.H2("What to do during and after", className="h5"),
                                           html.Ul([html.Li(t) for t in s.during_after], className="mb-0")]),
                             className="h-100 border-danger-subtle", id="scenario-during"), lg=6, className="mb-3"),
            dbc.Col(dbc.Card(dbc.CardBody([html.H2("Tips to limit loss", className="h5"),
                                           html.Ul([html.Li(t) for t in s.limit_loss], className="mb-0")]),
                             className="h-100 border-primary-subtle", id="scenario-tips"), lg=6, className="mb-3"),
        ]),
        html.P(["Crime types covered: ", "; ".join(type_label(ct) for ct in s.related), "."],
               className="small text-muted"),
        dcc.Store(id=STORE, data={"scenario": s.slug, "source": source}),
        chart_card(CHART, "How often these crimes are recorded", height=340,
                   note="Incidents per year in the United States and Canada, by crime type."),
        html.P([dcc.Link([html.I(className="bi bi-geo-alt me-1"), "See the risk in your state or province"],
                         href=risk_link(s), className="btn btn-primary btn-sm", id="scenario-risk-link"),
                " ", dcc.Link("All guidance", href="/guidance", className="btn btn-outline-secondary btn-sm ms-2")]),
        resource_links(),
    ])


@callback(*chart_outputs(CHART), Input(STORE, "data"))
def update_frequency(filters: dict[str, Any]) -> tuple:
    return render(charts.build(context.engine(), filters or {}))
