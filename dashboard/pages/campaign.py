"""Campaign: turn a headline figure or any chart into campaign material from live data.

Every download runs as a background job (dashboard.export_jobs): a button starts the job, an interval polls
its progress into a bar, and the finished file is sent with dcc.Download. See docs/campaign.md.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from typing import Any, Callable
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
import sqlalchemy as sa
from dash import Input, Output, State, callback, dcc, html, no_update

from dashboard import claims_view, context, export_jobs, exporter, queries
from dashboard.graphics.words import claim_line
from dashboard.components import PAGE_LOCATION, safe_filename, verdict_badge
from dashboard.graphics import presets
from dashboard.graphics.document import LayoutError

log = logging.getLogger(__name__)

PAGE = "campaign"
ITEM, SIZE, FORMAT, STORE = "campaign-item", "campaign-size", "campaign-format", "campaign-selection"
HEADLINE, HEADLINE_ERROR = "campaign-headline", "campaign-headline-error"
PREVIEW, ALT, ALT_COPY, INFO, SIZES = "campaign-preview", "campaign-alt", "campaign-alt-copy", "campaign-info", "campaign-sizes"
BUTTONS = {"image": "campaign-download-image", "badge": "campaign-download-badge",
           "letter": "campaign-download-letter", "a4": "campaign-download-a4", "all": "campaign-download-all",
           "kit": "campaign-download-kit"}
DOWNLOAD = "campaign-download"
CONFIRM, PENDING, WARNING = "campaign-confirm-stale", "campaign-pending", "campaign-stale-warning"
JOB, READY, POLL = "campaign-job", "campaign-job-ready", "campaign-job-poll"
PROGRESS, PROGRESS_TEXT, PROGRESS_BOX, FAILED = ("campaign-progress", "campaign-progress-text", "campaign-progress-box",
                                                 "campaign-job-failed")
POLL_MS = 300
OWN_KEYS = {"item", "size", "format", "headline"}
KIND = {"image": "main", "badge": "badge", "letter": "letter", "a4": "a4"}
Report = Callable[[int, int, str], None]

dash.register_page(__name__, path="/campaign", name="Campaign", title="Campaign kit · Jewelry Crime Analytics", order=6)


def items(engine: sa.Engine) -> list[dict[str, str]]:
    figs = queries.headline_figures(engine)
    out = [{"label": f"Headline figure: {f['label']}", "value": f"figure:{f['id']}"} for f in figs]
    out += [{"label": f"Chart: {c.title}", "value": f"chart:{cid}"} for cid, c in exporter.exportable().items()]
    return out


def selection(engine: sa.Engine, query: dict[str, Any]) -> dict[str, Any]:
    """Checked choice from the URL: item, size, format, the headline as typed and (for a chart) its filters."""
    options = [o["value"] for o in items(engine)]
    item = query.get("item") if query.get("item") in options else options[0]  # the first headline figure
    size = query.get("size") if query.get("size") in presets.BY_NAME else "square"
    fmt = query.get("format") if query.get("format") in presets.FORMATS else "png"
    headline = query.get("headline") if isinstance(query.get("headline"), str) else ""
    filters = {k: v for k, v in query.items() if k not in OWN_KEYS and isinstance(v, str)}
    return {"item": item, "size": size, "format": fmt, "headline": headline, "filters": filters}


def checked(engine: sa.Engine, sel: dict[str, Any] | None) -> dict[str, Any]:
    """A selection from the page's store, checked again (the store is the browser's to change)."""
    sel = sel or {}
    return selection(engine, {"item": sel.get("item"), "size": sel.get("size"), "format": sel.get("format"),
                              "headline": sel.get("headline"), **(sel.get("filters") or {})})


def headline_of(sel: dict[str, Any] | None) -> tuple[str | None, str]:
    """(the edited headline every export uses, or None for the computed title; the reason a typed one is refused)."""
    typed = (sel or {}).get("headline")
    if not isinstance(typed, str) or not typed.strip():
        return None, ""
    try:
        return exporter.check_headline(typed), ""
    except ValueError as exc:
        return None, str(exc)


def size_text(p: presets.Preset) -> str:
    return p.option_label if p.group == "social" else f"{p.option_label}, {p.width}×{p.height}"


def layout(**query: Any) -> html.Div:
    engine = context.engine()
    sel = selection(engine, query)
    is_figure = sel["item"].startswith("figure:")
    _usable, refused = headline_of(sel)
    n_figures = len(queries.headline_figures(engine))
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
                     dcc.Dropdown(id=SIZE, options=[{"label": p.option_label, "value": p.name} for p in presets.PRESETS],
                                  value=sel["size"], clearable=False)], md=3),
            dbc.Col([dbc.Label("Format", html_for=FORMAT, className="small fw-semibold"),
                     dbc.RadioItems(id=FORMAT, options=[{"label": x.upper(), "value": x} for x in presets.FORMATS],
                                    value=sel["format"], inline=True)], md=3),
        ], className="g-2 mb-2"),
        dbc.Row(dbc.Col([
            dbc.Label("Headline (optional)", html_for=HEADLINE, className="small fw-semibold"),
            dbc.Input(id=HEADLINE, type="text", value=sel["headline"], maxLength=exporter.HEADLINE_MAX, debounce=True,
                      invalid=bool(refused), placeholder="Leave empty to use the computed title"),
            dbc.FormFeedback(refused, id=HEADLINE_ERROR, type="invalid"),
            dbc.FormText(f"Up to {exporter.HEADLINE_MAX} characters. It replaces the title on every file this page "
                         "makes; the number, the source and the dates are computed from the data and cannot be edited.",
                         id=f"{HEADLINE}-help"),
        ], md=9), className="mb-3"),
        dcc.Store(id=STORE, data=sel),
        dcc.Store(id=PENDING),
        dcc.Store(id=JOB),
        dcc.Store(id=READY),
        dcc.Interval(id=POLL, interval=POLL_MS, disabled=True),
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
                *[dbc.Button(label, id=BUTTONS[kind], color="secondary", outline=True, className="me-2 mb-2",
                             disabled=not is_figure) for kind, label in (("badge", "Stat card (PNG)"),
                  ("letter", "Store sign, Letter (PDF)"), ("a4", "Store sign, A4 (PDF)"))],
                dbc.Button([html.I(className="bi bi-file-zip me-1"), "Download all (ZIP with manifest)"],
                           id=BUTTONS["all"], color="dark", className="mb-2"),
                html.Div([
                    dbc.Button([html.I(className="bi bi-box-seam me-1"), "Download the whole kit"], id=BUTTONS["kit"],
                               color="dark", outline=True, className="mb-1"),
                    html.P(f"Every headline figure ({n_figures}) in every size: {exporter.kit_size(engine)} files with their "
                           "alt text and a manifest, as one ZIP. Files show each figure's computed title.",
                           className="small text-muted mb-0"),
                ], className="border-top pt-2 mt-1"),
                html.Div([
                    html.Div(id=PROGRESS_TEXT, className="small mb-1", role="status", **{"aria-live": "polite"}),
                    dbc.Progress(id=PROGRESS, value=0, max=1, striped=True, className="campaign-progress-bar"),
                ], id=PROGRESS_BOX, hidden=True, className="mt-3"),
                dbc.Alert(id=FAILED, color="danger", is_open=False, className="small mt-3"),
                dcc.Download(id=DOWNLOAD),
                html.P(["Store signs pair the figure with the guidance that matches it and the call to take the safety "
                        "pledge (", html.A("Partner for Protection", href="https://www.partnerforprotection.com/",
                                            rel="noopener noreferrer"), ")."], className="small text-muted mt-2"),
            ], lg=5),
        ]),
        html.H2("Every size", className="h5 mt-4"),
        html.P("The chosen graphic in each size it comes in, as the files will look.", className="small text-muted"),
        dcc.Loading(html.Div(id=SIZES, className="campaign-sizes"), type="circle"),
    ])


def make(engine: sa.Engine, sel: dict[str, Any], kind: str = "main") -> exporter.Exported:
    """One file for the selection: the chosen image, or the figure's stat card or store sign."""
    sel = checked(engine, sel)
    headline = headline_of(sel)[0]
    what, ident = sel["item"].split(":", 1)
    if what == "figure":
        if kind == "badge":
            return exporter.export_figure(engine, ident, "square", "png", kind="badge", headline=headline)
        if kind in presets.PRINT:
            return exporter.export_figure(engine, ident, kind, "pdf", kind="signage", headline=headline)
        return exporter.export_figure(engine, ident, sel["size"], sel["format"], headline=headline)
    return exporter.export_chart(engine, ident, sel["filters"], sel["size"], sel["format"], headline=headline)


def every_size(engine: sa.Engine, sel: dict[str, Any]) -> list[tuple[str, presets.Preset, exporter.Exported | str]]:
    """(what, preset, PNG) of each size of the selection, one after the other (the renderer is one browser): a
    headline figure's social sizes, stat card and Letter sign; a chart in every preset. A size the words do not
    fit gives the reason in place of the PNG."""
    sel = checked(engine, sel)
    headline = headline_of(sel)[0]
    what, ident = sel["item"].split(":", 1)
    if what == "figure":
        plan = [("Social graphic", presets.BY_NAME[name], {"kind": "social"}) for name in presets.SOCIAL]
        plan += [("Stat card", presets.BY_NAME["square"], {"kind": "badge"}),
                 ("Store sign", presets.BY_NAME["letter"], {"kind": "signage"})]
    else:
        plan = [("Chart", p, {}) for p in presets.PRESETS]
    out: list[tuple[str, presets.Preset, exporter.Exported | str]] = []
    for label, p, kw in plan:
        try:
            out.append((label, p, exporter.export_figure(engine, ident, p.name, "png", headline=headline, **kw)
                        if what == "figure" else
                        exporter.export_chart(engine, ident, sel["filters"], p.name, "png", headline=headline)))
        except LayoutError as exc:
            out.append((label, p, str(exc)))
    return out


Drawn = list[tuple[str, presets.Preset, exporter.Exported | str]]


def drawn(engine: sa.Engine, sel: dict[str, Any], every: bool) -> Drawn:
    """every_size, or (every=False) the preview alone: one PNG of the chosen size."""
    if every:
        return every_size(engine, sel)
    return [("", presets.BY_NAME["square"], make(engine, {**sel, "format": "png"}))]


@export_jobs.task("campaign.previews")
def previews_task(_progress: Report, db_url: str, sel: dict[str, Any], every: bool) -> tuple[bytes, str]:
    """drawn() on the export worker, as JSON (PNG in base64)."""
    rows = [[what, p.name, m if isinstance(m, str) else {"name": m.name, "data": base64.b64encode(m.data).decode(),
                                                        "alt_text": m.alt_text, "manifest": m.manifest}]
            for what, p, m in drawn(export_jobs.engine_for(db_url), sel, every)]
    return json.dumps(rows, default=str).encode(), "previews.json"


def previews(engine: sa.Engine, sel: dict[str, Any], every: bool) -> Drawn:
    """What update_preview and update_sizes show. With an export worker serving the server, it draws them
    (ahead of queued downloads), so no web process starts a Chromium of its own; else this process does."""
    if not export_jobs.worker_running():
        return drawn(engine, sel, every)
    data, _name = export_jobs.call("campaign.previews", db_url=export_jobs.db_url(engine), sel=dict(sel), every=every)
    return [(what, presets.BY_NAME[name], m if isinstance(m, str) else exporter.Exported(
        m["name"], base64.b64decode(m["data"]), m["alt_text"], m["manifest"])) for what, name, m in json.loads(data)]


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


def kit_warning(engine: sa.Engine) -> str:
    """What the page says before making the whole kit when some of its claims are out of date ('' when none is)."""
    stale = [f for f in queries.headline_figures(engine) if f["stale"]]
    if not stale:
        return ""
    names = "; ".join(f["label"] for f in stale)
    return (f"{len(stale)} of the kit's claims are out of date ({names}). Their files say so with an 'as of' line. "
            "Export the kit anyway?")


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
        html.P([f"Computed value: {claims_view.value_text(fig)}. ", fig["formula"][0].upper(), fig["formula"][1:], "."],
               className="small mb-1"),
        html.P(claim_line(fig)[0], className="small mb-1"),
        alert, *notes,
    ])


def png_src(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


@callback(Output(PREVIEW, "src"), Output(PREVIEW, "alt"), Output(ALT, "value"), Output(INFO, "children"),
          Input(STORE, "data"))
def update_preview(sel: dict[str, Any]) -> tuple:
    """The PNG the chosen size gives (the preview is always PNG; downloads use the chosen format)."""
    engine = context.engine()
    info = describe(engine, selection(engine, {"item": (sel or {}).get("item"), **((sel or {}).get("filters") or {})}))
    try:
        made = previews(engine, sel or {}, every=False)[0][2]
    except Exception as exc:  # noqa: BLE001 - e.g. a headline too long for this size: say so, beside the choice
        log.exception("campaign preview failed")
        message = export_jobs.failure_message(exc)
        return "", message, "", html.Div([info, dbc.Alert(message, color="danger", className="small py-2")])
    return png_src(made.data), made.alt_text, made.alt_text, info


@callback(Output(SIZES, "children"), Input(STORE, "data"))
def update_sizes(sel: dict[str, Any]) -> list:
    """A card per size: the PNG (alt text = the file's), what it is, and its size."""
    try:
        made = previews(context.engine(), sel or {}, every=True)
    except Exception as exc:  # noqa: BLE001
        log.exception("campaign size previews failed")
        return [dbc.Alert(export_jobs.failure_message(exc), color="danger", className="small")]
    return [html.Figure([
        html.Img(src=png_src(m.data), alt=m.alt_text, className="campaign-size-img border")
        if isinstance(m, exporter.Exported) else dbc.Alert(m, color="warning", className="small mb-0"),
        html.Figcaption([html.Span(what, className="fw-semibold d-block"), html.Span(size_text(p))],
                        className="small mt-1"),
    ], className="campaign-size mb-0", **{"data-size": p.name}) for what, p, m in made]


def package(engine: sa.Engine, sel: dict[str, Any], kind: str, progress: Report | None = None) -> tuple[bytes, str]:
    """(file bytes, file name) for a button: the image, the stat card, a store sign, everything for the chosen item
    as a ZIP ('all') or the whole kit of every headline figure ('kit'). `progress(done, total, file)` after each
    file."""
    report = progress or (lambda done, total, current: None)
    today = f"{dt.date.today():%Y%m%d}"
    if kind == "kit":  # every claim: each figure keeps its computed title (one typed headline fits one figure)
        report(0, exporter.kit_size(engine), "")
        return exporter.kit(engine, progress=report), f"jewelcrime_campaign_kit_{today}.zip"
    sel = checked(engine, sel)
    if kind == "all":
        what, ident = sel["item"].split(":", 1)
        figure_ids, charts = ([ident], None) if what == "figure" else ([], [(ident, sel["filters"])])
        report(0, exporter.kit_size(engine, figure_ids, charts), "")
        data = exporter.kit(engine, figure_ids, charts, progress=report, headline=headline_of(sel)[0])
        return data, f"jewelcrime_{safe_filename(ident)}_kit_{today}.zip"
    report(0, 1, "")
    made = make(engine, sel, KIND[kind])
    report(1, 1, made.name)
    return made.data, made.name


@export_jobs.task("campaign.package")
def package_task(progress: Report, db_url: str, sel: dict[str, Any], kind: str) -> tuple[bytes, str]:
    """package() as the export worker process runs it: from the database's URL."""
    return package(export_jobs.engine_for(db_url), sel, kind, progress)


def begin(engine: sa.Engine, sel: dict[str, Any], kind: str) -> dict[str, str]:
    """Start the job that makes a button's file: {"id", "kind"}, or {"error"} when no job can start. On the
    server's export worker when one runs (queued on disk), else in this process (handed the engine: its
    thread has no app context)."""
    sel = dict(sel or {})
    try:
        if export_jobs.worker_running():
            job_id = export_jobs.submit("campaign.package", db_url=export_jobs.db_url(engine), sel=sel, kind=kind)
        else:
            job_id = export_jobs.start(lambda progress: package(engine, sel, kind, progress))
        return {"id": job_id, "kind": kind}
    except export_jobs.JobError as exc:
        return {"error": str(exc)}


def start_download(engine: sa.Engine, which: str | None, sel: dict[str, Any]) -> tuple[bool, str, str | None, Any, Any]:
    """A button press -> (show the warning?, its message, the kind waiting for the answer, the job started,
    the poll's `disabled`). A claim the latest data no longer supports asks first; anything else starts at once."""
    if which not in BUTTONS.values():
        return False, "", None, no_update, no_update
    kind = {v: k for k, v in BUTTONS.items()}[which]
    warning = kit_warning(engine) if kind == "kit" else stale_warning(engine, selection(
        engine, {"item": (sel or {}).get("item"), **((sel or {}).get("filters") or {})}))
    if warning:
        return True, warning, kind, no_update, no_update
    return False, "", None, begin(engine, sel, kind), False


@callback(Output(CONFIRM, "displayed"), Output(CONFIRM, "message"), Output(PENDING, "data"), Output(JOB, "data"),
          Output(POLL, "disabled"), *[Input(b, "n_clicks") for b in BUTTONS.values()], State(STORE, "data"),
          prevent_initial_call=True)
def download(*args: Any) -> Any:
    *_clicks, sel = args
    return start_download(context.engine(), dash.ctx.triggered_id, sel)


def confirmed_download(engine: sa.Engine, pending: Any, sel: dict[str, Any]) -> Any:
    """The answer 'export anyway' -> the job making the file that was asked for (the 'as of' line is in it)."""
    return begin(engine, sel, pending) if isinstance(pending, str) and pending in BUTTONS else no_update


@callback(Output(JOB, "data", allow_duplicate=True), Output(POLL, "disabled", allow_duplicate=True),
          Input(CONFIRM, "submit_n_clicks"), State(PENDING, "data"), State(STORE, "data"), prevent_initial_call=True)
def after_confirm(submitted: int | None, pending: Any, sel: dict[str, Any]) -> Any:
    job = confirmed_download(context.engine(), pending, sel) if submitted else no_update
    return job, (no_update if job is no_update else False)


def progress_view(job: dict[str, Any] | None, ready: str | None) -> dict[str, Any]:
    """What the progress area shows for a job: bar, words, a failure's message, whether polling stops, and the
    id of a finished job whose file is still to be sent ('ready' changes once per job: one download)."""
    view = {"value": 0, "max": 1, "label": "", "color": "primary", "animated": True, "text": "", "hidden": True,
            "failed": "", "failed_open": False, "stop": True, "ready": no_update}
    if not job:
        return view
    try:
        if job.get("error"):
            raise export_jobs.JobError(job["error"])
        s = export_jobs.status(job.get("id"))
    except export_jobs.JobError as exc:
        return {**view, "failed": f"The download could not be made: {exc}", "failed_open": True}
    total, done = max(s["total"], 1), min(s["done"], max(s["total"], 1))
    view.update(value=done, max=total, label=f"{done}/{total}" if total > 1 else "", hidden=False)
    if s["state"] == "failed":
        return {**view, "color": "danger", "animated": False, "text": "The download could not be made.",
                "failed": s["message"], "failed_open": True}
    if s["state"] == "done":
        return {**view, "color": "success", "animated": False,
                "text": f"Done: {s['current']}" + (f" ({total} files)" if total > 1 else ""),
                "ready": job["id"] if ready != job["id"] else no_update}
    if s["state"] == "queued":
        ahead = max(s.get("position", 1) - 1, 0)
        text = (f"Queued: {ahead} download{'s' if ahead != 1 else ''} ahead of this one…" if ahead
                else "Queued: this download is next…")
    elif s["done"] == 0:
        text = f"Making {s['total']} files…" if s["total"] > 1 else "Making the file…"
    else:
        text = f"Made {done} of {total} files: {s['current']}"
    return {**view, "text": text, "stop": False}


VIEW_OUTPUTS = [("value", PROGRESS, "value"), ("max", PROGRESS, "max"), ("label", PROGRESS, "label"),
                ("color", PROGRESS, "color"), ("animated", PROGRESS, "animated"), ("text", PROGRESS_TEXT, "children"),
                ("hidden", PROGRESS_BOX, "hidden"), ("failed", FAILED, "children"), ("failed_open", FAILED, "is_open"),
                ("stop", POLL, "disabled"), ("ready", READY, "data")]


@callback(*[Output(c, p, allow_duplicate=(c == POLL)) for _k, c, p in VIEW_OUTPUTS], Input(JOB, "data"),
          Input(POLL, "n_intervals"), State(READY, "data"), prevent_initial_call=True)
def poll(job: dict[str, Any] | None, _ticks: int | None, ready: str | None) -> tuple:
    view = progress_view(job, ready)
    return tuple(view[k] for k, _c, _p in VIEW_OUTPUTS)


@callback(Output(DOWNLOAD, "data"), Input(READY, "data"), prevent_initial_call=True)
def send(ready: str | None) -> Any:
    """The finished job's file for dcc.Download."""
    try:
        return dcc.send_bytes(*export_jobs.result(ready))
    except (export_jobs.JobError, OSError):
        return no_update


@callback(Output(PAGE_LOCATION, "search", allow_duplicate=True), Input(ITEM, "value"), Input(SIZE, "value"),
          Input(FORMAT, "value"), Input(HEADLINE, "value"), State(STORE, "data"), prevent_initial_call=True)
def choose(item: str, size: str, fmt: str, headline: str | None, sel: dict[str, Any]) -> str:
    """Choices go into the URL (so a link restores them); a new item drops the old chart's filters."""
    sel, headline = sel or {}, headline or ""
    if [item, size, fmt, headline] == [sel.get("item"), sel.get("size"), sel.get("format"), sel.get("headline") or ""]:
        return no_update
    filters = sel.get("filters", {}) if item == sel.get("item") else {}
    return "?" + urlencode({"item": item, "size": size, "format": fmt, **({"headline": headline} if headline else {}),
                            **filters})
