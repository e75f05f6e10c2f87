"""Figures as pure functions: DataFrame in, plotly Figure out, one theme.

No queries here and no Dash: the same functions serve the dashboard and the
image exports.
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import theme
from dashboard.plain_figure import PlainFigure
from etl.config import GEO_FILE
from etl.stats import fmt_change

GEOJSON_URL = "/geo/us_ca_admin1.geojson"


def fmt_value(value: float | None, metric: str) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "no data"
    if metric == "losses":
        if value >= 1e6:
            return f"${value / 1e6:,.1f}M"
        return f"${value:,.0f}"
    if metric == "incidents":
        return f"{value:,.1f}" if value and value < 10 and value != int(value) else f"{value:,.0f}"
    if metric == "rate":  # general crime per 100,000 residents
        return f"{value:,.1f}"
    return f"{value:,.2f}"


@lru_cache(maxsize=1)
def geojson() -> dict[str, Any]:
    """The committed boundary file (the same one the ETL checks coordinates against)."""
    return json.loads(GEO_FILE.read_text())


def map_figure(table: pd.DataFrame, breaks: list[float], metric_label: str, metric: str,
               geo: str | dict = GEOJSON_URL, height: int = 560, outline: list[str] | None = None,
               outline_label: str = "") -> go.Figure:
    """Choropleth of states and provinces in five fixed classes, 'no data' in grey.

    `table` is metrics.region_table() (or metrics_context.context_table() renamed to its columns); an
    optional `more` column holds extra hover lines (HTML) per region, e.g. the other layer's figures.
    `outline`: region codes drawn with a heavy dark border (a trace of their own), explained by
    `outline_label` under the map. `geo` is the boundary URL in the browser and the GeoJSON itself for
    image export.
    """
    from dashboard.metrics import break_labels

    scale = []
    for i, colour in enumerate(theme.CLASS_COLOURS):
        scale += [(i / 5, colour), ((i + 1) / 5, colour)]
    # the rows as plain values, read once: pandas per row (itertuples, boolean masks per trace) cost more
    # than the whole figure
    rows = plain_rows(table, ["code", "name", "value", "rank", "ranked", "change_pct", "reliable", "risk_label",
                              "risk_class"], optional={"change_text": None, "more": "", "no_value_reason": ""})
    have = [r for r in rows if not _missing(r["risk_class"])]
    none = [r for r in rows if _missing(r["risk_class"])]

    def hover(part: list[dict[str, Any]]) -> list[list[str]]:
        out = []
        for r in part:
            rank = f"{int(r['rank'])} of {int(r['ranked'])}" if not _missing(r["rank"]) else "not ranked"
            if isinstance(r["change_text"], str):
                change = r["change_text"]
            elif _missing(r["change_pct"]):
                change = "no prior-year incidents to compare"
            elif not r["reliable"]:
                change = f"{fmt_change(r['change_pct'])} (too few incidents to compare)"
            else:
                change = fmt_change(r["change_pct"])
            out.append([r["name"], fmt_value(r["value"], metric), rank, change, r["risk_label"], r["more"] or ""])
        return out

    template = ("<b>%{customdata[0]}</b><br>" + metric_label + ": %{customdata[1]}<br>Rank: %{customdata[2]}"
                "<br>Change on prior year: %{customdata[3]}<br>%{customdata[4]}%{customdata[5]}"
                "<br><i>Click for the regional page</i><extra></extra>")
    traces: list[dict[str, Any]] = []  # plain dicts: the figure is made without plotly's per-property checks
    # nested dicts, not magic underscores (marker_line_color): the traces reach plotly.js as written
    common = dict(geojson=geo, featureidkey="properties.code", marker=dict(line=dict(color="white", width=0.6)))
    heavy_codes = set(outline or [])
    for subplot, hawaii in (("geo", False), ("geo2", True)):  # Hawaii gets an inset
        part_have = [r for r in have if r["code"] == "HI"] if hawaii else have
        part_none = [r for r in none if r["code"] == "HI"] if hawaii else none
        traces.append(dict(type="choropleth",
            **common, geo=subplot, locations=[r["code"] for r in part_have], z=[r["risk_class"] for r in part_have],
            zmin=-0.5, zmax=4.5, colorscale=scale, customdata=hover(part_have), name="", showscale=False,
            showlegend=False, hovertemplate=template,
        ))
        traces.append(dict(type="choropleth",
            **common, geo=subplot, locations=[r["code"] for r in part_none], z=[0] * len(part_none),
            colorscale=[(0, theme.NO_DATA_COLOUR), (1, theme.NO_DATA_COLOUR)], showscale=False, showlegend=False,
            customdata=[[r["name"], r["no_value_reason"] or "No data for this selection"] for r in part_none],
            name="No data", hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>",
        ))
        heavy = [r for r in part_have if r["code"] in heavy_codes]
        if len(heavy):  # a border of its own on top: the fill below stays visible, the hover says why
            traces.append(dict(type="choropleth",
                geojson=geo, featureidkey="properties.code", geo=subplot, locations=[r["code"] for r in heavy],
                z=[0] * len(heavy), colorscale=[(0, "rgba(0,0,0,0)"), (1, "rgba(0,0,0,0)")], showscale=False,
                marker=dict(line=dict(color=theme.INK, width=3)), customdata=hover(heavy), name=outline_label,
                hovertemplate=template, showlegend=False,
            ))
    # the key is a legend (it wraps on a phone, where a colour bar would squeeze the map): one empty
    # marker trace per class, then 'no data', then the outline when one is drawn
    key = list(zip(break_labels(breaks, metric), theme.CLASS_COLOURS)) + [("No data", theme.NO_DATA_COLOUR)]
    for label, colour in key:
        traces.append(dict(type="scattergeo", lon=[None], lat=[None], geo="geo", mode="markers", name=label, hoverinfo="skip",
                                    marker=dict(symbol="square", size=13, color=colour, line=dict(color="#adb5bd", width=1))))
    if outline and outline_label and any(r["code"] in heavy_codes for r in have):
        traces.append(dict(type="scattergeo", lon=[None], lat=[None], geo="geo", mode="markers", name=outline_label,
                                    hoverinfo="skip", marker=dict(symbol="square-open", size=13, color=theme.INK,
                                                                  line=dict(width=3))))
    return plain_figure(traces, map_layout(metric_label, height))


def _missing(value: Any) -> bool:
    """None, NaN or NA: pd.isna for one plain value."""
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def plain_rows(table: pd.DataFrame, columns: list[str], optional: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The rows of `table` as dicts of plain Python values (one `tolist` per column, no pandas per row);
    `optional` columns get their default where the table has none."""
    optional = optional or {}
    names = columns + [c for c in optional if c in table.columns]
    defaults = {k: v for k, v in optional.items() if k not in table.columns}
    values = [table[c].tolist() for c in names]
    return [{**defaults, **dict(zip(names, row))} for row in zip(*values)]


def plain_figure(data: list[dict[str, Any]], layout: dict[str, Any]) -> PlainFigure:
    """A figure from plain trace and layout dicts built here, without plotly's per-property checks or objects
    (the same JSON reaches the browser; tests/test_cache.py compares it with the validated build)."""
    return PlainFigure(data, layout)


def map_layout(metric_label: str, height: int) -> dict[str, Any]:
    """The map's layout: the conic projection, Hawaii's inset and the key under the map."""
    return theme.layout(
        # nested dicts, not magic underscores: unvalidated layout is passed to plotly.js as written
        geo=dict(visible=False, domain=dict(x=[0, 1], y=[0, 1]), bgcolor="white",
                 projection=dict(type="conic conformal", parallels=[40, 60], rotation=dict(lon=-97)),
                 lonaxis=dict(range=[-150, -52]), lataxis=dict(range=[24, 72])),
        geo2=dict(visible=False, domain=dict(x=[0, 0.14], y=[0, 0.16]), bgcolor="white",
                  projection=dict(type="conic conformal", rotation=dict(lon=-157)),
                  lonaxis=dict(range=[-160.5, -154.5]), lataxis=dict(range=[18.7, 22.4])),
        height=height, margin=dict(l=0, r=0, t=10, b=0), dragmode=False,
        legend=dict(title=dict(text=f"<b>{metric_label}</b>", side="top"), orientation="h", x=0, xanchor="left",
                    y=0, yanchor="top", itemclick=False, itemdoubleclick=False, font=dict(size=12),
                    traceorder="normal"),
    )


def category_label(category: str, labels: dict[str, str]) -> str:
    return labels.get(category, category.replace("_", " ").title())


def empty(message: str, height: int = 300) -> go.Figure:
    """No chart, only a message in its middle (axes hidden)."""
    note = dict(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                font=dict(size=15, color=theme.MUTED))
    return theme.figure([], annotations=[note], height=height, xaxis=dict(visible=False), yaxis=dict(visible=False))
