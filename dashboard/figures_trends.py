"""Trend charts as pure functions: DataFrame in, plotly Figure out (dashboard.theme).

Tables come from dashboard.metrics_trends. A bar or point that names a crime
category carries customdata [guidance tag, ...] so a click opens its guidance.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import theme
from etl.stats import UNRELIABLE_BELOW, fmt_change

CONTEXT_COLOUR = "#0072B2"  # the general-crime line (Okabe-Ito blue; the jewelry index is ink, the claim vermilion)
UNRELIABLE_NOTE = f"* fewer than {UNRELIABLE_BELOW} incidents in one of the two years: the change is unreliable"


def change_label(pct: float, reliable: bool) -> str:
    """Short label over a bar: '+12.5%', '-40.0%*' (unreliable) or '' (nothing to compare)."""
    if pct is None or not np.isfinite(pct):
        return ""
    return fmt_change(pct) + ("" if reliable else "*")


def _change_hover(pct: float, reliable: bool, prior_word: str) -> str:
    if pct is None or not np.isfinite(pct):
        return f"no {prior_word} to compare with"
    text = f"{fmt_change(pct)} on {prior_word}"
    return text if reliable else text + f" (unreliable: fewer than {UNRELIABLE_BELOW} incidents)"


def stacked_by_category(table: pd.DataFrame, cats: list[str], labels: dict[str, str], tags: dict[str, str],
                        x_title: str = "Year", y_title: str = "Incidents", prior_word: str = "the year before",
                        height: int = 420) -> go.Figure:
    """Stacked bars, one per year and one colour per category, with the change on the prior period on top.

    `table`: one row per year with a column per category, total, change_pct, reliable. Built from plain dicts,
    as plotly writes them; tests check it validates.
    """
    years = table["year"].to_numpy()
    hover = [_change_hover(p, r, prior_word) for p, r in zip(table["change_pct"], table["reliable"])]
    data: list[dict[str, Any]] = []
    for cat in cats:
        label = labels.get(cat, cat)
        custom = np.column_stack([[tags.get(cat, "")] * len(table), [label] * len(table), table["total"], hover])
        data.append(dict(type="bar", x=years, y=table[cat].to_numpy(), name=label,
                         marker=dict(color=theme.CATEGORY_COLOURS.get(cat, "#777")), customdata=custom,
                         hovertemplate=("<b>%{customdata[1]}</b>, %{x}: %{y:,} incidents<br>All shown: "
                                        "%{customdata[2]:,}, %{customdata[3]}"
                                        + ("<br><i>Click for guidance</i>" if tags.get(cat) else "") + "<extra></extra>")))
    text = [change_label(p, r) for p, r in zip(table["change_pct"], table["reliable"])]
    # a zero-height bar on top of each stack carries the change label: outside text that is hidden,
    # not overlapped, when the bars get too narrow for it (uniformtext)
    data.append(dict(type="bar", x=years, y=[0] * len(table), text=text, textposition="outside", name="Change",
                     textfont=dict(size=12, color=theme.INK), marker=dict(color="rgba(0,0,0,0)"), showlegend=False,
                     hoverinfo="skip", cliponaxis=False))
    top = float(table["total"].max()) if len(table) else 0.0
    annotations = []
    if not all(table["reliable"] | table["change_pct"].isna()):
        annotations.append(dict(text=UNRELIABLE_NOTE, showarrow=False, x=0, y=-0.2, xref="paper", yref="paper",
                                xanchor="left", font=dict(size=12, color=theme.MUTED)))
    layout = dict(barmode="stack", height=height, uniformtext=dict(minsize=12, mode="hide"),
                  xaxis=dict(dtick=1, title=dict(text=x_title)),
                  yaxis=dict(range=[0, top * 1.15 + 1], title=dict(text=y_title)),  # room for the labels
                  margin=dict(l=60, r=20, t=40, b=70), legend=dict(traceorder="normal"),
                  **({"annotations": annotations} if annotations else {}))
    return theme.figure(data, **layout)


def index_figure(table: pd.DataFrame, base_year: int, claim: dict[str, Any] | None, tag: str = "",
                 height: int = 420, context: pd.DataFrame | None = None, context_label: str = "",
                 country: pd.DataFrame | None = None, country_label: str = "") -> go.Figure:
    """Each year as an index (base year = 100); the campaign's claim as a dashed reference line.

    `claim`: {"index": 150.0, "year": 2022, "label": "..."} or None. An
    unreliable point (fewer than UNRELIABLE_BELOW incidents) is drawn hollow.
    `context`: the national general-crime rate indexed to the same base year
    (metrics_context.index_line: year, rate, index), drawn as a dotted line named `context_label`.
    Built from plain dicts, as plotly writes them (its checks were most of the chart's time); tests check it
    validates.
    """
    reliable = table["reliable"].tolist()
    hover = [("" if r else f" (unreliable: fewer than {UNRELIABLE_BELOW} incidents)") for r in reliable]
    since = [fmt_change(c) if np.isfinite(c) else "n/a" for c in table["change_since_base_pct"]]
    custom = np.column_stack([[tag] * len(table), table["incidents"], since, hover])
    data: list[dict[str, Any]] = [dict(
        type="scatter", x=table["year"].to_numpy(), y=table["index"].to_numpy(), mode="lines+markers",
        name=f"Index ({base_year} = 100)", line=dict(color=theme.INK, width=2.5),
        marker=dict(size=9, color=["white" if not r else theme.INK for r in reliable], line=dict(color=theme.INK, width=2)),
        customdata=custom,
        hovertemplate=(f"<b>%{{x}}</b>: index %{{y:.1f}} ({base_year} = 100)<br>%{{customdata[1]:,}} "
                       f"incidents, %{{customdata[2]}} since {base_year}%{{customdata[3]}}<extra></extra>"))]
    shapes = [_hline(100, dict(color="#adb5bd", width=1))]
    annotations: list[dict[str, Any]] = []
    if claim is not None:
        colour = theme.CATEGORY_COLOURS["robbery"]
        shapes.append(_hline(claim["index"], dict(color=colour, width=2, dash="dash")))
        annotations.append(dict(text=claim["label"], font=dict(color=colour, size=12), bgcolor="rgba(255,255,255,0.85)",
                                showarrow=False, x=0, xanchor="left", xref="x domain", y=claim["index"],
                                yanchor="bottom", yref="y"))  # where plotly's add_hline puts a "top left" label
        data.append(dict(type="scatter", x=[claim["year"]], y=[claim["index"]], mode="markers", name="Campaign claim",
                         marker=dict(symbol="diamond", size=12, color=colour),
                         hovertemplate=claim["label"] + "<extra></extra>"))
    drawn_context = bool(context is not None and len(context) and context["index"].notna().any())
    if drawn_context:
        assert context is not None
        data.append(dict(type="scatter", x=context["year"].to_numpy(), y=context["index"].to_numpy(),
                         mode="lines+markers", name=context_label, line=dict(color=CONTEXT_COLOUR, width=2, dash="dot"),
                         marker=dict(size=7, symbol="square", color=CONTEXT_COLOUR),
                         customdata=np.column_stack([[""] * len(context), context["rate"]]),
                         hovertemplate=(f"<b>%{{x}}</b>: {context_label}, index %{{y:.1f}} ({base_year} = 100)<br>"
                                        "%{customdata[1]:,.1f} per 100,000 residents<extra></extra>")))
    drawn_country = bool(country is not None and len(country) and country["index"].notna().any())
    if drawn_country:  # the chosen regions' whole country, indexed the same way
        assert country is not None
        data.append(dict(type="scatter", x=country["year"].to_numpy(), y=country["index"].to_numpy(), mode="lines",
                         name=country_label, line=dict(color=theme.MUTED, width=2, dash="dash"),
                         hovertemplate=f"<b>%{{x}}</b>: {country_label}, index %{{y:.1f}}<extra></extra>"))
    if not all(reliable):
        annotations.append(dict(text=f"Hollow point: fewer than {UNRELIABLE_BELOW} incidents, the index is unreliable",
                                showarrow=False, x=0, y=-0.2, xref="paper", yref="paper", xanchor="left",
                                font=dict(size=12, color=theme.MUTED)))
    values = [v for v in table["index"] if np.isfinite(v)] + ([claim["index"]] if claim else []) + [100]
    if drawn_context:
        values += [float(v) for v in context["index"] if np.isfinite(v)]
    if drawn_country:
        values += [float(v) for v in country["index"] if np.isfinite(v)]
    layout = dict(height=height, xaxis=dict(dtick=1, title=dict(text="Year")),
                  yaxis=dict(range=[0, max(values) * 1.12], title=dict(text=f"Index ({base_year} = 100)")),
                  margin=dict(l=60, r=20, t=40, b=70), shapes=shapes, annotations=annotations)
    return theme.figure(data, **layout)


def _hline(y: float, line: dict[str, Any]) -> dict[str, Any]:
    """A line across the plot at `y`, as plotly's add_hline writes it."""
    return dict(type="line", x0=0, x1=1, xref="x domain", y0=y, y1=y, yref="y", line=line)


def annotate_comparison(fig: go.Figure, lines: list[str], x: int, y: float) -> go.Figure:
    """A boxed note pointing at one bar (the half-year comparison computed from the data)."""
    fig.add_annotation(text="<br>".join(lines), x=x, y=y, showarrow=True, arrowhead=2, ax=-120, ay=-10,
                       align="left", bgcolor="rgba(255,255,255,0.92)", bordercolor="#adb5bd", borderwidth=1,
                       font=dict(size=12), xanchor="right")
    return fig


def seasonality_figure(table: pd.DataFrame, years: list[int], shown: list[int], tag: str = "",
                       height: int = 420) -> go.Figure:
    """Average incidents per calendar month (bars) and one line per year (the latest few shown).

    The y axis is fixed to the highest value of any year, shown or not, so a year clicked on in the legend
    is never cut off at the top. The years' legend is a grid of equal entries (three to a row on a phone,
    one row on a desktop) under a title that says what the bars are. Built from plain dicts (up to sixteen
    traces: plotly's per-property checks were half the chart's time); tests check it validates.
    """
    months = table["month_name"].tolist()
    label = f"Average {years[0]}-{years[-1]}" if len(years) > 1 else f"{years[0]}"
    data: list[dict[str, Any]] = [dict(
        type="bar", x=months, y=table["average"].to_numpy(), name=label, marker=dict(color="#9ecae1"),
        customdata=[[tag, n] for n in table["years_counted"].tolist()], showlegend=False,
        hovertemplate="%{x}: %{y:,.1f} incidents on average (%{customdata[1]} years)<extra></extra>")]
    palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
    for i, y in enumerate(reversed(years)):
        data.append(dict(type="scatter", x=months, y=table[f"incidents_{y}"].to_numpy(), mode="lines+markers",
                         name=str(y), line=dict(color=palette[i % len(palette)], width=1.8), marker=dict(size=5),
                         visible=True if y in shown else "legendonly", customdata=[[tag]] * 12,
                         hovertemplate=f"%{{x}} {y}: %{{y:,}} incidents<extra></extra>"))
    columns = ["average"] + [f"incidents_{y}" for y in years if f"incidents_{y}" in table]
    values = table[columns].to_numpy(dtype=float)
    top = float(np.nanmax(values)) if np.isfinite(values).any() else 0.0
    key = (f"Bars: average {years[0]}-{years[-1]}<br>Lines: years (click to show or hide)" if len(years) > 1
           else f"Bars and line: {years[0]}")
    layout = dict(
        height=height, barmode="overlay", xaxis=dict(title=dict(text="Month")),
        yaxis=dict(title=dict(text="Incidents"), range=[0, top * 1.08 + 1]),  # room over the highest marker
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, font=dict(size=12), entrywidth=38,
                    itemwidth=30, title=dict(text=key, side="top", font=dict(size=12))))
    return theme.figure(data, **layout)


def mark_breaks(fig: go.Figure, breaks: list[Any]) -> go.Figure:
    """A dotted line between the years on either side of each series break (dashboard.series_breaks), with
    what changes there; a chart without a year axis is left as it is."""
    for b in breaks:  # what add_vline writes with its label at the top left, without its scan of every trace
        x = b.year - 0.5
        fig.add_shape(dict(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="y domain",
                           line=dict(color=theme.MUTED, width=1.5, dash="dot")))
        fig.add_annotation(dict(text=b.text, font=dict(size=12, color=theme.MUTED), bgcolor="rgba(255,255,255,0.85)",
                                showarrow=False, x=x, xanchor="right", xref="x", y=1, yanchor="top", yref="y domain"))
    return fig
