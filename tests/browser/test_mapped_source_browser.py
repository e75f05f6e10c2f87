"""A source loaded through a column mapping, seen in a real browser: listed on its own in the source filter,
and the dashboard's charts for it drawn from its rows only."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import pytest

from tests.browser.conftest import Watched, _jewelcrime, serving
from etl.config import RAW_DIR

pytestmark = pytest.mark.browser
LAPD = Path(__file__).resolve().parents[1] / "fixtures" / "mapped" / "lapd_crime_data_sample.csv"


@pytest.fixture(scope="module")
def mapped_server(tmp_path_factory) -> Iterator[str]:  # noqa: ANN001
    url = f"sqlite:///{tmp_path_factory.mktemp('mapped') / 'mapped.sqlite'}"
    for args in (("etl", str(RAW_DIR)), ("etl", str(LAPD), "--map", "lapd")):
        done = _jewelcrime(*args, "--db", url)
        assert done.returncode == 0, done.stdout + done.stderr
    yield from serving(url)


@pytest.mark.parametrize("width", [1440, 390])
def test_mapped_source_is_listed_apart_and_charted_alone(browser, mapped_server, width):  # noqa: ANN001
    context = browser.new_context(viewport={"width": width, "height": 1000})
    web = Watched(context.new_page(), mapped_server)
    web.open(f"/trends?source={quote('LAPD open data')}", "#card-trends-yearly .js-plotly-plot")
    web.page.wait_for_function("Array.from(document.querySelectorAll('.chart-summary')).every(e => e.innerText.length)")
    picker = web.page.locator("#trends-source")
    assert "LAPD open data (mapped source)" in picker.inner_text()
    summary = web.page.locator("#card-trends-yearly .chart-summary").inner_text()
    # LAPD's rows only: 2 in 2022 and 4 in 2023 (the sample has hundreds a year)
    assert "the highest year shown is 2023 with 4." in summary, summary
    card = web.page.locator("#card-trends-yearly")
    source = card.locator(".chart-source").inner_text()
    assert "Data: LAPD open data, loaded with a column mapping from lapd_crime_data_sample.csv" in source, source
    assert "Jewelers" not in source
    assert not card.locator(".sample-badge").is_visible()  # real public data, not the sample
    if width < 768:  # on a phone the filters fold into a drawer: open it first
        web.page.locator(".filter-toggle").first.click()
    picker.click()
    web.page.wait_for_selector(".dash-dropdown-options [role=option]")
    options = web.page.locator(".dash-dropdown-options [role=option]").all_inner_texts()  # drawn outside the picker
    text = " | ".join(options)
    for label in ("JSA and JM combined", "JSA-style incidents", "JM-style claims", "LAPD open data (mapped source)"):
        assert label in text, text
    notice = web.page.inner_text("#sample-notice")
    assert "Real public data: LAPD open data (loaded with a column mapping)" in notice, notice
    assert "LAPD open data; FBI" in web.page.inner_text("#data-footer")
    assert web.errors == [] and web.foreign == []
    web.shot(f"trends_mapped_source_{width}")
    context.close()
