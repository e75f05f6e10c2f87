"""Figures for the regional risk and guidance pages: DataFrame in, plotly Figure out.

Pure functions, no queries and no Dash. A bar that names a crime type
carries customdata [guidance tag, label] so that a click opens its guidance.
"""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go

from dashboard import theme
from dashboard.chart_result import guidance_tag
from dashboard.figures import fmt_value
from etl.stats import UNRELIABLE_BELOW, fmt_change

TIME_OF_DAY = {"morning": "Morning (6-11)", "afternoon": "Afternoon (12-16)", "evening": "Evening (17-20)",
               "night": "Night (21-5)"}
WEEKDAYS = {"Mon": "Monday", "Tue": "Tuesday", "Wed": "Wednesday", "Thu": "Thursday", "Fri": "Friday",
            "Sat": "Saturday", "Sun": "Sunday"}
LOCATION_TYPES = {"mall": "Mall", "strip_center": "Strip center", "downtown": "Downtown street",
                  "standalone": "Standalone store", "kiosk": "Kiosk or cart", "home": "Jeweler's home",
                  "vehicle": "Vehicle", "trade_show": "Trade show", "hotel": "Hotel", "other": "Other"}
BAR_COLOUR = "#0072B2"


def incidents_text(n: float) -> str:
    """'1 incident', '1,204 incidents'."""
    return f"{n:,.0f} incident" + ("" if n == 1 else "s")


def span_text(first: int, last: int) -> str:
    return f"in {first}" if first == last else f"from {first} to {last}"


def change_text(new: float, old: float, year: int) -> str:
    """'+20.0% on 2022 (10)', flagged as unreliable when either year has fewer than UNRELIABLE_BELOW incidents."""
    if not old:
        return f"no incidents in {year - 1} to compare with"
    text = f"{fmt_change((new - old) / old * 100)} on {year - 1} ({old:,.0f})"
    if new < UNRELIABLE_BELOW or old < UNRELIABLE_BELOW:
        text += f", unreliable: fewer than {UNRELIABLE_BELOW} incidents"
    return text


def _colour(category: str) -> str:
    return theme.CATEGORY_COLOURS.get(category, "#777777")


def _stacked_years(df: pd.DataFrame, by: str, colour: Callable[[int, str], str], hover: str) -> list[dict]:
    """One bar trace per value of `by` (in the order met), for bars stacked by year."""
    data = []
    for i, (key, part) in enumerate(df.groupby(by, sort=False)):
        label = str(part["label"].iloc[0])
        data.append(dict(type="bar", x=part["year"].to_numpy(), y=part["incidents"].to_numpy(), name=label,
                         marker=dict(color=colour(i, str(key))),
                         customdata=[[guidance_tag(s), label] for s in part["slug"]], hovertemplate=hover))
    return data


def trend_bars(df: pd.DataFrame, selected: tuple[int, int] | None = None, height: int = 380) -> go.Figure:
    """Incidents per year stacked by category; df: year, category, label, slug, incidents. Selected years shaded."""
    data = _stacked_years(df, "category", lambda _i, cat: _colour(cat),
                          "%{x}: %{y:,} %{customdata[1]}<extra>click for guidance</extra>")
    marks: dict[str, list[dict]] = {}
    if selected and len(df):  # a shaded band, labelled in its top left corner (as plotly's add_vrect writes it)
        x0, x1 = selected[0] - 0.5, selected[1] + 0.5
        marks["shapes"] = [dict(type="rect", x0=x0, x1=x1, xref="x", y0=0, y1=1, yref="y domain", fillcolor="#6c757d",
                                opacity=0.08, line=dict(width=0), layer="below")]
        # at its right edge when the band ends at the last year drawn: a label starting there ran off a phone's plot
        at_end = selected[1] >= int(df["year"].max())
        marks["annotations"] = [dict(text="selected", font=dict(color=theme.MUTED), showarrow=False,
                                     x=x1 if at_end else x0, xanchor="right" if at_end else "left", xref="x", y=1,
                                     yanchor="top", yref="y domain")]
    # the years drawn fix the axis: autorange would also make room for the 'selected' label, which on a
    # phone is three years wide and stretched the axis past the data
    years = dict(range=[int(df["year"].min()) - 0.5, int(df["year"].max()) + 0.5]) if len(df) else {}
    return theme.figure(data, barmode="stack", height=height, xaxis=dict(title=dict(text="Year"), dtick=1, **years),
                        yaxis=dict(title=dict(text="Incidents")), margin=dict(l=60, r=20, t=50, b=50), **marks)


def type_bars(df: pd.DataFrame, value_label: str = "Incidents", height: int = 340) -> go.Figure:
    """Horizontal bars, largest on top; df: label, category, slug, incidents. The height is the risk page's
    card height: a taller figure in the card would run over the summary under it."""
    d = df.iloc[::-1]
    labels = d["label"].to_numpy(dtype=object)
    bar = dict(type="bar", x=d["incidents"].to_numpy(), y=labels, orientation="h",
               marker=dict(color=[_colour(c) for c in d["category"]]),
               customdata=[[guidance_tag(s), lab] for s, lab in zip(d["slug"], labels)],
               text=[f"{v:,.0f}" for v in d["incidents"]], textposition="outside", cliponaxis=False,
               hovertemplate="%{customdata[1]}: %{x:,}<extra>click for guidance</extra>")
    n = len(d)
    slots = max(n, 5)  # a lone bar stays bar-shaped, at the top like the first of five
    return theme.figure([bar], height=height, xaxis=dict(title=dict(text=value_label)), showlegend=False,
                  margin=dict(l=10, r=40, t=20, b=50), yaxis=dict(automargin=True, range=[n - 0.5 - slots, n - 0.5]))


def hour_bars(df: pd.DataFrame, height: int = 300) -> go.Figure:
    """Incidents by hour of day, all 24 hours; df: hour, incidents."""
    bar = dict(type="bar", x=df["hour"].to_numpy(), y=df["incidents"].to_numpy(), marker=dict(color=BAR_COLOUR),
               hovertemplate="%{x}:00-%{x}:59: %{y:,} incidents<extra></extra>")
    return theme.figure([bar], height=height,
                  xaxis=dict(title=dict(text="Hour of day (0 = midnight)"), dtick=2, range=[-0.5, 23.5]),
                  yaxis=dict(title=dict(text="Incidents")), margin=dict(l=60, r=20, t=20, b=50))


def pattern_bars(df: pd.DataFrame, x_title: str, height: int = 300, horizontal: bool = False) -> go.Figure:
    """Incidents by a pattern value, in the order given (first on top when horizontal); df: label, incidents."""
    d = df.iloc[::-1] if horizontal else df
    labels, counts = d["label"].to_numpy(dtype=object), d["incidents"].to_numpy()
    xy = dict(x=counts, y=labels, orientation="h") if horizontal else dict(x=labels, y=counts)
    bar = dict(type="bar", **xy, marker=dict(color=BAR_COLOUR), text=[f"{v:,.0f}" for v in d["incidents"]],
               textposition="outside", cliponaxis=False,
               hovertemplate=("%{y}: %{x:,}" if horizontal else "%{x}: %{y:,}") + " incidents<extra></extra>")
    if horizontal:
        return theme.figure([bar], height=height, xaxis=dict(title=dict(text="Incidents")),
                      margin=dict(l=10, r=40, t=20, b=50), yaxis=dict(automargin=True))
    return theme.figure([bar], height=height, xaxis=dict(title=dict(text=x_title)), yaxis=dict(title=dict(text="Incidents")),
                  margin=dict(l=60, r=20, t=20, b=60))


def top_regions(df: pd.DataFrame, metric_label: str, metric: str, height: int = 460) -> go.Figure:
    """Highest regions first, coloured by risk class; df: code, name, value, risk_class, risk_label."""
    d = df.iloc[::-1]
    colours = [theme.CLASS_COLOURS[int(c)] if pd.notna(c) else theme.NO_DATA_COLOUR for c in d["risk_class"]]
    bar = dict(type="bar", x=d["value"].to_numpy(), y=d["name"].to_numpy(dtype=object), orientation="h",
               marker=dict(color=colours, line=dict(color="#adb5bd", width=0.5)),
               customdata=d[["code", "risk_label"]].to_numpy(), text=[fmt_value(v, metric) for v in d["value"]],
               textposition="outside", cliponaxis=False,
               hovertemplate="%{y}: %{text}<br>%{customdata[1]}<extra>click for the regional page</extra>")
    return theme.figure([bar], height=height, xaxis=dict(title=dict(text=metric_label)), yaxis=dict(automargin=True),
                  margin=dict(l=10, r=50, t=20, b=50), showlegend=False)


def scenario_bars(df: pd.DataFrame, height: int = 340) -> go.Figure:
    """Incidents per year stacked by crime type; df: year, label, category, slug, incidents."""
    palette = ["#D55E00", "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#999999"]
    data = _stacked_years(df, "label", lambda i, _label: palette[i % len(palette)],
                          "%{x}: %{y:,} %{customdata[1]}<extra></extra>")
    return theme.figure(data, barmode="stack", height=height, xaxis=dict(title=dict(text="Year"), dtick=1),
                        yaxis=dict(title=dict(text="Incidents")), margin=dict(l=60, r=20, t=50, b=50))
