"""Campaign page callbacks as plain functions (images rendered for real in Debian's Chromium)."""
from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest
from PIL import Image

from tests.conftest import bound, FIXTURES

pytestmark = pytest.mark.browser


@pytest.fixture
def page(cli, db_url):
    from dashboard.app import create_app

    assert cli("etl", FIXTURES / "exports" / "jsa_sample_small.csv", "--db", db_url).exit_code == 0
    app = create_app(db_url)
    campaign = bound(app, "campaign")

    return campaign


def test_bad_choices_fall_back(page):
    sel = page.selection({"item": "figure:<script>", "size": "huge", "format": "exe"})
    assert sel == {"item": "figure:change_since_2019", "size": "square", "format": "png", "filters": {}}


def test_preview_is_the_chosen_size_with_alt_text(page):
    src, alt, alt_value, _info = page.update_preview({"item": "figure:change_since_2019", "size": "link", "format": "pdf"})
    png = base64.b64decode(src.split(",", 1)[1])
    assert Image.open(io.BytesIO(png)).size == (1200, 628)  # the preview is PNG whatever the download format
    assert alt == alt_value and alt.startswith("Social graphic of") and "+50.0%" in alt


def test_buttons_give_sign_badge_and_zip(page):
    sel = {"item": "figure:major_cities_theft_robbery_h1", "size": "square", "format": "png"}
    data, name = page.package(sel, "a4")
    assert name == "major_cities_theft_robbery_h1_signage_a4.pdf" and data.startswith(b"%PDF")
    data, name = page.package(sel, "badge")
    assert Image.open(io.BytesIO(data)).size == (1080, 1080)
    data, name = page.package(sel, "all")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        manifest = json.loads(z.read("manifest.json"))
    assert {f["figure_id"] for f in manifest["files"]} == {"major_cities_theft_robbery_h1"}
    assert len(manifest["files"]) == 8


def test_chart_selection_keeps_its_filters_and_exports(page):
    sel = page.selection({"item": "chart:trends-yearly", "size": "landscape", "source": "JSA", "year_from": "2019"})
    assert sel["filters"] == {"source": "JSA", "year_from": "2019"}
    data, name = page.package(sel, "image")
    assert name == "trends-yearly_source-JSA_year_from-2019_landscape.png"
    assert Image.open(io.BytesIO(data)).size == (1200, 675)
    assert page.choose("figure:change_since_2019", "square", "png", sel).startswith("?item=figure")  # new item: no filters
