"""What the "Check a number" form looks like: its controls (filled in from the URL) and a result drawn in words.

Plain functions of plain values, so tests can call them without a browser;
dashboard/check_form.py holds the checking and the callbacks.
"""
from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import queries
from dashboard.components import verdict_badge
from etl import taxonomy
from etl.claim_spec import NIBRS_CLASSES

PREFIX = "check"
FORM, RESULT, BUTTON = "check-form", "check-result", "check-button"
# (control name, the property the callback reads), in the order check_form.form_params takes them
CONTROLS = (("measure", "value"), ("kind", "value"), ("period", "value"), ("compared-with", "value"),
            ("share-of", "value"), ("claimed", "value"), ("source", "value"), ("country", "value"),
            ("region", "value"), ("category", "value"), ("subtype", "value"), ("major", "value"),
            ("nibrs-class", "value"))
MEASURES = {"incidents": "Incidents (crimes against jewelers)", "losses": "Losses in U.S. dollars",
            "offenses": "FBI NIBRS offenses (national)"}
KIND_LABELS = {"count": "A count or an amount in one period", "change": "A change between two periods",
               "share": "A share of a total"}
PERIOD_HINT = "e.g. 2022, 2022H1, 2022-01..2022-06 or 2019..2022"


def cid(name: str) -> str:
    return f"{PREFIX}-{name}"


def _one(query: dict[str, Any], key: str) -> str:
    value = query.get(key)
    value = value[0] if isinstance(value, (list, tuple)) and value else value
    return str(value)[:200] if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def _pick(query: dict[str, Any], key: str, allowed: dict[str, str]) -> str | None:
    """A dropdown's starting value: only one of its options (a bad URL leaves it blank, and the result says why)."""
    return {o.lower(): o for o in allowed}.get(_one(query, key).strip().lower())


def _picks(query: dict[str, Any], key: str, allowed: dict[str, str], upper: bool = False) -> list[str]:
    parts = [p.strip() for p in _one(query, key).split("|") if p.strip()]
    return [p for p in dict.fromkeys(x.upper() if upper else x.lower() for x in parts) if p in allowed]


def _field(label: str, control: Any, hint: str | None = None, width: int = 4, box: str | None = None,
           style: dict | None = None) -> dbc.Col:
    target = getattr(control, "id", None)
    return dbc.Col([dbc.Label(label, html_for=target, className="small fw-semibold mb-1"), control,
                    dbc.FormText(hint) if hint else None], md=width, className="mb-2",
                   **({"id": cid(box)} if box else {}), style=style or {})


def _options(engine: Any) -> dict[str, dict[str, str]]:
    regions = queries.regions(engine)
    mapped = [s for s in queries.sources(engine) if s not in ("JSA", "JM")]
    return {
        "source": {"JSA": "JSA", "JM": "JM", "combined": "JSA and JM combined", **{s: s for s in mapped}},
        "country": {"US": "United States", "CA": "Canada"},
        "region": {r.code: f"{r.name} ({r.code})" for r in regions.itertuples(index=False)},
        "category": dict(taxonomy.CATEGORIES),
        "subtype": {c.subtype: c.label for c in taxonomy.CRIME_TYPES if c.subtype},
        "nibrs-class": {c: c.capitalize() for c in NIBRS_CLASSES},
    }


def _dropdown(name: str, options: dict[str, str], value: Any, placeholder: str, multi: bool = False) -> dcc.Dropdown:
    return dcc.Dropdown(id=cid(name), options=[{"label": v, "value": k} for k, v in options.items()], value=value,
                        multi=multi, placeholder=placeholder, clearable=True)


def form(engine: Any, query: dict[str, Any], result: dict[str, Any] | None) -> html.Div:
    """The card: what it does, the controls (from the query), the Check button and the answer (if any)."""
    opts = _options(engine)
    compared, share = _one(query, "check_compared_with"), _one(query, "check_share_of")
    kind = "change" if compared.strip() else "share" if share.strip() else "count"
    hidden = {"display": "none"}
    text = lambda name, key, hint: dbc.Input(id=cid(name), type="text", value=_one(query, key),  # noqa: E731
                                             placeholder=hint, maxLength=200, debounce=False)
    major = _one(query, "check_major").strip().lower() in ("1", "true", "yes")
    controls = [
        dbc.Row([
            _field("Measure", dcc.Dropdown(id=cid("measure"), options=[{"label": v, "value": k}
                                                                     for k, v in MEASURES.items()],
                                           value=_pick(query, "check_measure", MEASURES) or "incidents",
                                           clearable=False)),
            _field("Kind of number", dbc.RadioItems(id=cid("kind"), value=kind, options=[
                {"label": v, "value": k} for k, v in KIND_LABELS.items()]), width=8),
        ]),
        dbc.Row([
            _field("Period", text("period", "check_period", PERIOD_HINT), "Required."),
            _field("Compared with", text("compared-with", "check_compared_with", "e.g. 2021"),
                   "The earlier period, as long as the period.", box="compared-box",
                   style=None if kind == "change" else hidden),
            _field("Share of", text("share-of", "check_share_of", "e.g. all, or nibrs_class=total"),
                   "The total: all, or filters such as category=theft|robbery.", box="share-box",
                   style=None if kind == "share" else hidden),
            _field("Claimed value", text("claimed", "check_claimed", "e.g. 50 for +50%, 40 for 40%, 1234"),
                   "Optional: leave blank to see the number without a verdict."),
        ]),
        dbc.Row([
            _field("Source", _dropdown("source", opts["source"], _pick(query, "check_source", opts["source"]),
                                       "JSA (default)"), width=3),
            _field("Country", _dropdown("country", opts["country"], _pick(query, "check_country", opts["country"]),
                                        "Both"), width=3),
            _field("States or provinces", _dropdown("region", opts["region"],
                                                    _picks(query, "check_region", opts["region"], upper=True),
                                                    "All", multi=True), width=6),
        ]),
        dbc.Row([
            _field("Category", _dropdown("category", opts["category"], _picks(query, "check_category",
                                                                              opts["category"]), "All", multi=True),
                   width=3),
            _field("Sub-type", _dropdown("subtype", opts["subtype"], _pick(query, "check_subtype", opts["subtype"]),
                                         "Any"), width=3),
            _field("NIBRS class", _dropdown("nibrs-class", opts["nibrs-class"],
                                            _pick(query, "check_nibrs_class", opts["nibrs-class"]), "Any"),
                   "Offenses: total, persons, property or society.", width=3),
            _field("Cities", dbc.Switch(id=cid("major"), label="Major cities only", value=major), width=3),
        ]),
    ]
    return html.Div(dbc.Card(dbc.CardBody([
        html.H2("Check a number", className="h5"),
        html.P("Seen a figure about crime against jewelers? Describe it here: what is counted, for which places and "
               "periods, and the number that was claimed. The number is recomputed from this database, with the "
               "formula and the counts behind it, and you get a link that repeats the same check. Nothing you type "
               "is saved.", className="small text-muted"),
        *controls,
        dbc.Button([html.I(className="bi bi-calculator me-1", **{"aria-hidden": "true"}), "Check"], id=BUTTON,
                   color="primary", className="mt-1 mb-3"),
        html.Div(render_result(result) if result else None, id=RESULT, role="status", **{"aria-live": "polite"}),
    ]), className="mb-4 check-card"), id=FORM)


# ---------------------------------------------------------------- the answer

def _number(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "none" if value is None else ("yes" if value else "no")
    if isinstance(value, (int, float)):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or "none"
    return str(value)


def _sentence(text: str) -> str:
    return (text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")) if text else ""


def render_result(result: dict[str, Any]) -> Any:
    """An error as a message naming the field; a result as value, verdict, reason, formula, counts and link."""
    if "error" in result:
        return dbc.Alert([html.I(className="bi bi-exclamation-triangle-fill me-2", **{"aria-hidden": "true"}),
                          result["error"]], color="warning", className="check-error mb-0")
    value = result["value_text"]
    if result["claim_unit"] in ("percent_change", "percent_share") and result["value"] is not None:
        value_parts = [value, html.Span(f" ({_number(result['numerator'])} / {_number(result['denominator'])})",
                                        className="fs-6 text-muted check-ratio")]
    else:
        value_parts = [value]
    verdict = (verdict_badge(result["verdict"]) if result["verdict"] else
               dbc.Badge("Not judged: type a claimed value to judge it", color="light", text_color="dark",
                         className="verdict verdict-none fs-6"))
    counts = [html.Tr([html.Th(k.replace("_", " "), scope="row", className="fw-normal"),
                       html.Td(_number(v), className="text-end")]) for k, v in result["inputs"].items()]
    latest = [html.Strong("Latest complete period: "), result["latest_text"]]
    if result["latest"] and result["latest"].get("verdict") and result["latest"]["value"] is not None:
        latest.append(f" ({result['latest']['verdict']})")
    if result["stale"]:
        latest.append(html.Span(" Stale: true for its own period, not for the latest.", className="check-stale"))
    return html.Div([
        html.H3(result["label"], className="h6 mb-0 check-label"),
        html.P(result["period"], className="small text-muted mb-2"),
        html.Div(value_parts, className="display-6 fw-bold check-value"),
        html.P("computed from the database", className="small text-muted mb-2"),
        html.Div(verdict, className="mb-1 check-verdict"),
        html.P(_sentence(result["reason"]), className="small mb-2 check-reason"),
        dbc.Alert(result["sample_note"], color="warning", className="small py-2 check-sample")
        if result["sample"] else None,
        html.P([html.Strong("Formula: "), _sentence(result["formula"])], className="small mb-2 check-formula"),
        dbc.Table([html.Caption("Counts used", className="caption-top small"), html.Tbody(counts)], size="sm",
                  striped=True, className="small mb-2 check-inputs", style={"maxWidth": "36rem"}),
        html.P(latest, className="small mb-2 check-latest"),
        html.P(result["freshness"], className="small mb-2 check-freshness") if result.get("freshness") else None,
        html.P([html.Strong("Source: "), result["source_line"]], className="small mb-2 check-source"),
        html.A([html.I(className="bi bi-link-45deg me-1", **{"aria-hidden": "true"}), "Link to this check"],
               href=result["url"], className="btn btn-outline-secondary btn-sm check-link"),
    ], className="check-answer")
