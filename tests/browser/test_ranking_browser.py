"""The map page's ranking in Chromium, on the bundled sample: sorted by the change since the base year, a
click re-sorts it, and the CSV holds exactly the rows shown, in the order shown."""
from __future__ import annotations

import csv
import io

import pytest

pytestmark = pytest.mark.browser

ROWS = "#ranking-grid .ag-center-cols-container .ag-row"


def names_shown(page) -> list[str]:  # noqa: ANN001
    """The names of the rows on the grid's page, in display order (rows still leaving after a sort excluded)."""
    page.wait_for_timeout(800)  # AG Grid animates rows into their new places
    return page.evaluate("""() => {
        const rows = [...document.querySelectorAll('#ranking-grid .ag-pinned-left-cols-container .ag-row')]
            .filter(r => !r.classList.contains('ag-opacity-zero') && r.offsetParent !== null);
        const byIndex = new Map(rows.map(r => [+r.getAttribute('row-index'), r.innerText.trim()]));
        return [...byIndex.keys()].sort((a, b) => a - b).map(i => byIndex.get(i));
    }""")


def test_ranking_sorts_and_downloads_what_it_shows(web):
    web.open("/map?year_from=2019&year_to=2024&base_year=2019&source=JSA", "#ranking-grid .ag-row")
    web.page.wait_for_function("document.querySelector('#ranking-summary').innerText.length > 0")
    assert "ranked by the change from 2019 to 2024" in web.page.inner_text("#ranking-summary")
    first = names_shown(web.page)
    assert len(first) == 20  # a page of the grid
    # sort by name instead: the grid re-sorts in the browser
    header = web.page.locator("#ranking-grid .ag-header-cell[col-id='name']")
    header.scroll_into_view_if_needed()
    header.click()
    shown = names_shown(web.page)
    assert shown != first and shown == sorted(shown)
    button = web.page.locator("#ranking-csv")
    button.scroll_into_view_if_needed()
    with web.page.expect_download() as info:
        button.click()
    assert info.value.suggested_filename == "ranking_2019_2024.csv"
    rows = list(csv.DictReader(io.StringIO(open(info.value.path(), encoding="utf-8").read())))
    assert [r["State or province"] for r in rows][:20] == shown  # the order shown, then the other pages
    assert len(rows) > 20 and web.errors == []
