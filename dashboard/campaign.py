"""Campaign graphics as plotly figures: pure functions, data in, Figure out.

Every graphic carries its title, the headline number where there is one, a
subtitle with the filters, the source line, the data's date range, the date
it was made and, while the data is the bundled sample, a 'SAMPLE DATA' mark.
A figure whose published claim the data does not support never shows that
claim: the graphic shows the computed value and its source, and says so.
"""
from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass

import plotly.graph_objects as go

from dashboard import claims_view, theme

PRESETS: dict[str, tuple[int, int]] = {
    "square": (1080, 1080),
    "portrait": (1080, 1350),
    "landscape": (1200, 675),
    "link": (1200, 628),
    "story": (1080, 1920),
    "letter": (816, 1056),  # 8.5 x 11 in at 96 px per inch: a US Letter PDF page
    "a4": (794, 1123),  # 210 x 297 mm at 96 px per inch
}
SOCIAL = ("square", "portrait", "landscape", "link", "story")
PRINT = ("letter", "a4")
PLEDGE = "Take the safety pledge at partnerforprotection.com"
SAMPLE_MARK = "SAMPLE DATA: synthetic, not real incidents"
DARK, ACCENT, WARN = "#1f2933", "#b30000", "#b54708"


@dataclass(frozen=True)
class Frame:
    """What every graphic says besides its main content."""

    title: str
    subtitle: str
    source: str
    date_range: str
    sample: bool
    made_on: dt.date
    note: str = ""  # a line above the source: what a verdict on sample data means


def wrap(text: str, width_px: float, font_px: float) -> str:
    """Line breaks for plotly text (it does not wrap by itself); ~0.55 em per character."""
    chars = max(12, int(width_px / (font_px * 0.55)))
    return "<br>".join(textwrap.wrap(text, chars)) or text


def figure_value(fig: dict) -> str:
    """The computed number read by the claim's unit (+12.5%, 40.0%, 1,234, $1,234)."""
    return claims_view.value_text(fig)


def figure_statement(fig: dict) -> str:
    """One sentence under the number, from the counts the checker used (never from the published claim)."""
    return fig.get("statement") or "The data loaded has no counts for this figure."


def claim_line(fig: dict) -> tuple[str, str]:
    """(text, colour): agreement with the campaign's claim, or a plain correction that leaves the claim out."""
    if fig["verdict"] == "supported":
        period = f" for {fig['period']}" if fig.get("stale") else ""
        return f"Consistent with the published claim{period}: “{fig['published_claim']}”.", "#146c43"
    if fig["verdict"] == "not supported":
        return ("Corrected figure: a widely shared number for this is not supported by the data. "
                "This graphic shows the value computed from the source instead."), ACCENT
    return "No published claim could be checked against this data.", theme.MUTED


def as_of_line(fig: dict) -> str:
    """What a stale claim's graphic says about the latest complete period ('' when the claim is not stale)."""
    return fig.get("as_of", "") if fig.get("stale") else ""


def _canvas(width: int, height: int) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(width=width, height=height, margin=dict(l=0, r=0, t=0, b=0), paper_bgcolor="white",
                      plot_bgcolor="white", xaxis=dict(visible=False, range=[0, 1]),
                      yaxis=dict(visible=False, range=[0, 1]), showlegend=False, font=dict(family=theme.FONT))
    return fig


def _text(fig: go.Figure, text: str, y: float, size: float, colour: str = theme.INK, x: float = 0.5,
          anchor: str = "center", bold: bool = False, yanchor: str = "middle") -> None:
    fig.add_annotation(text=f"<b>{text}</b>" if bold else text, x=x, y=y, xref="paper", yref="paper",
                       showarrow=False, xanchor=anchor, yanchor=yanchor, align="left" if anchor == "left" else "center",
                       font=dict(size=size, color=colour, family=theme.FONT))


LINE = 1.3  # a line of annotation text is about 1.3 em high in the rendered image


def _height(text: str, size: float, height: int) -> float:
    """The height of a block of wrapped text, in paper units."""
    return (text.count("<br>") + 1) * size * LINE / height


def _stack(fig: go.Figure, blocks: list[tuple[str, float, str, bool]], bottom: float, height: int,
           gap_px: float = 14) -> float:
    """Wrapped text blocks (text, size, colour, bold) placed upwards from `bottom`, each clear of the one below;
    returns the top of the last one (paper units). Heights come from the line counts, so longer wording
    pushes the blocks above it up instead of overlapping them."""
    y = bottom
    for text, size, colour, bold in blocks:
        _text(fig, text, y, size, colour, bold=bold, yanchor="bottom")
        y += _height(text, size, height) + gap_px / height
    return y


def _footer(fig: go.Figure, frame: Frame, width: int, height: int, size: float) -> float:
    """Source, date range, date made; the sample mark across the top when the data is the sample. Returns
    the footer's top (paper units), for what goes above it."""
    lines = [*([frame.note] if frame.note else []), frame.source,
             f"Data {frame.date_range} · Made {frame.made_on:%d %B %Y}"]
    body = "<br>".join(wrap(line, width * 0.9, size) for line in lines)
    top = _stack(fig, [(body, size, theme.MUTED, False)], 0.035, height, gap_px=0)
    if frame.sample:
        fig.add_shape(type="rect", xref="paper", yref="paper", x0=0, x1=1, y0=1 - 56 / height, y1=1,
                      fillcolor=WARN, line_width=0)
        _text(fig, SAMPLE_MARK, 1 - 28 / height, max(16, size * 1.1), "white", bold=True)
    return top


def social_graphic(fig: dict, frame: Frame, preset: str) -> go.Figure:
    """A headline figure as a social graphic: title, the number, what it counts, claim status, source.

    The title and subtitle hang from the top; the footer, the 'as of' line, the claim line and the counts
    stand on each other from the bottom; the number sits between, a little above the middle."""
    width, height = PRESETS[preset]
    unit = min(width, height)
    out = _canvas(width, height)
    top = 1 - (70 if frame.sample else 20) / height - 0.06
    title_size, sub_size, body_size, claim_size = unit * 0.048, unit * 0.026, unit * 0.032, unit * 0.026
    title = wrap(frame.title, width * 0.86, title_size)
    _text(out, title, top, title_size, DARK, bold=True, yanchor="top")
    subtitle = wrap(frame.subtitle, width * 0.86, sub_size)
    sub_top = top - _height(title, title_size, height) - 8 / height
    _text(out, subtitle, sub_top, sub_size, theme.MUTED, yanchor="top")
    text, colour = claim_line(fig)
    blocks = [(wrap(as_of_line(fig), width * 0.82, claim_size), claim_size, WARN, True)] if as_of_line(fig) else []
    blocks += [(wrap(text, width * 0.82, claim_size), claim_size, colour, False),
               (wrap(figure_statement(fig), width * 0.8, body_size), body_size, theme.INK, False)]
    stack_top = _stack(out, blocks, _footer(out, frame, width, height, unit * 0.02) + 10 / height, height)
    room_top = sub_top - _height(subtitle, sub_size, height) - 12 / height
    room = room_top - stack_top - 12 / height
    number_size = min(unit * 0.2, room * height / 0.9)  # smaller when long wording leaves less room
    half = 0.45 * number_size / height  # digits stand about 0.9 em tall
    centre = min(max(0.55, stack_top + 12 / height + half), room_top - half)
    _text(out, figure_value(fig), centre, number_size, ACCENT if fig["verdict"] != "no data" else theme.MUTED,
          bold=True)
    return out


def stat_card(fig: dict, frame: Frame) -> go.Figure:
    """A badge: the number inside a ring, the label around it, the source below."""
    width, height = PRESETS["square"]
    out = _canvas(width, height)
    out.add_shape(type="circle", xref="paper", yref="paper", x0=0.17, x1=0.83, y0=0.24, y1=0.90,
                  line=dict(color=ACCENT, width=18), fillcolor="#fff5f5")
    _text(out, figure_value(fig), 0.60, 150, ACCENT, bold=True)
    _text(out, wrap(frame.title, 520, 30), 0.44, 30, DARK, bold=True)
    status = {"supported": "Checked against the data", "not supported": "Corrected from the source",
              "no data": "No data"}[fig["verdict"]]
    if fig.get("stale"):
        status = f"True for {fig['period']}; out of date"
    _text(out, status, 0.33, 26, WARN if fig.get("stale") else "#146c43" if fig["verdict"] == "supported"
          else theme.MUTED)
    if as_of_line(fig):
        _text(out, wrap(as_of_line(fig), 860, 22), 0.205, 22, WARN, bold=True)
    _footer(out, frame, width, height, 22 if not frame.note else 18)
    return out


def signage(fig: dict, frame: Frame, preset: str, scenario_title: str, tips: list[str]) -> go.Figure:
    """Store signage for print: the figure, the matching guidance tips and the call to take the pledge."""
    width, height = PRESETS[preset]
    out = _canvas(width, height)
    top = 1 - (70 if frame.sample else 30) / height
    _text(out, wrap("Protect your store, your staff and your customers", width * 0.86, 34), top - 0.05, 34, DARK,
          bold=True, yanchor="top")
    _text(out, wrap(frame.title, width * 0.86, 20), top - 0.15, 20, theme.MUTED, yanchor="top")
    _text(out, figure_value(fig), top - 0.28, 110, ACCENT, bold=True)
    _text(out, wrap(figure_statement(fig), width * 0.84, 18), top - 0.38, 18)
    text, colour = claim_line(fig)
    as_of = as_of_line(fig)
    _text(out, wrap(text, width * 0.84, 15) + (f"<br><b>{wrap(as_of, width * 0.84, 15)}</b>" if as_of else ""),
          top - 0.44, 15, WARN if as_of else colour)
    _text(out, wrap(f"What to do: {scenario_title}", width * 0.86, 24), top - 0.52, 24, DARK, x=0.07, anchor="left",
          bold=True)
    lines = [wrap(f"• {tip}", width * 0.84, 17) for tip in tips[:3]]
    _text(out, "<br>".join(lines), top - 0.56, 17, x=0.07, anchor="left", yanchor="top")
    foot = _footer(out, frame, width, height, 13)
    bar = max(0.10, foot + 12 / height)  # the pledge stands on the footer, however many lines it has
    out.add_shape(type="rect", xref="paper", yref="paper", x0=0.07, x1=0.93, y0=bar, y1=bar + 0.07, fillcolor=DARK,
                  line_width=0)
    _text(out, wrap(PLEDGE, width * 0.8, 21), bar + 0.035, 21, "white", bold=True)
    return out


def chart_graphic(chart: go.Figure, frame: Frame, preset: str, headline: str | None = None) -> go.Figure:
    """A dashboard chart at a preset size with title, subtitle, source, dates and sample mark baked in."""
    width, height = PRESETS[preset]
    out = go.Figure(chart)
    unit = min(width, height)
    band = 56 if frame.sample else 0
    title_size, sub_size, foot_size = unit * 0.036, unit * 0.021, max(11.0, unit * 0.016)
    title = wrap(frame.title, width * 0.92, title_size)
    subtitle = wrap(frame.subtitle + (f" · {headline}" if headline else ""), width * 0.92, sub_size)
    top = band + 24 + title_size * 1.3 * (title.count("<br>") + 1) + sub_size * 1.4 * (subtitle.count("<br>") + 1) + 50
    lines = [*([frame.note] if frame.note else []), frame.source,
             f"Data {frame.date_range} · Made {frame.made_on:%d %B %Y}"]
    footer = "<br>".join(wrap(x, width * 0.92, foot_size) for x in lines)
    # under the plot: tick labels and the axis title (about 70 px), then every line of the footer
    bottom = 40 + foot_size * 1.4 * max(3, footer.count("<br>") + 1)
    axis = 70 if chart.layout.xaxis.title.text else 40
    out.update_layout(width=width, height=height, margin=dict(l=60, r=40, t=top, b=bottom + axis - 10), title=None,
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0))
    plot_h = height - top - bottom - axis + 10
    to_paper = lambda px_from_plot_top: 1 + px_from_plot_top / plot_h  # noqa: E731
    out.add_annotation(text=f"<b>{title}</b>", x=0, y=to_paper(top - band - 20), xref="paper", yref="paper",
                       xanchor="left", yanchor="top", align="left", showarrow=False,
                       font=dict(size=title_size, color=DARK, family=theme.FONT))
    out.add_annotation(text=subtitle, x=0, y=to_paper(top - band - 24 - title_size * 1.3 * (title.count("<br>") + 1)),
                       xref="paper", yref="paper", xanchor="left", yanchor="top", align="left", showarrow=False,
                       font=dict(size=sub_size, color=theme.MUTED, family=theme.FONT))
    out.add_annotation(text=footer, x=0, y=-(bottom + axis - 20) / plot_h, xref="paper", yref="paper", xanchor="left", yanchor="bottom",
                       align="left", showarrow=False, font=dict(size=foot_size, color=theme.MUTED, family=theme.FONT))
    if frame.sample:
        plot_w = width - 100  # margins l=60, r=40
        out.add_shape(type="rect", xref="paper", yref="paper", x0=-60 / plot_w, x1=1 + 40 / plot_w,
                      y0=to_paper(top), y1=to_paper(top - band), fillcolor=WARN, line_width=0, layer="above")
        out.add_annotation(text=f"<b>{SAMPLE_MARK}</b>", x=0.5, y=to_paper(top - band / 2), xref="paper", yref="paper",
                           showarrow=False, font=dict(size=max(14, unit * 0.02), color="white", family=theme.FONT))
    return out
