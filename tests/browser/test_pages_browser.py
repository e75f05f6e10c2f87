"""Every page in a real browser: loads offline with no console error, says 'sample data', links work."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

PAGES = {
    "overview": "/",
    "map": "/map",
    "trends": "/trends",
    "share": "/share",
    "risk": "/risk",
    "risk_california": "/risk?region=CA",
    "guidance": "/guidance",
    "guidance_smash_and_grab": "/guidance/smash-and-grab",
    "guidance_unknown": "/guidance/no-such-scenario",
    "campaign": "/campaign",
}


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_offline_without_errors(web, name):
    web.open(PAGES[name], "h1")
    web.page.wait_for_load_state("networkidle")
    if web.page.locator(".chart-card").count():
        web.page.wait_for_function("Array.from(document.querySelectorAll('.chart-summary')).every(e => e.innerText.length)")
    assert web.errors == [], web.errors
    assert web.foreign == [], web.foreign
    assert "Sample data" in web.page.inner_text("#sample-notice")  # the bundled data is the sample
    for card in web.page.locator(".chart-card").all():  # charts of the sample incidents say so; FBI tables are not sample
        if "Jewelers" in card.locator(".chart-source").inner_text():
            assert card.locator(".sample-badge").is_visible(), card.get_attribute("id")
    web.shot(name)


def test_overview_cards_show_claim_verdict_and_how(web):
    web.open("/", ".figure-card, h1")
    text = web.page.inner_text("#main")
    assert "Not supported by the data" in text  # the 65% claim
    assert "Supported by the data" in text
    assert "How this is computed" in text


def test_crime_type_link_opens_its_guidance(web):
    web.open("/trends", ".chart-guidance a")
    link = web.page.locator("#card-trends-yearly .chart-guidance a").first
    slug = link.get_attribute("href").rsplit("/", 1)[-1]
    link.click()
    web.page.wait_for_url(re.compile(rf"/guidance/{slug}$"))
    web.page.wait_for_selector("h1")
    assert "What to do" in web.page.inner_text("#main")
    assert web.errors == []


def test_clicking_a_bar_opens_its_guidance(web):
    # the crime-type bars open their guidance (a Trends bar instead picks the rows for "Show incidents")
    web.open("/share?year_from=2022&year_to=2022", "#card-share-mix-count .js-plotly-plot .bars path")
    bar = web.page.locator("#card-share-mix-count .js-plotly-plot .bars path").first
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    web.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    web.page.wait_for_url(re.compile(r"/guidance/[a-z-]+$"))
    assert "?" not in web.page.url


def test_campaign_page_previews_and_downloads_exact_size(web):
    from PIL import Image

    web.open("/campaign?item=figure:property_share_2020&size=portrait", "#campaign-preview")
    web.page.wait_for_function("(document.querySelector('#campaign-preview') || {src: ''}).src.startsWith('data:image/png')",
                               timeout=60_000)
    alt = web.page.input_value("#campaign-alt")
    assert alt.startswith("Social graphic of") and "as the widely shared figure is not supported" in alt
    with web.page.expect_download() as info:
        web.page.click("#campaign-download-image")
    assert Image.open(info.value.path()).size == (1080, 1350)
    assert info.value.suggested_filename == "property_share_2020_social_portrait.png"
    assert web.errors == [] and web.foreign == []


def test_chart_export_link_carries_the_filters(web):
    web.open("/trends?source=JSA&year_from=2015", "#card-trends-yearly .chart-export")
    web.page.wait_for_function(
        "document.querySelector('#card-trends-yearly .chart-export').href.includes('source=JSA')")
    web.page.click("#card-trends-yearly .chart-export")
    web.page.wait_for_url(re.compile(r"/campaign\?item=chart:trends-yearly&.*source=JSA"))
    web.page.wait_for_function("(document.querySelector('#campaign-preview') || {src: ''}).src.startsWith('data:image/png')",
                               timeout=60_000)
    assert "source = JSA" in web.page.inner_text("#campaign-info")
