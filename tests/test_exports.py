"""Campaign exports: exact sizes, baked-in text, PDF pages and their words, SVG that matches the PNG, the HTML
page itself, the manifest, unsupported claims, headlines, the logo and call to action from the config,
concurrency, and no request off the machine. Laid out and drawn for real by Debian's Chromium."""
from __future__ import annotations

import html
import io
import json
import re
import socket
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from dashboard.app import create_app
from tests.conftest import bound, engine_of, FIXTURES

pytestmark = pytest.mark.browser  # needs Debian's chromium

SAMPLE = FIXTURES / "exports" / "jsa_sample_small.csv"  # the fixture rows marked as sample data
NIBRS = FIXTURES / "figures" / "nibrs_2020_known.csv"


def svg_text(svg: Path) -> str:
    """The words of an SVG, with wrapped lines joined by spaces."""
    words = re.sub(r"<[^>]+>", " ", svg.read_text())
    return " ".join(html.unescape(words).split())


@pytest.fixture
def sample_db(cli, db_url):
    assert cli("etl", SAMPLE, "--db", db_url).exit_code == 0
    return db_url


def export(cli, db_url, out, *args):  # noqa: ANN001, ANN202
    result = cli("export", "--db", db_url, "--out", out, *args)
    assert result.exit_code == 0, result.output
    return [Path(p) for p in result.stdout.split()]


@pytest.mark.parametrize("size,expected", [("square", (1080, 1080)), ("portrait", (1080, 1350)),
                                           ("landscape", (1200, 675)), ("link", (1200, 628)), ("story", (1080, 1920)),
                                           ("letter", (816, 1056)), ("a4", (794, 1123))])
def test_png_has_exactly_the_preset_size(cli, sample_db, tmp_path, size, expected):
    from dashboard.graphics import presets

    assert presets.get(size).size == expected  # the table says so, and the image is drawn at it
    kind = "signage" if presets.get(size).group == "print" else "social"
    image, alt = export(cli, sample_db, tmp_path, "--figure", "change_since_2019", "--size", size, "--kind", kind)
    assert Image.open(image).size == expected
    assert image.name == f"change_since_2019_{kind}_{size}.png"
    assert alt.read_text().startswith("Social graphic of crimes against U.S. jewelers" if kind == "social"
                                      else "Store sign about crimes against U.S. jewelers")


def test_every_preset_of_the_table_is_a_size_choice(cli):
    from dashboard.graphics import presets

    from dashboard.cli import ImageFormat, Size

    assert [s.value for s in Size] == list(presets.names()) and [f.value for f in ImageFormat] == list(presets.FORMATS)
    result = cli("export", "--figure", "x", "--size", "poster")
    words = " ".join(result.output.replace("│", " ").split())
    assert result.exit_code == 2 and "'poster' is not one of" in words and "'story', 'letter', 'a4'" in words


def test_svg_carries_title_source_and_sample_mark(cli, sample_db, tmp_path):
    (svg, alt) = export(cli, sample_db, tmp_path, "--figure", "change_since_2019", "--format", "svg", "--size", "link")
    text = svg_text(svg)
    assert "Crimes against U.S. jewelers" in text
    # a JSA-only figure names JSA only
    assert "Source: Data derived from Jewelers' Security Alliance Data:" in text and "Jewelers Mutual" not in text
    assert "SAMPLE DATA" in text
    assert "+50.0%" in text  # 4 incidents in 2019, 6 in 2022 in the fixture: computed, not typed in
    assert "(sample data: the verdict shows the product works, not that the claim is true)" in alt.read_text()
    assert "calibrated to published totals" in text  # the sample verdict's disclosure is in the image too


def test_chart_svg_has_its_filters_and_no_sample_mark_on_real_data(cli, db_url, tmp_path):
    assert cli("etl", FIXTURES / "figures" / "jsa_known.csv", "--db", db_url).exit_code == 0
    (svg, alt) = export(cli, db_url, tmp_path, "--chart", "map", "--query",
                        "year_from=2021&year_to=2021&source=JSA&metric=incidents", "--format", "svg", "--size", "landscape")
    # "[chart type] of [data] showing [takeaway]": CA, IL and TX tie at 2 in 2021; ties are listed by name
    assert alt.read_text().startswith("Choropleth map of “Crime by state and province” (2021;")
    assert "showing highest is California with 2; 57 have no data" in alt.read_text()
    text = svg_text(svg)
    assert "Crime by state and province" in text and "Data: 2021 ·" in text and "JSA data" in text
    assert "SAMPLE DATA" not in text
    assert svg.name == "map_metric-incidents_source-JSA_year_from-2021_year_to-2021_landscape.svg"


@pytest.mark.parametrize("size,points", [("letter", (612, 792)), ("a4", (595.3, 841.9))])
def test_signage_pdf_page_size(cli, sample_db, tmp_path, size, points):
    (pdf, _alt) = export(cli, sample_db, tmp_path, "--figure", "major_cities_theft_robbery_h1", "--kind", "signage",
                         "--size", size, "--format", "pdf")
    page = PdfReader(pdf).pages[0]
    assert float(page.mediabox.width) == pytest.approx(points[0], abs=1)
    assert float(page.mediabox.height) == pytest.approx(points[1], abs=1)
    text = page.extract_text()
    assert len(PdfReader(pdf).pages) == 1
    assert "Take the safety pledge" in text and "What to do" in text and "partnerforprotection.com" in text


def test_kit_manifest_matches_figures_json(cli, sample_db, tmp_path):
    assert cli("etl", NIBRS, "--db", sample_db).exit_code == 0
    target = tmp_path / "kit.zip"
    assert cli("export", "--kit", "--out", target, "--db", sample_db).exit_code == 0
    figures = {f["id"]: f for f in json.loads(cli("figures", "--json", "--db", sample_db).stdout)}
    with zipfile.ZipFile(target) as z:
        names = set(z.namelist())
        manifest = json.loads(z.read("manifest.json"))
        for entry in manifest["files"]:
            assert entry["file"] in names and f"{entry['file']}.alt.txt" in names
            fig = figures[entry["figure_id"]]
            assert (entry["value"], entry["formula"], entry["inputs"], entry["verdict"]) == \
                   (fig["value"], fig["formula"], fig["inputs"], fig["verdict"])
            assert entry["batches"] and all(b["sha256"] for b in entry["batches"])
            if entry["format"] == "png":
                assert Image.open(io.BytesIO(z.read(entry["file"]))).size == (entry["width"], entry["height"])
    kinds = {(e["figure_id"], e["kind"], e["size"]) for e in manifest["files"]}
    assert len(kinds) == 3 * 8  # 5 social sizes, a stat card, Letter and A4 signs for each figure


def test_unsupported_figure_exports_the_computed_value(cli, db_url, tmp_path):
    assert cli("etl", FIXTURES / "figures" / "jsa_known.csv", "--db", db_url).exit_code == 0  # NIBRS from reference
    figure = {f["id"]: f for f in json.loads(cli("figures", "--json", "--db", db_url).stdout)}["property_share_2020"]
    assert figure["verdict"] == "not supported"
    (svg, alt) = export(cli, db_url, tmp_path, "--figure", "property_share_2020", "--format", "svg")
    text = svg_text(svg)
    assert f"{figure['value']:.1f}%" in text and "is not supported by this data" in text
    assert f"{figure['published_value']:g}%" not in text and "8.9 million" not in text
    (chart, _alt) = export(cli, db_url, tmp_path, "--chart", "share-nibrs", "--query", "nibrs_year=2020",
                           "--format", "svg")
    assert "Campaign claim" not in svg_text(chart) and "left out" in svg_text(chart)
    # in this data the major-cities claim fails too (-40.0%): its January-June chart exports without it
    (half, _alt) = export(cli, db_url, tmp_path, "--chart", "trends-half", "--query", "major_only=1",
                          "--format", "svg")
    assert "Campaign claim" not in svg_text(half) and "-40.0%" in svg_text(half) and "left out" in svg_text(half)
    # on screen the claim stays beside the data it measures (major cities), with its verdict elsewhere on the page
    trends = bound(create_app(db_url), "trends")
    assert "Campaign claim" in " ".join(a.text for a in trends.build_half({"major_only": "1"}).figure.layout.annotations)
    # ... and is not drawn beside thefts and robberies everywhere, which it does not measure
    assert "Campaign claim" not in " ".join(a.text for a in trends.build_half({}).figure.layout.annotations)


def test_two_exports_at_the_same_time_both_succeed(cli, sample_db):
    from dashboard import exporter
    from etl.config import make_engine

    engine = make_engine(sample_db)
    results, errors = [], []

    def one(size: str) -> None:
        try:
            results.append(exporter.export_figure(engine, "change_since_2019", size, "png"))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(s,)) for s in ("square", "story")]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []
    assert sorted(Image.open(io.BytesIO(r.data)).size for r in results) == [(1080, 1080), (1080, 1920)]


def test_unwritable_out_is_a_clear_error(cli, sample_db, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = cli("export", "--figure", "change_since_2019", "--out", blocker / "sub", "--db", sample_db)
    assert result.exit_code == 1 and "cannot write" in result.output and "Traceback" not in result.output


# Chromium's own housekeeping (update checks, sign-in, search preconnect) still tries even with background
# networking off; the renderer points Chromium's proxy at a closed local port so these die on the machine.
CHROMIUM_HOUSEKEEPING = {"update.googleapis.com", "accounts.google.com", "start.duckduckgo.com",
                         "clients2.google.com", "www.google.com"}


def _logging_proxy():  # noqa: ANN202
    hits: list[str] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            try:
                line = conn.recv(300).split(b"\r\n")[0].decode(errors="replace")
                hits.append(line)
            finally:
                conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return server, hits


def _host(line: str) -> str:
    target = line.split(" ")[1] if " " in line else line
    return target.split("//")[-1].split("/")[0].split(":")[0]


def _export_through(proxy_port: int, db_url: str, out: Path, code: str,
                    env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = env or {"JEWELCRIME_RENDER_PROXY": f"127.0.0.1:{proxy_port}"}
    return subprocess.run([sys.executable, "-c", code, db_url, str(out)], env={"PATH": "/usr/bin:/bin",
                          "HOME": str(out), **env}, capture_output=True, text=True, timeout=300)


def test_by_default_nothing_chromium_sends_reaches_a_network(sample_db, tmp_path):
    # Chromium sends its traffic to the proxy in $https_proxy when it is given none: the logging proxy stands in
    # for the network. The export (no $JEWELCRIME_RENDER_PROXY) must leave it untouched.
    server, hits = _logging_proxy()
    port = server.getsockname()[1]
    env_proxy = {name: f"http://127.0.0.1:{port}" for name in ("http_proxy", "https_proxy", "all_proxy")}
    env_proxy.update({name.upper(): value for name, value in env_proxy.items()})
    code = ("import sys; from pathlib import Path\n"
            "from dashboard import exporter; from etl.config import make_engine\n"
            "e = make_engine(sys.argv[1])\n"
            "exporter.write(exporter.export_figure(e, 'change_since_2019', 'square', 'png'), Path(sys.argv[2]))\n")
    done = _export_through(port, sample_db, tmp_path, code, env=env_proxy)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "change_since_2019_social_square.png").exists()
    assert hits == []
    # and the stand-in can fail: the same Chromium started without the renderer's proxy sends to it
    control = ("from playwright.sync_api import sync_playwright\n"
               "from dashboard.graphics import browser\n"
               "with sync_playwright() as p:\n"
               "    b = p.chromium.launch(executable_path=str(browser.CHROMIUM), headless=True, args=browser.ARGS)\n"
               "    try:\n"
               "        b.new_page().goto('http://jewelcrime-control.invalid/', timeout=20_000)\n"
               "    except Exception:\n"
               "        pass\n"
               "    b.close()\n")
    done = _export_through(port, sample_db, tmp_path, control, env=env_proxy)
    server.close()
    assert done.returncode == 0, done.stderr[-2000:]
    assert "jewelcrime-control.invalid" in {_host(h) for h in hits}, hits


def test_no_request_leaves_the_machine_during_export(sample_db, tmp_path):
    server, hits = _logging_proxy()
    port = server.getsockname()[1]
    code = ("import sys; from pathlib import Path\n"
            "from dashboard import exporter; from dashboard.graphics import browser, document; "
            "from etl.config import make_engine\n"
            "e = make_engine(sys.argv[1])\n"
            "exporter.write(exporter.export_figure(e, 'change_since_2019', 'square', 'png'), Path(sys.argv[2]))\n"
            "exporter.write(exporter.export_chart(e, 'map', 'year_from=2022', 'landscape', 'pdf'), Path(sys.argv[2]))\n"
            "print('blocked', len(browser.shared().blocked))\n")
    done = _export_through(port, sample_db, tmp_path, code)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "change_since_2019_social_square.png").exists()
    assert "blocked 0" in done.stdout  # the graphics asked for nothing outside the page
    hosts = {_host(h) for h in hits if h}
    assert hosts <= CHROMIUM_HOUSEKEEPING, hits  # nothing the export itself asked for went to the network
    # and the guard can fail: a page that does reference the web is stopped in the browser and recorded
    control = ("import sys; from dashboard.graphics import browser, document\n"
               "page = '<html><body><div class=canvas><img src=\"https://example.com/logo.png\"><p>x</p></div></body></html>'\n"
               "document.check_page(page, 200, 200)\n"
               "print('blocked', browser.shared().blocked)\n")
    done = _export_through(port, sample_db, tmp_path, control)
    assert done.returncode == 0, done.stderr[-2000:]
    server.close()
    assert "https://example.com/logo.png" in done.stdout
    assert "example.com" not in {_host(h) for h in hits}


def test_pdf_has_the_words_as_plain_text_and_its_page_size(cli, sample_db, tmp_path):
    (pdf, _alt) = export(cli, sample_db, tmp_path, "--figure", "change_since_2019", "--size", "a4", "--format", "pdf")
    reader = PdfReader(pdf)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx((595.3, 841.9), abs=1)
    text = " ".join(reader.pages[0].extract_text().split())
    for words in ("Crimes against U.S. jewelers, 2022 against 2019", "+50.0%",
                  "Data derived from Jewelers' Security Alliance", "Take the safety pledge", "partnerforprotection.com"):
        assert words in text, words
    assert not re.search("[\ufb00-\ufb06]", text)  # no ligature glyphs: "fi" copies out as f and i
    (social, _alt) = export(cli, sample_db, tmp_path, "--figure", "change_since_2019", "--size", "link", "--format", "pdf")
    box = PdfReader(social).pages[0].mediabox  # a social size prints on a page of its own size (96 px per inch)
    assert (float(box.width), float(box.height)) == pytest.approx((1200 * 0.75, 628 * 0.75), abs=1)


def test_svg_keeps_text_as_text_where_the_png_draws_it(cli, sample_db, tmp_path):
    from dashboard.graphics import browser

    (png, _a) = export(cli, sample_db, tmp_path, "--figure", "major_cities_theft_robbery_h1", "--size", "portrait")
    (svg, _b) = export(cli, sample_db, tmp_path, "--figure", "major_cities_theft_robbery_h1", "--size", "portrait",
                       "--format", "svg")
    source = svg.read_text()
    assert "<text" in source and "Thefts and robberies in major U.S. cities" in svg_text(svg)

    def shoot(session):  # noqa: ANN001, ANN202 - the SVG drawn by the same browser at the same size
        session.page.set_viewport_size({"width": 1080, "height": 1350})
        session.page.set_content(f"<html><body style='margin:0'>{source}</body></html>")
        return session.page.screenshot(clip={"x": 0, "y": 0, "width": 1080, "height": 1350})

    drawn = Image.open(io.BytesIO(browser.shared().run(shoot))).convert("L")
    expected = Image.open(png).convert("L")
    assert drawn.size == expected.size == (1080, 1350)
    differ = sum(1 for a, b in zip(drawn.getdata(), expected.getdata()) if abs(a - b) > 64)
    assert differ / (1080 * 1350) < 0.01, differ  # the same words in the same places
    # and the comparison can fail: a PNG of another figure differs
    (other, _c) = export(cli, sample_db, tmp_path, "--figure", "change_since_2019", "--size", "portrait")
    other_img = Image.open(other).convert("L")
    assert sum(1 for a, b in zip(drawn.getdata(), other_img.getdata()) if abs(a - b) > 64) / (1080 * 1350) > 0.01


def test_html_format_is_the_laid_out_page_with_its_assets_inlined(cli, sample_db, tmp_path):
    from dashboard.graphics import document

    (page, _alt) = export(cli, sample_db, tmp_path, "--chart", "trends-yearly", "--size", "square", "--format", "html")
    source = page.read_text()
    assert page.name == "trends-yearly_square.html"
    assert "<script" not in source and "<svg" in source  # the chart is inline SVG; no script is needed
    assert not re.search(r"""(src|href)=["']https?://""", source)  # nothing to fetch
    assert 'src="data:image/svg+xml;base64,' in source  # the logo slot: the product's own mark, inlined
    assert document.check_page(source, 1080, 1080) == []  # a test (or a user) can open it and it still holds
    assert 'class="drawing"' not in source  # opened in a smaller window, the page scrolls instead of cutting off


def test_headline_replaces_the_title_only_and_has_a_limit(cli, sample_db, tmp_path):
    from dashboard import exporter

    (svg, alt) = export(cli, sample_db, tmp_path, "--figure", "change_since_2019", "--format", "svg",
                        "--headline", "  Jewelry crime:\tup by half  ")
    text = svg_text(svg)
    assert "Jewelry crime: up by half" in text and "+50.0%" in text and "Crimes against U.S. jewelers, 2022" not in text
    assert "Data derived from Jewelers' Security Alliance" in text  # the source stays
    too_long = "x" * (exporter.HEADLINE_MAX + 1)
    result = cli("export", "--figure", "change_since_2019", "--headline", too_long, "--db", sample_db, "--out", tmp_path)
    assert result.exit_code == 2 and f"at most {exporter.HEADLINE_MAX}" in result.output
    assert "Traceback" not in result.output


def test_logo_and_call_to_action_come_from_the_config(cli, sample_db, tmp_path, monkeypatch):
    logo = tmp_path / "our-logo.png"
    Image.new("RGB", (40, 40), (0, 90, 200)).save(logo)
    config = tmp_path / "jewelcrime.toml"
    config.write_text('[campaign]\nlogo = "our-logo.png"\ncall_to_action = "Join the Main Street pledge"\n'
                      'call_to_action_url = "example.org/pledge"\n')
    monkeypatch.setenv("JEWELCRIME_CONFIG", str(config))
    (page, _alt) = export(cli, sample_db, tmp_path, "--figure", "change_since_2019", "--format", "html")
    source = page.read_text()
    assert "Join the Main Street pledge" in source and "example.org/pledge" in source
    assert "Take the safety pledge" not in source
    import base64

    assert base64.b64encode(logo.read_bytes()).decode() in source  # the user's logo, inlined
    config.write_text('[campaign]\nlogo = "missing.png"\n')
    result = cli("export", "--figure", "change_since_2019", "--db", sample_db, "--out", tmp_path)
    assert result.exit_code == 1 and "missing.png is not a file" in result.output and "Traceback" not in result.output


def test_the_jewelcrime_command_exports_through_its_entry_point(sample_db, tmp_path):
    """`jewelcrime export` as a user types it: the console script's entry point starts Chromium before the
    command line's imports, then runs the same command."""
    script = Path(sys.executable).with_name("jewelcrime")
    out = subprocess.run([str(script), "export", "--figure", "change_since_2019", "--size", "link", "--db",
                          sample_db, "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    image = tmp_path / "change_since_2019_social_link.png"
    assert Image.open(image).size == (1200, 628)
    helped = subprocess.run([str(script), "export", "--help"], capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0 and "--headline" in helped.stdout
