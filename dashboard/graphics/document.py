"""A graphic as an HTML document (Jinja2 template + one stylesheet), laid out and drawn by Chromium.

`html(graphic)` is the document; `draw(graphic, fmt)` lays it out at the
preset's exact size in the renderer's browser, fits every text to its box
(graphics.js: jcFit), places the chart (a plotly figure drawn to SVG by
plotly.js at the size its box ended with), checks that no two lines of text
overlap, leave the canvas or their panel, or are smaller than the preset's
minimum (jcCheck), and only then returns PNG, PDF, SVG or the HTML itself.
A graphic that cannot be laid out raises LayoutError naming the text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from dashboard.graphics import browser
from dashboard.graphics.presets import FORMATS, Preset
from dashboard.graphics.words import SAMPLE_MARK, Words

if TYPE_CHECKING:  # plotly is imported by the charts; a headline figure's graphic has none
    import plotly.graph_objects as go

TEMPLATES = Path(__file__).parent / "templates"
KINDS = ("social", "badge", "signage", "chart")  # one template each: <kind>.html.j2
SIGN_HEADING = "Protect your store, your staff and your customers"
CHART_TYPE_PX = 12  # the smallest type in a dashboard chart; scaled to the preset's minimum on export
CHART_MIN_SHARE = 0.42  # a chart keeps at least this share of the canvas height; the text shrinks first
CHART_MIN_SHARE_WIDE = 0.36  # on wide sizes the chart is wider too


class LayoutError(ValueError):
    """The words do not fit the preset at its smallest type sizes, or the drawn page fails the layout check."""


@dataclass(frozen=True)
class Graphic:
    words: Words
    preset: Preset
    chart: go.Figure | dict | None = None  # chart exports only (a figure or its dict)
    logo_src: str = ""
    logo_alt: str = "Logo"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.words.kind


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                       trim_blocks=True, lstrip_blocks=True)


def _asset(name: str) -> Markup:
    return Markup((TEMPLATES / name).read_text(encoding="utf-8"))


def sizes(preset: Preset) -> dict[str, tuple[float, float]]:
    """(smallest, largest) type size of each role on a preset; nothing goes under preset.text_min_px."""
    t = preset.text_min_px
    unit = min(preset.width, preset.height)
    title_lo, title_hi = preset.title_px
    return {
        "title": (title_lo, title_hi),
        "subtitle": (t, max(t, title_hi * 0.55)),
        "body": (t, max(t, unit * 0.031)),
        "small": (t, max(t, unit * 0.022)),
        "cta": (t, max(t, unit * 0.03)),
        "banner": (t, max(t, unit * 0.026)),
        "number": (max(title_lo * 1.4, unit * 0.09), unit * 0.24),
    }


def html(graphic: Graphic, script: bool = True) -> str:
    """The graphic's document, every asset inlined (stylesheet, logo; the chart once it is drawn)."""
    p = graphic.preset
    shape = "wide" if p.width / p.height > 1.4 else "tall"
    page_size = p.page or f"{p.width}px {p.height}px"
    return _env().get_template(f"{graphic.kind}.html.j2").render(
        words=graphic.words, preset=p, shape=shape, unit=min(p.width, p.height) / 100, sizes=sizes(p),
        css=_asset("graphics.css"), script=_asset("graphics.js") if script else None, sample_mark=SAMPLE_MARK,
        logo_src=graphic.logo_src, logo_alt=graphic.logo_alt, sign_heading=SIGN_HEADING, page_size=page_size,
        chart_min=round(p.height * (CHART_MIN_SHARE if shape == "tall" else CHART_MIN_SHARE_WIDE)))


def _chart_for(chart: go.Figure | dict, width: int, height: int) -> str:
    """The chart's JSON at the given size with its own title off (the document has it). Worked on as a plain
    dict: plotly's validation of a figure copy costs more than drawing it (the map carries its boundaries)."""
    fig = chart.to_plotly_json() if hasattr(chart, "to_plotly_json") else chart
    layout = {k: v for k, v in (fig.get("layout") or {}).items() if k != "title"}
    layout.update(width=width, height=height, autosize=False, paper_bgcolor="white",
                  font={**(layout.get("font") or {}), "family": "Liberation Sans, DejaVu Sans, Arial"},
                  # bar labels too small to read are hidden, not shrunk (chart type is scaled up to the minimum)
                  uniformtext={"minsize": CHART_TYPE_PX, "mode": "hide"})
    data = []
    for trace in fig.get("data") or []:
        pattern = ((trace.get("marker") or {}).get("pattern") or {}).get("shape")
        hatched = isinstance(pattern, str) and pattern or isinstance(pattern, (list, tuple)) and any(pattern)
        if trace.get("type") == "bar" and hatched and trace.get("text") is not None:
            trace = {**trace, "textposition": "outside", "cliponaxis": False}  # a label on hatching cannot be read
        data.append(trace)
    return browser.dumps({"data": data, "layout": layout})


def _laid_out(session: browser.Session, graphic: Graphic, purpose: str = "screen") -> dict[str, Any]:
    """Load, fit, place the chart and check; returns the check (boxes and no problems)."""
    p = graphic.preset
    page = session.page_for(p.width, p.height, purpose)
    page.set_content(html(graphic), wait_until="load")
    fit = page.evaluate("jcFit()")
    if not fit["ok"]:
        raise LayoutError(f"the {graphic.kind} graphic does not fit the {p.name} size ({p.width}x{p.height}): "
                          + "; ".join(fit["problems"]) + ". Shorten the text (a headline can be edited) or pick a "
                          "larger size.")
    if graphic.chart is not None:
        slot = page.evaluate("jcSlot()")
        # plotly's type is dashboard-sized: lay the chart out smaller and scale it up to the box
        k = max(1.0, p.text_min_px / CHART_TYPE_PX)
        w, h = max(50, int(slot["width"] / k)), max(50, int(slot["height"] / k))
        svg = session.chart_svg(_chart_for(graphic.chart, w, h), w, h)
        page.evaluate("svg => jcPlaceChart(svg)", svg)
    check = page.evaluate("jcCheck()")
    if check["problems"]:
        shown = check["problems"][:20]
        more = len(check["problems"]) - len(shown)
        raise LayoutError(f"the {graphic.kind} graphic at {p.name} failed the layout check: " + "; ".join(shown)
                          + (f"; and {more} more" if more else ""))
    return check


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S | re.I)


def draw(graphic: Graphic, fmt: str, renderer: browser.Renderer | None = None) -> bytes:
    """The graphic as PNG, PDF, SVG or HTML bytes, at exactly the preset's size."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    p = graphic.preset

    purpose = "screen" if fmt == "png" else "files"  # printing or serialising a page slows its next screenshot

    def job(session: browser.Session) -> bytes:
        _laid_out(session, graphic, purpose)
        page = session.page_for(p.width, p.height, purpose)
        if fmt == "png":
            return page.screenshot(type="png", clip={"x": 0, "y": 0, "width": p.width, "height": p.height})
        if fmt == "pdf":
            width, height = (p.page.split() if p.page else (f"{p.width}px", f"{p.height}px"))
            return page.pdf(width=width, height=height, print_background=True, prefer_css_page_size=True,
                            margin={"top": "0", "right": "0", "bottom": "0", "left": "0"})
        if fmt == "svg":
            return page.evaluate("jcSvg()").encode("utf-8")
        page.evaluate("document.documentElement.classList.remove('drawing')")  # a window of any size can scroll
        return _SCRIPT.sub("", page.content()).encode("utf-8")  # html: the laid-out page, no script needed

    try:
        return (renderer or browser.shared()).run(job)
    except (LayoutError, browser.RenderError):
        raise
    except Exception as exc:  # Playwright's own errors: say what failed, not where
        raise browser.RenderError(f"could not draw the graphic ({type(exc).__name__}: "
                                  f"{str(exc).splitlines()[0] if str(exc) else ''})") from None


def measure(graphic: Graphic, renderer: browser.Renderer | None = None) -> dict[str, Any]:
    """The laid-out graphic's text boxes (for tests and the benchmark); raises LayoutError like draw."""
    return (renderer or browser.shared()).run(lambda s: _laid_out(s, graphic))


def check_page(document: str, width: int, height: int, renderer: browser.Renderer | None = None) -> list[str]:
    """The layout check's problems for any document (e.g. an exported HTML file), at width x height."""
    def job(session: browser.Session) -> list[str]:
        page = session.page_for(width, height)
        page.set_content(document, wait_until="load")
        if not page.evaluate("typeof window.jcCheck === 'function'"):
            page.add_script_tag(content=(TEMPLATES / "graphics.js").read_text(encoding="utf-8"))
        return page.evaluate("jcCheck()")["problems"]

    return (renderer or browser.shared()).run(job)
