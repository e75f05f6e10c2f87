"""Filter controls, and the one-way street from controls to the URL.

A change to any control rewrites the URL query (a clientside callback, no
server round trip); Dash Pages then renders the page again from the URL, and
the page's charts are computed from the filters stored in its layout. So the
URL is the only state: a copied link restores the view, back/forward work.
"""
from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, clientside_callback, dcc, html

from dashboard.components import PAGE_LOCATION
from dashboard.state import (ALL, CONTEXT_MEASURES, LAYERS, METRICS, RATE_METRICS, SUBTYPE_CATEGORY, SUBTYPES, Filters,
                             source_options)
from etl.taxonomy import CATEGORIES


def cid(page: str, name: str) -> str:
    return f"{page}-{name}"


def _labelled(label: str, control: Any, width: int = 2) -> dbc.Col:
    return dbc.Col([dbc.Label(label, html_for=control.id, className="small fw-semibold mb-1"), control], md=width,
                   className="mb-2")


def year_range(page: str, years: list[int], f: Filters) -> list[dbc.Col]:
    opts = [{"label": str(y), "value": y} for y in years]
    return [
        _labelled("From year", dcc.Dropdown(id=cid(page, "year_from"), options=opts, value=f.year_from, clearable=False)),
        _labelled("To year", dcc.Dropdown(id=cid(page, "year_to"), options=opts, value=f.year_to, clearable=False)),
    ]


def crime_type(page: str, f: Filters) -> list[dbc.Col]:
    cats = [{"label": "All crime types", "value": ALL}] + [{"label": v, "value": k} for k, v in CATEGORIES.items()]
    subs = [{"label": "All sub-types", "value": ALL}] + [
        {"label": label, "value": key} for key, label in SUBTYPES.items()
        if f.category == ALL or SUBTYPE_CATEGORY[key] == f.category]
    return [
        _labelled("Crime category", dcc.Dropdown(id=cid(page, "category"), options=cats, value=f.category, clearable=False)),
        _labelled("Sub-type", dcc.Dropdown(id=cid(page, "subtype"), options=subs, value=f.subtype, clearable=False)),
    ]


def source(page: str, f: Filters, loaded: Any = ()) -> list[dbc.Col]:
    """Source picker: JSA, JM, both combined, and each mapped source loaded (`loaded`: queries.sources())."""
    opts = [{"label": label, "value": key} for key, label in source_options(loaded).items()]
    return [_labelled("Source", dcc.Dropdown(id=cid(page, "source"), options=opts, value=f.source, clearable=False))]


def metric(page: str, f: Filters, with_change: bool = False) -> list[dbc.Col]:
    """The measure; the map alone also offers the change measures (state.CHANGE_METRICS)."""
    opts = [{"label": label, "value": key} for key, label in (METRICS if with_change else RATE_METRICS).items()]
    return [_labelled("Measure", dcc.Dropdown(id=cid(page, "metric"), options=opts, value=f.metric, clearable=False),
                      width=3)]


def store(page: str, f: Filters) -> dcc.Store:
    """The filters this render of the page was made for; charts read them from here."""
    return dcc.Store(id=cid(page, "filters"), data=f.as_dict())


def sync_url(page: str, params: list[str], props: dict[str, str] | None = None) -> None:
    """Register: controls `{page}-{param}` -> the URL query of this page.

    Query keys are the Filters field names; a control whose value is its
    default is left out so links stay short. The sub-type is dropped when the
    category changes, since it may not belong to the new category.
    """
    props = props or {}
    defaults = Filters().as_dict()
    inputs = [Input(cid(page, p), props.get(p, "value")) for p in params]
    clientside_callback(
        f"""
        function(...args) {{
            const names = {params!r};
            const shown = args[args.length - 1] || {{}};  // the filters this render was made from
            const values = args.slice(0, -1);
            // a multi-select (several regions) is one comma-separated value, sorted as the server keeps it
            const norm = v => Array.isArray(v) ? (v.length ? [...v].sort().join(",") : null) : (v === undefined ? null : v);
            const text = v => v === true ? "1" : v === false ? "0" : v === null ? "" : String(v);
            // controls report their values when a page is drawn; only a real change may touch the URL
            if (names.every((name, i) => text(norm(values[i])) === text(norm(shown[name])))) {{
                return window.dash_clientside.no_update;
            }}
            const defaults = {{{", ".join(f"{k!r}: {v!r}" if not isinstance(v, bool) else f"{k!r}: {str(v).lower()}"
                                          for k, v in defaults.items() if v is not None)}}};
            const ctx = window.dash_clientside.callback_context;
            const changed = (ctx.triggered[0] || {{}}).prop_id || "";
            const q = new URLSearchParams(window.location.search);
            names.forEach((name, i) => {{
                let v = values[i];
                if (Array.isArray(v)) v = norm(v);
                if (v === true) v = 1;
                if (v === false || v === null || v === undefined || v === "" || String(v) === String(defaults[name])) {{
                    q.delete(name);
                }} else {{
                    q.set(name, v);
                }}
            }});
            if (changed.startsWith("{cid(page, 'category')}.")) q.delete("subtype");
            const s = q.toString();
            if (window.jewelcrime && window.jewelcrime.keepScroll) window.jewelcrime.keepScroll();  // assets/layout.js
            return s ? "?" + s : "";
        }}
        """,
        Output(PAGE_LOCATION, "search", allow_duplicate=True),
        *inputs,
        State(cid(page, "filters"), "data"),
        prevent_initial_call=True,
    )


def filter_row(*cols: Any) -> html.Div:
    """A row of controls in a filter drawer: on a phone a row and the rows right after it fold behind the
    first one's 'Filters' button (assets/layout.js opens them and counts the filters set); open on a desktop."""
    flat = [c for group in cols for c in (group if isinstance(group, list) else [group])]
    toggle = html.Button([html.I(className="bi bi-funnel me-1", **{"aria-hidden": "true"}), "Filters",
                          html.Span(className="filter-count")],
                         type="button", className="btn btn-outline-secondary btn-sm mb-2 filter-toggle")
    return html.Div([toggle, dbc.Row(flat, className="g-2 align-items-end mb-2 filter-row")], className="filter-fold")


def _region_options(regions: Any) -> list[dict[str, str]]:
    """Every state and province by name, as a picker lists it: 'Ontario (ON), Canada'."""
    country = {"US": "United States", "CA": "Canada"}
    return [{"label": f"{r.name} ({r.code}), {country.get(r.country, r.country)}", "value": r.code}
            for r in regions.sort_values("name").itertuples()]


def region(page: str, regions: Any, f: Filters, width: int = 3) -> list[dbc.Col]:
    """Searchable state/province picker (`regions`: queries.regions()); cleared means 'no region'."""
    opts = _region_options(regions)
    return [_labelled("State or province", dcc.Dropdown(id=cid(page, "region"), options=opts, value=f.region,
                                                         clearable=True, searchable=True,
                                                         placeholder="Type to search a state or province"),
                      width=width)]


def base_year(page: str, years: list[int], f: Filters, label: str = "Base year (= 100)") -> list[dbc.Col]:
    """The year an index counts as 100 (or a ranking's change is measured from)."""
    opts = [{"label": str(y), "value": y} for y in years]
    return [_labelled(label, dcc.Dropdown(id=cid(page, "base_year"), options=opts, value=f.base_year,
                                          clearable=False))]


def major_only(page: str, f: Filters) -> list[dbc.Col]:
    """Switch: only incidents in the cities of the major-city reference list."""
    return [dbc.Col(dbc.Switch(id=cid(page, "major_only"), label="Major cities only", value=f.major_only,
                               className="mb-2"), md=2, className="mb-2")]


def nibrs_year(page: str, years: list[int], f: Filters) -> list[dbc.Col]:
    opts = [{"label": str(y), "value": y} for y in years]
    return [_labelled("NIBRS year", dcc.Dropdown(id=cid(page, "nibrs_year"), options=opts, value=f.nibrs_year,
                                                 clearable=False))]


def country(page: str, value: str, choices: dict[str, str]) -> list[dbc.Col]:
    """Country radio; the value '' (both countries) is left out of the URL like any default."""
    return [dbc.Col([dbc.Label("Country", className="small fw-semibold mb-1 d-block"),
                     dbc.RadioItems(id=cid(page, "country"), options=[{"label": v, "value": k} for k, v in choices.items()],
                                    value=value, inline=True, className="small")], md=4, className="mb-2")]


def layer(page: str, f: Filters) -> list[dbc.Col]:
    """The map's layer switch: jewelry crime or general crime (FBI, Statistics Canada)."""
    return [dbc.Col([dbc.Label("Layer", html_for=cid(page, "layer"), className="small fw-semibold mb-1 d-block"),
                     dbc.RadioItems(id=cid(page, "layer"), options=[{"label": v, "value": k} for k, v in LAYERS.items()],
                                    value=f.layer, inline=True, className="small layer-switch")],
                    md=4, className="mb-2")]


def context_measure(page: str, f: Filters, label: str = "General crime measure") -> list[dbc.Col]:
    """Which general-crime measure (robbery, burglary, theft, property crime, violent crime)."""
    opts = [{"label": v, "value": k} for k, v in CONTEXT_MEASURES.items()]
    return [_labelled(label, dcc.Dropdown(id=cid(page, "context"), options=opts, value=f.context, clearable=False),
                      width=3)]


def context_line(page: str, f: Filters, label: str = "National general-crime line") -> list[dbc.Col]:
    """Switch: draw the national general-crime rate of the same category beside the index."""
    return [dbc.Col(dbc.Switch(id=cid(page, "context_line"), label=label, value=f.context_line, className="mb-2"),
                    md=3, className="mb-2")]


def regions(page: str, regions: Any, f: Filters, width: int = 4) -> list[dbc.Col]:
    """Several states and provinces at once (`regions`: queries.regions()); none chosen means all of them."""
    opts = _region_options(regions)
    return [_labelled("States or provinces", dcc.Dropdown(id=cid(page, "region"), options=opts,
                                                          value=list(f.region_codes), multi=True, searchable=True,
                                                          placeholder="All (type to pick one or several)"),
                      width=width)]


def choice(page: str, name: str, label: str, options: list[dict[str, str]], value: Any, width: int = 2) -> list[dbc.Col]:
    """A dropdown for a chart's own URL parameter (not a Filters field)."""
    return [_labelled(label, dcc.Dropdown(id=cid(page, name), options=options, value=value, clearable=False),
                      width=width)]
