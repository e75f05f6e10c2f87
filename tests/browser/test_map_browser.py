"""The map in a real browser: drawn offline, filters in the URL, click-through."""
from __future__ import annotations

import csv
import re

import pytest

pytestmark = pytest.mark.browser

MAP = "#card-map .js-plotly-plot"


def drawn_regions(web) -> set[str]:  # noqa: ANN001
    """Region codes of the map's drawn paths (plotly binds each path's data to its location)."""
    return set(web.page.evaluate("""() => Array.from(document.querySelectorAll('#card-map path.choroplethlocation'))
        .map(p => p.__data__ && p.__data__.loc).filter(Boolean)"""))


def test_map_draws_every_region_offline(web):
    web.open("/map", MAP + " path.choroplethlocation")
    web.page.wait_for_function("document.querySelectorAll('#card-map path.choroplethlocation').length >= 64")
    assert len(drawn_regions(web)) == 64
    assert "Low crime" in web.page.inner_text("#card-map") and "High crime" in web.page.inner_text("#card-map")
    assert web.foreign == [] and web.errors == []
    web.shot("map")


def test_filter_changes_map_and_url_and_reload_restores_it(web):
    web.open("/map?year_from=2022&year_to=2022", MAP + " path.choroplethlocation")
    summary = web.page.inner_text(".chart-summary")
    assert "per million" in summary  # the default measure of risk classes
    web.page.click("#map-metric")
    web.page.get_by_role("listbox").get_by_text("Incidents", exact=True).click()
    web.page.wait_for_url(re.compile(r"metric=incidents"))
    web.page.wait_for_function("(document.querySelector('.chart-summary') || {}).innerText?.includes('by incidents (')")
    changed = web.page.inner_text(".chart-summary")
    assert changed != summary
    url = web.page.url
    web.page.reload()
    web.page.wait_for_selector(MAP + " path.choroplethlocation")
    web.page.wait_for_function("(document.querySelector('.chart-summary') || {}).innerText?.includes('by incidents (')")
    assert web.page.inner_text(".chart-summary") == changed
    assert "Incidents" in web.page.inner_text("#map-metric")
    web.page.go_back()
    web.page.wait_for_function(f"document.querySelector('.chart-summary') && "
                               f"document.querySelector('.chart-summary').innerText === {summary!r}")
    assert "metric" not in web.page.url and url != web.page.url
    assert web.errors == [] and web.foreign == []


def test_clicking_a_region_opens_its_regional_page(web):
    web.open("/map?year_from=2022&year_to=2022", MAP + " path.choroplethlocation")
    web.page.wait_for_function("document.querySelectorAll('#card-map path.choroplethlocation').length >= 64")
    handle = web.page.evaluate_handle("""() => Array.from(document.querySelectorAll('#card-map path.choroplethlocation'))
        .find(p => p.__data__ && p.__data__.loc === 'TX')""")
    handle.as_element().scroll_into_view_if_needed()  # the layer switch above the map pushes Texas down
    box = handle.as_element().bounding_box()
    assert box is not None
    web.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    web.page.wait_for_url(re.compile(r"/risk\?.*region=TX"))
    assert "year_from=2022" in web.page.url


def test_csv_download_holds_the_rows_drawn(web):
    web.open("/map?year_from=2021&year_to=2021", MAP + " path.choroplethlocation")
    web.page.click("#card-map .chart-view-data")
    web.page.wait_for_selector("#card-map .ag-row")
    with web.page.expect_download() as info:
        web.page.click("#card-map .chart-csv")
    path = info.value.path()
    rows = list(csv.DictReader(open(path, newline="")))
    assert len(rows) == 64 and {"code", "name", "per_million", "rank", "risk_class"} <= set(rows[0])
    grid_first = web.page.locator("#card-map .ag-row[row-index='0'] .ag-cell").first.inner_text()
    assert grid_first == rows[0]["code"]
    assert re.fullmatch(r"jewelcrime_map_\d{8}\.csv", info.value.suggested_filename)
