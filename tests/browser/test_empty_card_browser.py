"""A chart with no rows offers no data, CSV or image; the same card with rows offers them."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_an_empty_card_hides_its_data_buttons(web):
    for year, empty in (("2020", True), ("2024", False)):  # the bundled 2020 table has class totals only
        web.open(f"/share?nibrs_year={year}", "#card-share-offenses .chart-summary")
        web.page.wait_for_function("document.querySelector('#card-share-offenses .chart-summary').innerText.length")
        card = web.page.locator("#card-share-offenses")
        if empty:
            assert "class totals only" in card.locator(".chart-summary").inner_text()
            web.page.wait_for_function("getComputedStyle(document.querySelector('#card-share-offenses .chart-actions'))"
                                       ".display === 'none'")
        else:
            card.locator(".chart-actions .chart-csv").wait_for(state="visible")
        assert card.locator(".chart-actions").is_visible() is not empty
