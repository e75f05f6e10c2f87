"""Stale claims and sample verdicts in a real browser, on the bundled sample (where "up 50% since 2019" holds
for 2022 and not for 2024)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_a_stale_card_says_so_with_the_latest_value(web):
    web.open("/", "#figure-change_since_2019")
    card = web.page.inner_text("#figure-change_since_2019")
    assert "Out of date." in card and "True for 2022; by 2024 the change was" in card
    assert "shows that the product works, not that the claim is true" in card  # a sample verdict says so
    steered = web.page.inner_text("#figure-major_cities_theft_robbery_h1")
    assert "matched the campaign's own figure" in steered
    assert "not that the claim is true" not in web.page.inner_text("#figure-property_share_2020")  # real FBI counts
    assert web.errors == []


def test_the_campaign_page_asks_before_exporting_a_stale_claim(web):
    web.open("/campaign?item=figure:change_since_2019&size=square", "#campaign-stale-warning")
    assert "out of date" in web.page.inner_text("#campaign-stale-warning")
    web.page.wait_for_function("(document.querySelector('#campaign-preview') || {src: ''}).src.startsWith('data:image/png')",
                               timeout=60_000)
    asked: list[str] = []

    def answer(dialog) -> None:  # noqa: ANN001
        asked.append(dialog.message)
        dialog.accept()

    web.page.on("dialog", answer)
    with web.page.expect_download(timeout=60_000) as info:
        web.page.click("#campaign-download-image")
    assert asked and "out of date" in asked[0] and "As of 2024" in asked[0]
    assert info.value.suggested_filename == "change_since_2019_social_square.png"
    assert web.errors == []
