"""General crime beside jewelry crime in a real browser (Debian's Chromium against `jewelcrime serve`): the
map's general-crime layer, its URL, its hover, and the new charts at desktop and phone widths."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest

from etl.config import RAW_DIR
from tests.browser.conftest import Watched, _jewelcrime, serving

pytestmark = pytest.mark.browser
HERE = Path(__file__).resolve().parents[1] / "fixtures" / "context" / "dashboard"
# the bundled data (sample incidents and the FBI's estimated crimes), then Canadian figures, NIBRS coverage
# and the NIBRS class tables by state
EXTRA = ["statcan_crime_small.csv", "nibrs_participation_2023.csv", "nibrs_persons_by_state_2023.csv",
         "nibrs_property_by_state_2023.csv", "nibrs_society_by_state_2023.csv"]
MAP = "#card-map .js-plotly-plot"
NO_DATA = "rgb(208, 208, 208)"


@pytest.fixture(scope="module")
def context_db(tmp_path_factory) -> str:  # noqa: ANN001
    url = f"sqlite:///{tmp_path_factory.mktemp('context') / 'context.sqlite'}"
    for path in [RAW_DIR, *[HERE / name for name in EXTRA]]:
        done = _jewelcrime("etl", str(path), "--db", url)
        assert done.returncode == 0, done.stdout + done.stderr
    return url


@pytest.fixture(scope="module")
def context_server(context_db: str) -> Iterator[str]:
    yield from serving(context_db)


@pytest.fixture
def page_at(browser, context_server):  # noqa: ANN001, ANN201
    made = []

    def open_at(width: int) -> Watched:
        ctx = browser.new_context(viewport={"width": width, "height": 1000})
        made.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        return Watched(page, context_server)

    yield open_at
    for ctx in made:
        ctx.close()


def expected_regions(db_url: str, measure: str, year: int) -> set[str]:
    from etl import context
    from etl.config import make_engine

    rates = context.region_rates(make_engine(db_url), measure, year)
    return set(rates.loc[rates["rate"].notna(), "code"])


def coloured(web: Watched) -> set[str]:
    """Region codes drawn with a class colour (not the grey of 'no data', not the transparent outline)."""
    return set(web.page.evaluate(f"""() => Array.from(document.querySelectorAll('#card-map path.choroplethlocation'))
        .filter(p => p.__data__ && p.__data__.loc)
        .filter(p => {{ const f = getComputedStyle(p).fill; return f !== {NO_DATA!r} && !f.startsWith('rgba(0, 0, 0, 0)'); }})
        .map(p => p.__data__.loc)"""))


def wait_summary(web: Watched, words: str) -> None:
    web.page.wait_for_function(f"(document.querySelector('#card-map .chart-summary') || {{}}).innerText?.includes({words!r})")


def hover_text(web: Watched, code: str) -> str:
    handle = web.page.evaluate_handle(f"""() => Array.from(document.querySelectorAll('#card-map path.choroplethlocation'))
        .find(p => p.__data__ && p.__data__.loc === {code!r} && getComputedStyle(p).fill !== {NO_DATA!r})""")
    handle.as_element().scroll_into_view_if_needed()  # a tall banner can push the south below the fold
    box = handle.as_element().bounding_box()
    assert box is not None
    web.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    web.page.wait_for_selector("#card-map .hoverlayer .hovertext")
    # the hover label is SVG: its lines are tspans
    return web.page.evaluate("""() => Array.from(document.querySelectorAll('#card-map .hoverlayer .hovertext text'))
        .map(t => Array.from(t.querySelectorAll('tspan.line')).map(l => l.textContent).join('\\n') || t.textContent)
        .join('\\n')""")


def test_context_layer_draws_every_region_it_has(page_at, context_db):
    web = page_at(1440)
    web.open("/map?layer=context&year_from=2023&year_to=2023", MAP + " path.choroplethlocation")
    wait_summary(web, "general robbery")
    want = expected_regions(context_db, "robbery", 2023)
    assert len(want) >= 54  # 50 states, DC and three provinces
    web.page.wait_for_function(f"document.querySelectorAll('#card-map path.choroplethlocation').length >= 64")
    assert coloured(web) == want
    text = web.page.inner_text("#card-map")
    assert "Low crime" in text and "High crime" in text and "NIBRS covers under 80% of residents" in text
    assert "not directly comparable across the border" in text  # U.S. and Canadian figures together
    assert "FBI Crime Data Explorer, estimated crimes, release" in text
    assert web.errors == [] and web.foreign == []
    web.shot("context_map_1440")


def test_url_restores_layer_and_measure_after_reload(page_at):
    web = page_at(1440)
    web.open("/map?year_from=2023&year_to=2023", MAP + " path.choroplethlocation")
    web.page.get_by_label("General crime (FBI, StatCan)").check()
    web.page.wait_for_url(re.compile(r"layer=context"))
    wait_summary(web, "general robbery")
    web.page.click("#map-context")
    web.page.get_by_text("Burglary (breaking and entering)", exact=True).click()
    web.page.wait_for_url(re.compile(r"context=burglary"))
    wait_summary(web, "general burglary")
    summary = web.page.inner_text("#card-map .chart-summary")
    web.page.reload()
    web.page.wait_for_selector(MAP + " path.choroplethlocation")
    wait_summary(web, "general burglary")
    assert web.page.inner_text("#card-map .chart-summary") == summary
    assert web.page.get_by_label("General crime (FBI, StatCan)").is_checked()
    assert "Burglary (breaking and entering)" in web.page.inner_text("#map-context")
    assert "layer=context" in web.page.url and "context=burglary" in web.page.url
    assert web.errors == [] and web.foreign == []


def test_hover_shows_both_layers(page_at):
    web = page_at(1440)
    web.open("/map?layer=context&year_from=2023&year_to=2023", MAP + " path.choroplethlocation")
    wait_summary(web, "general robbery")
    text = hover_text(web, "CA")
    assert "General robbery per 100,000 residents" in text and "Rank:" in text
    assert "incidents per million residents" in text  # the jewelry layer's figure
    assert "NIBRS covers 62.5% of residents" in text  # below the threshold: outlined too
    web.open("/map?year_from=2023&year_to=2023&metric=incidents", MAP + " path.choroplethlocation")
    wait_summary(web, "Map of")
    text = hover_text(web, "TX")
    assert "Jewelry crime:" in text and "incidents per million residents" in text
    assert re.search(r"General robbery: [\d,.]+ per 100,000 \(rank \d+ of \d+", text), text
    assert web.errors == [] and web.foreign == []


@pytest.mark.parametrize("width", [1440, 390])
def test_context_charts_at_desktop_and_phone_width(page_at, width):
    web = page_at(width)
    shots = {
        "map": "/map?layer=context&year_from=2023&year_to=2023",
        "trends": "/trends?context_line=1&category=robbery&view=index",
        "risk_texas": "/risk?region=TX&year_from=2023&year_to=2023",
        "risk_scatter": "/risk?year_from=2023&year_to=2023",
        "share": "/share",
    }
    for name, path in shots.items():
        # a phone shows the map page's ranking as a list in place of the map (ranking_card.py)
        web.open(path, "#ranking-list .ranking-item" if name == "map" and width < 576 else ".chart-card .js-plotly-plot")
        web.page.wait_for_function("Array.from(document.querySelectorAll('.chart-summary')).every(e => e.innerText.length)")
        web.page.wait_for_load_state("networkidle")
        if name == "trends":
            assert "dotted line is the national FBI robbery rate" in web.page.inner_text("#card-trends-index")
        if name == "risk_texas":
            card = web.page.inner_text("#card-risk-general")
            assert "General crime in Texas, 2023" in card and "not crime against jewelers" in card
        if name == "risk_scatter":
            assert "furthest above the line of proportionality" in web.page.inner_text("#card-risk-scatter")
        if name == "share":
            assert "for the 3 national years loaded" in web.page.inner_text("#card-share-years")
            assert "in 4 states, 2023: highest California (70.0%)" in web.page.inner_text("#card-share-states")
            assert "You are looking at NIBRS 2024" in web.page.inner_text("#main")
        # nothing wider than the screen: controls wrap, charts fit the card
        overflow = web.page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (name, overflow)
        web.shot(f"context_{name}_{width}")
    assert web.errors == [] and web.foreign == []
