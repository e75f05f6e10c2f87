"""Figures for general crime beside jewelry crime: DataFrame in, plotly Figure out (dashboard.theme).

Pure functions, no queries and no Dash; the tables come from dashboard.metrics_context and the share
page's data prep. The map's general-crime layer is dashboard.figures.map_figure and the index line is
dashboard.figures_trends.index_figure.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import theme
from etl.stats import fmt_change

COUNTRY_COLOURS = {"US": "#0072B2", "CA": "#D55E00"}
COUNTRY_NAMES = {"US": "United States", "CA": "Canada"}
LINE_COLOUR = "#6c757d"
SHARE_COLOUR = theme.NIBRS_COLOURS["property"]


def _change(pct: float, prior_year: object) -> str:
    if pct is None or not np.isfinite(pct):
        return "no prior-year figure"
    return f"{fmt_change(pct)} on {int(prior_year)}"  # type: ignore[call-overload]


def general_bars(rows: pd.DataFrame, region_name: str, height: int = 320) -> go.Figure:
    """One bar per general measure: the region's rate as a multiple of its country's national rate (1 = the
    national rate, a dashed line), each under a label with the rate, the rank and the change on the prior year
    (labels above the bars, so they fit a phone's width).

    `rows`: measure, label, year, rate, rank, ranked, change_pct, national_rate, times_national.
    Built from plain dicts, as plotly writes them (its checks were most of the chart's time).
    """
    d = rows[rows["times_national"].notna()].reset_index(drop=True)
    n = len(d)
    ys = [n - 1 - i for i in range(n)]  # the first row on top
    bar = dict(type="bar", x=d["times_national"].to_numpy(), y=[y - 0.2 for y in ys], orientation="h", width=0.32,
               marker=dict(color=theme.MUTED), text=[f"{t:.2f}×" for t in d["times_national"]], textposition="outside",
               cliponaxis=False,
               hovertemplate=(f"<b>%{{customdata[0]}}</b>, {region_name} %{{customdata[3]}}: %{{customdata[1]:,.1f}} "
                              "per 100,000<br>National rate %{customdata[2]:,.1f}: %{x:.2f} times it<extra></extra>"))
    if n:
        bar["customdata"] = np.column_stack([d["label"], d["rate"], d["national_rate"], d["year"]])
    annotations = []
    for r, y in zip(d.itertuples(), ys):
        name = str(r.label).split(" (")[0]
        annotations.append(dict(x=0, y=y + 0.02, xref="x", yref="y", xanchor="left", yanchor="bottom", align="left",
                                showarrow=False, font=dict(size=12, color=theme.INK), bgcolor="rgba(255,255,255,0.85)",
                                text=(f"<b>{name}</b>: {r.rate:,.1f} per 100,000<br>rank {int(r.rank)} of "
                                      f"{int(r.ranked)} · {_change(r.change_pct, r.year - 1)}")))
    national = dict(type="line", x0=1, x1=1, xref="x", y0=0, y1=1, yref="y domain",  # as add_vline writes it
                    line=dict(color=theme.INK, width=1.5, dash="dash"))
    top = float(d["times_national"].max()) if n else 1.0
    layout = dict(height=height, showlegend=False, margin=dict(l=10, r=20, t=10, b=50),
                  xaxis=dict(range=[0, max(top, 1.0) * 1.3], rangemode="tozero",
                             title=dict(text="Times the national rate (dashed line = 1)")),
                  yaxis=dict(visible=False, range=[-0.55, n - 0.3]), shapes=[national],
                  **({"annotations": annotations} if annotations else {}))
    return theme.figure([bar], **layout)


def scatter_figure(points: pd.DataFrame, slope: float | None, x_label: str, y_label: str,
                   line_label: str = "Proportional to general crime", height: int = 480) -> go.Figure:
    """Jewelry crime (y) against general crime (x, log scale), one labelled point per place, coloured by
    country, with the line of proportionality y = slope * x (slope = the places' pooled ratio).

    `points`: code, name, country, general_rate, jewelry_per_million, ratio. Built from plain dicts, as
    plotly writes them.
    """
    data: list[dict] = []
    # general rates span a wide range (the District of Columbia's is several times any state's): a log axis
    # keeps the crowd apart; the line of proportionality is drawn through many points so it stays a line
    xs_all = points.loc[points["general_rate"] > 0, "general_rate"] if len(points) else pd.Series(dtype=float)
    lo, hi = (float(xs_all.min()) * 0.8, float(xs_all.max()) * 1.25) if len(xs_all) else (1.0, 10.0)
    if slope is not None and len(points):
        xs = list(np.geomspace(lo, hi, 60))
        data.append(dict(type="scatter", x=xs, y=[x * slope for x in xs], mode="lines", name=line_label,
                         line=dict(color=LINE_COLOUR, width=1.5, dash="dash"), hoverinfo="skip"))
    for country, part in points.groupby("country", sort=False):
        ratio = [f"{r:.1f} times" if np.isfinite(r) else "n/a" for r in part["ratio"]]
        data.append(dict(
            type="scatter", x=part["general_rate"].to_numpy(), y=part["jewelry_per_million"].to_numpy(),
            mode="markers+text", text=part["code"].to_numpy(dtype=object), textposition="top center",
            textfont=dict(size=12, color=theme.INK), name=COUNTRY_NAMES.get(str(country), str(country)),
            marker=dict(size=9, color=COUNTRY_COLOURS.get(str(country), theme.MUTED), line=dict(color="white", width=1)),
            customdata=np.column_stack([part["code"], part["name"], ratio]),
            hovertemplate=(f"<b>%{{customdata[1]}}</b><br>{y_label}: %{{y:,.2f}}<br>{x_label}: %{{x:,.1f}}"
                           "<br>%{customdata[2]} what its general crime suggests"
                           "<br><i>Click for the regional page</i><extra></extra>")))
    top_y = float(points["jewelry_per_million"].max()) if len(points) else 1.0
    layout = dict(height=height, margin=dict(l=60, r=20, t=40, b=60),
                  xaxis=dict(type="log", range=[np.log10(lo), np.log10(hi)],
                             tickvals=[v for v in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)
                                       if lo <= v <= hi],
                             title=dict(text=x_label + " (log scale)", font=dict(size=12))),
                  yaxis=dict(range=[0, top_y * 1.15], title=dict(text=y_label)))
    return theme.figure(data, **layout)


def share_years_figure(rows: pd.DataFrame, claim_year: int | None, claim_share: float | None = None,
                       height: int = 360) -> go.Figure:
    """The property class's share of all NIBRS offenses, one bar per year loaded; the claim's year is
    marked, and the claimed share (when it may be shown) is a dashed line.

    `rows`: year, share_pct, property, total.
    """
    colours = [SHARE_COLOUR if y == claim_year else "#f4a582" for y in rows["year"]]
    bar = dict(type="bar", x=rows["year"].astype(str).to_numpy(dtype=object), y=rows["share_pct"].to_numpy(),
               marker=dict(color=colours), text=[f"{s:.1f}%" for s in rows["share_pct"]], textposition="inside",
               insidetextanchor="end", textfont=dict(color=theme.INK, size=12),
               hovertemplate=("<b>%{x}</b>: %{y:.1f}% of offenses were crimes against property<br>"
                              "%{customdata[0]:,.0f} of %{customdata[1]:,.0f}<extra></extra>"))
    if len(rows):
        bar["customdata"] = np.column_stack([rows["property"], rows["total"]])
    marks: dict[str, list[dict[str, Any]]] = {}
    if claim_share is not None:  # a dashed line labelled at its top left, as plotly's add_hline writes it
        marks["shapes"] = [dict(type="line", x0=0, x1=1, xref="x domain", y0=claim_share, y1=claim_share, yref="y",
                                line=dict(color=theme.INK, width=1.5, dash="dash"))]
        marks["annotations"] = [dict(text=f"campaign claim ({claim_year}): {claim_share:g}%", font=dict(size=12),
                                     bgcolor="rgba(255,255,255,0.85)", showarrow=False, x=0, xanchor="left",
                                     xref="x domain", y=claim_share, yanchor="bottom", yref="y")]
    top = max([float(rows["share_pct"].max()) if len(rows) else 0.0, claim_share or 0.0, 10.0])
    return theme.figure([bar], height=height, showlegend=False,
                        xaxis=dict(title=dict(text="NIBRS year"), type="category"),
                        yaxis=dict(title=dict(text="Crimes against property, % of offenses"),
                                   range=[0, min(100.0, top * 1.2)]), margin=dict(l=60, r=20, t=40, b=50), **marks)


def share_states_figure(rows: pd.DataFrame, national: float | None = None, height: int = 420) -> go.Figure:
    """Property share by state, highest on top, with the national share (same year) as a line.

    `rows`: code, name, share_pct, property, total (sorted highest first).
    """
    d = rows.iloc[::-1]
    bar = dict(type="bar", x=d["share_pct"].to_numpy(), y=d["name"].to_numpy(dtype=object), orientation="h",
               marker=dict(color=SHARE_COLOUR), text=[f"{s:.1f}%" for s in d["share_pct"]], textposition="outside",
               cliponaxis=False,
               hovertemplate="<b>%{y}</b>: %{x:.1f}%<br>%{customdata[0]:,.0f} of %{customdata[1]:,.0f} offenses"
                             "<extra></extra>")
    if len(d):
        bar["customdata"] = np.column_stack([d["property"], d["total"]])
    marks: dict[str, list[dict[str, Any]]] = {}
    if national is not None:  # a dashed line labelled over its top, as plotly's add_vline writes it
        marks["shapes"] = [dict(type="line", x0=national, x1=national, xref="x", y0=0, y1=1, yref="y domain",
                                line=dict(color=theme.INK, width=1.5, dash="dash"))]
        marks["annotations"] = [dict(text=f"national {national:.1f}%", font=dict(size=12), showarrow=False, x=national,
                                     xanchor="center", xref="x", y=1, yanchor="bottom", yref="y domain")]
    return theme.figure([bar], height=max(height, 80 + 22 * len(d)), showlegend=False,
                        xaxis=dict(title=dict(text="Crimes against property, % of NIBRS offenses"), range=[0, 100]),
                        yaxis=dict(automargin=True), margin=dict(l=10, r=30, t=30, b=50), **marks)
