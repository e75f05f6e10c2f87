"""Every page on a phone (390 x 844) and on a desktop (1440 x 900), in Chromium, on the bundled sample.

Each page is loaded once per size and measured in the browser: nothing scrolls sideways, every chart drawn
is wider than 300 px, no visible text box overlaps another (nor a chart's drawing), no visible text is
smaller than 12 px, and no chart's toolbar covers its legend. On the phone the menu and the filters are
folded. The interaction tests open them, switch the map page between its list and its map, change a filter
on /trends far down the page (the page must not jump) and on a risk page (the charts drawn anew must keep
to their cards); the last test checks the two figure fixes on tables counted by hand.
"""
from __future__ import annotations

import re
from typing import Any, Iterator

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import Watched

pytestmark = pytest.mark.browser

SIZES = {"phone": (390, 844), "desktop": (1440, 900)}
PAGES = {
    "overview": "/",
    "check-answered": "/?check_measure=incidents&check_period=2022&check_compared_with=2021&check_category=theft",
    "map": "/map",
    "map-context": "/map?layer=context",
    "trends": "/trends",
    "share": "/share",
    "risk": "/risk",
    "risk-california": "/risk?region=CA",
    "guidance": "/guidance",
    "guidance-scenario": "/guidance/smash-and-grab",
    "campaign": "/campaign",
    "not-found": "/no-such-page",
}
MIN_CHART_PX, MIN_TEXT_PX = 300, 12

# Everything measured in one pass, in the page. A box is "visible" when it has a size, passes
# checkVisibility (display, visibility, opacity) and is not wholly cut off by an ancestor that clips.
AUDIT = r"""() => {
const TEXT = "h1,h2,h3,h4,h5,h6,p,label,button,a.btn,.badge,summary,li,blockquote,figcaption,legend,dt,dd";
const name = e => {
    const id = e.id ? "#" + e.id : "";
    const cls = typeof e.className === "string" && e.className ? "." + e.className.trim().split(/\s+/).slice(0, 2).join(".") : "";
    return e.tagName.toLowerCase() + id + cls + " '" + (e.textContent || "").trim().slice(0, 40) + "'";
};
const clipped = (e, r) => {  // the part of box r left by the ancestors that clip their content
    let box = {l: r.left, t: r.top, r: r.right, b: r.bottom};
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
        const s = getComputedStyle(a);
        if (s.overflowX !== "visible" || s.overflowY !== "visible") {
            const c = a.getBoundingClientRect();
            box = {l: Math.max(box.l, c.left), t: Math.max(box.t, c.top), r: Math.min(box.r, c.right), b: Math.min(box.b, c.bottom)};
        }
    }
    return box;
};
const shown = e => {
    if (!e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) return null;
    const r = e.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) return null;
    const box = clipped(e, r);
    return box.r - box.l >= 2 && box.b - box.t >= 2 ? box : null;
};
const graphs = [...document.querySelectorAll(".js-plotly-plot")].filter(g => shown(g));
// 1. sideways scrolling
const wide = document.documentElement.scrollWidth > document.documentElement.clientWidth
    ? [document.documentElement.scrollWidth, document.documentElement.clientWidth] : null;
// 2. charts too narrow to read
const narrow = graphs.filter(g => g.getBoundingClientRect().width <= %(chart)d)
    .map(g => name(g.closest(".chart-card") || g) + " " + Math.round(g.getBoundingClientRect().width) + " px");
// 3. overlapping boxes: text elements, and each chart's drawing
const boxes = [];
document.querySelectorAll(TEXT).forEach(e => {
    if (e.closest(".js-plotly-plot")) return;  // inside a chart: plotly's own layout
    const b = shown(e);
    if (b) boxes.push([e, b]);
});
graphs.forEach(g => { const s = g.querySelector(".svg-container"); const b = s && shown(s); if (b) boxes.push([s, b]); });
const overlaps = [];
for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
        const [e, a] = boxes[i], [f, b] = boxes[j];
        if (e.contains(f) || f.contains(e)) continue;  // one inside the other: the same box
        const w = Math.min(a.r, b.r) - Math.max(a.l, b.l), h = Math.min(a.b, b.b) - Math.max(a.t, b.t);
        if (w > 1 && h > 1) overlaps.push(name(e) + " / " + name(f) + " (" + Math.round(w) + " x " + Math.round(h) + " px)");
    }
}
// 4. text smaller than 12 px: HTML elements holding text, and the charts' SVG text (scaled as drawn)
const small = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const seen = new Set();
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const e = n.parentElement;
    if (!e || seen.has(e) || !n.textContent.trim() || e.closest("script,style,noscript,.hoverlayer")) continue;
    seen.add(e);
    if (!shown(e)) continue;
    let px = parseFloat(getComputedStyle(e).fontSize);
    if (e instanceof SVGElement && e.getScreenCTM()) {
        const m = e.getScreenCTM();
        px *= Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
    }
    if (px < %(text)d - 0.05) small.push(name(e) + " " + px.toFixed(1) + " px");
}
// 5. a chart's toolbar over its legend
const covered = [];
graphs.forEach(g => {
    const bar = g.querySelector(".modebar"), legend = g.querySelector(".legend");
    if (!bar || !legend) return;
    const a = bar.getBoundingClientRect(), b = legend.getBoundingClientRect();
    if (Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1)
        covered.push(name(g.closest(".chart-card") || g));
});
// the page's filter drawers (a chart's own choices, inside its card, are always shown)
const page = sel => [...document.querySelectorAll(sel)].filter(e => !e.closest(".chart-card"));
const visible = sel => page(sel).some(e => shown(e));
return {wide, narrow, overlaps, small, covered, graphs: graphs.length,
        menu: visible("#nav-collapse .nav-link"), toggler: visible(".navbar-toggler"),
        filters: page(".filter-row").length, filters_shown: visible(".filter-row"),
        filter_button: visible(".filter-toggle")};
}""" % {"chart": MIN_CHART_PX, "text": MIN_TEXT_PX}

# the page is drawn: every chart card's figure is drawn and its summary written
DRAWN = """() => [...document.querySelectorAll('.chart-card')].every(card =>
    card.querySelector('.js-plotly-plot .main-svg') && card.querySelector('.chart-summary').innerText.trim().length)
    && !document.querySelector('[data-dash-is-loading="true"]')"""
# ... and every figure fitted to its graph's box (plotly first draws a figure at its own height; the graph
# is fitted to its box a moment later, and a figure that stays taller is what the overlap check finds)
FITTED = """() => [...document.querySelectorAll('.chart-graph')].every(g => {
    const s = g.querySelector('.svg-container');
    return !s || !g.clientHeight || s.offsetHeight <= g.clientHeight + 1; })"""


@pytest.fixture(scope="module")
def tabs(browser, server) -> Iterator[dict[str, Watched]]:  # noqa: ANN001
    """One tab per screen size for the whole module: each test loads its page once."""
    contexts = {size: browser.new_context(viewport={"width": w, "height": h}) for size, (w, h) in SIZES.items()}
    opened = {}
    for size, context in contexts.items():
        page = context.new_page()
        page.set_default_timeout(30_000)
        opened[size] = Watched(page, server)
    yield opened
    for context in contexts.values():
        context.close()


def load(web: Watched, path: str) -> None:
    web.errors.clear()
    web.page.goto(web.base + path)
    web.page.wait_for_selector("h1", timeout=30_000)
    web.page.wait_for_load_state("networkidle")
    web.page.wait_for_function(DRAWN, timeout=60_000)
    settle(web)


def settle(web: Watched) -> None:
    """Wait (a few seconds at most) for the figures to be fitted to their boxes, then two frames."""
    try:
        web.page.wait_for_function(FITTED, timeout=5_000)
    except PlaywrightTimeout:
        pass  # still too tall: the overlap check says where
    web.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("page", PAGES)
def test_page_fits_the_screen(tabs, size, page):  # noqa: ANN001
    web = tabs[size]
    load(web, PAGES[page])
    found: dict[str, Any] = web.page.evaluate(AUDIT)
    assert found["wide"] is None, f"scrolls sideways: scrollWidth, clientWidth = {found['wide']}"
    assert found["narrow"] == [], found["narrow"]
    assert found["overlaps"] == [], "\n".join(found["overlaps"])
    assert found["small"] == [], "\n".join(found["small"])
    assert found["covered"] == [], f"the toolbar covers the legend: {found['covered']}"
    phone = size == "phone"
    assert found["toggler"] is phone and found["menu"] is not phone  # the menu folds on the phone only
    if found["filters"]:
        assert found["filter_button"] is phone and found["filters_shown"] is not phone
    assert web.errors == [], web.errors
    assert web.foreign == []


def test_phone_menu_opens_with_the_toggler_and_closes_on_a_new_page(tabs):  # noqa: ANN001
    web = tabs["phone"]
    load(web, "/trends")
    links = web.page.locator("#nav-collapse .nav-link")
    assert not links.first.is_visible()
    assert web.page.locator("nav").bounding_box()["height"] < 80  # one bar, not a column of links
    web.page.click(".navbar-toggler")
    links.last.wait_for(state="visible")
    assert [links.nth(i).is_visible() for i in range(links.count())] == [True] * 7
    assert web.page.get_attribute(".navbar-toggler", "aria-expanded") == "true"
    web.page.click("#nav-collapse .nav-share")
    web.page.wait_for_url(re.compile(r"/share$"))
    links.first.wait_for(state="hidden")
    assert web.page.get_attribute(".navbar-toggler", "aria-expanded") == "false"


def test_phone_filters_fold_open_on_tap_and_count_what_is_set(tabs):  # noqa: ANN001
    web = tabs["phone"]
    # two filters in the address: the crime category and the source
    load(web, "/trends?category=robbery&source=JSA")
    button = web.page.locator(".filter-toggle").first
    assert web.page.locator(".filter-toggle").evaluate_all("bs => bs.filter(b => b.checkVisibility()).length") == 1
    assert " ".join(button.inner_text().split()) == "Filters (2 set)"
    assert not web.page.locator("#trends-category").is_visible()
    box = button.bounding_box()
    charts = web.page.locator(".chart-card").first.bounding_box()
    assert box["y"] + box["height"] <= charts["y"]  # the drawer comes before the charts
    button.click()
    web.page.locator("#trends-category").wait_for(state="visible")
    assert web.page.locator("#trends-major_only").is_visible()  # every row of the drawer opens
    assert button.get_attribute("aria-expanded") == "true"
    button.click()
    web.page.locator("#trends-category").wait_for(state="hidden")


def test_desktop_shows_the_filters_and_the_menu(tabs):  # noqa: ANN001
    web = tabs["desktop"]
    load(web, "/trends")
    assert web.page.locator("#trends-category").is_visible() and not web.page.locator(".filter-toggle").first.is_visible()
    assert web.page.locator("#nav-collapse .nav-trends").is_visible() and not web.page.locator(".navbar-toggler").is_visible()


@pytest.mark.parametrize("size", SIZES)
def test_a_filter_change_keeps_the_scroll_position(tabs, size):  # noqa: ANN001
    """Far down /trends (the third chart at the top of the screen), the 'Major cities only' switch changes:
    the page is drawn again from the new URL, and must not move. The switch is clicked in the page
    (element.click), as the reader would after scrolling back to it, without the test's own scrolling."""
    web = tabs[size]
    load(web, "/trends")
    # as in Safari (the iPhone's browser), which has no scroll anchoring: without it, Chromium too lets the
    # page drawn anew pull the reader up (by about 600 px on the phone, measured without layout.js)
    web.page.add_style_tag(content="* { overflow-anchor: none !important; }")
    if size == "phone":
        web.page.click(".filter-toggle")
    web.page.evaluate("document.getElementById('card-trends-half').scrollIntoView({behavior: 'instant'})")
    before = web.page.evaluate("window.scrollY")
    # far enough down for a page drawn anew to pull it up, and far enough from the end for it to stay
    assert before > 1000 and web.page.evaluate("document.documentElement.scrollHeight - scrollY - innerHeight") > 300
    web.page.evaluate("document.getElementById('trends-major_only').click()")
    web.page.wait_for_url(re.compile(r"major_only=1"))
    web.page.wait_for_function(DRAWN, timeout=60_000)
    web.page.wait_for_load_state("networkidle")
    web.page.wait_for_timeout(800)  # the page settles (layout.js lets go once the callbacks are quiet)
    settle(web)
    assert abs(web.page.evaluate("window.scrollY") - before) <= 3
    # the page then gets its own height back (nothing kept longer than needed)
    assert web.page.evaluate("document.getElementById('main').style.minHeight") == ""
    # the figures drawn anew keep to their cards (a figure drawn over the same graph is not fitted to it by
    # Dash: a taller one ran over its summary)
    found = web.page.evaluate(AUDIT)
    assert found["overlaps"] == [] and found["wide"] is None, found["overlaps"]


@pytest.mark.parametrize("size", SIZES)
def test_risk_charts_keep_to_their_cards_after_a_filter_change(tabs, size):  # noqa: ANN001
    """'Top crime types' covered the first line of its summary once a filter changed: its figure was taller
    than its card. Choose another first year on California's page, as a reader does, then measure."""
    web = tabs[size]
    load(web, "/risk?region=CA")
    if size == "phone":
        web.page.click(".filter-toggle")
    web.page.click("#risk-year_from")
    web.page.get_by_role("option", name="2023", exact=True).click()
    web.page.wait_for_url(re.compile(r"year_from=2023"))
    web.page.wait_for_function(DRAWN, timeout=60_000)
    web.page.wait_for_load_state("networkidle")
    settle(web)
    found = web.page.evaluate(AUDIT)
    assert found["graphs"] >= 7 and found["overlaps"] == [] and found["narrow"] == [], found["overlaps"]
    assert web.errors == []


def test_phone_map_page_offers_the_ranking_as_a_list_then_the_map(tabs):  # noqa: ANN001
    web = tabs["phone"]
    load(web, "/map?year_from=2019&year_to=2024&source=JSA")
    assert not web.page.locator("#card-map").is_visible()  # the list by default
    items = web.page.locator("#ranking-list > li.ranking-item")
    assert items.count() == 10
    first = items.first.locator("a")
    href = first.get_attribute("href")
    assert re.fullmatch(r"/risk\?year_from=2019&year_to=2024&source=JSA&region=[A-Z]{2}", href), href
    # the list is the grid's order: the first item is the grid's first row
    grid_first = web.page.evaluate("""() => {
        const row = document.querySelector('#ranking-grid .ag-pinned-left-cols-container .ag-row[row-index="0"]');
        return row ? row.innerText.trim() : null; }""")
    assert first.inner_text().split("\n")[0] == f"1. {grid_first}"
    web.page.locator("#map-view label", has_text="Map").click()
    web.page.locator("#card-map .js-plotly-plot .main-svg").first.wait_for(state="visible")
    web.page.wait_for_timeout(500)
    sizes = web.page.evaluate("""() => {
        const gd = document.querySelector('#card-map .js-plotly-plot');
        const box = e => e.getBoundingClientRect();
        return {graph: box(gd).width, geo: box(gd.querySelector('.geolayer .bglayer, g.geo')).width,
                geo_bottom: box(gd.querySelector('g.geo')).bottom, legend_top: box(gd.querySelector('.legend')).top,
                list: document.getElementById('ranking-list').checkVisibility()}; }""")
    assert sizes["graph"] > MIN_CHART_PX and sizes["geo"] >= 0.95 * sizes["graph"]  # the map fills the width
    assert sizes["legend_top"] >= sizes["geo_bottom"] - 1  # its key below it, not beside it
    assert sizes["list"] is False  # the map in place of the list
    # tapping a state opens its risk page, as on a desktop
    web.page.locator("#map-view label", has_text="List").click()
    items.first.wait_for(state="visible")
    items.first.locator("a").click()
    web.page.wait_for_url(re.compile(r"/risk\?.*region=[A-Z]{2}"))
    assert web.errors == []


def test_seasonality_axis_holds_every_year_shown_or_not(tabs):  # noqa: ANN001
    """The seasonality chart cut off its highest lines: its axis now reaches over every year's highest
    month, the years hidden in the legend too (a click shows them), measured on the chart as drawn."""
    web = tabs["desktop"]
    load(web, "/trends")
    top, highest, hidden = web.page.evaluate("""() => {
        const gd = document.querySelector('#card-trends-monthly .js-plotly-plot');
        const ys = gd.data.flatMap(t => Array.from(t.y).filter(v => v !== null && isFinite(v)));
        const off = gd.data.filter(t => t.visible === 'legendonly').length;
        return [gd._fullLayout.yaxis.range[1], Math.max(...ys), off]; }""")
    assert hidden > 0 and top > highest


def test_seasonality_and_risk_figures_by_hand():
    """The figure functions on tables small enough to count: two years of months, three years of bars."""
    import pandas as pd

    from dashboard import figures_risk, figures_trends

    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    table = pd.DataFrame({"month_name": months, "years_counted": [2] * 12,
                          "incidents_2022": [1] * 11 + [30], "incidents_2023": [2] * 11 + [12]})
    table["average"] = (table["incidents_2022"] + table["incidents_2023"]) / 2  # December: (30 + 12) / 2 = 21
    fig = figures_trends.seasonality_figure(table, [2022, 2023], shown=[2023])
    hidden = [t for t in fig.data if t.visible == "legendonly"]
    assert [t.name for t in hidden] == ["2022"]
    assert fig.layout.yaxis.range[1] == pytest.approx(30 * 1.08 + 1)  # over the hidden year's 30
    assert fig.layout.legend.font.size >= MIN_TEXT_PX and fig.layout.legend.title.font.size >= MIN_TEXT_PX
    # 2021-2023 with 2023 selected: the axis is the three years, whatever room the 'selected' label takes
    bars = pd.DataFrame({"year": [2021, 2022, 2023], "category": "theft", "label": "Theft", "slug": "theft",
                         "incidents": [4, 5, 6]})
    assert list(figures_risk.trend_bars(bars, (2023, 2023)).layout.xaxis.range) == [2020.5, 2023.5]
