"""The Overview page's "Check a number" form in Chromium: fill it in, check, then open the shared link cold."""
from __future__ import annotations

import re

import pytest

from etl import claims
from etl.claim_report import spec_from_options
from etl.config import make_engine
from tests.browser.conftest import Watched

pytestmark = pytest.mark.browser

FILTERS = {"source": None, "country": None, "regions": [], "category": "theft", "subtype": None, "major_only": False,
           "nibrs_class": None}


def expected(sample_db: str) -> claims.CheckResult:
    """What `jewelcrime check` computes for the same check, straight from the ETL's checker."""
    engine = make_engine(sample_db)
    try:
        return claims.check(engine, spec_from_options("incidents", FILTERS, "2022", "2021", None, 10.0))
    finally:
        engine.dispose()


def answer(web: Watched) -> tuple[str, str]:
    web.page.wait_for_selector("#check-result .check-answer")
    return (web.page.inner_text("#check-result .check-value"), web.page.inner_text("#check-result .check-verdict"))


def test_check_a_number_and_share_it(browser, server, sample_db):  # noqa: ANN001
    want = expected(sample_db)
    value = claims.format_value(want.value, want.claim_unit)
    verdict = {"supported": "Supported by the data", "not supported": "Not supported by the data"}.get(
        want.verdict, "No data to judge")

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    web = Watched(context.new_page(), server)
    web.open("/", "#check-form")
    web.page.locator("#check-kind label", has_text="A change between two periods").click()
    web.page.fill("#check-period", "2022")
    web.page.wait_for_selector("#check-compared-with", state="visible")  # shown only for a change
    web.page.fill("#check-compared-with", "2021")
    web.page.fill("#check-claimed", "10")
    picker = web.page.locator("#check-category")
    picker.scroll_into_view_if_needed()
    picker.click()
    option = web.page.locator(".dash-dropdown-options [role=option]", has_text="Theft").first  # drawn outside
    option.scroll_into_view_if_needed()
    option.click()
    web.page.keyboard.press("Escape")
    button = web.page.locator("#check-button")
    button.scroll_into_view_if_needed()
    button.click()
    shown, badge = answer(web)
    assert shown.startswith(value), (shown, value)
    assert f"({want.numerator:,.0f} / {want.denominator:,.0f})" in shown
    assert verdict in badge
    result = web.page.inner_text("#check-result")
    assert "Formula:" in result and "Counts used" in result and "Latest complete period" in result
    assert "Sample data" in result and "works, not that the" in result  # the bundled data is the sample
    # the address bar now holds the check, and so does the link
    web.page.wait_for_url(re.compile(r"check_period=2022"))
    link = web.page.locator("#check-result a.check-link").get_attribute("href")
    assert link == "/?check_category=theft&check_period=2022&check_compared_with=2021&check_claimed=10"
    assert web.page.url.endswith(link)
    assert web.errors == [] and web.foreign == []
    web.shot("overview_check_form")
    context.close()

    # a fresh visitor opening the link sees the same answer without clicking anything
    fresh = browser.new_context(viewport={"width": 1400, "height": 1000})
    cold = Watched(fresh.new_page(), server)
    cold.open(link, "#check-result .check-answer")
    assert answer(cold) == (shown, badge)
    assert cold.page.input_value("#check-period") == "2022"
    assert cold.page.input_value("#check-compared-with") == "2021"
    assert cold.errors == [] and cold.foreign == []
    fresh.close()


def test_a_bad_value_gives_a_message(web):  # noqa: ANN001
    web.open("/", "#check-form")
    web.page.fill("#check-period", "next spring")
    button = web.page.locator("#check-button")
    button.scroll_into_view_if_needed()
    button.click()
    web.page.wait_for_selector("#check-result .check-error")
    assert "Period: 'next spring' is not a period" in web.page.inner_text("#check-result")
    assert "check_period" not in web.page.url  # a failed check is not put in the address bar
    assert web.errors == []
