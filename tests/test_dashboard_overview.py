"""Overview page: headline-figure cards built from a database made by the real ETL (not the sample data)."""
from __future__ import annotations

from typing import Any

import pytest

from dashboard.app import create_app
from tests.conftest import bound, engine_of, FIXTURES, text, walk

TRENDS = FIXTURES / "dashboard" / "jsa_trends.csv"
NIBRS = FIXTURES / "figures" / "nibrs_2020_known.csv"


def card(page: Any, figure_id: str) -> Any:
    return next(c for c in walk(page) if getattr(c, "id", None) == f"figure-{figure_id}")


def hrefs(component: Any) -> list[str]:
    return [c.href for c in walk(component) if getattr(c, "href", None)]


def load(cli, db_url: str, *paths) -> Any:  # noqa: ANN001
    assert cli("etl", *paths, "--db", db_url).exit_code == 0
    app = create_app(db_url)
    overview = bound(app, "overview")

    return overview


def test_cards_show_computed_value_claim_and_verdict(cli, db_url):
    overview = load(cli, db_url, TRENDS, NIBRS)
    page = overview.layout()
    change = card(page, "change_since_2019")
    words = text(change)
    # U.S. JSA-style incidents: 20 in 2019, 39 in 2022
    assert "+95.0%" in words and "Campaign says:" in words and "up 50% since 2019" in words
    assert "Not supported by the data" in words and "The data does not support this claim" in words
    assert "45.0 points from the claimed +50%" in words
    assert "How this is computed" in words
    inputs = [text(c) for c in walk(change) if type(c).__name__ == "Tr"]  # the card's table of counts, row by row
    assert inputs == ["U.S. incidents in 2019 20", "U.S. incidents in 2022 39", "Numerator / denominator 19 / 20"]
    assert "within 5 percentage points" in words
    assert any(h.startswith("/trends?") and "view=index" in h and "source=JSA" in h for h in hrefs(change))
    assert any(h.startswith("http") for h in hrefs(change))  # the claim's source as a plain link
    assert "sample data" not in words

    cities = text(card(page, "major_cities_theft_robbery_h1"))
    assert "+20.0%" in cities and "Supported by the data" in cities and "does not support" not in cities
    assert any("major_only=1" in h and "view=half" in h for h in hrefs(card(page, "major_cities_theft_robbery_h1")))

    share = card(page, "property_share_2020")
    words = text(share)
    assert "65.2%" in words and "Supported by the data" in words and "8,900,000" in words and "5,800,000" in words
    assert "/share?nibrs_year=2020" in hrefs(share)
    assert {"/map", "/risk", "/guidance"} <= set(hrefs(page))


def test_official_value_and_verdict_colour_come_with_words(cli, db_url):
    overview = load(cli, db_url, TRENDS)  # NIBRS from the reference totals only
    from dashboard import queries

    page = overview.layout()
    share = card(page, "property_share_2020")
    words = text(share)
    published = queries.published(overview.engine)
    official = published[(published["figure_id"] == "property_share_2020") & (published["kind"] == "official")
                         & (published["compares"] == "value")]["value"].iloc[0]
    assert f"{official:.1f}%" in words and "Official figure:" in words
    assert "Not supported by the data" in words and "The data does not support this claim" in words
    assert "derived from published percentages" in words.lower()
    badge = next(c for c in walk(share) if "verdict-badge" in (getattr(c, "className", "") or ""))
    assert badge.color == "danger" and "Not supported" in text(badge)


def test_no_data_verdict(cli, db_url):
    overview = load(cli, db_url, NIBRS)  # no incident list at all
    page = overview.layout()
    words = text(card(page, "change_since_2019"))
    assert "no data" in words and "No data to judge" in words and "does not support" not in words


def test_sample_rows_are_marked(cli, db_url, tmp_path):
    lines = TRENDS.read_text().splitlines()
    path = tmp_path / "sample_jsa.csv"
    path.write_text("\n".join([lines[0] + ",sample"] + [line + ",true" for line in lines[1:]]) + "\n")
    overview = load(cli, db_url, path)
    page = overview.layout()
    assert "sample data" in text(card(page, "change_since_2019"))
    assert "sample data" not in text(card(page, "property_share_2020"))  # FBI counts are real
    # a verdict on sample rows says what it proves, and what the generator did to this claim's measure
    words = text(card(page, "change_since_2019"))
    assert "shows that the product works, not that the claim is true" in words
    assert "set to JSA's published yearly totals" in words
    assert "not that the claim is true" not in text(card(page, "property_share_2020"))


@pytest.mark.parametrize("value,unit,expected", [(95.0, "percent_change", "+95.0%"), (-40.0, "percent_change", "-40.0%"),
                                                 (65.17, "percent_share", "65.2%"), (None, "percent_share", "no data"),
                                                 (1234, "count", "1,234"), (98765.4, "amount_usd", "$98,765")])
def test_a_value_reads_by_its_claims_unit(value, unit, expected):
    from dashboard.pages.overview import fmt_figure

    assert fmt_figure({"value": value, "claim_unit": unit}) == expected
