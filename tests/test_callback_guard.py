"""The Dash callback endpoint under fuzzed input (dashboard/callback_guard.py), on the real app and a database
built by the ETL from the fixtures.

Every registered server callback is first called as the browser calls it, with the values the pages really
hold on their first load (read from the layouts the app sends); then each input and state in turn is replaced
by wrong-typed and edge values, and the body itself is broken in every way a client can break it. No answer may
be a 500; values no property can hold, unknown ids and broken bodies get 400 and one short log line.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Iterator

import pytest
from dash import Input, Output

from dashboard import callback_guard
from dashboard.app import create_app
from tests.conftest import FIXTURES, Cli, bound

FILES = [FIXTURES / "dashboard" / "jsa_trends.csv", FIXTURES / "context" / "dashboard" / "fbi_estimated_small.csv",
         FIXTURES / "context" / "dashboard" / "statcan_crime_small.csv", FIXTURES / "figures" / "nibrs_2020_known.csv"]
URL = "/_dash-update-component"
ROUTER = ".._pages_content.children..._pages_store.data.."
PAGES = ["/", "/map", "/trends", "/share", "/risk?region=TX", "/guidance", "/campaign"]
HUGE = "x" * 200_000
DEEP: Any = 1
for _ in range(40):
    DEEP = [DEEP]
VERY_DEEP: Any = "x"
for _ in range(500):
    VERY_DEEP = [VERY_DEEP]
# values no property of the dashboard can hold: 400 wherever they are sent
ALWAYS_BAD = {"huge string": HUGE, "nested 40 deep": DEEP, "int beyond 10**18": 10 ** 30}
# more values that fit some properties and not others: never a 500
EDGES = {"null": None, "empty string": "", "NaN string": "NaN", "empty list": [], "mixed list": [1, "a", None],
         "empty dict": {}, "dict": {"a": {"b": [1, 2]}}, "negative": -1, "huge float": 1e308, "true": True,
         "zero": 0, "unknown id text": "no-such-component"}
# by property: which of EDGES it cannot hold (counted by hand from what the components send)
BAD_FOR = {
    "n_clicks": {"empty string", "NaN string", "empty list", "mixed list", "empty dict", "dict", "negative",
                 "huge float", "true", "unknown id text"},
    "value": {"empty dict", "dict", "mixed list"},
    "pathname": {"null", "empty string", "NaN string", "empty list", "mixed list", "empty dict", "dict", "negative",
                 "huge float", "true", "zero", "unknown id text"},  # a path starts with "/"
    "search": {"empty list", "mixed list", "empty dict", "dict", "negative", "huge float", "true", "zero"},
    "is_open": {"empty string", "NaN string", "empty list", "mixed list", "empty dict", "dict", "negative",
                "huge float", "zero", "unknown id text"},
}
BAD_FOR["submit_n_clicks"] = BAD_FOR["n_intervals"] = BAD_FOR["n_clicks"]
BAD_FOR["href"] = BAD_FOR["search"]
# what a browser sends for properties no layout holds yet (they are set by a click or by the grid)
CLICK = {"points": [{"location": "TX", "x": "TX", "y": 3, "curveNumber": 0, "pointNumber": 0}]}
AT_RUN_TIME = {"clickData": CLICK, "getRowsRequest": {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}},
               "virtualRowData": [{"code": "TX", "name": "Texas"}],
               "pathname": "/", "search": ""}  # Dash Pages' Location reports the address once mounted


def sid(component: Any) -> str:
    return json.dumps(component, sort_keys=True, separators=(",", ":")) if isinstance(component, dict) else component


def walk(tree: Any) -> Iterator[dict]:
    """Every component of a layout as the server sends it (JSON), depth first."""
    if isinstance(tree, dict):
        if "props" in tree:
            yield tree
        for value in (tree.get("props", tree)).values():
            yield from walk(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from walk(item)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:  # noqa: ANN001
    url = f"sqlite:///{tmp_path_factory.mktemp('guard') / 'guard.sqlite'}"
    for path in FILES:
        result = Cli()("etl", path, "--db", url)
        assert result.exit_code == 0, result.output
    return url


@pytest.fixture(scope="module")
def app(db: str):  # noqa: ANN201
    return create_app(db)


@pytest.fixture(scope="module")
def client(app):  # noqa: ANN001, ANN201
    return app.server.test_client()


def route(client, path: str) -> dict:  # noqa: ANN001
    """The router callback for a URL, as the browser calls it on a page's first load."""
    pathname, _, search = path.partition("?")
    inputs = [{"id": "_pages_location", "property": "pathname", "value": pathname},
              {"id": "_pages_location", "property": "search", "value": "?" + search if search else ""}]
    body = {"output": ROUTER, "outputs": [{"id": "_pages_content", "property": "children"},
                                          {"id": "_pages_store", "property": "data"}],
            "inputs": inputs, "changedPropIds": ["_pages_location.pathname"]}
    r = client.post(URL, json=body)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return r.get_json()["response"]


@pytest.fixture(scope="module")
def shown(client) -> dict[str, dict]:  # noqa: ANN001
    """The props of every component the pages show on their first load (the shell's too), by id."""
    trees = [client.get("/_dash-layout").get_json()]
    for path in PAGES:
        trees.append(route(client, path)["_pages_content"]["children"])
    guidance = next(p["href"] for p in (c["props"] for c in walk(trees[PAGES.index("/guidance") + 1]))
                    if str(p.get("href", "")).startswith("/guidance/"))
    trees.append(route(client, guidance)["_pages_content"]["children"])
    props: dict[str, dict] = {}
    for tree in trees:
        for component in walk(tree):
            if "id" in component["props"]:
                props.setdefault(sid(component["props"]["id"]), component["props"])
    return props


def server_callbacks(app) -> list[tuple[str, dict]]:  # noqa: ANN001
    """(output, callback_map entry with the dependency's prevent_initial_call) of every server callback."""
    waits = {d["output"]: d["prevent_initial_call"] for d in app.server.test_client().get("/_dash-dependencies").get_json()}
    return [(key, {**cb, "prevent_initial_call": waits[key]}) for key, cb in app.callback_map.items()
            if "callback" in cb]


def concrete(pattern: str, shown: dict[str, dict], chart: str | None) -> list[Any]:
    """The ids a declared input stands for: itself, the chart's (MATCH) or every chart's (ALL)."""
    if not pattern.startswith("{"):
        return [pattern]
    spec = json.loads(pattern)
    if all(not isinstance(v, list) for v in spec.values()):
        return [spec]
    wanted = {k: v for k, v in spec.items() if not isinstance(v, list)}
    ids = [json.loads(k) for k in shown if k.startswith("{")]
    ids = [i for i in ids if set(i) == set(spec) and all(i[k] == v for k, v in wanted.items())]
    if "MATCH" in json.dumps(spec):
        ids = [i for i in ids if i.get("chart") == chart]
    return ids


def real_request(key: str, cb: dict, shown: dict[str, dict], chart: str = "trends-yearly") -> dict:
    """The body dash-renderer sends for this callback with the values the page holds."""
    def entry(spec: dict) -> Any:
        ids = concrete(spec["id"], shown, chart)
        found = [{"id": i, "property": spec["property"]} for i in ids]
        for e in found:
            props = shown.get(sid(e["id"]), {})
            if spec["property"] == "id":
                e["value"] = e["id"]
            elif spec["property"] in props:
                e["value"] = props[spec["property"]]
            elif spec["property"] in AT_RUN_TIME:
                e["value"] = AT_RUN_TIME[spec["property"]]
        return found if "ALL" in spec["id"] else found[0]

    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    outputs = []
    for part in parts:
        name, prop = part.rsplit(".", 1)
        out = json.loads(name.replace('["MATCH"]', json.dumps(chart))) if name.startswith("{") else name
        outputs.append({"id": out, "property": prop})
    inputs = [entry(s) for s in cb["inputs"]]
    # a callback that waits for a change (prevent_initial_call) is sent as the page's first load sends the rest:
    # nothing marked as changed, so no export job or download starts
    first = inputs[0][0] if isinstance(inputs[0], list) and inputs[0] else inputs[0]
    changed = [] if cb.get("prevent_initial_call") or isinstance(first, list) else \
        [f"{sid(first['id'])}.{first['property']}"]
    return {"output": key, "outputs": outputs if len(outputs) > 1 else outputs[0], "inputs": inputs,
            "state": [entry(s) for s in cb["state"]], "changedPropIds": changed,
            "parsedChangedPropsIds": [json.loads(c.rsplit(".", 1)[0]) if c.startswith("{") else c for c in changed]}


def post(client, body: Any) -> Any:  # noqa: ANN001
    return client.post(URL, json=body)


def one_short_line(caplog, before: int, where: str) -> str:  # noqa: ANN001
    """The refusal was logged once, on one line, short, without a traceback or a long quote of the input."""
    new = [r for r in caplog.records[before:] if r.name == "jewelcrime.requests"]
    assert len(new) == 1, (where, [r.getMessage()[:120] for r in new])
    message = new[0].getMessage()
    assert "\n" not in message and len(message) <= 300 and new[0].exc_info is None, (where, message[:400])
    assert "x" * 100 not in message, where
    return message


def test_every_callback_answers_its_real_request(app, client, shown):  # noqa: ANN001
    """The values the pages really send pass: 200 (204 where the callback itself says 'no update')."""
    callbacks = server_callbacks(app)
    assert len(callbacks) >= 30  # the pages' chart, download, form and export callbacks
    for key, cb in callbacks:
        r = post(client, real_request(key, cb, shown))
        assert r.status_code in (200, 204), (key[:80], r.status_code, r.get_data(as_text=True)[:300])
        if not cb.get("prevent_initial_call"):  # drawn on the page's first load: an answer with content
            assert r.status_code == 200, key[:80]


def test_every_property_read_is_in_the_table(app):  # noqa: ANN001
    """A new callback reading a property the table does not know fails here, not in production."""
    for _key, cb in server_callbacks(app):
        for spec in [*cb["inputs"], *cb["state"]]:
            assert spec["property"] in callback_guard.PROPS, spec


def test_fuzzed_inputs_never_give_500(app, client, shown, caplog):  # noqa: ANN001
    caplog.set_level(logging.INFO)
    for key, cb in server_callbacks(app):
        base = real_request(key, cb, shown)
        for group in ("inputs", "state"):
            for n, spec in enumerate(cb[group]):
                for label, value in {**ALWAYS_BAD, **EDGES}.items():
                    body = json.loads(json.dumps(base))
                    entries = body[group][n] if isinstance(body[group][n], list) else [body[group][n]]
                    if not entries:
                        continue
                    for e in entries:
                        e["value"] = value
                    before = len(caplog.records)
                    r = post(client, body)
                    where = f"{key[:60]} {group}[{n}] {spec['property']} <- {label}"
                    assert r.status_code in (200, 204, 400), (where, r.status_code, r.get_data(as_text=True)[:300])
                    if label in ALWAYS_BAD or label in BAD_FOR.get(spec["property"], ()):
                        assert r.status_code == 400, where
                    if label == "null" and spec["property"] in ("n_clicks", "value", "data"):
                        # a button never clicked, a cleared dropdown, an empty store: normal use
                        assert r.status_code in (200, 204), where
                    if r.status_code == 400:
                        one_short_line(caplog, before, where)
                        assert len(r.get_data()) < 500 and "error" in r.get_json()
                # an id no component has, and a property the callback does not read
                for broken in ({"id": "no-such-component"}, {"property": "children"}):
                    body = json.loads(json.dumps(base))
                    target = body[group][n][0] if isinstance(body[group][n], list) else body[group][n]
                    if isinstance(spec["id"], str) and spec["id"].startswith("{") and "id" in broken:
                        broken = {"id": {**target["id"], "part": "no-such-part"}}
                    target.update(broken)
                    before = len(caplog.records)
                    r = post(client, body)
                    assert r.status_code == 400, (key[:60], group, n, broken)
                    one_short_line(caplog, before, f"{key[:60]} {broken}")
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert not tracebacks, tracebacks[0].getMessage()[:300]


def _malformed(base: dict) -> dict[str, Any]:
    """Broken bodies (JSON values) made from a good one."""
    def but(**changes: Any) -> dict:
        return {**json.loads(json.dumps(base)), **changes}
    without_inputs = json.loads(json.dumps(base))
    del without_inputs["inputs"]
    return {
        "a list": [base], "a string": "hello", "a number": 3, "null": None, "empty object": {},
        "unknown output": but(output="no-such.children"),
        "clientside output": but(output="nav-collapse.is_open"),  # registered, but run in the browser
        "output not a string": but(output=["x"]),
        "no inputs": without_inputs,
        "one input too many": but(inputs=[*base["inputs"], base["inputs"][0]]),
        "no input": but(inputs=[]),
        "inputs not a list": but(inputs={"a": 1}),
        "input not an object": but(inputs=["_pages_location.pathname"]),
        "input with an extra key": but(inputs=[{**base["inputs"][0], "extra": 1}, base["inputs"][1]]),
        "outputs too short": but(outputs=base["outputs"][:1]),
        "outputs not a list": but(outputs="x"),
        "an output of another callback": but(outputs=[{"id": "data-footer", "property": "children"}] * 2),
        "state not a list": but(state="x"),
        "state for a callback without one": but(state=[base["inputs"][0]]),
        "unknown key": but(extra=HUGE),
        "changedPropIds not a list": but(changedPropIds="x"),
        "changedPropIds naming no input": but(changedPropIds=["no-such-component.value"]),
        "changedPropIds of numbers": but(changedPropIds=[1, 2]),
        "parsedChangedPropsIds of lists": but(parsedChangedPropsIds=[[1, 2]]),
        "changedPropIds of a huge string": but(changedPropIds=["{" + HUGE]),
        "an input id nested 500 deep": but(inputs=[{**base["inputs"][0], "id": VERY_DEEP}, base["inputs"][1]]),
    }


def test_malformed_bodies_get_400(client, caplog):  # noqa: ANN001
    caplog.set_level(logging.INFO)
    base = {"output": ROUTER, "outputs": [{"id": "_pages_content", "property": "children"},
                                          {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/map"},
                       {"id": "_pages_location", "property": "search", "value": ""}],
            "changedPropIds": ["_pages_location.pathname"]}
    assert post(client, base).status_code == 200
    cases = {name: {"data": json.dumps(body), "content_type": "application/json"}
             for name, body in _malformed(base).items()}
    text = json.dumps(base)
    cases.update({
        "not JSON": {"data": "{output:", "content_type": "application/json"},
        "NaN literal": {"data": text.replace('"/map"', "NaN"), "content_type": "application/json"},
        "Infinity literal": {"data": text.replace('"/map"', "-Infinity"), "content_type": "application/json"},
        "100,000 brackets": {"data": "[" * 100_000, "content_type": "application/json"},
        "not UTF-8": {"data": b"\xff\xfe{}", "content_type": "application/json"},
        "form content type": {"data": text, "content_type": "application/x-www-form-urlencoded"},
        "text content type": {"data": text, "content_type": "text/plain"},
        "no content type": {"data": text},
    })
    for name, request in cases.items():
        before = len(caplog.records)
        r = client.post(URL, **request)
        assert r.status_code == 400, (name, r.status_code, r.get_data(as_text=True)[:300])
        one_short_line(caplog, before, name)
    assert not [r for r in caplog.records if r.exc_info]


def test_huge_body_refused_without_the_servers_own_limit(db, caplog):  # noqa: ANN001
    """The server-wide body limit (dashboard/security.py) answers 413 first; the guard holds without it too."""
    app = create_app(db)
    server = app.server
    assert server.test_client().post(URL, data="[" + "1," * 1_000_000 + "1]",
                                     content_type="application/json").status_code in (400, 413)
    server.config["MAX_CONTENT_LENGTH"] = None
    server.before_request_funcs[None] = [f for f in server.before_request_funcs[None]
                                         if getattr(f, "__name__", "") != "limit_body"]
    caplog.set_level(logging.INFO)
    before = len(caplog.records)
    r = server.test_client().post(URL, data="[" + "1," * (5 * 1024 * 1024) + "1]", content_type="application/json")
    assert r.status_code == 400
    assert "larger than" in one_short_line(caplog, before, "huge body")


def test_input_errors_inside_a_callback_are_400_and_other_errors_stay_500(db, caplog):  # noqa: ANN001
    """A ValueError a callback raises on its input: 400 and one ERROR line naming where it was raised; a
    RuntimeError (a bug, not an input) stays a 500 with Flask's logged traceback."""
    app = create_app(db)

    @app.callback(Output("probe-out", "children"), Input("probe-in", "value"))
    def probe(value: Any) -> str:
        return f"{int(value) + 1}"  # a value of the right kind (a string) the code cannot take

    @app.callback(Output("bug-out", "children"), Input("bug-in", "value"))
    def bug(_value: Any) -> str:
        raise RuntimeError("a real bug")

    def body(name: str, value: Any) -> dict:
        return {"output": f"{name}-out.children", "outputs": {"id": f"{name}-out", "property": "children"},
                "inputs": [{"id": f"{name}-in", "property": "value", "value": value}],
                "changedPropIds": [f"{name}-in.value"]}

    client = app.server.test_client()
    caplog.set_level(logging.INFO)
    assert client.post(URL, json=body("probe", "41")).get_json()["response"]["probe-out"]["children"] == "42"
    before = len(caplog.records)
    r = client.post(URL, json=body("probe", "forty-one"))
    assert r.status_code == 400
    line = one_short_line(caplog, before, "probe")
    assert "test_callback_guard.probe raised ValueError at tests/test_callback_guard.py:" in line
    assert [r.levelname for r in caplog.records[before:] if r.name == "jewelcrime.requests"] == ["ERROR"]
    assert not [r for r in caplog.records[before:] if r.exc_info]
    before = len(caplog.records)
    assert client.post(URL, json=body("bug", "x")).status_code == 500
    assert [r for r in caplog.records[before:] if r.exc_info and "a real bug" in str(r.exc_info[1])]


def test_good_values_get_the_same_answers(app, client, shown):  # noqa: ANN001
    """The guard lets the real request through unchanged: the yearly chart's rows are what its builder makes for
    the page's filters, and the footer names the file loaded."""
    callbacks = dict(server_callbacks(app))
    yearly = next(k for k in callbacks if '"trends-yearly","part":"rows"' in k)
    r = post(client, real_request(yearly, callbacks[yearly], shown))
    rows = r.get_json()["response"][sid({"chart": "trends-yearly", "part": "rows"})]["data"]
    filters = shown["trends-filters"]["data"]
    want = bound(app, "trends").build_yearly(filters).rows
    assert [row["year"] for row in rows] == want["year"].tolist()
    assert [row["total"] for row in rows] == want["total"].tolist() == [20, 5, 30, 43, 9]
    footer = post(client, real_request("..sample-banner.children...data-footer.children..",
                                       callbacks["..sample-banner.children...data-footer.children.."], shown))
    assert "jsa_trends.csv (107 rows)" in json.dumps(footer.get_json()["response"]["data-footer"])
    # the chart card's CSV download, fed the rows that came back: one line per year under the header
    csv_key = next(k for k in callbacks if k.startswith('{"chart":["MATCH"],"part":"download"}'))
    request = real_request(csv_key, callbacks[csv_key], shown)
    request["inputs"][0]["value"] = 1
    request["changedPropIds"] = [f"{sid(request['inputs'][0]['id'])}.n_clicks"]
    request["parsedChangedPropsIds"] = [request["inputs"][0]["id"]]  # dash-renderer sends the id itself
    request["state"][0]["value"] = rows
    got = post(client, request).get_json()["response"][sid({"chart": "trends-yearly", "part": "download"})]["data"]
    assert len(got["content"].strip().splitlines()) == 1 + len(rows)
