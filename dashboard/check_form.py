"""The Overview page's "Check a number" form: `jewelcrime check` in the browser.

`run_check(params)` takes the form's values (the same `check_*` keys as the
page's URL), checks each one for type and allowed value, and returns either
`{"error": ..., "field": ...}` or what `jewelcrime check` prints, plus the
relative URL that reproduces the check. It only reads: `etl.claims.check`
runs SELECTs, so nothing is written. `layout(query)` draws the form, filled
in and already answered when the URL holds a check; the callback on the
button is a thin wire from the controls to `run_check` and `render_result`.
"""
from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import quote, urlencode

import sqlalchemy as sa
from dash import Input, Output, State, callback, clientside_callback, html, no_update

from dashboard import check_view as view, context, queries
from dashboard.components import PAGE_LOCATION
from etl import claims, schema
from etl.claim_report import OptionError, spec_from_options
from etl.claim_spec import METRICS

# URL key -> the form's label, used in every message so it names the field the visitor sees
FIELDS = {"check_measure": "Measure", "check_category": "Category", "check_subtype": "Sub-type",
          "check_region": "States or provinces", "check_country": "Country", "check_source": "Source",
          "check_major": "Major cities only", "check_nibrs_class": "NIBRS class", "check_period": "Period",
          "check_compared_with": "Compared with", "check_share_of": "Share of", "check_claimed": "Claimed value"}
MULTI = ("check_category", "check_region")  # several values, joined by | in the URL
KINDS = ("count", "change", "share")
MAX_TEXT = 200  # longer than any real period, filter or source name
MAX_CLAIMED = 1e15  # beyond any count or dollar amount the data could hold
# the CLI's option names in etl.claim_report's messages -> the form's labels
OPTION_LABEL = {"MEASURE": "Measure", "--source": "Source", "--country": "Country", "--region": "States or provinces",
                "--category": "Category", "--subtype": "Sub-type", "--major-only": "Major cities only",
                "--nibrs-class": "NIBRS class", "--period": "Period", "--compared-with": "Compared with",
                "--share-of": "Share of", "--claimed": "Claimed value"}
OPTION_FIELD = {label: key for key, label in FIELDS.items()}


class FormError(ValueError):
    """One wrong field of the form: `key` is its URL parameter."""

    def __init__(self, key: str, problem: str):
        super().__init__(f"{FIELDS.get(key, 'Kind of number')}: {problem}")  # "kind" is the one key not in the URL
        self.key = key


# ---------------------------------------------------------------- reading the values

def _text(params: dict[str, Any], key: str) -> str | None:
    """One value as trimmed text, or None when blank; a URL may repeat a key, the form never does."""
    value = params.get(key)
    if isinstance(value, (list, tuple)):
        if len(value) > 1:
            raise FormError(key, "give one value, not several")
        value = value[0] if value else None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise FormError(key, f"expected text, got {type(value).__name__}")
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        raise FormError(key, f"is longer than {MAX_TEXT} characters")
    return text or None


def _several(params: dict[str, Any], key: str) -> list[str]:
    value = params.get(key)
    items = value if isinstance(value, (list, tuple)) else [value]
    out: list[str] = []
    for item in items:
        if item is None:
            continue
        if not isinstance(item, str):
            raise FormError(key, f"expected text, got {type(item).__name__}")
        if len(item) > MAX_TEXT:
            raise FormError(key, f"is longer than {MAX_TEXT} characters")
        out += [p.strip() for p in re.split(r"[|,]", item) if p.strip()]
    return list(dict.fromkeys(out))


def _flag(params: dict[str, Any], key: str) -> bool:
    value = params.get(key)
    if isinstance(value, bool) or value is None:
        return bool(value)
    if isinstance(value, (list, tuple)) and len(value) <= 1:  # a checklist's value
        return _flag({key: value[0] if value else None}, key)
    text = str(value).strip().lower() if isinstance(value, (str, int)) else "?"
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise FormError(key, f"{text[:20]!r} is not 1 (yes) or 0 (no)")


def _claimed(params: dict[str, Any]) -> float | None:
    text = _text(params, "check_claimed")
    if text is None:
        return None
    plain = text.replace(",", "").replace("$", "").replace(" ", "").rstrip("%").lstrip("+")
    try:
        number = float(plain)
    except ValueError:
        raise FormError("check_claimed", f"{text[:20]!r} is not a number (e.g. 50 for +50%, 1234)") from None
    if not math.isfinite(number) or abs(number) > MAX_CLAIMED:
        raise FormError("check_claimed", f"{text[:20]!r} is not a number this data could give")
    return number


def _source(engine: sa.Engine, params: dict[str, Any], measure: str) -> str | None:
    text = _text(params, "check_source")
    if text is None:
        return None if measure == "offenses" else "JSA"  # as `jewelcrime check`
    known = {s.lower(): s for s in ("JSA", "JM", "combined", *queries.sources(engine))}
    if text.lower() not in known:
        loaded = ", ".join(s for s in known.values() if s not in ("JSA", "JM", "combined"))
        raise FormError("check_source", f"{text[:40]!r} is not JSA, JM, combined" + (
            f" or a loaded source ({loaded})" if loaded else " (no other source is loaded)"))
    if measure == "offenses":
        raise FormError("check_source", "offenses are FBI NIBRS national counts and take no incident source; "
                                        "leave it blank")
    return known[text.lower()]


def _option_error(message: str) -> dict[str, Any]:
    """etl.claim_report names CLI options; the form names its own fields."""
    for option, label in sorted(OPTION_LABEL.items(), key=lambda kv: -len(kv[0])):
        message = re.sub(rf"(?<![\w-]){re.escape(option)}(?![\w-])", label, message)
    first = next((label for label in OPTION_LABEL.values() if message.startswith(label)), None)
    return {"error": message, "field": OPTION_FIELD.get(first)}


# ---------------------------------------------------------------- the check

def _read(engine: sa.Engine, params: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The values, normalised, and the kind of number asked for (None: implied by what is filled)."""
    measure = (_text(params, "check_measure") or "incidents").lower()
    if measure not in METRICS:
        raise FormError("check_measure", f"{measure[:20]!r} is not one of {', '.join(METRICS)}")
    kind = _text(params, "kind")
    if kind is not None and kind not in KINDS:
        raise FormError("kind", f"{kind[:20]!r} is not one of {', '.join(KINDS)}")
    v = {"check_measure": measure, "check_source": _source(engine, params, measure),
         "check_country": (_text(params, "check_country") or "").upper() or None,
         "check_region": [r.upper() for r in _several(params, "check_region")],
         "check_category": [c.lower() for c in _several(params, "check_category")],
         "check_subtype": (_text(params, "check_subtype") or "").lower() or None,
         "check_major": _flag(params, "check_major"),
         "check_nibrs_class": (_text(params, "check_nibrs_class") or "").lower() or None,
         "check_period": _text(params, "check_period"),
         "check_compared_with": _text(params, "check_compared_with"),
         "check_share_of": _text(params, "check_share_of"), "check_claimed": _claimed(params)}
    if len(v["check_region"]) > 64 or len(v["check_category"]) > 10:
        raise FormError("check_region" if len(v["check_region"]) > 64 else "check_category", "lists too many values")
    # an explicit kind drops the other kind's field and insists on its own
    if kind == "count":
        v["check_compared_with"] = v["check_share_of"] = None
    elif kind == "change":
        v["check_share_of"] = None
        if v["check_compared_with"] is None:
            raise FormError("check_compared_with", "is blank: a change needs the earlier period (e.g. 2021)")
    elif kind == "share":
        v["check_compared_with"] = None
        if v["check_share_of"] is None:
            raise FormError("check_share_of", "is blank: a share needs its total (all, or e.g. nibrs_class=total)")
    return v, kind


def share_url(values: dict[str, Any]) -> str:
    """The relative URL of this check, defaults left out, so the link stays short and exact."""
    pairs: list[tuple[str, str]] = []
    for key in FIELDS:
        value = values.get(key)
        if (key, value) in (("check_measure", "incidents"), ("check_source", "JSA")):
            continue  # what a blank field means anyway
        if key == "check_claimed" and value is not None:
            value = str(int(value)) if float(value).is_integer() else repr(float(value))
        elif key == "check_major":
            value = "1" if value else None
        elif key in MULTI:
            value = "|".join(value) or None
        if value is not None:
            pairs.append((key, str(value)))
    return "/?" + urlencode(pairs, quote_via=quote)


def run_check(engine: sa.Engine, params: dict[str, Any]) -> dict[str, Any]:
    """Validate the form's values and check the number; an `error` naming the field instead of raising."""
    if not isinstance(params, dict):
        return {"error": "the check's values are not a set of fields", "field": None}
    try:
        v, _kind = _read(engine, params)
    except FormError as exc:
        return {"error": str(exc), "field": exc.key}
    filters = {"source": v["check_source"], "country": v["check_country"], "regions": v["check_region"],
               "category": "|".join(v["check_category"]) or None, "subtype": v["check_subtype"],
               "major_only": v["check_major"], "nibrs_class": v["check_nibrs_class"]}
    try:
        spec = spec_from_options(v["check_measure"], filters, v["check_period"], v["check_compared_with"],
                                 v["check_share_of"], v["check_claimed"])
    except OptionError as exc:
        return _option_error(str(exc))
    with engine.connect() as conn:
        try:
            ready = schema.check_version(conn)
        except Exception as exc:  # noqa: BLE001 - a database of another version: say so, do not 500
            return {"error": f"the database cannot be read: {exc}", "field": None}
        if not ready:
            return {"error": "the database is empty: load data with `jewelcrime etl` first", "field": None}
        named = {s for f in spec.parts() for s in f.sources()} - {"JSA", "JM"}
        if not named <= set(queries.sources(engine)):  # a source named inside "Share of"
            return {"error": f"Share of: source {', '.join(sorted(named))!r} has no incidents",
                    "field": "check_share_of"}
        try:
            r = claims.check(conn, spec)
        except sa.exc.SQLAlchemyError as exc:  # a database that went away mid-check: a message, not a 500
            return {"error": f"the database could not be read ({type(exc).__name__}); try again", "field": None}
    # the normalised periods, so "2022-1..2022-6" and "2022-01..2022-06" share one URL
    v["check_period"] = spec.period.written()
    if spec.compared_with is not None:
        v["check_compared_with"] = spec.compared_with.written()
    latest = r.latest
    latest_text = (f"{latest['period']}: {claims.format_value(latest['value'], r.claim_unit)}" if latest
                   else "no complete period in the data")
    return {"label": r.label, "period": r.period, "measure": spec.metric, "claim_unit": r.claim_unit,
            "value": r.value, "value_text": claims.format_value(r.value, r.claim_unit),
            "numerator": r.numerator, "denominator": r.denominator, "formula": r.formula, "inputs": r.inputs,
            "claimed": spec.published_value, "verdict": r.verdict, "reason": r.reason,
            "latest": latest, "latest_text": latest_text,
            "stale": r.stale, "freshness": r.freshness, "sample": r.sample,
            "sample_note": r.sample_note or None,  # the checker's: what a verdict on sample rows proves
            "source_line": r.source_line, "params": v, "url": share_url(v)}


# ---------------------------------------------------------------- the page

def layout(engine: sa.Engine, query: dict[str, Any]) -> html.Div:
    """The form, filled in from the URL's `check_*` parameters; answered at once when they hold a period."""
    query = query if isinstance(query, dict) else {}
    result = run_check(engine, query) if query.get("check_period") else None
    return view.form(engine, query, result)


def form_params(measure: Any, kind: Any, period: Any, compared: Any, share_of: Any, claimed: Any, source: Any,
                country: Any, regions: Any, category: Any, subtype: Any, major: Any, nibrs: Any) -> dict[str, Any]:
    """The controls' values under their URL keys (and the kind, which the URL leaves implied)."""
    return {"check_measure": measure, "kind": kind, "check_period": period, "check_compared_with": compared,
            "check_share_of": share_of, "check_claimed": claimed, "check_source": source, "check_country": country,
            "check_region": regions, "check_category": category, "check_subtype": subtype, "check_major": major,
            "check_nibrs_class": nibrs}


@callback(Output(view.RESULT, "children"), Output(PAGE_LOCATION, "search", allow_duplicate=True),
          Input(view.BUTTON, "n_clicks"), *(State(view.cid(name), prop) for name, prop in view.CONTROLS),
          prevent_initial_call=True)
def on_check(n_clicks: Any, *values: Any) -> tuple:
    """Check: compute, draw the answer, and put the check in the address bar so it can be shared."""
    if not n_clicks:
        return no_update, no_update
    result = run_check(context.engine(), form_params(*values))
    return view.render_result(result), (no_update if "error" in result else result["url"][1:])


# the earlier period is for a change, the total for a share: show only the one the kind needs
clientside_callback(
    """
    function(kind) {
        const show = on => on ? {} : {display: "none"};
        return [show(kind === "change"), show(kind === "share")];
    }
    """,
    Output(view.cid("compared-box"), "style"), Output(view.cid("share-box"), "style"), Input(view.cid("kind"), "value"),
)
