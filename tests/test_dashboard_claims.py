"""Claims added as rows reach every page and export with no code change (known answers, not the sample's).

Data: tests/fixtures/claims/jsa_claims.csv (counted in tests/test_claims.py). U.S. thefts: 7 in 2021, 5 in
2022, 6 in 2023; 2023 is the latest complete year (2024 has January to March only).

Claims: tests/fixtures/claims/reference/claims.csv (the bundled three, a Texas change, a share of thefts and
a count of burglaries) plus one row written here, `us_thefts_2022`, "U.S. thefts against jewelers fell 30%
in 2022" (-30 against 2021): computed (5 - 7) / 7 = -28.6%, supported (within 5 points); re-checked for
2023, (6 - 7) / 7 = -14.3%, not supported: stale.
"""
from __future__ import annotations

import io
import json
import re
import time
import zipfile
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest

from dashboard.app import create_app
from tests.conftest import Bound, bound, engine_of, FIXTURES, text, walk

HERE = FIXTURES / "claims"
DATA, CLAIMS = HERE / "jsa_claims.csv", HERE / "reference" / "claims.csv"
ADDED_ROW = ("us_thefts_2022,U.S. thefts against jewelers fell 30% in 2022,-30,percent_change,Test desk,,2023-02,"
             "incidents,,,JSA,US,,theft,,false,,2022,2021,,,,")
THEFT_INDEX = {"source": "JSA", "country": "US", "category": "theft", "base_year": "2021"}
STALE_WORDS = "True for 2022; by 2023 the change was -14.3% against 2021."


def claims_file(tmp_path, rows: list[str]):  # noqa: ANN001, ANN201
    folder = tmp_path / "reference"
    folder.mkdir(exist_ok=True)
    path = folder / "claims.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def app(cli, db_url, tmp_path):
    lines = CLAIMS.read_text(encoding="utf-8").splitlines()
    result = cli("etl", DATA, claims_file(tmp_path, [*lines, ADDED_ROW]), "--db", db_url)
    assert result.exit_code == 0, result.output
    return create_app(db_url)


def card(page, figure_id: str):  # noqa: ANN001, ANN201
    return next(c for c in walk(page) if getattr(c, "id", None) == f"figure-{figure_id}")


def href_of(component) -> str:  # noqa: ANN001
    return next(c.href for c in walk(component) if "chart-link" in (getattr(c, "className", "") or ""))


def test_every_row_is_a_card_read_by_its_unit_and_linked_by_its_measure(app):
    overview = bound(app, "overview")

    page = overview.layout()
    ids = [c.id for c in walk(page) if str(getattr(c, "id", "")).startswith("figure-")]
    assert ids == [f"figure-{i}" for i in ("change_since_2019", "major_cities_theft_robbery_h1", "property_share_2020",
                                            "tx_robbery_2022", "theft_share_2023", "burglaries_2022", "us_thefts_2022")]
    thefts = card(page, "us_thefts_2022")
    assert "-28.6%" in text(thefts) and "Supported by the data" in text(thefts)
    assert "Out of date." in text(thefts) and STALE_WORDS in text(thefts)
    link = urlsplit(href_of(thefts))
    assert link.path == "/trends" and dict(parse_qsl(link.query)) == {
        "category": "theft", "source": "JSA", "country": "US", "base_year": "2021", "view": "index"}
    # a count reads as a count, never as a percent; a share as a share
    burglaries = text(card(page, "burglaries_2022"))
    assert "Not supported by the data" in burglaries and "The campaign says 4; computed from the data it is 3." in burglaries
    assert "54.5%" in text(card(page, "theft_share_2023")) and "+54.5%" not in text(card(page, "theft_share_2023"))
    # a claim about Texas has no national chart: its button re-runs the check in the form instead
    assert href_of(card(page, "tx_robbery_2022")).startswith("/?")
    # a supported claim whose own period is the latest complete one is not called stale
    assert "Out of date." not in text(card(page, "theft_share_2023"))


def test_a_cards_check_link_reproduces_its_value(app):
    from dashboard import check_form

    check_form = Bound(app, check_form)
    overview = bound(app, "overview")

    page = overview.layout()
    for figure_id, value in (("theft_share_2023", 54.5), ("tx_robbery_2022", 50.0), ("burglaries_2022", 3)):
        link = urlsplit(href_of(card(page, figure_id)))
        assert link.path == "/" and link.fragment == "check-form"
        answer = check_form.run_check(dict(parse_qsl(link.query)))
        assert answer["value"] == value, (figure_id, answer)
    assert check_form.run_check(dict(parse_qsl(urlsplit(href_of(card(page, "theft_share_2023"))).query)))["verdict"] \
        == "supported"


def test_the_index_chart_draws_an_added_claim_with_its_base_year(app):
    trends = bound(app, "trends")

    result = trends.build_index(THEFT_INDEX)
    claim = result.rows[result.rows["series"] == "campaign claim (published)"]
    assert claim[["year", "index"]].values.tolist() == [[2022, 70.0]]  # 100 - 30, in the claim's year
    assert [h["id"] for h in result.claims] == ["us_thefts_2022"]
    assert "The headline figure is -28.6%" in result.summary and STALE_WORDS in result.summary
    # another base year: the claim is named, not drawn
    other = trends.build_index({**THEFT_INDEX, "base_year": "2022"})
    assert (other.rows["series"] == "data").all() and "choose base year 2021" in other.summary
    # robberies are not what the claim measures: nothing of it on that chart
    robbery = trends.build_index({**THEFT_INDEX, "category": "robbery"})
    assert robbery.claims == [] and "campaign claim (published)" not in set(robbery.rows["series"])


def svg_words(data: bytes) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", data.decode())).split())


def test_an_added_claim_exports_with_its_as_of_line(app):
    from dashboard import context, exporter

    engine = engine_of(app)
    made = exporter.export_figure(engine, "us_thefts_2022", "square", "svg")
    words = svg_words(made.data)
    assert "-28.6%" in words and "Crimes against U.S. jewelers" not in words
    assert "Thefts against U.S. jewelers: 5 in 2022 against 7 in 2021." in words
    assert "As of 2023, the latest complete period in the data: -14.3% against 2021." in words
    assert made.name == "us_thefts_2022_social_square.svg"
    assert made.manifest["stale"] is True and made.manifest["as_of"].startswith("As of 2023")
    assert made.manifest["filters"]["period"] == "2021 to 2022" and made.manifest["measure"]["compared_with"] == "2021"
    assert "as of 2023" in made.alt_text.lower()
    # a claim the data never supported is exported with its computed value only; every graphic has an
    # 'as of' line with the latest period (3 burglaries in the fixture's 2022, 2 in 2023)
    count = exporter.export_figure(engine, "burglaries_2022", "square", "svg")
    words = svg_words(count.data)
    assert "The widely shared figure is not supported by this data" in words
    assert "As of 2023, the latest period in the data: 2." in words and count.manifest["stale_warning"] is None
    assert re.search(r"(?<![\d,.$%+])3(?![\d,.%])", words)  # the count itself, not "3%" or "+3"


def test_a_chart_export_names_the_claim_it_stands_behind(app):
    from dashboard import context, exporter

    made = exporter.export_chart(engine_of(app), "trends-index", THEFT_INDEX, "landscape", "svg")
    assert made.manifest["headline_figure"] == "us_thefts_2022"
    assert made.manifest["as_of"] == "As of 2023, the latest complete period in the data: -14.3% against 2021."
    assert "Headline figure -28.6%" in svg_words(made.data)


def test_the_kit_holds_every_row_of_the_claims_file(cli, db_url, tmp_path):
    header = CLAIMS.read_text(encoding="utf-8").splitlines()[0]
    assert cli("etl", DATA, claims_file(tmp_path, [header, ADDED_ROW]), "--db", db_url).exit_code == 0
    app = create_app(db_url)
    from dashboard import context, exporter

    with zipfile.ZipFile(io.BytesIO(exporter.kit(engine_of(app)))) as z:
        manifest = json.loads(z.read("manifest.json"))
        names = set(z.namelist())
    assert {e["figure_id"] for e in manifest["files"]} == {"us_thefts_2022"}
    assert len(manifest["files"]) == 8  # five social sizes, the stat card, Letter and A4 signs
    assert {e["file"] for e in manifest["files"]} <= names and all(e["stale"] for e in manifest["files"])
    assert all(e["as_of"].startswith("As of 2023") for e in manifest["files"])


def test_the_campaign_page_warns_before_exporting_a_stale_claim(app):
    campaign = bound(app, "campaign")

    def sent(job):
        ready, deadline = None, time.time() + 60
        while time.time() < deadline:
            view = campaign.progress_view(job, ready)
            if view["stop"]:
                return campaign.send(view["ready"])
            time.sleep(0.05)

    assert "figure:us_thefts_2022" in [o["value"] for o in campaign.items()]
    stale = {"item": "figure:us_thefts_2022", "size": "square", "format": "png", "filters": {}}
    warning = campaign.stale_warning(campaign.selection({"item": stale["item"]}))
    assert STALE_WORDS in warning and "As of 2023" in warning and warning.endswith("Export it anyway?")
    assert "As of 2023" in text(campaign.describe(campaign.selection({"item": stale["item"]})))
    ask, message, pending, job, _poll = campaign.start_download(campaign.BUTTONS["image"], stale)
    assert ask is True and message == warning and pending == "image" and job is campaign.no_update
    assert sent(campaign.confirmed_download(pending, stale))["filename"] == "us_thefts_2022_social_square.png"
    assert campaign.confirmed_download("rm -rf", stale) is campaign.no_update  # only a known button's file
    # a claim that is not stale starts its job at once
    fresh = {**stale, "item": "figure:theft_share_2023"}
    ask, _message, _pending, job, _poll = campaign.start_download(campaign.BUTTONS["image"], fresh)
    assert ask is False and sent(job)["filename"] == "theft_share_2023_social_square.png"


def _measure(**m):  # noqa: ANN003, ANN202
    base = {"metric": "incidents", "unit": "percent_change", "period_kind": "year", "compared_kind": "year",
            "since": True, "filters": {"regions": []}}
    return {**base, **m}


@pytest.mark.parametrize("measure,chart", [
    (_measure(), "trends-index"),
    (_measure(period_kind="half", compared_kind="half", since=False), "trends-half"),
    (_measure(metric="offenses", unit="percent_share", since=False), "share-nibrs"),
    (_measure(filters={"regions": ["TX"]}), None),  # the trends charts are national
    (_measure(unit="count", since=False), None),
    (_measure(unit="percent_share", since=False), None),  # a share of incidents: the form checks it
    (_measure(period_kind="months", compared_kind="months", since=False), None),
    ({}, None),
])
def test_which_chart_stands_behind_a_claim(measure, chart):
    from dashboard.claims_view import chart_of_measure

    assert chart_of_measure(measure) == chart
