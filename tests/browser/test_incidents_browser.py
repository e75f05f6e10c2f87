"""The incident table in Chromium: click a bar, press "Show incidents", scroll the grid block by block, sort
it on the server, download what it shows, and the modal fills a phone's screen.

The pages are wired by the lead; until then this runs a small Dash app shaped like one chart card of the
trends page (its real chart builder, a `trends-filters` store, the card's graph and button ids) with the
modal, in its own server process: `python -m tests.browser.test_incidents_browser DB_URL PORT`.

The data: N_ROWS JSA-style rows written by `rows()` below and loaded through the real ETL; every expected
number is computed from those same rows.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

pytestmark = pytest.mark.browser

N_ROWS = 3000
CITIES = [("Chicago", "IL"), ("Houston", "TX"), ("Boise", "ID"), ("Toronto", "ON")]
TYPES = ["robbery", "theft", "burglary", "theft"]
GRID = "#incidents-grid"


def rows() -> list[dict[str, str]]:
    """Row i: a day in 2021-2022, a city, a crime type and a loss, each from i (no two losses alike)."""
    out = []
    for i in range(N_ROWS):
        city, state = CITIES[i % 4 if i % 7 else 1]
        out.append({"Date": (dt.date(2021, 1, 1) + dt.timedelta(days=i * 7 % 730)).isoformat(), "City": city,
                    "State": state, "Crime Type": TYPES[i // 3 % 4], "Loss": str(100 + i), "Record ID": f"G-{i:05d}"})
    return out


def mini_app(db_url: str):  # noqa: ANN201
    import dash
    from dash import dcc, html

    from dashboard import charts, context, incident_table, state
    from dashboard.app import ASSETS
    from etl.config import make_engine

    engine = make_engine(db_url)
    app = dash.Dash(__name__, assets_folder=str(ASSETS), serve_locally=True, suppress_callback_exceptions=True,
                    title="incident table test")
    context.attach(app.server, engine)
    incident_table.register_routes(app.server)
    query = {"year_from": "2021", "year_to": "2022"}
    with app.server.app_context():
        figure = charts.build(engine, "trends-yearly", query).figure
        f = state.parse(query, [2021, 2022], all_years_by_default=True)
    card = html.Div([
        dcc.Graph(id={"chart": "trends-yearly", "part": "graph"}, figure=figure, style={"height": "420px"}),
        html.Button("Show incidents", id={"chart": "trends-yearly", "part": "incidents"}, className="btn btn-secondary"),
    ], id="card-trends-yearly", className="chart-card")
    app.layout = html.Div([dcc.Store(id="trends-filters", data={**f.as_dict(), "country": ""}), card,
                           incident_table.modal()])
    return app


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("incident-table")
    source = folder / "generated_jsa.csv"
    with source.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows()[0]))
        writer.writeheader()
        writer.writerows(rows())
    url = f"sqlite:///{folder / 'table.sqlite'}"
    done = subprocess.run([sys.executable, "-m", "dashboard.cli", "etl", str(source), "--db", url],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    from tests.browser.conftest import serving

    yield from serving(url, ["-m", "tests.browser.test_incidents_browser", url])


@pytest.fixture
def web(browser, base):  # noqa: ANN001, ANN201
    from tests.browser.conftest import Watched

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    watched = Watched(page, base)
    watched.requests = []
    page.on("request", lambda r: watched.requests.append(r.post_data or "") if "_dash-update" in r.url else None)
    yield watched
    context.close()


def shown_rows(page) -> list[list[str]]:  # noqa: ANN001
    """The rows the grid has drawn, by row index: [record id, date, loss] (the pinned date column apart)."""
    return page.evaluate("""() => {
        const api = dash_ag_grid.getApi('incidents-grid'), out = [];
        api.forEachNode(n => { if (n.data) out[n.rowIndex] = [n.data.source_record_id, n.data.occurred_on, n.data.loss_usd]; });
        return out.filter(Boolean);
    }""")


def bar_middle(page, name: str, year: int) -> list[float]:  # noqa: ANN001
    """The middle of one bar of the stacked chart, on screen, from plotly's own layout of it."""
    return page.evaluate("""([name, year]) => {
        const gd = document.querySelector('#card-trends-yearly .js-plotly-plot');
        const i = gd._fullData.findIndex(t => t.name === name), bar = gd.calcdata[i].find(p => p.p === year);
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
        return [box.x + xa._offset + xa.l2p(year), box.y + ya._offset + ya.l2p((bar.s0 + bar.s1) / 2)];
    }""", [name, year])


def test_click_a_bar_show_its_incidents_scroll_sort_and_download(web):
    web.open("/", "#card-trends-yearly .js-plotly-plot .bars path")
    robbery_2021 = sorted((r for r in rows() if r["Crime Type"] == "robbery" and r["Date"] < "2022"),
                          key=lambda r: (r["Date"], r["Record ID"]), reverse=True)
    box = bar_middle(web.page, "Robbery", 2021)
    web.page.mouse.click(*box)
    web.page.wait_for_timeout(300)
    web.page.click("text=Show incidents")
    web.page.wait_for_selector(f"{GRID} .ag-row")
    title = web.page.inner_text("#incidents-title")
    assert title == f"Robbery, 2021, U.S. and Canada; JSA and JM combined: {len(robbery_2021)} incidents"
    web.page.wait_for_function("document.querySelectorAll('#incidents-grid .ag-center-cols-container .ag-row').length > 5")
    first = shown_rows(web.page)
    assert [r[0] for r in first[:5]] == [r["Record ID"] for r in robbery_2021[:5]]  # newest first
    assert len(first) == 100  # one block; the rest is asked for as the grid scrolls
    # scroll to the end, block by block: every row once, in order, and never all of them drawn at once
    drawn, api = 0, "dash_ag_grid.getApi('incidents-grid')"
    for _ in range(40):  # each scroll waits for its block (a slow machine answers late, never wrongly)
        before = web.page.evaluate(f"{api}.getDisplayedRowCount()")
        web.page.evaluate("document.querySelector('#incidents-grid .ag-body-viewport').scrollTop += 2500")
        web.page.wait_for_function(f"{api}.isLastRowIndexKnown() || {api}.getDisplayedRowCount() > {before}"
                                   f" || !{api}.getDisplayedRowAtIndex({before} - 1) || "
                                   f"{api}.getDisplayedRowAtIndex({before} - 1).data", timeout=30_000)
        drawn = max(drawn, web.page.evaluate("document.querySelectorAll('#incidents-grid .ag-center-cols-container "
                                             ".ag-row').length"))
        if web.page.evaluate(f"{api}.isLastRowIndexKnown()"):
            break
    web.page.wait_for_function(f"{api}.isLastRowIndexKnown()", timeout=30_000)
    web.page.wait_for_timeout(500)
    assert web.page.evaluate("dash_ag_grid.getApi('incidents-grid').getDisplayedRowCount()") == len(robbery_2021)
    everything = shown_rows(web.page)
    assert [r[0] for r in everything] == [r["Record ID"] for r in robbery_2021]
    assert drawn < 100  # the browser draws what is on screen, not the rows it was sent
    blocks = [p for p in web.requests if "getRowsRequest" in p]
    assert len(blocks) == math.ceil(len(robbery_2021) / 100)
    # sort by loss on the server: the largest first (its heading scrolled into view: columns are drawn as seen)
    web.page.evaluate("dash_ag_grid.getApi('incidents-grid').ensureColumnVisible('loss_usd')")
    web.page.click(f"{GRID} .ag-header-cell[col-id='loss_usd'] .ag-header-cell-label")
    web.page.click(f"{GRID} .ag-header-cell[col-id='loss_usd'] .ag-header-cell-label")  # ascending, then descending
    web.page.wait_for_function("""() => { const n = dash_ag_grid.getApi('incidents-grid').getDisplayedRowAtIndex(0);
        return n && n.data && n.data.loss_usd === %d; }""" % max(int(r["Loss"]) for r in robbery_2021))
    with web.page.expect_download() as info:
        web.page.click("#incidents-csv")
    assert info.value.suggested_filename.startswith("jewelcrime_incidents_")
    got = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert [g["source_record_id"] for g in got] == [r["Record ID"] for r in sorted(
        robbery_2021, key=lambda r: int(r["Loss"]), reverse=True)]
    web.shot("incidents_modal")
    # closed and opened on another bar: the new selection, in the sort the table kept (largest loss first)
    web.page.click(".incidents-modal .btn-close")
    web.page.wait_for_selector(".incidents-modal", state="detached")
    web.page.mouse.click(*bar_middle(web.page, "Theft", 2022))
    web.page.wait_for_timeout(300)
    web.page.click("text=Show incidents")
    theft_2022 = sorted((r for r in rows() if r["Crime Type"] == "theft" and r["Date"] >= "2022"),
                        key=lambda r: int(r["Loss"]), reverse=True)
    web.page.wait_for_function("document.querySelector('#incidents-title') && "
                               "document.querySelector('#incidents-title').innerText.startsWith('Theft, 2022')")
    assert web.page.inner_text("#incidents-title").endswith(f": {len(theft_2022):,} incidents")
    web.page.wait_for_function("""(id) => { const n = dash_ag_grid.getApi('incidents-grid').getDisplayedRowAtIndex(0);
        return n && n.data && n.data.source_record_id === id; }""", arg=theft_2022[0]["Record ID"])
    assert web.errors == [] and web.foreign == []


def test_the_modal_fills_a_phone_screen(browser, base):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(base + "/")
    page.wait_for_selector("#card-trends-yearly .js-plotly-plot")
    page.click("text=Show incidents")  # no bar clicked: the page's own selection
    page.wait_for_selector(f"{GRID} .ag-row")
    assert page.inner_text("#incidents-title").endswith(f": {N_ROWS:,} incidents")
    width = page.evaluate("document.querySelector('.incidents-modal .modal-dialog').getBoundingClientRect().width")
    assert width == 390
    context.close()


if __name__ == "__main__":  # the test's server: python -m tests.browser.test_incidents_browser DB_URL PORT
    from waitress import serve

    serve(mini_app(sys.argv[1]).server, host="127.0.0.1", port=int(sys.argv[2]), threads=4)
