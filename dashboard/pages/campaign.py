"""Campaign: turn a headline figure or any chart into campaign material from live data."""
from __future__ import annotations

import base64
import datetime as dt
from typing import Any
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
import sqlalchemy as sa
from dash import Input, Output, State, callback, dcc, html, no_update

from dashboard import campaign, context, exporter, queries
from dashboard.components import PAGE_LOCATION, safe_filename, verdict_badge

PAGE = "campaign"
ITEM, SIZE, FORMAT, STORE = "campaign-item", "campaign-size", "campaign-format", "campaign-selection"
PREVIEW, ALT, ALT_COPY, INFO = "campaign-preview", "campaign-alt", "campaign-alt-copy", "campaign-info"
BUTTONS = {"image": "campaign-download-image", "badge": "campaign-download-badge",
           "letter": "campaign-download-letter", "a4": "campaign-download-a4", "all": "campaign-download-all"}
DOWNLOAD = "campaign-download"
CONFIRM, PENDING, WARNING = "campaign-confirm-stale", "campaign-pending", "campaign-stale-warning"
SIZE_LABELS = {"square": "Square 1080×1080", "portrait": "Portrait 1080×1350", "landscape": "Landscape 1200×675",
               "link": "Link preview 1200×628", "story": "Story 1080×1920", "letter": "US Letter (print)",
               "a4": "A4 (print)"}
OWN_KEYS = {"item", "size", "format"}

dash.register_page(__name__, path="/campaign", name="Campaign", title="Campaign kit · Jewelry Crime Analytics", order=6)


def items(engine: sa.Engine) -> list[dict[str, str]]:
    figs = queries.headline_figures(engine)
    out = [{"label": f"Headline figure: {f['label']}", "value": f"figure:{f['id']}"} for f in figs]
    out += [{"label": f"Chart: {c.title}", "value": f"chart:{cid}"} for cid, c in exporter.exportable().items()]
    return out


def selection(engine: sa.Engine, query: dict[str, Any]) -> dict[str, Any]:
    """Checked choice from the URL: item, size, format and (for a chart) its filters."""
    options = [o["value"] for o in items(engine)]
    item = query.get("item") if query.get("item") in options else options[0]  # the first headline figure
    size = query.get("size") if query.get("size") in campaign.PRESETS else "square"
    fmt = query.get("format") if query.get("format") in ("png", "svg", "pdf") else "png"
    filters = {k: v for k, v in query.items() if k not in OWN_KEYS and isinstance(v, str)}
    return {"item": item, "size": size, "format": fmt, "filters": filters}


def layout(**query: Any) -> html.Div:
    engine = context.engine()
    sel = selection(engine, query)
    is_figure = sel["item"].startswith("figure:")
    return html.Div([
        html.H1("Campaign kit", className="h3"),
        html.P("Pick a headline figure or a chart. Every file is drawn from the data in this database with its title, "
               "filters, source line, the data's date range and today's date baked in, and a 'sample data' mark while "
               "the data is the bundled sample. A figure the data does not support is exported with the value computed "
               "from its source, never with the unsupported claim.", className="text-muted"),
        dbc.Row([
            dbc.Col([dbc.Label("What to export", html_for=ITEM, className="small fw-semibold"),
                     dcc.Dropdown(id=ITEM, options=items(engine), value=sel["item"], clearable=False)], md=6),
            dbc.Col([dbc.Label("Size", html_for=SIZE, className="small fw-semibold"),
                     dcc.Dropdown(id=SIZE, options=[{"label": v, "value": k} for k, v in SIZE_LABELS.items()],
                                  value=sel["size"], clearable=False)], md=3),
            dbc.Col([dbc.Label("Format", html_for=FORMAT, className="small fw-semibold"),
                     dbc.RadioItems(id=FORMAT, options=[{"label": x.upper(), "value": x} for x in ("png", "svg", "pdf")],
                                    value=sel["format"], inline=True)], md=3),
        ], className="g-2 mb-3"),
        dcc.Store(id=STORE, data=sel),
        dcc.Store(id=PENDING),
        dcc.ConfirmDialog(id=CONFIRM),
        dbc.Row([
            dbc.Col(dcc.Loading(html.Img(id=PREVIEW, alt="", className="img-fluid border campaign-preview",
                                         style={"maxHeight": "640px"})), lg=7),
            dbc.Col([
                html.Div(id=INFO, className="mb-3"),
                dbc.Label("Alt text (copy it with the image)", html_for=ALT, className="small fw-semibold"),
                html.Div([dcc.Textarea(id=ALT, readOnly=True, className="form-control small", style={"height": "120px"}),
                          dcc.Clipboard(target_id=ALT, id=ALT_COPY, title="Copy alt text",
                                        className="position-absolute top-0 end-0 p-2")],
                         className="position-relative mb-3"),
                dbc.Button([html.I(className="bi bi-download me-1"), "Download this image"], id=BUTTONS["image"],
                           color="primary", className="me-2 mb-2"),
                dbc.Button("Stat card (PNG)", id=BUTTONS["badge"], color="secondary", outline=True,
                           className="me-2 mb-2", disabled=not is_figure),
                dbc.Button("Store sign, Letter (PDF)", id=BUTTONS["letter"], color="secondary", outline=True,
                           className="me-2 mb-2", disabled=not is_figure),
                dbc.Button("Store sign, A4 (PDF)", id=BUTTONS["a4"], color="secondary", outline=True,
                           className="me-2 mb-2", disabled=not is_figure),
                dbc.Button([html.I(className="bi bi-file-zip me-1"), "Download all (ZIP with manifest)"],
                           id=BUTTONS["all"], color="dark", className="mb-2"),
                dcc.Download(id=DOWNLOAD),
                html.P(["Store signs pair the figure with the guidance that matches it and the call to take the safety "
                        "pledge (", html.A("Partner for Protection", href="https://www.partnerforprotection.com/",
                                            rel="noopener noreferrer"), ")."], className="small text-muted mt-2"),
            ], lg=5),
        ]),
    ])


def make(engine: sa.Engine, sel: dict[str, Any], kind: str = "main") -> exporter.Exported:
    """One file for the selection: the chosen image, or the figure's stat card or store sign."""
    sel = selection(engine, {"item": sel.get("item"), "size": sel.get("size"), "format": sel.get("format"),
                     **(sel.get("filters") or {})})
    what, ident = sel["item"].split(":", 1)
    if what == "figure":
        if kind == "badge":
            return exporter.export_figure(engine, ident, "square", "png", kind="badge")
        if kind in campaign.PRINT:
            return exporter.export_figure(engine, ident, kind, "pdf", kind="signage")
        return exporter.export_figure(engine, ident, sel["size"], sel["format"])
    return exporter.export_chart(engine, ident, sel["filters"], sel["size"], sel["format"])


def figures_behind(engine: sa.Engine, sel: dict[str, Any]) -> list[dict[str, Any]]:
    """The checked claims a selection shows: the headline figure itself, or those its chart stands behind with
    the chart's filters."""
    what, ident = sel["item"].split(":", 1)
    if what == "figure":
        return [exporter.headline(engine, ident)]
    behind = exporter.chart_result(engine, ident, sel["filters"]).claims
    return [f for f in (queries.checked_figure(engine, h["id"]) for h in behind) if f is not None]


def stale_warning(engine: sa.Engine, sel: dict[str, Any], behind: list[dict[str, Any]] | None = None) -> str:
    """What the page says before exporting a claim the latest data no longer supports ('' when none is).
    `behind`: the selection's figures when the caller has them (a chart is built once, not per question)."""
    stale = [f for f in (figures_behind(engine, sel) if behind is None else behind) if f["stale"]]
    if not stale:
        return ""
    f = stale[0]
    return (f"This claim is out of date. “{f['published_claim']}” — {f['freshness']} The export says so with an "
            f"'as of' line: {f['as_of']} Export it anyway?")


def describe(engine: sa.Engine, sel: dict[str, Any]) -> Any:
    what, ident = sel["item"].split(":", 1)
    behind = figures_behind(engine, sel)
    warning = stale_warning(engine, sel, behind)
    alert = dbc.Alert([html.I(className="bi bi-exclamation-triangle me-2", **{"aria-hidden": "true"}),
                       warning.removesuffix(" Export it anyway?")], color="warning", className="small py-2",
                      id=WARNING) if warning else None
    notes = [html.P(f["sample_note"], className="small sample-note mb-1") for f in behind if f.get("sample_note")]
    if what != "figure":
        entry = exporter.exportable()[ident]
        kind, title = entry.kind, entry.title
        shown = "; ".join(f"{k} = {v}" for k, v in sel["filters"].items()) or "the page's defaults"
        return html.Div([html.H2(title, className="h6 mb-1"), html.P(f"{kind}; filters: {shown}.", className="small"),
                         alert, *notes])
    fig = behind[0]
    return html.Div([
        html.H2(fig["label"], className="h6 mb-1"),
        html.Div(verdict_badge(fig["verdict"]), className="mb-1"),
        html.P([f"Computed value: {campaign.figure_value(fig)}. ", fig["formula"][0].upper(), fig["formula"][1:], "."],
               className="small mb-1"),
        html.P(campaign.claim_line(fig)[0], className="small mb-1"),
        alert, *notes,
    ])


@callback(Output(PREVIEW, "src"), Output(PREVIEW, "alt"), Output(ALT, "value"), Output(INFO, "children"),
          Input(STORE, "data"))
def update_preview(sel: dict[str, Any]) -> tuple:
    """The PNG the chosen size gives (the preview is always PNG; downloads use the chosen format)."""
    engine = context.engine()
    made = make(engine, {**(sel or {}), "format": "png"})
    src = "data:image/png;base64," + base64.b64encode(made.data).decode()
    return src, made.alt_text, made.alt_text, describe(engine, selection(engine, 
        {"item": (sel or {}).get("item"), **((sel or {}).get("filters") or {})}))


def package(engine: sa.Engine, sel: dict[str, Any], kind: str) -> tuple[bytes, str]:
    """(file bytes, file name) for a button: the image, the stat card, a store sign, or everything as a ZIP."""
    if kind == "all":
        what, ident = selection(engine, {"item": sel.get("item")})["item"].split(":", 1)
        data = exporter.kit(engine, [ident]) if what == "figure" else exporter.kit(engine, [], [(ident, sel.get("filters"))])
        return data, f"jewelcrime_{safe_filename(ident)}_kit_{dt.date.today():%Y%m%d}.zip"
    made = make(engine, sel, {"image": "main", "badge": "badge", "letter": "letter", "a4": "a4"}[kind])
    return made.data, made.name


def start_download(engine: sa.Engine, which: str | None, sel: dict[str, Any]) -> tuple[Any, bool, str, str | None]:
    """A button press -> (download, show the warning?, its message, the kind waiting for the answer). A claim
    the latest data no longer supports asks first; anything else downloads at once."""
    if which not in BUTTONS.values():
        return no_update, False, "", None
    kind = {v: k for k, v in BUTTONS.items()}[which]
    warning = stale_warning(engine, selection(engine, {"item": (sel or {}).get("item"), **((sel or {}).get("filters") or {})}))
    if warning:
        return no_update, True, warning, kind
    data, name = package(engine, sel or {}, kind)
    return dcc.send_bytes(data, name), False, "", None


@callback(Output(DOWNLOAD, "data"), Output(CONFIRM, "displayed"), Output(CONFIRM, "message"), Output(PENDING, "data"),
          *[Input(b, "n_clicks") for b in BUTTONS.values()], State(STORE, "data"), prevent_initial_call=True)
def download(*args: Any) -> Any:
    *_clicks, sel = args
    return start_download(context.engine(), dash.ctx.triggered_id, sel)


def confirmed_download(engine: sa.Engine, pending: Any, sel: dict[str, Any]) -> Any:
    """The answer 'export anyway' -> the file that was asked for (the 'as of' line is in it)."""
    if not isinstance(pending, str) or pending not in BUTTONS:
        return no_update
    data, name = package(engine, sel or {}, pending)
    return dcc.send_bytes(data, name)


@callback(Output(DOWNLOAD, "data", allow_duplicate=True), Input(CONFIRM, "submit_n_clicks"), State(PENDING, "data"),
          State(STORE, "data"), prevent_initial_call=True)
def after_confirm(submitted: int | None, pending: Any, sel: dict[str, Any]) -> Any:
    return confirmed_download(context.engine(), pending, sel) if submitted else no_update


@callback(Output(PAGE_LOCATION, "search", allow_duplicate=True), Input(ITEM, "value"), Input(SIZE, "value"),
          Input(FORMAT, "value"), State(STORE, "data"), prevent_initial_call=True)
def choose(item: str, size: str, fmt: str, sel: dict[str, Any]) -> str:
    """Choices go into the URL (so a link restores them); a new item drops the old chart's filters."""
    sel = sel or {}
    if [item, size, fmt] == [sel.get("item"), sel.get("size"), sel.get("format")]:
        return no_update
    filters = sel.get("filters", {}) if item == sel.get("item") else {}
    return "?" + urlencode({"item": item, "size": size, "format": fmt, **filters})
