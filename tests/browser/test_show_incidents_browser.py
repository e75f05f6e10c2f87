"""'Show incidents' on the real pages, over the bundled sample: a bar clicked, then the rows behind it.

The number of rows the table reports must be the bar's own value, read from the chart's data through the
API (both come from the database, neither is typed here).
"""
from __future__ import annotations

import json
import re
import urllib.request

import pytest

pytestmark = pytest.mark.browser

QUERY = "source=JSA&country=US&year_from=2015&year_to=2015"
TITLE_READY = "/\\d[\\d,]* incidents/.test((document.querySelector('.modal.show .modal-title') || {}).innerText || '')"


ROW_FILLED = ("[...document.querySelectorAll(\"#incidents-grid .ag-row[row-index='0']\")]"
              ".some(r => r.innerText.trim().length)")


def first_row(web) -> str:  # noqa: ANN001
    """The grid's first row (its pinned and scrolling parts), once ag-grid has drawn its cells."""
    web.page.wait_for_function(ROW_FILLED)
    return " ".join(web.page.locator("#incidents-grid .ag-row[row-index='0']").all_inner_texts())


def chart_value(base: str, chart: str, year: int, column: str) -> int:
    with urllib.request.urlopen(f"{base}/api/v1/charts/{chart}.json?{QUERY}") as got:
        rows = json.load(got)["rows"]
    return int(next(r for r in rows if r["year"] == year)[column])


def test_a_clicked_bar_opens_its_incident_rows(web):
    web.open(f"/trends?{QUERY}", "#card-trends-yearly .bars path")
    web.page.wait_for_function("document.querySelector('#card-trends-yearly .chart-summary').innerText.length")
    bar = web.page.locator("#card-trends-yearly .trace.bars").first.locator("path").first  # robbery, 2015
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    assert box is not None
    web.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    web.page.wait_for_timeout(300)
    assert "/guidance/" not in web.page.url  # the click picks the bar, it does not leave the page
    web.page.locator("#card-trends-yearly .chart-incidents").click()
    title = web.page.locator(".modal.show .modal-title").first
    web.page.wait_for_function(TITLE_READY)
    words = title.inner_text()
    expected = chart_value(web.base, "trends-yearly", 2015, "robbery")
    assert words.startswith("Robbery, 2015, United States; JSA-style incidents"), words
    assert re.search(r"([\d,]+) incidents", words).group(1).replace(",", "") == str(expected)
    web.page.wait_for_selector("#incidents-grid .ag-row")
    first = first_row(web)
    assert "2015" in first and "robbery" in first
    assert web.errors == [] and web.foreign == []


def test_the_ranking_row_opens_that_regions_rows(web):
    web.open("/map?year_from=2024&year_to=2024&base_year=2019", "#ranking-grid .ag-row")
    row = web.page.locator("#ranking-grid .ag-row[row-index='0']")
    name = row.locator(".ag-cell").first.inner_text()  # the place at the top of the ranking
    row.locator(".ag-cell").nth(1).click()
    web.page.locator(".chart-incidents").last.click()
    web.page.wait_for_function(TITLE_READY)
    words = web.page.locator(".modal.show .modal-title").first.inner_text()
    assert "2024" in words and name in words, (name, words)
    assert "2024-" in first_row(web)
