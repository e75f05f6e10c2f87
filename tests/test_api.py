"""The read-only API (/api/v1/) through Flask's test client, on databases built by the real ETL.

Counted by hand from the fixtures (one `sort | uniq -c` of date, state and crime type per file):
tests/fixtures/dashboard/jsa_trends.csv (JSA-style, 107 rows), incidents by state and year:
    IL 2019 12, 2020 3, 2021 15, 2022 12, 2023 9 (all theft)    ID 2019 4, 2020 2, 2021 5, 2022 9 (burglary)
    TX 2019 4, 2021 5, 2022 6 (robbery)    CA 2021 5 (smash-and-grab), 2022 6 (grab-and-run)
    NV 2022 6 (off-premises)    ON 2022 4 (robbery: the only Canadian rows)
    so U.S. per year 20, 5, 30, 39, 9; 2022 by category: robbery 6, burglary 9, theft 12 + 6, off-premises 6.
    Ranking 2019 -> 2022: ID 4 -> 9 (+125%), TX 4 -> 6 (+50%), IL 12 -> 12 (0%), then no percentage (nothing
    in 2019) by the rise: CA +6, NV +6, ON +4.
tests/fixtures/context/dashboard/fbi_estimated_small.csv and statcan_crime_small.csv (see
    test_dashboard_context.py): robbery 2022 TX 24,000 of 30M (80.0 per 100k), CA 44,000 of 40M (110.0),
    ON 8,000 (54.00 as published); 2023 TX 27,000 (90.0), CA 40,000 (100.0).
tests/fixtures/figures/nibrs_2020_known.csv: NIBRS 2020, property 5,800,000 of 8,900,000 offenses (65.1685%);
    the reference table every database gets (data/raw/reference/nibrs_national.csv) adds NIBRS 2019.
"""
from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import pytest

from dashboard import api, api_params
from dashboard.app import create_app
from tests.conftest import FIXTURES, Cli, snapshot

ROOT = Path(__file__).resolve().parents[1]
FILES = [FIXTURES / "dashboard" / "jsa_trends.csv", FIXTURES / "context" / "dashboard" / "fbi_estimated_small.csv",
         FIXTURES / "context" / "dashboard" / "statcan_crime_small.csv", FIXTURES / "figures" / "nibrs_2020_known.csv"]
US_JSA = {"source": "JSA", "country": "US"}


def _database(tmp_path_factory, files: list[Path]) -> str:  # noqa: ANN001
    url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'api.sqlite'}"
    cli = Cli()
    for path in files:
        result = cli("etl", path, "--db", url)
        assert result.exit_code == 0, result.output
    return url


def _app(url: str):  # noqa: ANN202
    app = create_app(url)
    api.register(app.server)  # a no-op once create_app registers the API itself
    return app


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:  # noqa: ANN001
    return _database(tmp_path_factory, FILES)


@pytest.fixture(scope="module")
def app(db):  # noqa: ANN001, ANN201
    return _app(db)


@pytest.fixture(scope="module")
def client(app):  # noqa: ANN001, ANN201
    return app.server.test_client()


def get(client, path: str, **query):  # noqa: ANN001, ANN003, ANN201
    return client.get(path + ("?" + urlencode(query) if query else ""))


def csv_of(response) -> pd.DataFrame:  # noqa: ANN001
    import io

    assert response.status_code == 200, response.data[:300]
    return pd.read_csv(io.StringIO(response.get_data(as_text=True)))


# ---------------------------------------------------------------- known answers

def test_chart_rows_known_answers(client):
    yearly = csv_of(get(client, "/api/v1/charts/trends-yearly.csv", **US_JSA)).set_index("year")
    assert yearly["total"].tolist() == [20, 5, 30, 39, 9]
    assert yearly.loc[2022, ["robbery", "burglary", "theft", "off_premises"]].tolist() == [6, 9, 18, 6]
    body = get(client, "/api/v1/charts/trends-yearly.json", **US_JSA).get_json()
    assert body["chart"] == "trends-yearly" and body["title"] and body["sample_data"] is False
    assert body["filters"] == US_JSA and "2023 had 9 incidents" in body["summary"]
    assert [r["total"] for r in body["rows"]] == [20, 5, 30, 39, 9] and "Mar 2023" in body["date_range"]
    both = csv_of(get(client, "/api/v1/charts/trends-yearly.csv", region="tx,CA"))  # Trends takes several
    assert both["total"].tolist() == [4, 0, 10, 12, 0]  # TX 4, -, 5, 6, - and CA -, -, 5, 6, -
    trend = csv_of(get(client, "/api/v1/charts/risk-trend.csv", region="il"))  # lower case, as the pages take it
    assert trend["incidents"].tolist() == [12, 3, 15, 12, 9]
    share = csv_of(get(client, "/api/v1/charts/share-nibrs.csv", nibrs_year=2020)).set_index("crimes_against")
    assert share.loc["property", "offenses"] == 5_800_000
    assert share.loc["property", "share_pct"] == pytest.approx(65.1685)
    drawn = csv_of(get(client, "/api/v1/charts/map.csv", year_from=2022, metric="incidents")).set_index("code")
    assert drawn.loc[["IL", "ID", "CA", "NV", "TX", "ON"], "incidents"].tolist() == [12, 9, 6, 6, 6, 4]


def test_ranking_known_answers(client):
    query = {"year_from": 2019, "year_to": 2022, "source": "JSA", "base_year": 2019}
    rows = csv_of(get(client, "/api/v1/ranking.csv", **query))
    assert rows["code"].tolist() == ["ID", "TX", "IL", "CA", "NV", "ON"]
    t = rows.set_index("code")
    assert t.loc["ID", ["base_incidents", "last_incidents", "change_abs", "change_pct"]].tolist() == [4, 9, 5, 125.0]
    assert t.loc["ID", "incidents"] == 20 and t.loc["IL", "change_pct"] == 0 and pd.isna(t.loc["CA", "change_pct"])
    assert not t["significant"].any() and {"name", "per_million", "risk_class", "p_value"} <= set(t.columns)
    body = get(client, "/api/v1/ranking.json", **query).get_json()
    assert "fastest rise: Idaho (+125.0%, 4 to 9)" in body["summary"] and body["filters"] == query
    assert [r["code"] for r in body["rows"]] == rows["code"].tolist()


def test_context_known_answers(client):
    rows = csv_of(get(client, "/api/v1/context.csv", measure="robbery", region="CA,TX", year_from=2022))
    assert rows[["code", "year", "count", "rate"]].values.tolist() == [["CA", 2022, 44000, 110],
                                                                       ["TX", 2022, 24000, 80]]
    body = get(client, "/api/v1/context.json", region="ON", year_from=2022, year_to=2023).get_json()
    assert body["measure"] == "robbery" and "not directly comparable" in body["caveat"]
    assert [(r["year"], r["rate"]) for r in body["rows"]] == [(2022, 54.0), (2023, 60.0)]


def test_claims(client):
    body = get(client, "/api/v1/claims.json").get_json()
    claims = {c["id"]: c for c in body["claims"]}
    since = claims["change_since_2019"]  # (39 - 20) / 20: the U.S. JSA incidents of 2022 against 2019
    assert since["value"] == pytest.approx(95.0) and since["inputs"] == {"incidents_2019": 20, "incidents_2022": 39}
    assert all(c["verdict"] in ("supported", "not supported", "no data") for c in claims.values())


def test_no_general_crime_loaded(tmp_path_factory):
    bare = _app(_database(tmp_path_factory, FILES[:1])).server.test_client()
    for path in ("/api/v1/context.json", "/api/v1/context.csv"):
        r = bare.get(path)
        assert r.status_code == 404 and r.is_json and "no general-crime table" in r.get_json()["error"]
        assert r.get_json()["rows"] == []


# ---------------------------------------------------------------- the card's CSV is the API's CSV

def _sid(value):  # noqa: ANN001, ANN202
    return json.dumps(value, sort_keys=True, separators=(",", ":")) if isinstance(value, dict) else value


def _outputs(spec: str) -> list[dict]:
    """'..a.b...c.d..' (several outputs) or 'a.b' -> [{'id', 'property'}], as dash-renderer sends them."""
    parts = spec[2:-2].split("...") if spec.startswith("..") else [spec]
    out = []
    for part in parts:
        name, prop = part.rsplit(".", 1)
        out.append({"id": json.loads(name) if name.startswith("{") else name, "property": prop})
    return out


def _callback(client, spec: str, outputs, inputs: list[dict], state: list[dict] = ()) -> dict:  # noqa: ANN001
    body = {"output": spec, "outputs": outputs, "inputs": inputs, "state": list(state),
            "changedPropIds": [f"{_sid(i['id'])}.{i['property']}" for i in inputs]}
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    return r.get_json()["response"]


def _find(tree, wanted: str):  # noqa: ANN001, ANN202
    """The props of the component with this id in a layout as the server sends it."""
    if isinstance(tree, dict):
        props = tree.get("props", {})
        if props.get("id") == wanted:
            return props
        return next((p for p in map(lambda v: _find(v, wanted), props.values()) if p is not None), None)
    if isinstance(tree, list):
        return next((p for p in map(lambda v: _find(v, wanted), tree) if p is not None), None)
    return None


def card_csv(client, deps: list[dict], chart, query: dict) -> dict:  # noqa: ANN001
    """'Download CSV' on the chart's card, as a browser does it: the page for the URL (Dash Pages' router), its
    chart callback fed the page's filter store, then the download callback fed the rows that came back."""
    query = dict(query)
    path = chart.page + (f"/{query.pop('scenario')}" if "scenario" in query else "")
    page = _callback(client, ".._pages_content.children..._pages_store.data..", _outputs(
        ".._pages_content.children..._pages_store.data.."), [
        {"id": "_pages_location", "property": "pathname", "value": path},
        {"id": "_pages_location", "property": "search", "value": "?" + urlencode(query) if query else ""}])
    rows_id = {"chart": chart.id, "part": "rows"}
    dep = next(d for d in deps if f"{_sid(rows_id)}.data" in d["output"])
    inputs = [{**i, "value": _find(page["_pages_content"]["children"], i["id"])[i["property"]]} for i in dep["inputs"]]
    drawn = _callback(client, dep["output"], _outputs(dep["output"]), inputs)
    rows, columns = drawn[_sid(rows_id)]["data"], drawn[_sid({"chart": chart.id, "part": "columns"})]["data"]
    part = lambda name: {"chart": chart.id, "part": name}  # noqa: E731
    spec = '{"chart":["MATCH"],"part":"download"}.data'
    got = _callback(client, spec, {"id": part("download"), "property": "data"},
                    [{"id": part("csv"), "property": "n_clicks", "value": 1}],
                    [{"id": part("rows"), "property": "data", "value": rows},
                     {"id": part("columns"), "property": "data", "value": columns},
                     {"id": part("rows"), "property": "id", "value": part("rows")}])
    return got[_sid(part("download"))]["data"]


# one query with a value for every parameter a chart may take; each chart keeps those it takes
RICH = {"year_from": "2021", "year_to": "2022", "source": "JSA", "country": "US", "region": "IL", "nibrs_year": "2020",
        "layer": "context", "context": "robbery", "metric": "per_million", "base_year": "2020", "category": "theft",
        "scenario": "grab-and-run", "context_line": "1"}


def test_every_chart_csv_is_the_card_csv(client):
    from dashboard import charts

    deps = client.get("/_dash-dependencies").get_json()
    for chart in charts.registry().values():
        takes = api_params.chart_params(chart)
        required = api_params.PAGE_REQUIRED.get(chart.page, ())
        for query in ({k: RICH[k] for k in required}, {k: v for k, v in RICH.items() if k in takes}):
            served = get(client, f"/api/v1/charts/{chart.id}.csv", **query)
            assert served.status_code == 200, (chart.id, query, served.data[:300])
            card = card_csv(client, deps, chart, query)
            assert served.get_data(as_text=True) == card["content"], (chart.id, query)
            name = re.search(r'filename="([^"]+)"', served.headers["Content-Disposition"]).group(1)
            assert name == card["filename"]


def test_every_chart_parameter_is_in_the_table():
    from dashboard import charts

    for chart in charts.registry().values():
        missing = api_params.declared_params(chart) - set(api_params.PARAMS)
        assert not missing, f"{chart.id} takes {missing}: add them to dashboard.api_params.PARAMS"


# ---------------------------------------------------------------- bad requests: JSON naming the parameter

BAD = [  # path, query, status, the parameter named
    ("/api/v1/charts/trends-yearly.csv", {"bogus": "1"}, 400, "bogus"),
    ("/api/v1/charts/trends-yearly.csv", {"year_from": "1999"}, 400, "year_from"),
    ("/api/v1/charts/trends-yearly.json", {"year_from": "abc"}, 400, "year_from"),
    ("/api/v1/charts/trends-yearly.csv", {"year_from": "2022", "year_to": "2020"}, 400, "year_to"),
    ("/api/v1/charts/trends-yearly.csv", {"year_to": "2022"}, 400, "year_to"),
    ("/api/v1/charts/trends-yearly.csv", {"country": "MX"}, 400, "country"),
    ("/api/v1/charts/trends-yearly.csv", {"source": "FBI"}, 400, "source"),
    ("/api/v1/charts/trends-yearly.csv", {"category": "theft", "subtype": "smash_and_grab"}, 400, "subtype"),
    ("/api/v1/charts/trends-yearly.csv", {"category": "all", "subtype": "smash_and_grab"}, 400, "category"),
    ("/api/v1/charts/trends-yearly.csv", {"metric": "losses"}, 400, "metric"),  # not a Trends parameter
    ("/api/v1/charts/risk-trend.csv", {"region": "ZZ"}, 400, "region"),
    ("/api/v1/charts/risk-trend.csv", {"region": "CA,TX"}, 400, "region"),  # the risk page takes one
    ("/api/v1/charts/risk-top.csv", {"metric": "change_since_base"}, 400, "metric"),  # its parser would swap it
    ("/api/v1/charts/share-nibrs.csv", {"nibrs_year": "2018"}, 400, "nibrs_year"),
    ("/api/v1/charts/guidance-frequency.csv", {}, 400, "scenario"),
    ("/api/v1/charts/guidance-frequency.csv", {"scenario": "bank-heist"}, 400, "scenario"),
    ("/api/v1/charts/nope.csv", {}, 404, "chart_id"),
    ("/api/v1/ranking.csv", {"base_year": "2031"}, 400, "base_year"),
    ("/api/v1/incidents.json", {"page_size": "0"}, 400, "page_size"),
    ("/api/v1/incidents.json", {"page_size": "100000"}, 400, "page_size"),
    ("/api/v1/incidents.json", {"after": "bm90IGEgY3Vyc29y"}, 400, "after"),
    ("/api/v1/incidents.csv", {"page_size": "10"}, 400, "page_size"),  # the CSV has every row
    ("/api/v1/incidents.json", {"sort": "city"}, 400, "sort"),
    ("/api/v1/incidents.json", {"month": "13"}, 400, "month"),
    ("/api/v1/context.json", {"measure": "arson"}, 400, "measure"),
    ("/api/v1/context.json", {"year_from": "2000"}, 400, "year_from"),
    ("/api/v1/claims.json", {"year_from": "2022"}, 400, "year_from"),
    ("/api/v1/openapi.json", {"x": "1"}, 400, "x"),
]


@pytest.mark.parametrize("path, query, status, name", BAD)
def test_bad_parameters_are_named(client, path, query, status, name):
    r = get(client, path, **query)
    assert r.status_code == status and r.is_json, r.data[:300]
    body = r.get_json()
    assert body["parameter"] == name and body["error"]
    assert r.headers["Cache-Control"] == "no-store"


def test_allowed_values_come_with_the_error(client):
    years = get(client, "/api/v1/charts/trends-yearly.csv", year_from="1999").get_json()["allowed"]
    assert years == [2019, 2020, 2021, 2022, 2023]
    subs = get(client, "/api/v1/charts/trends-yearly.csv", category="theft", subtype="safe_attack").get_json()
    assert subs["allowed"] == ["all", "grab_and_run", "distraction_theft", "sneak_theft", "switch"]
    assert get(client, "/api/v1/charts/share-nibrs.csv", nibrs_year="2018").get_json()["allowed"] == [2019, 2020]
    swapped = get(client, "/api/v1/charts/risk-top.csv", metric="change_on_prior").get_json()["allowed"]
    from dashboard import state

    assert swapped == list(state.RATE_METRICS)  # what the risk page keeps: not the map's change measures
    size = get(client, "/api/v1/incidents.json", page_size="0").get_json()
    assert (size["minimum"], size["maximum"]) == (1, api_params.MAX_PAGE_SIZE)


def test_a_cursor_of_another_sort_is_refused(client):
    first = get(client, "/api/v1/incidents.json", page_size=2).get_json()
    r = get(client, "/api/v1/incidents.json", page_size=2, sort="loss_usd", after=first["next"])
    assert r.status_code == 400 and r.get_json()["parameter"] == "after"


MALFORMED = ["", "abc", "-1", "0", "2019.0", " 2019", "+2019", "\u0661\u0669\u0669\u0669", "\uff12\uff10\uff12\uff12",
             "9" * 30, "1e3", "null", "\uff23\uff21", "ca,,tx", ",", "\U0001f48e", "\x00", "x" * 5000, "' OR 1=1 --",
             "%", "../../etc/passwd", "<script>", "true", "CA,TX"]
TARGETS = ["/api/v1/charts/trends-yearly.json", "/api/v1/charts/risk-trend.csv", "/api/v1/charts/map.json",
           "/api/v1/charts/share-nibrs.csv", "/api/v1/charts/guidance-frequency.json", "/api/v1/ranking.json",
           "/api/v1/incidents.json", "/api/v1/incidents.csv", "/api/v1/context.json", "/api/v1/claims.json"]


def test_nothing_500s_and_nothing_writes(client, db):
    from dashboard import charts
    from etl.config import make_engine

    engine = make_engine(db)
    before = snapshot(engine)
    found = charts.registry()
    for path in TARGETS:
        if "/charts/" in path:
            names = api_params.chart_params(found[path.rsplit("/", 1)[1].split(".")[0]])
        else:
            endpoint = api_params.ENDPOINTS["/" + path.rsplit("/", 1)[1].split(".")[0] + ".{fmt}"]
            names = endpoint.params if path.endswith(".json") else tuple(
                n for n in endpoint.params if n not in endpoint.json_only)
        base = {"scenario": "grab-and-run"} if "guidance" in path else {}
        for name in (*names, "Year_From", "\U0001f48e", "y" * 300):
            for value in MALFORMED:
                r = client.get(path + "?" + urlencode({**base, name: value}))
                r.get_data()  # read to the end: a streamed CSV closes its generator
                assert r.status_code in (200, 400), (path, name, value, r.status_code, r.data[:300])
                assert r.mimetype in ("application/json", "text/csv")
                if r.status_code == 400:
                    assert r.get_json()["parameter"] in (name, name[:40] + "..."), (path, name, value)
            r = client.get(path + "?" + urlencode([(name, "2022"), (name, "2022")] + list(base.items())))
            assert r.status_code == 400 and r.get_json()["parameter"] in (name, name[:40] + "...")
    for chart_id in ("\U0001f48e", "..", "a" * 500, "map.csv", "MAP", "%00"):
        r = client.get(f"/api/v1/charts/{chart_id}.json")
        assert r.status_code == 404 and r.is_json, chart_id
    assert snapshot(engine) == before


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_only_get_is_answered(client, method):
    for path in ("/api/v1/claims.json", "/api/v1/charts/map.csv", "/api/v1/incidents.json", "/api/v1/openapi.json"):
        r = getattr(client, method)(path, data="x=1")
        assert r.status_code == 405 and r.is_json and r.get_json()["error"], (method, path)
        assert "GET" in r.headers["Allow"]


def test_unknown_addresses_under_api_are_json_404(client):
    for path in ("/api/v1/nothing", "/api/v2/charts/map.csv", "/api/v1/charts/map.xml", "/api/v1/ranking.xlsx"):
        r = client.get(path)
        assert r.status_code == 404 and r.is_json and "/api/v1/openapi.json" in r.get_json()["endpoints"]
    assert client.get("/map").status_code == 200  # the dashboard's own pages are untouched


# ---------------------------------------------------------------- headers

def test_content_types_file_names_caching_and_security_headers(client):
    csv = get(client, "/api/v1/charts/trends-yearly.csv", **US_JSA)
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = csv.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="jewelcrime_trends-yearly_\d{8}\.csv"', disposition)
    for path in ("/api/v1/ranking.csv", "/api/v1/context.csv?region=CA,TX", "/api/v1/incidents.csv?region=IL"):
        r = client.get(path)
        r.get_data()
        disposition = r.headers["Content-Disposition"]
        assert re.fullmatch(r'attachment; filename="[A-Za-z0-9_-]+\.csv"', disposition), disposition
    js = get(client, "/api/v1/charts/trends-yearly.json", **US_JSA)
    assert js.mimetype == "application/json" and "Content-Disposition" not in js.headers
    for r in (csv, js, client.get("/api/v1/openapi.json"), client.get("/api")):
        assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["Referrer-Policy"] == "same-origin"
        assert re.fullmatch(r"public, max-age=\d+", r.headers["Cache-Control"])
    again = client.get("/api/v1/charts/trends-yearly.csv?source=JSA&country=US",
                       headers={"If-None-Match": csv.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


# ---------------------------------------------------------------- incidents (dashboard/incidents.py)

def test_incident_pages_walk_every_row_once(client):
    from dashboard import incidents

    query = {"source": "JSA", "country": "US", "year_from": 2022, "year_to": 2022}
    first = get(client, "/api/v1/incidents.json", **query, page_size=7).get_json()
    assert first["total"] == 39 and len(first["rows"]) == 7 and list(first["rows"][0]) == incidents.COLUMNS
    seen, url = [], first["next_url"]
    seen += first["rows"]
    while url:
        page = client.get(url.replace("http://localhost", "")).get_json()
        assert len(page["rows"]) <= 7 and page["total"] == 39
        seen += page["rows"]
        url = page["next_url"]
    ids = [r["incident_id"] for r in seen]
    assert len(ids) == 39 == len(set(ids)) and page["next"] is None
    dates = [r["occurred_on"] for r in seen]
    assert dates == sorted(dates, reverse=True)  # newest first, the default
    listed = csv_of(get(client, "/api/v1/incidents.csv", **query))
    assert list(listed.columns) == incidents.COLUMNS and sorted(listed["incident_id"]) == sorted(ids)


@pytest.mark.parametrize("query, total", [
    ({"region": "IL,TX", "year_from": 2022, "year_to": 2022}, 18),  # 12 + 6
    ({"region": "IL,TX", "year_from": 2022}, 27),  # 2022 to the last year: 12 + 6, and IL's 9 in 2023
    ({"region": "id", "year_from": 2019, "year_to": 2021}, 11),  # 4 + 2 + 5
    ({"year": 2022, "half": 1, "country": "US"}, 27),  # January-June 2022: ID 9, IL 12, TX 6 (Toronto's 4 are not U.S.)
    ({"year": 2023, "month": 1}, 3),
    ({"category": "theft", "subtype": "none"}, 51),  # Chicago's thefts carry no sub-type
    ({"subtype": "none"}, 96),  # 107 less 5 smash-and-grab and 6 grab-and-run
    ({"category": "robbery", "subtype": "smash_and_grab"}, 5),
    ({"city": "bois"}, 20),  # Boise
])
def test_incident_counts(client, query, total):
    body = get(client, "/api/v1/incidents.json", **query, page_size=1000).get_json()
    assert body["total"] == total and len(body["rows"]) == total and body["next"] is None


def test_incident_sort_ascending_by_loss(client):
    rows = get(client, "/api/v1/incidents.json", sort="loss_usd", dir="asc", page_size=1000).get_json()["rows"]
    losses = [r["loss_usd"] for r in rows if r["loss_usd"] is not None]
    assert losses == sorted(losses) and len(rows) == 107


# ---------------------------------------------------------------- OpenAPI, the docs page and docs/api.md

def _routes(app) -> set[str]:  # noqa: ANN001
    """Every API address the Flask app answers, as OpenAPI paths."""
    out = set()
    for rule in app.server.url_map.iter_rules():
        path = rule.rule
        if not path.startswith("/api/v1/") or path == "/api/v1/":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path)
        formats = re.search(r"<any\(([^)]*)\):fmt>", path)
        for fmt in [f.strip() for f in formats.group(1).split(",")] if formats else [None]:
            out.add(re.sub(r"<any\([^)]*\):fmt>", fmt, path) if fmt else path)
    return out


def test_openapi_is_valid_and_matches_the_routes(client, app):
    from openapi_spec_validator import validate

    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)  # against the OpenAPI 3.1 schema
    assert spec["openapi"].startswith("3.1") and set(spec["paths"]) == _routes(app)
    params = {p["name"]: p for p in spec["paths"]["/api/v1/charts/{chart_id}.csv"]["get"]["parameters"]}
    assert params["year_from"]["schema"]["enum"] == [2019, 2020, 2021, 2022, 2023]  # the fixture's years
    assert params["nibrs_year"]["schema"]["enum"] == [2019, 2020]
    assert params["chart_id"]["schema"]["enum"][:2] == ["map", "trends-yearly"]
    by_chart = spec["paths"]["/api/v1/charts/{chart_id}.json"]["get"]["x-parameters-by-chart"]
    from dashboard.pages import map as map_page, risk, trends

    assert set(by_chart["trends-yearly"]) == set(trends.PARAMS) and set(by_chart["map"]) == set(map_page.PARAMS)
    assert set(by_chart["risk-trend"]) == set(risk.PARAMS) and "region" in by_chart["risk-trend"]
    several = spec["paths"]["/api/v1/charts/{chart_id}.csv"]["get"]["x-several-regions"]
    assert "trends-yearly" in several and "risk-trend" not in several
    incidents = {p["name"]: p for p in spec["paths"]["/api/v1/incidents.json"]["get"]["parameters"]}
    assert incidents["region"]["schema"]["type"] == "array" and incidents["region"]["explode"] is False
    assert "ON" in incidents["region"]["schema"]["items"]["enum"]
    assert incidents["page_size"]["schema"]["maximum"] == api_params.MAX_PAGE_SIZE
    assert "page_size" not in {p["name"] for p in spec["paths"]["/api/v1/incidents.csv"]["get"]["parameters"]}
    context = {p["name"]: p for p in spec["paths"]["/api/v1/context.csv"]["get"]["parameters"]}
    assert set(context) == {"measure", "year_from", "year_to", "region"}


def test_the_docs_page_lists_every_endpoint_and_parameter(client):
    import html

    r = client.get("/api")
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = html.unescape(r.get_data(as_text=True))
    assert client.get("/api/v1/").get_data(as_text=True) == r.get_data(as_text=True)
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, item in spec["paths"].items():
        assert f"GET {path}" in page, path
        for p in item["get"]["parameters"]:
            assert f"<code>{p['name']}</code>" in page, (path, p["name"])
    assert 'pd.read_csv("http://localhost/api/v1/charts/trends-yearly.csv?source=JSA&country=US")' in page
    for sheet in re.findall(r'href="(/assets/[^"]+\.css)"', page):  # the site's own style sheets, served locally
        assert client.get(sheet).status_code == 200, sheet


def test_docs_md_matches_the_openapi(client):
    doc = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`GET (/api/v1/[^`]+)`", doc))
    spec = client.get("/api/v1/openapi.json").get_json()
    assert documented == set(spec["paths"]), (documented ^ set(spec["paths"]))
    missing = [n for n in api_params.PARAMS if f"`{n}`" not in doc]
    assert not missing, f"docs/api.md does not describe {missing}"
    rows = dict(re.findall(r"^\| `(\w+)` \| (.*) \|$", doc, re.M))
    for name, p in api_params.PARAMS.items():  # the fixed value lists the document spells out
        if p.values in ("categories", "metrics", "layers", "countries", "periods", "sortable", "directions") or \
                name == "measure":
            values = [v for v in api_params.allowed(None, p.values) if v != "all"]
            assert all(f"`{v}`" in rows[name] for v in values), (name, values)
    assert f"{api_params.MAX_PAGE_SIZE:,}" in doc or str(api_params.MAX_PAGE_SIZE) in doc


# ---------------------------------------------------------------- a real server, read by pandas

SERVE = """import sys, waitress
from dashboard import api
from dashboard.app import create_app
app = create_app(sys.argv[1])
api.register(app.server)
waitress.serve(app.server, host="127.0.0.1", port=int(sys.argv[2]), threads=2)
"""


def test_pandas_reads_a_live_url(db):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", SERVE, db, str(port)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None and time.time() < deadline, proc.stdout.read() if proc.stdout else ""
                time.sleep(0.3)
        base = f"http://127.0.0.1:{port}/api/v1"
        yearly = pd.read_csv(f"{base}/charts/trends-yearly.csv?source=JSA&country=US")
        assert yearly["total"].tolist() == [20, 5, 30, 39, 9]
        listed = pd.read_csv(f"{base}/incidents.csv?source=JSA&region=IL")  # streamed
        assert len(listed) == 51
        with pytest.raises(Exception, match="400"):  # a bad parameter is an HTTP error, not a frame of defaults
            pd.read_csv(f"{base}/charts/trends-yearly.csv?region=ZZ")
    finally:
        proc.terminate()
        proc.wait(10)
