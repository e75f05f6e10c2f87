"""Checks on what reaches the Dash callback endpoint, before any callback runs.

`POST /_dash-update-component` is the one door through which a browser hands values to the server's callbacks.
The guard wraps Dash's own view for it: the body must be the JSON object dash-renderer sends, name a registered
server callback, list exactly the inputs and states that callback declares (the same ids, pattern-matching ones
too, and properties), and every value must be of a kind its property can hold (`PROPS` and `STORES`, the one
table of allowed kinds and bounds). Anything else is answered 400 with a short message and logged in one line
on `jewelcrime.requests`, never with a traceback or more than a few dozen characters of the input.

A TypeError, ValueError, KeyError, IndexError or AttributeError raised inside a callback that passed these checks
is taken as caused by its input (a value of the right kind the code did not expect): 400 and one ERROR line that
names the callback and the file and line that raised, so a real bug still stands out in the log. Any other
exception stays a 500 with Flask's traceback, and with the server in debug mode nothing is turned into a 400.
"""
from __future__ import annotations

import functools
import json
import logging
import math
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import dash
import flask
from werkzeug.exceptions import RequestEntityTooLarge

log = logging.getLogger("jewelcrime.requests")

ENDPOINT = "_dash-update-component"
MAX_BODY = 8 * 1024 * 1024  # bytes: far above any page's request (a chart's rows sent back for its CSV)
MAX_STORE = 4 * 1024 * 1024  # bytes of one Store's data, as JSON
MAX_DEPTH = 12  # nesting of lists and dicts in one value (a grid request's filter model is about 5 deep)
MAX_INT = 10 ** 18  # beyond any count or amount, and beyond what SQL's BIGINT and pandas' int64 hold
MAX_ENTRIES = 500  # the items one pattern-matching (ALL) input may list
SHOWN = 60  # characters of the input a message may quote
BODY_KEYS = {"output", "outputs", "inputs", "state", "changedPropIds", "parsedChangedPropsIds"}
INPUT_ERRORS = (TypeError, ValueError, KeyError, IndexError, AttributeError)
ROOT = Path(__file__).resolve().parents[1]


class Refused(Exception):
    """A request answered 400; the message is short and quotes at most SHOWN characters of the input."""


# ---------------------------------------------------------------- the table of allowed values

SCALARS = frozenset({"null", "bool", "int", "number", "string"})
ANY = SCALARS | {"list", "dict"}


@dataclass(frozen=True)
class Allowed:
    """The JSON kinds a property may hold ("null", "bool", "int", "number" (int or finite float), "string",
    "list", "dict") and its bounds."""

    kinds: frozenset[str]
    max_chars: int = 1000  # a string's length (and each string item of a list)
    max_items: int = 200  # entries of a list or dict
    minimum: int | None = None
    maximum: int | None = None
    items: frozenset[str] | None = None  # the kinds a list's items may have
    values: frozenset[str] | None = None  # the kinds a dict's values may have
    max_bytes: int | None = None  # the whole value written as JSON
    prefix: str = ""  # what a string must start with

    def __post_init__(self) -> None:
        object.__setattr__(self, "kinds", frozenset(self.kinds))


CLICKS = Allowed({"null", "int"}, minimum=0, maximum=2 ** 53)  # a count of clicks or timer ticks
ROWS = Allowed({"null", "list"}, max_items=100_000, items=frozenset({"dict"}), max_bytes=MAX_STORE)
SMALL_DICT = Allowed({"null", "dict"}, max_items=50, max_bytes=100_000)

# by property name: every property a server callback of the dashboard reads
PROPS: dict[str, Allowed] = {
    "n_clicks": CLICKS, "submit_n_clicks": CLICKS, "n_intervals": CLICKS,
    # dcc.Dropdown (one value or several), dbc.RadioItems, dbc.Switch (a bool), dbc.Input (text)
    "value": Allowed(SCALARS | {"list"}, items=frozenset({"int", "number", "string"})),
    # a browser's location.pathname always starts with "/" (Dash Pages' router fails on anything else)
    "pathname": Allowed({"string"}, max_chars=2000, prefix="/"),
    "search": Allowed({"null", "string"}, max_chars=4000),
    "href": Allowed({"null", "string"}, max_chars=4000),
    "is_open": Allowed({"null", "bool"}),
    "clickData": Allowed({"null", "dict"}, max_items=10, max_bytes=1_000_000),  # {"points": [...]} from plotly
    "rowData": ROWS, "virtualRowData": ROWS,  # dash-ag-grid's rows
    "getRowsRequest": SMALL_DICT,  # dash-ag-grid's infinite row model: startRow, endRow, sortModel, filterModel
    "data": Allowed(ANY, max_items=100_000, max_bytes=MAX_STORE),  # dcc.Store: any JSON value
    "id": Allowed({"string", "dict"}, max_chars=200, max_items=10),  # a component's own id, read as State
}

# stores whose callbacks read them as one kind of value: by component id, by its end ("-filters"), or by the
# `part` of a chart card's pattern id
FLAT = Allowed({"null", "dict"}, max_items=50, values=SCALARS)
STORES: dict[str, Allowed] = {
    "-filters": FLAT,  # state.Filters.as_dict() (+ a page's own choices): the page's filters
    "guidance-scenario": FLAT,
    "campaign-selection": SMALL_DICT,  # item, size, format, headline and the chart's filters
    "campaign-pending": Allowed({"null", "string"}, max_chars=100),
    "campaign-job": SMALL_DICT,
    "campaign-job-ready": Allowed({"null", "string"}, max_chars=200),
    "incidents-pick": SMALL_DICT, "incidents-query": SMALL_DICT,
    "incidents-cursors": Allowed({"null", "dict"}, max_items=10, max_bytes=MAX_STORE),
    "_pages_store": SMALL_DICT,
    "part:rows": ROWS,
    "part:columns": Allowed({"null", "list"}, max_items=500, items=frozenset({"dict"}), max_bytes=MAX_STORE),
}


def allowed_for(component: str | dict, prop: str) -> Allowed | None:
    """The table's entry for one property of one component (None: the property is not in the table)."""
    if prop == "data":
        if isinstance(component, dict):
            key = f"part:{component.get('part')}"
        else:
            key = component if component in STORES else next((k for k in STORES if k.startswith("-")
                                                               and component.endswith(k)), "")
        if key in STORES:
            return STORES[key]
    return PROPS.get(prop)


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "number"
    return {str: "string", list: "list", dict: "dict"}.get(type(value), type(value).__name__)


def _fits(k: str, kinds: frozenset[str]) -> bool:
    return k in kinds or (k == "int" and "number" in kinds)


def _depth_ok(value: Any, depth: int = 0) -> bool:
    """No deeper than MAX_DEPTH, no int beyond MAX_INT and no NaN or infinity anywhere in it."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(value, dict):
        return all(_depth_ok(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return all(_depth_ok(v, depth + 1) for v in value)
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) <= MAX_INT
    return True


def check_value(value: Any, rule: Allowed) -> str | None:
    """Why `value` does not fit `rule` (a few words), or None."""
    k = kind(value)
    if not _fits(k, rule.kinds):
        return f"{k} is not allowed (expected {' or '.join(sorted(rule.kinds))})"
    if not _depth_ok(value):
        return f"nested deeper than {MAX_DEPTH}, or a number out of range"
    if k == "string" and len(value) > rule.max_chars:
        return f"a string of {len(value):,} characters (at most {rule.max_chars:,})"
    if k == "string" and not value.startswith(rule.prefix):
        return f"a string not starting with {rule.prefix!r}"
    if k in ("int", "number") and ((rule.minimum is not None and value < rule.minimum)
                                   or (rule.maximum is not None and value > rule.maximum)):
        return f"{k} out of range ({rule.minimum}..{rule.maximum})"
    if k in ("list", "dict") and len(value) > rule.max_items:
        return f"a {k} of {len(value):,} entries (at most {rule.max_items:,})"
    if k == "list" and rule.items is not None:
        bad = next((kind(v) for v in value if not _fits(kind(v), rule.items)), None)
        if bad is not None:
            return f"a list holding a {bad} (items may be {' or '.join(sorted(rule.items))})"
        if any(isinstance(v, str) and len(v) > rule.max_chars for v in value):
            return f"a list holding a string longer than {rule.max_chars:,} characters"
    if k == "dict" and rule.values is not None:
        bad = next((kind(v) for v in value.values() if not _fits(kind(v), rule.values)), None)
        if bad is not None:
            return f"a dict holding a {bad} (values may be {' or '.join(sorted(rule.values))})"
    if rule.max_bytes is not None and k in ("list", "dict") and len(json.dumps(value)) > rule.max_bytes:
        return f"more than {rule.max_bytes:,} bytes"
    return None


# ---------------------------------------------------------------- the shape of a request

def short(text: Any) -> str:
    """At most SHOWN characters of something from the request, on one line."""
    try:
        s = text if isinstance(text, str) else json.dumps(text, default=str)[:SHOWN + 1]
    except (ValueError, RecursionError):
        s = f"a {kind(text)}"
    s = s.encode("unicode_escape").decode("ascii")
    return repr(s[:SHOWN] + "..." if len(s) > SHOWN else s)


def _parse_id(raw: str) -> str | dict:
    return json.loads(raw) if raw.startswith("{") else raw


def sid(component: str | dict) -> str:
    """A component id as Dash writes it in a prop id: pattern ids as JSON with sorted keys."""
    return json.dumps(component, sort_keys=True, separators=(",", ":")) if isinstance(component, dict) else component


def _wildcard(pattern: str | dict) -> str | None:
    """"ALL" or "ALLSMALLER" (the input is a list of entries), "MATCH", or None (a plain id)."""
    if not isinstance(pattern, dict):
        return None
    found = {v[0] for v in pattern.values() if isinstance(v, list) and v}
    return next((w for w in ("ALL", "ALLSMALLER", "MATCH") if w in found), None)


def _id_matches(given: Any, pattern: str | dict) -> bool:
    if not isinstance(pattern, dict):
        return given == pattern
    if not isinstance(given, dict) or set(given) != set(pattern):
        return False
    for key, want in pattern.items():
        value = given[key]
        if isinstance(want, list):  # a wildcard: any plain value
            if kind(value) not in ("string", "int", "number", "bool") or (isinstance(value, str) and len(value) > 200):
                return False
        elif value != want:
            return False
    return True


PARSED_ID = Allowed({"string", "dict"}, max_chars=2000, max_items=10, values=frozenset({"string", "int", "number",
                                                                                      "bool"}))


def _declared_outputs(output: str) -> list[tuple[str | dict, str]]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    out = []
    for part in parts:
        name, prop = part.rsplit(".", 1)
        out.append((_parse_id(name), prop.split("@")[0]))
    return out


def _check_entry(entry: Any, pattern: str | dict, prop: str, where: str, with_value: bool = True) -> None:
    if not isinstance(entry, dict) or not {"id", "property"} <= set(entry) or \
            set(entry) - {"id", "property", "value"}:
        raise Refused(f"{where}: not an {{id, property{', value' if with_value else ''}}} object")
    if not _id_matches(entry["id"], pattern):
        raise Refused(f"{where}: unknown id {short(entry['id'])}")
    if not isinstance(entry["property"], str) or entry["property"].split("@")[0] != prop:
        raise Refused(f"{where}: property {short(entry['property'])}, expected {prop!r}")
    if with_value:
        rule = allowed_for(entry["id"], prop) or PROPS["data"]  # a property new to the table: any bounded JSON
        problem = check_value(entry.get("value"), rule)  # a property never set arrives without a value
        if problem:
            raise Refused(f"{where} ({sid(entry['id'])[:SHOWN]}.{prop}): {problem}")


def _check_dependency(given: Any, pattern: str | dict, prop: str, where: str, with_value: bool = True) -> list:
    """One declared input, state or output against what the request gives for it; the entries it gives."""
    if _wildcard(pattern) in ("ALL", "ALLSMALLER"):
        if not isinstance(given, list) or len(given) > MAX_ENTRIES:
            raise Refused(f"{where}: expected a list of at most {MAX_ENTRIES} entries for a pattern-matching id")
        for n, entry in enumerate(given):
            _check_entry(entry, pattern, prop, f"{where}[{n}]", with_value)
        return given
    _check_entry(given, pattern, prop, where, with_value)
    return [given]


def check_body(app: dash.Dash, body: Any) -> dict:
    """The callback_map entry a well-formed request names; Refused otherwise."""
    if not isinstance(body, dict):
        raise Refused(f"the body is a JSON {kind(body)}, not an object")
    extra = set(body) - BODY_KEYS
    if extra:
        raise Refused(f"unexpected key {short(sorted(extra)[0])}")
    output = body.get("output")
    if not isinstance(output, str):
        raise Refused("no output named")
    cb = app.callback_map.get(output)
    if cb is None or "callback" not in cb:  # clientside callbacks are listed too, with no server function
        raise Refused(f"no server callback for output {short(output)}")
    declared = _declared_outputs(output)
    outputs = body.get("outputs")
    if len(declared) > 1:
        if not isinstance(outputs, list) or len(outputs) != len(declared):
            raise Refused(f"outputs: expected a list of {len(declared)}")
    else:
        outputs = [outputs]
    for n, (entry, (pattern, prop)) in enumerate(zip(outputs, declared)):
        _check_dependency(entry, pattern, prop, f"outputs[{n}]", with_value=False)
    given_ids = set()
    for name in ("inputs", "state"):
        specs = cb[name]
        given = body.get(name, [] if name == "state" else None)  # the renderer leaves out an empty state
        if not isinstance(given, list) or len(given) != len(specs):
            raise Refused(f"{name}: {len(given) if isinstance(given, list) else 'no list'} given, the callback "
                          f"takes {len(specs)}")
        for n, (entry, spec) in enumerate(zip(given, specs)):
            entries = _check_dependency(entry, _parse_id(spec["id"]), spec["property"], f"{name}[{n}]")
            given_ids.update(f"{sid(e['id'])}.{e['property']}" for e in entries)
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or len(changed) > MAX_ENTRIES or \
            not all(isinstance(c, str) and len(c) <= 2000 for c in changed):
        raise Refused(f"changedPropIds: expected a list of at most {MAX_ENTRIES} short strings")
    for prop_id in changed:
        if _normal_prop_id(prop_id) not in given_ids:
            raise Refused(f"changedPropIds: {short(prop_id)} is not one of the inputs")
    # the renderer's own copy of them: "id.prop" strings, and the id alone (a dict) for pattern-matching ids
    parsed = body.get("parsedChangedPropsIds", [])
    if not isinstance(parsed, list) or len(parsed) > MAX_ENTRIES or \
            any(check_value(p, PARSED_ID) for p in parsed):
        raise Refused(f"parsedChangedPropsIds: expected a list of at most {MAX_ENTRIES} ids")
    return cb


def _normal_prop_id(prop_id: str) -> str:
    name, _, prop = prop_id.rpartition(".")
    try:
        return f"{sid(_parse_id(name))}.{prop}"
    except (ValueError, RecursionError):
        return prop_id


# ---------------------------------------------------------------- the endpoint

def _name(cb: dict) -> str:
    func = cb["callback"]
    return f"{func.__module__.rsplit('.', 1)[-1]}.{getattr(func, '__name__', 'callback')}"


def _raised_at(exc: BaseException) -> str:
    """The project's own file and line nearest the raise (else the last frame): where to look for a bug."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if Path(f.filename).resolve().is_relative_to(ROOT)
            and ".venv" not in Path(f.filename).parts]
    frame = (ours or frames or [None])[-1]
    if frame is None:
        return "?"
    path = Path(frame.filename)
    return f"{path.resolve().relative_to(ROOT) if ours else path.name}:{frame.lineno}"


def refuse(message: str, level: int = logging.WARNING) -> flask.Response:
    log.log(level, "callback request refused (400): %s", message)
    return flask.Response(json.dumps({"error": message}), status=400, mimetype="application/json")


def _read_body() -> Any:
    request = flask.request
    if request.mimetype != "application/json":
        raise Refused(f"content type {short(request.mimetype or 'none')}, expected application/json")
    limit = request.max_content_length
    request.max_content_length = min(limit, MAX_BODY) if limit else MAX_BODY  # never loosen the server's own
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise Refused(f"the body is larger than {request.max_content_length:,} bytes") from None
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:  # RecursionError: thousands of nested brackets
        raise Refused(f"the body is not valid JSON ({type(exc).__name__})") from None


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def guard(app: dash.Dash, dispatch: Callable[[], Any]) -> Callable[[], Any]:
    """Dash's dispatch view, checked before and answered 400 after an input error."""

    @functools.wraps(dispatch)  # keeps its name `dispatch` (CSRF exemptions key on it)
    def guarded() -> Any:
        try:
            cb = check_body(app, _read_body())
        except Refused as exc:
            return refuse(str(exc))
        try:
            return dispatch()
        except INPUT_ERRORS as exc:
            if app.server.debug:  # a developer sees Dash's traceback
                raise
            return refuse(f"{_name(cb)} raised {type(exc).__name__} at {_raised_at(exc)} on its input",
                          logging.ERROR)
    return guarded


def install(app: dash.Dash) -> None:
    """Wrap the app's callback endpoint in the checks above (once)."""
    server = app.server
    endpoint = app.config.routes_pathname_prefix + ENDPOINT
    view = server.view_functions[endpoint]
    if getattr(view, "_jewelcrime_guarded", False):
        return
    guarded = guard(app, view)
    guarded._jewelcrime_guarded = True  # type: ignore[attr-defined]
    server.view_functions[endpoint] = guarded
