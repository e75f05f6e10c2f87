"""The layout of every campaign graphic, measured by the browser that draws it.

Every kind (social, stat card, store sign, chart) in every preset of the table, for every claim, with a long
headline, a short one and the longest filter text the product allows: the browser reports the box of every
line of text, and no two overlap, none leaves the canvas or its panel, none is under the preset's minimum.
The check itself is shown to fail on pages built to break it.
"""
from __future__ import annotations

import pytest

from dashboard import exporter
from dashboard.graphics import document, presets
from etl.config import make_engine
from tests.conftest import FIXTURES

pytestmark = pytest.mark.browser  # needs Debian's chromium

SAMPLE = FIXTURES / "exports" / "jsa_sample_small.csv"
NIBRS = FIXTURES / "figures" / "nibrs_2020_known.csv"
LONG = ("Crime against jewelers keeps changing: what the latest figures say about your store and your staff "
        * 2)[:exporter.HEADLINE_MAX].strip()
SHORT = "Up"
HEADLINES = {"computed title": None, "long headline": LONG, "short headline": SHORT}
FIGURE_SIZES = {"social": presets.SOCIAL, "badge": ("square",), "signage": presets.PRINT}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):  # noqa: ANN201
    from typer.testing import CliRunner

    from dashboard.cli import app

    url = f"sqlite:///{tmp_path_factory.mktemp('layout') / 'layout.sqlite'}"
    for path in (SAMPLE, NIBRS):
        assert CliRunner().invoke(app, ["etl", str(path), "--db", url]).exit_code == 0
    return make_engine(url)


def overlaps(boxes: list[dict]) -> list[tuple[str, str]]:
    """Pairs of text lines from different elements whose boxes intersect (computed here, not in the page)."""
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a["name"] == b["name"] and abs(a["top"] - b["top"]) < 1:
                continue
            w = min(a["right"], b["right"]) - max(a["left"], b["left"])
            h = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            if w > 0.5 and h > 0.5:
                out.append((f"{a['name']}: {a['text'][:30]}", f"{b['name']}: {b['text'][:30]}"))
    return out


def assert_clean(graphic: document.Graphic) -> None:
    p = graphic.preset
    check = document.measure(graphic)  # raises LayoutError when the page's own check finds a problem
    boxes = check["boxes"]
    assert boxes, "no text measured"
    assert overlaps(boxes) == []
    for b in boxes:
        assert 0 <= b["left"] and b["right"] <= p.width + 0.5 and 0 <= b["top"] and b["bottom"] <= p.height + 0.5, b
        if b["panelBox"]:
            box = b["panelBox"]
            assert box["left"] - 0.5 <= b["left"] and b["right"] <= box["right"] + 0.5, b
            assert box["top"] - 0.5 <= b["top"] and b["bottom"] <= box["bottom"] + 0.5, b
        assert b["size"] >= p.text_min_px - 0.01, b
    tips = [b for b in boxes if b["name"] == "tip"]
    if graphic.kind == "signage":  # wrapped tip lines stand under the tip's first word, not under its bullet
        assert tips and max(b["left"] for b in tips) - min(b["left"] for b in tips) < 1, tips
        bullets = [b for b in boxes if b["name"] == "bullet"]
        assert len(bullets) == len(graphic.words.tips) and all(b["right"] <= tips[0]["left"] + 0.5 for b in bullets)
        assert len(tips) > len(bullets)  # at least one tip wraps, so the indent was tested
    names = {b["name"] for b in boxes}
    assert {"dates", "source"} <= names  # the date line and the source are on every graphic
    title = graphic.words.title
    shown = " ".join(b["text"] for b in boxes if b["name"] == "title")
    assert "".join(shown.split()) == "".join(title.split())  # the whole title, not cut off (lines may break at "-")
    main = {"signage": "heading", "badge": None}.get(graphic.kind, "title")  # a sign leads with its heading
    assert all(b["size"] >= p.title_px[0] - 0.01 for b in boxes if b["name"] == main)


def _figures(engine) -> list[str]:  # noqa: ANN001
    from dashboard import queries

    return [f["id"] for f in queries.headline_figures(engine)]


@pytest.mark.parametrize("headline", HEADLINES, ids=list(HEADLINES))
@pytest.mark.parametrize("kind", FIGURE_SIZES)
def test_every_figure_graphic_in_every_size_lays_out_clean(engine, kind, headline):
    figure_ids = _figures(engine)
    assert len(figure_ids) >= 3
    for figure_id in figure_ids:
        for size in FIGURE_SIZES[kind]:
            graphic, _fig = exporter.figure_graphic(engine, figure_id, size, kind, HEADLINES[headline])
            assert graphic.preset.name == size
            assert_clean(graphic)


def _longest_filters(engine) -> dict[str, str]:  # noqa: ANN001
    """The widest filter text each chart allows: every state and province with data, a crime subtype, a source."""
    from dashboard import queries

    regions = ",".join(sorted(queries.region_year_counts(engine, __import__("dashboard.state", fromlist=["Filters"])
                                                         .Filters())["code"].unique()))
    return {"trends-yearly": f"region={regions}&subtype=smash_and_grab&source=JSA",
            "trends-index": f"region={regions}&source=JSA",
            "map": "year_from=2019&year_to=2022&subtype=smash_and_grab&source=JSA&metric=change_since_base",
            "share-nibrs": "nibrs_year=2020", "trends-half": "major_only=1&source=JSA"}


@pytest.mark.parametrize("headline", HEADLINES, ids=list(HEADLINES))
def test_charts_behind_the_claims_lay_out_clean_with_the_longest_filters(engine, headline):
    for chart_id, query in _longest_filters(engine).items():
        for size in presets.names():
            graphic, _info = exporter.chart_graphic(engine, chart_id, query, size, HEADLINES[headline])
            assert_clean(graphic)


def test_every_chart_in_every_size_lays_out_clean(engine):
    for chart_id in exporter.exportable():
        for size in presets.names():
            graphic, _info = exporter.chart_graphic(engine, chart_id, "", size)
            assert_clean(graphic)


PAGE = """<!doctype html><html><body style="margin:0;font-family:'Liberation Sans';font-size:30px">
<div class="canvas" data-text-min="18" style="position:relative;width:600px;height:400px;overflow:hidden">{}</div>
</body></html>"""


def test_the_check_finds_a_deliberately_overlapping_page():
    overlapping = PAGE.format('<p data-name="title" style="position:absolute;top:20px;left:20px">A title that runs on</p>'
                              '<p data-name="subtitle" style="position:absolute;top:35px;left:40px">Its subtitle</p>')
    problems = document.check_page(overlapping, 600, 400)
    assert any("title" in p and "overlaps subtitle" in p for p in problems), problems
    outside = PAGE.format('<p data-name="source" style="position:absolute;top:380px;left:20px">Source line</p>')
    assert any("leaves the canvas" in p for p in document.check_page(outside, 600, 400))
    tiny = PAGE.format('<p data-name="dates" style="font-size:11px">Data: 2020</p>')
    assert any("under the 18.0 px minimum" in p for p in document.check_page(tiny, 600, 400))
    panel = PAGE.format('<div data-panel="bar" style="position:absolute;top:0;left:0;width:100px;height:40px">'
                        '<p data-name="cta" style="white-space:nowrap">Take the pledge today</p></div>')
    assert any("leaves its panel bar" in p for p in document.check_page(panel, 600, 400))
    clean = PAGE.format('<p data-name="title">A title</p><p data-name="subtitle">Its subtitle</p>')
    assert document.check_page(clean, 600, 400) == []


def test_words_too_long_for_a_size_fail_with_a_message_naming_them(engine):
    import dataclasses

    graphic, _fig = exporter.figure_graphic(engine, "change_since_2019", "link", "social")
    crowded = dataclasses.replace(graphic, words=dataclasses.replace(graphic.words, statement="Many words. " * 400))
    with pytest.raises(document.LayoutError, match=r"does not fit the link size .*statement"):
        document.draw(crowded, "png")
