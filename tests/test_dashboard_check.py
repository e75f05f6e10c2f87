"""The Overview page's "Check a number" form, as plain functions, against a tiny data set counted by hand.

CHECK_ROWS (JSA-style, loaded through the real ETL):

* 2021: 4 incidents, 3 of them in the U.S. (Houston robbery, Dallas theft, Chicago burglary; Toronto robbery);
* 2022: 6 incidents, 5 in the U.S.; January to June: 4 (Jan, Feb, Apr, Jun);
* 2022 robberies: 2 (Houston, Chicago); 2022 thefts: 3 of 6 (Houston, Chicago, Toronto) = 50%;
* 2022 losses: 1,000 + 300 + 300 + 400 + 1,000 + 200 = $3,200; Texas: 1,000 + 300 = $1,300;
* changes: all 2022 against 2021 = (6 - 4) / 4 = +50%; U.S. only = (5 - 3) / 3 = +66.7%.

No month of either year is complete, so there is no "latest complete period".
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import dash
import pytest
import sqlalchemy as sa

from dashboard.app import create_app
from tests.conftest import Bound, table_counts, text, walk

HEADER = "Date,City,State,Crime Type,Loss,Record ID"
CHECK_ROWS = """\
2021-01-10,Houston,TX,robbery,1000,T-01
2021-03-10,Dallas,TX,theft,500,T-02
2021-07-10,Chicago,IL,burglary,2000,T-03
2021-11-10,Toronto,ON,robbery,100,T-04
2022-01-10,Houston,TX,robbery,1000,T-05
2022-02-10,Houston,TX,theft,300,T-06
2022-04-10,Chicago,IL,theft,300,T-07
2022-06-10,Chicago,IL,robbery,400,T-08
2022-09-10,Miami,FL,burglary,1000,T-09
2022-12-10,Toronto,ON,theft,200,T-10
"""


def by_id(component: Any, ident: str) -> Any:
    return next(c for c in walk(component) if getattr(c, "id", None) == ident)


def load(cli, db_url: str, path: Path) -> Any:  # noqa: ANN001
    result = cli("etl", path, "--db", db_url)
    assert result.exit_code == 0, result.output
    app = create_app(db_url)
    from dashboard import check_form

    return Bound(app, check_form)


@pytest.fixture
def form(cli, db_url, tmp_path):
    path = tmp_path / "jsa_check.csv"
    path.write_text(HEADER + "\n" + CHECK_ROWS)
    return load(cli, db_url, path)


def ok(form, **params: Any) -> dict[str, Any]:  # noqa: ANN001
    result = form.run_check({f"check_{k}": v for k, v in params.items()})
    assert "error" not in result, result
    return result


def error(form, params: dict[str, Any]) -> str:  # noqa: ANN001
    result = form.run_check(params)
    assert set(result) == {"error", "field"}, result
    return result["error"]


# ---------------------------------------------------------------- known answers

def test_a_change(form):
    r = ok(form, period="2022", compared_with="2021")
    assert (r["value"], r["value_text"], r["numerator"], r["denominator"]) == (50.0, "+50.0%", 2, 4)
    assert r["inputs"] == {"incidents_2021": 4, "incidents_2022": 6}
    assert r["claim_unit"] == "percent_change" and r["verdict"] is None
    assert r["formula"].startswith("(incidents in the JSA-style data in 2022 minus those in 2021)")
    assert r["latest"] is None and r["latest_text"] == "no complete period in the data" and r["stale"] is False
    assert r["sample"] is False and r["sample_note"] is None
    assert r["source_line"] == "Data derived from Jewelers' Security Alliance and Jewelers Mutual Group"
    assert r["url"] == "/?check_period=2022&check_compared_with=2021"
    us = ok(form, period="2022", compared_with="2021", country="us")  # Toronto left out: 5 against 3
    assert (us["value_text"], us["numerator"], us["denominator"]) == ("+66.7%", 2, 3)


def test_a_count_and_an_amount(form):
    robberies = ok(form, period="2022", category="robbery")
    assert (robberies["value"], robberies["value_text"], robberies["claim_unit"]) == (2, "2", "count")
    assert ok(form, period="2022H1")["value"] == 4
    losses = ok(form, measure="losses", period="2022")
    assert (losses["value_text"], losses["claim_unit"]) == ("$3,200", "amount_usd")
    assert ok(form, measure="losses", period="2022", region="tx")["value_text"] == "$1,300"


def test_a_share(form):
    r = ok(form, period="2022", category="theft", share_of="all")
    assert (r["value"], r["value_text"], r["numerator"], r["denominator"]) == (50.0, "50.0%", 3, 6)
    assert r["claim_unit"] == "percent_share"


@pytest.mark.parametrize("params,verdict,said", [
    ({"period": "2022", "compared_with": "2021", "claimed": "+50%"}, "supported", "within 5 points"),
    ({"period": "2022", "compared_with": "2021", "claimed": "10"}, "not supported",
     "40.0 points from the claimed +10%"),
    ({"period": "2022", "category": "robbery", "claimed": "2"}, "supported", "within 1%"),
    ({"period": "2022", "category": "robbery", "claimed": "3"}, "not supported", "33.3% from the claimed 3"),
    ({"period": "2022", "category": "theft", "share_of": "all", "claimed": "50.5"}, "supported", "within 1 point"),
    ({"period": "2022", "category": "theft", "share_of": "all", "claimed": "60"}, "not supported", "outside 1 point"),
    ({"measure": "losses", "period": "2022", "claimed": "$3,200"}, "supported", "within 1% of the claimed $3,200"),
])
def test_a_claimed_value_is_judged(form, params, verdict, said):
    r = ok(form, **params)
    assert r["verdict"] == verdict and said in r["reason"], r["reason"]


def test_a_period_without_data_is_no_data(form):
    r = ok(form, period="2030", claimed="5")
    assert (r["value"], r["value_text"], r["verdict"]) == (None, "no data", "no data")
    assert "2030" in r["reason"]


def test_the_kind_chosen_decides_which_period_field_counts(form):
    params = {"check_period": "2022", "check_compared_with": "2021", "check_share_of": "all"}
    assert form.run_check({**params, "kind": "count"})["value"] == 6
    assert form.run_check({**params, "kind": "change"})["value"] == 50.0
    assert form.run_check({**params, "kind": "share"})["value"] == 100.0
    assert form.run_check({"check_period": "2022", "kind": "change"})["field"] == "check_compared_with"
    assert form.run_check({"check_period": "2022", "kind": "share"})["field"] == "check_share_of"


def test_sample_rows_are_said_to_be_sample(cli, db_url, tmp_path):
    path = tmp_path / "sample_jsa.csv"
    path.write_text(HEADER + ",sample\n" + "".join(line + ",true\n" for line in CHECK_ROWS.splitlines()))
    form = load(cli, db_url, path)
    r = ok(form, period="2022")
    assert r["value"] == 6 and r["sample"] is True
    assert r["sample_note"].startswith("Sample data") and "works, not that the" in r["sample_note"]
    assert r["sample_note"] in text(form.view.render_result(r))


def test_latest_complete_period_and_stale(cli, db_url, tmp_path):
    # 2022: one theft a month (12); 2023: one a month and six January robberies (18): both years complete
    rows = [f"{y}-{m:02d}-05,Houston,TX,theft,100,L-{y}-{m}" for y in (2022, 2023) for m in range(1, 13)]
    rows += [f"2023-01-{d:02d},Dallas,TX,robbery,100,R-{d}" for d in range(10, 16)]
    path = tmp_path / "jsa_full_years.csv"
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    form = load(cli, db_url, path)
    r = ok(form, period="2022", claimed="12")
    assert r["verdict"] == "supported" and r["value"] == 12
    assert r["latest"] == {"period": "2023", "value": 18, "verdict": "not supported"}
    assert r["latest_text"] == "2023: 18" and r["stale"] is True
    assert "2023" in r["freshness"] and "18" in r["freshness"]  # the checker's words for a stale claim
    answer = text(form.view.render_result(r))
    assert "Stale" in answer and "2023: 18" in answer and "(not supported)" in answer


# ---------------------------------------------------------------- bad inputs

@pytest.mark.parametrize("params,field,words", [
    ({}, "Period", "required"),
    ({"check_period": "last year"}, "Period", "is not a period"),
    ({"check_period": "2022-13..2023-01"}, "Period", "month"),
    ({"check_period": "99999"}, "Period", "is not a period"),
    ({"check_period": "2022", "check_measure": "'; DROP TABLE incident; --"}, "Measure", "is not one of"),
    ({"check_period": "2022", "check_measure": 7}, "Measure", "is not one of"),
    ({"check_period": "2022", "check_claimed": "lots"}, "Claimed value", "is not a number"),
    ({"check_period": "2022", "check_claimed": "1e400"}, "Claimed value", "is not a number"),
    ({"check_period": "2022", "check_claimed": "9" * 40}, "Claimed value", "is not a number"),
    ({"check_period": "2022", "check_claimed": "nan"}, "Claimed value", "is not a number"),
    ({"check_period": "2022", "check_region": "ZZ|TX"}, "States or provinces", "'ZZ'"),
    ({"check_period": "2022", "check_region": ["TX", 5]}, "States or provinces", "expected text"),
    ({"check_period": "2022", "check_country": "MX"}, "Country", "not US or CA"),
    ({"check_period": "2022", "check_category": "arson"}, "Category", "is not a category"),
    ({"check_period": "2022", "check_subtype": "smash_and_grab", "check_category": "theft"}, "Sub-type", "robbery"),
    ({"check_period": "2022", "check_source": "nope"}, "Source", "'nope' is not JSA, JM, combined"),
    ({"check_period": "2022", "check_measure": "offenses", "check_source": "JSA"}, "Source", "no incident source"),
    ({"check_period": "2022", "check_major": "maybe"}, "Major cities only", "not 1 (yes) or 0 (no)"),
    ({"check_period": "2022", "check_nibrs_class": "violent"}, "NIBRS class", "is not a NIBRS class"),
    ({"check_period": "2022", "check_compared_with": "2020..2021"}, "Compared with", "compare like with like"),
    ({"check_period": "2022", "check_compared_with": "2023"}, "Compared with", "must end before"),
    ({"check_period": "2022", "check_compared_with": "2021", "check_share_of": "all"}, "Compared with", "together"),
    ({"check_period": "2022", "check_share_of": "colour=red"}, "Share of", "key=value"),
    ({"check_period": "2022", "check_share_of": "source=Nowhere PD"}, "Share of", "no incidents"),
    ({"check_period": ["2022", "2021"]}, "Period", "one value"),
    ({"check_period": {"year": 2022}}, "Period", "expected text"),
    ({"check_period": "2" * 500}, "Period", "longer than"),
    ({"check_period": "2022", "kind": "median"}, "Kind of number", "is not one of"),
])
def test_bad_inputs_name_the_field(form, params, field, words):
    message = error(form, params)
    assert message.startswith(field) and words in message, message


def test_not_a_dict_is_a_message(form):
    assert "error" in form.run_check(["check_period", "2022"])  # type: ignore[arg-type]


# ---------------------------------------------------------------- the shareable URL

@pytest.mark.parametrize("params", [
    {"period": "2022", "compared_with": "2021", "claimed": "10", "country": "US"},
    {"period": "2022", "category": ["theft", "robbery"], "share_of": "all", "claimed": "83.3", "region": ["TX", "IL"]},
    {"measure": "losses", "period": "2022-01..2022-6", "claimed": "1,234.5", "major": True, "source": "jsa"},
    {"period": "2022H1", "subtype": "smash_and_grab", "nibrs_class": "property"},
])
def test_the_url_reproduces_the_check(form, params):
    first = ok(form, **params)
    url = urlsplit(first["url"])
    assert url.path == "/" and all(k.startswith("check_") for k in parse_qs(url.query))
    again = form.run_check({k: v[0] for k, v in parse_qs(url.query).items()})
    assert again == first


def test_defaults_are_left_out_of_the_url(form):
    r = ok(form, measure="incidents", source="JSA", major="0", period="2022-01..2022-06", category="", claimed=None)
    assert r["url"] == "/?check_period=2022-01..2022-06"
    both = ok(form, period="2022", category="theft|robbery")
    assert both["url"] == "/?check_category=theft%7Crobbery&check_period=2022"


# ---------------------------------------------------------------- the page and the callback

def test_a_shared_url_is_answered_when_the_page_loads(form):
    query = {k: v[0] for k, v in parse_qs(urlsplit(ok(form, period="2022", compared_with="2021", claimed="50")["url"])
                                         .query).items()}
    page = form.layout(query)
    answer = by_id(page, form.view.RESULT)
    words = text(answer)
    assert "+50.0%" in words and "(2 / 4)" in words and "Supported by the data" in words
    assert "Formula:" in words and "incidents 2021" in words and "Link to this check" in words
    link = next(c for c in walk(answer) if getattr(c, "href", None))
    assert link.href == "/?check_period=2022&check_compared_with=2021&check_claimed=50"
    # the controls are filled in, and the kind follows from the periods given
    assert by_id(page, "check-period").value == "2022" and by_id(page, "check-compared-with").value == "2021"
    assert by_id(page, "check-kind").value == "change" and by_id(page, "check-compared-box").style == {}
    assert by_id(page, "check-share-box").style == {"display": "none"}


def test_the_form_alone_has_no_answer_and_a_bad_url_says_why(form):
    empty = form.layout({})
    assert "Check a number" in text(empty) and by_id(empty, form.view.RESULT).children is None
    assert by_id(empty, "check-share-box").style == {"display": "none"}
    bad = form.layout({"check_period": "2022", "check_region": "<script>", "check_measure": "nope"})
    assert "Measure:" in text(by_id(bad, form.view.RESULT))
    assert by_id(bad, "check-region").value == [] and by_id(bad, "check-measure").value == "incidents"


def test_the_button_draws_the_answer_and_sets_the_url(form):
    values = form_values(kind="share", period="2022", share="all", claimed="50", category=["theft"])
    children, search = form.on_check(1, *values)
    assert "50.0%" in text(children) and "Supported by the data" in text(children)
    assert search == "?check_category=theft&check_period=2022&check_share_of=all&check_claimed=50"


def test_the_button_with_wrong_types_gives_a_message(form):
    values = form_values(period={"x": 1}, claimed=[1, 2])
    children, search = form.on_check(1, *values)
    assert "Period: expected text" in text(children) and search is dash.no_update
    assert form.on_check(None, *values) == (dash.no_update, dash.no_update)


def form_values(**given: Any) -> list[Any]:
    """The controls' values in the callback's order, as a browser would send them."""
    blank = {"measure": "incidents", "kind": "count", "period": "", "compared": "", "share": "", "claimed": "",
             "source": None, "country": None, "regions": [], "category": [], "subtype": None, "major": False,
             "nibrs": None}
    return list({**blank, **given}.values())


# ---------------------------------------------------------------- nothing is written

def test_checking_writes_nothing(form, db_url):
    path = Path(sa.make_url(db_url).database)
    engine = sa.create_engine(db_url)
    before, digest = table_counts(engine), hashlib.sha256(path.read_bytes()).hexdigest()
    ok(form, period="2022", compared_with="2021", claimed="50")
    ok(form, period="2022", category="theft", share_of="all", claimed="10")
    form.layout({"check_period": "2022", "check_measure": "losses"})
    form.run_check({"check_period": "2022'; DELETE FROM incident; --"})
    form.on_check(1, *form_values(period="2022"))
    assert table_counts(engine) == before
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    engine.dispose()
