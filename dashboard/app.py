"""The Dash app: pages, shared layout, offline assets, the boundary file route."""
from __future__ import annotations

from functools import lru_cache
from typing import Callable
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, callback, html
from flask import Response, send_file

from dashboard import api, cache, callback_guard, context, incident_table, readiness, security
from etl.config import GEO_FILE, make_engine, resolve_db_url

ASSETS = Path(__file__).parent / "assets"
NAV = [("/", "Overview"), ("/map", "Map"), ("/trends", "Trends"), ("/share", "Share"), ("/risk", "Regional risk"),
       ("/guidance", "Guidance"), ("/campaign", "Campaign")]


# plotly.js (4.8 MB, loaded lazily by dcc.Graph) starts downloading and parsing with the page instead of
# after the layout arrives: the first map is drawn about 0.1 s sooner.
PRELOAD = '<script async src="/_dash-component-suites/plotly/package_data/plotly.min.js"></script>'
INDEX = f"""<!DOCTYPE html>
<html lang="en">
    <head>
        {{%metas%}}
        <title>{{%title%}}</title>
        {{%favicon%}}
        {PRELOAD}
        {{%css%}}
    </head>
    <body>
        {{%app_entry%}}
        <footer>
            {{%config%}}
            {{%scripts%}}
            {{%renderer%}}
        </footer>
    </body>
</html>"""


NAV_TOGGLER, NAV_COLLAPSE = "nav-toggler", "nav-collapse"


def navbar() -> dbc.Navbar:
    """The site's menu: a row of links on a wide screen, folded behind a toggler below 992 px (phones, tablets)."""
    links = dbc.Nav([dbc.NavItem(dbc.NavLink(label, href=href, active="exact",
                                             className="nav-" + (href.strip("/") or "home")))
                     for href, label in NAV], navbar=True, className="ms-auto")
    return dbc.Navbar(dbc.Container([
        dbc.NavbarBrand([html.I(className="bi bi-gem me-2"), "Jewelry Crime Analytics"], href="/"),
        dbc.NavbarToggler(id=NAV_TOGGLER, n_clicks=0),
        dbc.Collapse(links, id=NAV_COLLAPSE, is_open=False, navbar=True),
    ], fluid=True), color="dark", dark=True, expand="lg", className="mb-3")


# the toggler opens and closes the menu; a new page closes it (clientside: no server round trip)
dash.clientside_callback(
    """
    function(clicks, pathname, open) {
        const ctx = window.dash_clientside.callback_context;
        const byToggler = (ctx.triggered[0] || {}).prop_id === "%s.n_clicks";
        const next = byToggler ? !open : false;
        const toggler = document.getElementById("%s");
        if (toggler) toggler.setAttribute("aria-expanded", String(next));
        return next;
    }
    """ % (NAV_TOGGLER, NAV_TOGGLER),
    dash.Output(NAV_COLLAPSE, "is_open"), dash.Input(NAV_TOGGLER, "n_clicks"),
    dash.Input("_pages_location", "pathname"), dash.State(NAV_COLLAPSE, "is_open"), prevent_initial_call=True,
)


def shell() -> html.Div:
    return html.Div([
        html.A("Skip to content", href="#main", className="visually-hidden-focusable"),
        navbar(),
        dbc.Container([
            html.Div(id="sample-banner"),
            html.Main(dash.page_container, id="main"),
            html.Footer(id="data-footer", className="text-muted small border-top pt-2 mt-4 mb-4"),
        ], fluid=True),
        incident_table.modal(),  # the incident rows behind any chart's "Show incidents"
    ])


def import_pages() -> None:
    """Import every page module under its own name (Dash's folder scan would load them a second time
    under another name, and before they are in sys.modules, which breaks dataclasses in pages)."""
    import importlib
    import pkgutil

    from dashboard import pages

    for info in pkgutil.iter_modules(pages.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"dashboard.pages.{info.name}")
        entry = dash.page_registry.get(module.__name__)
        if entry is not None and not entry.get("supplied_layout"):
            entry["layout"] = module.layout  # what Dash's own folder scan would have done


@lru_cache(maxsize=1)
def page_callbacks() -> tuple[dict, list]:
    """The callbacks the page modules register with `dash.callback`, as Dash holds them before an app takes
    them (read once, right after the pages are imported)."""
    from dash import _callback

    return dict(_callback.GLOBAL_CALLBACK_MAP), list(_callback.GLOBAL_CALLBACK_LIST)


def _hand_callbacks_to(app: dash.Dash) -> Callable[[], None]:
    """Dash gives the `dash.callback` callbacks to the first app that serves a request and empties its lists;
    put them back before this app sets itself up, so every app built here (tests build several in one
    process) answers every callback."""
    from dash import _callback

    known, listed = page_callbacks()

    def refill() -> None:
        if app._got_first_request.get("setup_server"):  # noqa: SLF001 - set up already: nothing to hand over
            return
        for key, value in known.items():
            if key not in app.callback_map:
                _callback.GLOBAL_CALLBACK_MAP.setdefault(key, value)
        if not _callback.GLOBAL_CALLBACK_LIST and not app._callback_list:  # noqa: SLF001
            _callback.GLOBAL_CALLBACK_LIST.extend(listed)

    app.server.before_request_funcs.setdefault(None, []).insert(0, refill)  # before Dash's own set-up
    return refill


def create_app(db_url: str | None = None) -> dash.Dash:
    """Build the app for one database (--db, $DATABASE_URL or the bundled SQLite file)."""
    engine = make_engine(resolve_db_url(db_url))
    app = dash.Dash(
        __name__, use_pages=True, pages_folder="", assets_folder=str(ASSETS),
        title="Jewelry Crime Analytics", suppress_callback_exceptions=True, serve_locally=True,
        external_stylesheets=[], update_title=None,
    )
    import_pages()
    page_callbacks()  # read while Dash still holds them all
    hand_over = _hand_callbacks_to(app)
    app.index_string = INDEX
    app.layout = shell
    server = app.server
    context.attach(server, engine)
    cache.configure(server, str(engine.url))  # chart results shared by the server's processes
    readiness.install(server, engine)  # an empty database gets a clear page, not HTTP 500s
    api.register(server)
    incident_table.register_routes(server)

    @server.route("/geo/us_ca_admin1.geojson")
    def boundaries() -> Response:  # the ETL's own boundary file, cached by the browser
        response = send_file(GEO_FILE, mimetype="application/geo+json", max_age=86400)
        return response

    security.install(app)
    callback_guard.install(app)
    # Dash fills its callback map on its first request, marking that done before it is: a new gunicorn worker's
    # concurrent first requests would find no callbacks. Doing it now, before any request, closes that race.
    with server.test_request_context("/"):
        hand_over()
        app._setup_server()  # noqa: SLF001
    return app


def real_parts(mapped: list[str], context_batches: pd.DataFrame, real_nibrs: bool,
               names: dict[str, str] | None = None) -> str:
    """The sentence of the banner that names the parts of the site that are real data."""
    names = names or {}
    real = [f"{', '.join(mapped)} (loaded with a column mapping)"] if mapped else []
    general = context_batches[~context_batches["is_sample"].astype(bool)] if len(context_batches) else context_batches
    tables = [names.get(f, f) for f in dict.fromkeys(general["format"])] if len(general) else []
    if tables:
        real.append(f"the general-crime figures ({', '.join(tables)}: the map's general-crime layer, the general "
                    "crime on the risk pages, the index's general-crime line)")
    if real_nibrs:
        real.append("the FBI NIBRS offense counts on the Share page")
    if not real:
        return "No part of the site shows real data yet."
    return "Real public data: " + "; ".join(real) + "."


@callback(Output("sample-banner", "children"), Output("data-footer", "children"), Input("_pages_location", "pathname"))
def data_notices(_pathname: str | None) -> tuple:
    """The 'sample data' notice on every page, and where the data came from."""
    from dashboard import queries, state

    engine = context.engine()
    status = queries.data_status(engine)
    mapped = [s for s in queries.sources(engine) if s not in state.COMBINED_SOURCES]
    batches = queries.context_batches(engine)
    general = [queries.CONTEXT_SOURCES[f] for f in dict.fromkeys(batches["format"]) if f in queries.CONTEXT_SOURCES]
    banner = None
    if status["is_sample"]:
        banner = dbc.Alert([html.I(className="bi bi-exclamation-triangle-fill me-2"), html.Strong("Sample data. "),
                            "Every JSA and JM figure on this site is computed from the bundled synthetic data set, "
                            "calibrated to published JSA totals; it is not real incident data. "
                            + real_parts(mapped, batches, any(f["format"] == "nibrs" and not f["is_sample"]
                                                               for f in status["files"]), queries.CONTEXT_SOURCES)],
                           color="warning", className="py-2 sample-notice", id="sample-notice")
    files = ", ".join(f"{f['file']} ({f['loaded']:,} rows)" for f in status["files"]) or "no files loaded"
    footer = [html.Span(f"Data {status['range']}. Loaded from: {files}. "),
              html.Span("Sources: Jewelers' Security Alliance and Jewelers Mutual Group style data; "
                        + "".join(f"{s}; " for s in mapped) + "FBI National Incident-Based Reporting System"
                        + (f"; general crime: {', '.join(general)}" if general else "") + ".")]
    return banner, footer


