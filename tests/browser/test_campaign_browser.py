"""The Campaign page in a real browser on the bundled sample: a preview per size, and the whole kit made as a
background job whose progress bar moves until the ZIP arrives."""
from __future__ import annotations

import json
import re
import zipfile

import pytest

pytestmark = pytest.mark.browser

# every change of the progress area, recorded in the page (the bar may move faster than a test can poll)
WATCH_PROGRESS = """() => {
    window.__progress = [];
    const box = document.querySelector('#campaign-progress-box');
    const note = () => {
        const bar = box.querySelector('[role=progressbar]') || box.querySelector('.progress-bar');
        window.__progress.push({text: document.querySelector('#campaign-progress-text').innerText,
                                now: bar ? Number(bar.getAttribute('aria-valuenow')) : null,
                                max: bar ? Number(bar.getAttribute('aria-valuemax')) : null,
                                hidden: box.hidden});
    };
    new MutationObserver(note).observe(box, {subtree: true, childList: true, characterData: true, attributes: true});
}"""


def kit_size(db_url: str) -> int:
    from dashboard import exporter
    from etl.config import make_engine

    return exporter.kit_size(make_engine(db_url))


def test_every_size_is_previewed_with_its_label(web):
    from dashboard.graphics import presets

    web.open("/campaign?item=figure:property_share_2020&size=square", "#campaign-sizes figure img")
    cards = web.page.locator("#campaign-sizes figure")
    expected = [*presets.SOCIAL, "square", "letter"]  # the social sizes, the stat card, the Letter sign
    assert cards.count() == len(expected)
    for i, name in enumerate(expected):
        p = presets.BY_NAME[name]
        card = cards.nth(i)
        assert card.get_attribute("data-size") == name and p.option_label in card.inner_text()
        img = card.locator("img")
        assert img.get_attribute("src").startswith("data:image/png;base64,") and img.get_attribute("alt")
        natural = img.evaluate("i => [i.naturalWidth, i.naturalHeight]")
        assert natural == [p.width, p.height]
        shown = img.bounding_box()
        assert shown["width"] >= 200  # scaled to its column, not a thumbnail
    assert "Stat card" in cards.nth(len(presets.SOCIAL)).inner_text()
    assert "Store sign" in cards.nth(len(expected) - 1).inner_text()
    assert web.errors == [] and web.foreign == []


def test_the_whole_kit_downloads_with_a_moving_progress_bar(web, sample_db, tmp_path):
    total = kit_size(sample_db)
    web.open("/campaign?item=figure:property_share_2020", "#campaign-download-kit")
    web.page.wait_for_function("(document.querySelector('#campaign-preview') || {src: ''}).src.startsWith('data:image')",
                               timeout=60_000)
    assert f"{total} files" in web.page.inner_text("#campaign-download-kit + p")
    asked: list[str] = []

    def answer(dialog) -> None:  # noqa: ANN001 - the sample has out-of-date claims: the page asks first
        asked.append(dialog.message)
        dialog.accept()

    web.page.on("dialog", answer)
    web.page.evaluate(WATCH_PROGRESS)
    with web.page.expect_download(timeout=180_000) as info:
        web.page.click("#campaign-download-kit")
    assert asked and "out of date" in asked[0]
    download = info.value
    assert re.fullmatch(r"jewelcrime_campaign_kit_\d{8}\.zip", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    with zipfile.ZipFile(path) as z:
        manifest = json.loads(z.read("manifest.json"))
    assert len(manifest["files"]) + len(manifest["left_out"]) == total

    web.page.wait_for_function("document.querySelector('#campaign-progress-text').innerText.startsWith('Done')")
    seen = web.page.evaluate("window.__progress")
    made = [int(m.group(1)) for m in (re.match(rf"Made (\d+) of {total} files: \S+", s["text"]) for s in seen) if m]
    assert len(set(made)) >= 2 and made == sorted(made)  # the words counted up, forwards only
    bar = [s["now"] for s in seen if not s["hidden"] and s["max"] == total]
    assert bar == sorted(bar) and len({n for n in bar if 0 < n < total}) >= 2 and bar[-1] == total  # and the bar
    assert seen[-1]["text"] == f"Done: {download.suggested_filename} ({total} files)" and not seen[-1]["hidden"]
    assert web.page.locator("#campaign-job-failed").count() == 0 or not web.page.is_visible("#campaign-job-failed")
    assert web.errors == [] and web.foreign == []
