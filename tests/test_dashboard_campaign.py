"""Campaign page callbacks as plain functions (images rendered for real in Debian's Chromium)."""
from __future__ import annotations

import base64
import io
import json
import time
import zipfile

import pytest
from PIL import Image

from tests.conftest import bound, FIXTURES, text

pytestmark = pytest.mark.browser

HEADLINE = "Jewelry thefts are up by half"


@pytest.fixture
def page(cli, db_url):
    from dashboard.app import create_app

    assert cli("etl", FIXTURES / "exports" / "jsa_sample_small.csv", "--db", db_url).exit_code == 0
    app = create_app(db_url)
    campaign = bound(app, "campaign")

    return campaign


def finish(page, job: dict, timeout: float = 120) -> list[dict]:
    """Poll a job as the page's interval does until it is done or failed: every view seen."""
    views, ready, deadline = [], None, time.time() + timeout
    while time.time() < deadline:
        view = page.progress_view(job, ready)
        views.append(view)
        if view["stop"]:
            return views
        time.sleep(0.05)
    raise AssertionError(f"job not finished after {timeout} s: {views[-1]}")


def unzip(data: bytes) -> tuple[dict, set[str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return json.loads(z.read("manifest.json")), set(z.namelist())


def test_bad_choices_fall_back(page):
    sel = page.selection({"item": "figure:<script>", "size": "huge", "format": "exe"})
    assert sel == {"item": "figure:change_since_2019", "size": "square", "format": "png", "headline": "", "filters": {}}


def test_size_and_format_options_come_from_the_presets_table(page):
    from dashboard.graphics import presets
    from tests.conftest import walk

    tree = list(walk(page.layout()))
    size = next(c for c in tree if getattr(c, "id", None) == page.SIZE)
    fmt = next(c for c in tree if getattr(c, "id", None) == page.FORMAT)
    assert size.options == [{"label": p.option_label, "value": p.name} for p in presets.PRESETS]
    assert [o["value"] for o in fmt.options] == list(presets.FORMATS)
    assert page.selection({"size": "story", "format": "html"})["format"] == "html"


def test_preview_is_the_chosen_size_with_alt_text(page):
    src, alt, alt_value, _info = page.update_preview({"item": "figure:change_since_2019", "size": "link", "format": "pdf"})
    png = base64.b64decode(src.split(",", 1)[1])
    assert Image.open(io.BytesIO(png)).size == (1200, 628)  # the preview is PNG whatever the download format
    assert alt == alt_value and alt.startswith("Social graphic of") and "+50.0%" in alt


def test_every_size_is_previewed_with_its_label(page):
    from dashboard.graphics import presets

    cards = page.update_sizes({"item": "figure:change_since_2019", "size": "square", "format": "png"})
    expected = [*presets.SOCIAL, "square", "letter"]  # the social sizes, the stat card, the Letter sign
    assert [c.to_plotly_json()["props"]["data-size"] for c in cards] == expected
    for card, name in zip(cards, expected):
        img, caption = card.children
        size = presets.BY_NAME[name]
        assert Image.open(io.BytesIO(base64.b64decode(img.src.split(",", 1)[1]))).size == size.size
        assert size.option_label in text(caption) and img.alt
    assert text(cards[-2].children[1]).startswith("Stat card") and text(cards[-1].children[1]).startswith("Store sign")
    chart = page.every_size({"item": "chart:trends-yearly", "source": "JSA"})
    assert [p.name for _what, p, _made in chart] == [p.name for p in presets.PRESETS]


def test_buttons_give_sign_badge_and_zip(page):
    from dashboard import exporter

    sel = {"item": "figure:major_cities_theft_robbery_h1", "size": "square", "format": "png"}
    data, name = page.package(sel, "a4")
    assert name == "major_cities_theft_robbery_h1_signage_a4.pdf" and data.startswith(b"%PDF")
    data, name = page.package(sel, "badge")
    assert Image.open(io.BytesIO(data)).size == (1080, 1080)
    seen = []
    data, name = page.package(sel, "all", lambda done, total, current: seen.append((done, total)))
    manifest, names = unzip(data)
    planned = exporter.kit_size(page.engine, ["major_cities_theft_robbery_h1"])
    assert {f["figure_id"] for f in manifest["files"]} == {"major_cities_theft_robbery_h1"}
    assert len(manifest["files"]) == planned and {f["file"] for f in manifest["files"]} <= names
    assert seen[0] == (0, planned) and seen[-1] == (planned, planned)


def test_the_kit_job_holds_every_figure_in_every_size(page):
    from dashboard import exporter, queries
    from dashboard.graphics import presets

    sel = page.selection({})
    warning = page.kit_warning()
    ask, message, pending, job, _poll = page.start_download(page.BUTTONS["kit"], sel)
    assert ask is bool(warning) and message == warning
    if ask:  # a stale claim in the kit asks first, as for one file; the answer starts the job
        assert pending == "kit" and "out of date" in message and job is page.no_update
        job = page.confirmed_download(pending, sel)
    views = finish(page, job)
    total = exporter.kit_size(page.engine)
    done = views[-1]
    assert done["color"] == "success" and (done["value"], done["max"]) == (total, total) and not done["failed_open"]
    assert done["ready"] == job["id"] and done["text"].startswith("Done: jewelcrime_campaign_kit_")
    counted = [v["value"] for v in views if v["max"] > 1]  # before the job has counted its files the bar is empty
    assert counted == sorted(counted) and all(v["max"] == total for v in views if v["max"] > 1)
    assert any(v["text"].startswith(f"Made {v['value']} of {total} files: ") for v in views if 0 < v["value"] < total)
    sent = page.send(done["ready"])
    assert sent["filename"].endswith(".zip") and page.progress_view(job, job["id"])["ready"] is page.no_update
    manifest, names = unzip(base64.b64decode(sent["content"]))
    figures = [f["id"] for f in queries.headline_figures(page.engine)]
    expected = {(f, "social", s) for f in figures for s in presets.SOCIAL} | {(f, "badge", "square") for f in figures} \
        | {(f, "signage", s) for f in figures for s in presets.PRINT}
    assert {(e["figure_id"], e["kind"], e["size"]) for e in manifest["files"]} == expected
    assert len(manifest["files"]) == total and {e["file"] for e in manifest["files"]} <= names
    assert not any(e["headline_edited"] for e in manifest["files"])


def test_the_headline_reaches_every_export_and_the_number_does_not_change(page):
    plain = {"item": "figure:change_since_2019", "size": "square", "format": "png"}
    edited = {**plain, "headline": f"  {HEADLINE}  "}
    assert page.headline_of(edited) == (HEADLINE, "")
    before, after = page.make(plain), page.make(edited)
    assert after.manifest["title"] == HEADLINE != before.manifest["title"] and after.manifest["headline_edited"]
    assert after.manifest["value"] == before.manifest["value"] and after.manifest["source"] == before.manifest["source"]
    assert after.manifest["date_range"] == before.manifest["date_range"]
    html = page.make({**edited, "format": "html"}).data.decode()
    assert HEADLINE in html
    assert all(m.manifest["title"] == HEADLINE for _what, _p, m in page.every_size(edited))
    manifest, _names = unzip(page.package(edited, "all")[0])
    assert {e["title"] for e in manifest["files"]} == {HEADLINE}
    assert {e["value"] for e in manifest["files"]} == {before.manifest["value"]}
    url = page.choose("figure:change_since_2019", "square", "png", HEADLINE, page.selection({}))
    assert "headline=Jewelry+thefts+are+up+by+half" in url and page.selection(
        {"item": "figure:change_since_2019", "headline": HEADLINE})["headline"] == HEADLINE


def test_an_over_long_headline_is_refused_with_a_message(page):
    from dashboard import exporter
    from tests.conftest import walk

    long = "x" * (exporter.HEADLINE_MAX + 1)
    sel = page.selection({"item": "figure:change_since_2019", "headline": long})
    usable, message = page.headline_of(sel)
    assert usable is None and f"at most {exporter.HEADLINE_MAX}" in message
    made = page.make(sel)
    assert made.manifest["title"] != long and not made.manifest["headline_edited"]  # not used
    tree = list(walk(page.layout(item="figure:change_since_2019", headline=long)))
    box = next(c for c in tree if getattr(c, "id", None) == page.HEADLINE)
    feedback = next(c for c in tree if getattr(c, "id", None) == page.HEADLINE_ERROR)
    assert box.invalid is True and box.maxLength == exporter.HEADLINE_MAX and feedback.children == message
    assert "cannot be edited" in text(page.layout())


def test_a_failed_job_shows_its_message_not_a_traceback(page):
    from dashboard import export_jobs

    def broken(progress):  # noqa: ANN001, ANN202
        progress(1, 3, "a.png")
        raise RuntimeError("the renderer went away")

    view = finish(page, {"id": export_jobs.start(broken)})[-1]
    assert view["failed_open"] and view["failed"] == "the renderer went away" and view["color"] == "danger"
    assert view["ready"] is page.no_update
    gone = page.progress_view({"id": "../../etc/passwd"}, None)
    assert gone["failed_open"] and "not a download job id" in gone["failed"] and gone["stop"]
    assert page.send("../../etc/passwd") is page.no_update


def test_chart_selection_keeps_its_filters_and_exports(page):
    sel = page.selection({"item": "chart:trends-yearly", "size": "landscape", "source": "JSA", "year_from": "2019"})
    assert sel["filters"] == {"source": "JSA", "year_from": "2019"}
    data, name = page.package(sel, "image")
    assert name == "trends-yearly_source-JSA_year_from-2019_landscape.png"
    assert Image.open(io.BytesIO(data)).size == (1200, 675)
    assert page.choose("figure:change_since_2019", "square", "png", "", sel).startswith("?item=figure")  # no filters
