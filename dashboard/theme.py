"""One look for every chart: colours, fonts, the plotly template."""
from __future__ import annotations

from functools import lru_cache

import plotly.graph_objects as go
import plotly.io as pio

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
INK = "#212529"
MUTED = "#6c757d"
GRID = "#e9ecef"

# Okabe-Ito: distinguishable with the common colour-vision deficiencies
CATEGORY_COLOURS = {
    "robbery": "#D55E00",
    "burglary": "#0072B2",
    "theft": "#E69F00",
    "off_premises": "#009E73",
    "other": "#999999",
}
SOURCE_COLOURS = {"JSA": "#0072B2", "JM": "#CC79A7", "combined": "#000000"}
NIBRS_COLOURS = {"property": "#D55E00", "persons": "#0072B2", "society": "#009E73"}

# ColorBrewer YlOrRd, 5 classes (sequential, colour-blind safe), low -> high
CLASS_COLOURS = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
CLASS_LABELS = ["Low crime", "Moderately low", "Moderate", "Moderately high", "High crime"]
NO_DATA_COLOUR = "#d0d0d0"

TEMPLATE = go.layout.Template(
    layout=go.Layout(
        font=dict(family=FONT, color=INK, size=13),
        title=dict(font=dict(size=16), x=0, xanchor="left"),
        paper_bgcolor="white",
        plot_bgcolor="white",
        colorway=list(CATEGORY_COLOURS.values()),
        # automargin: on a phone, tick labels turn sideways and long ones need room; the margin grows for
        # them rather than the labels running into the axis title
        xaxis=dict(gridcolor=GRID, zerolinecolor=GRID, linecolor="#adb5bd", ticks="outside", automargin=True),
        yaxis=dict(gridcolor=GRID, zerolinecolor="#adb5bd", rangemode="tozero", automargin=True),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, title_text=""),
        margin=dict(l=60, r=20, t=40, b=50),
        hoverlabel=dict(font=dict(family=FONT)),
        separators=".,",
    )
)
pio.templates["jewelcrime"] = TEMPLATE
# every go.Figure() starts with this theme: putting a template on a figure afterwards (update_layout) validates
# it again, which cost more than the rest of most charts; a new figure takes the default as it is
pio.templates.default = "jewelcrime"


@lru_cache(maxsize=1)
def _template_json() -> dict:
    return TEMPLATE.to_plotly_json()


def layout(**values: object) -> dict:
    """The theme as a plain layout dict, for figures built with `_validate=False` (where update_layout's
    template pass would re-check every trace)."""
    return {"template": _template_json(), **values}


def figure(data: list[dict], **values: object) -> go.Figure:
    """Traces and layout written as plotly writes them, themed, without its per-property checks: they were most
    of a small chart's time (one update_layout, 8 ms). Tests check that every figure made this way validates."""
    return go.Figure(data=data, layout=layout(**values), _validate=False)


def apply(fig: go.Figure, **layout: object) -> go.Figure:
    """The theme and `layout` on a figure made here (go.Figure() starts with the theme: see above)."""
    fig.update_layout(**layout)
    return fig
