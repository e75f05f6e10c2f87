"""The map of change: each state and province coloured by its percent change, on a scale centred on zero.

A change that rests on few incidents, or that a Poisson test cannot tell from chance (etl/stats.py), keeps
its colour but gets a hollow ring at the region's centre, a line in the key and a sentence in the hover, so
no one reads a jump from 2 to 4 incidents as a crime wave. DataFrame in, Figure out, no Dash.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import theme
from dashboard.figures import GEOJSON_URL, geojson, map_layout, plain_figure, plain_rows
from etl.stats import UNRELIABLE_BELOW, fmt_change

# (upper bound of the class in percent, label, colour): falls in blues, rises in reds, about nothing in white
CLASSES = [(-50.0, "Fell 50% or more", "#2166ac"), (-20.0, "Fell 20-50%", "#67a9cf"), (-5.0, "Fell 5-20%", "#d1e5f0"),
           (5.0, "About the same (within 5%)", "#f7f7f7"), (20.0, "Rose 5-20%", "#fddbc7"),
           (50.0, "Rose 20-50%", "#ef8a62"), (float("inf"), "Rose 50% or more", "#b2182b")]
UNCERTAIN = f"Ring: fewer than {UNRELIABLE_BELOW} incidents or not significant (Poisson test, 5%)"


def change_class(pct: float) -> int | None:
    """The class of a percent change (None when there is no change to classify)."""
    if pct is None or not np.isfinite(pct):
        return None
    return next(i for i, (upper, _label, _colour) in enumerate(CLASSES) if pct < upper or upper == float("inf"))


@lru_cache(maxsize=1)
def centres() -> dict[str, tuple[float, float]]:
    """Region code -> (lon, lat): the mean of its outer ring's points, good enough to place a marker."""
    out = {}
    for feature in geojson()["features"]:
        geom = feature["geometry"]
        rings = [geom["coordinates"][0]] if geom["type"] == "Polygon" else [p[0] for p in geom["coordinates"]]
        biggest = max(rings, key=len)
        out[feature["properties"]["code"]] = (float(np.mean([p[0] for p in biggest])),
                                              float(np.mean([p[1] for p in biggest])))
    return out


def change_map_figure(table: pd.DataFrame, label: str, geo: str | dict = GEOJSON_URL, height: int = 560) -> go.Figure:
    """`table`: metrics_ranking.ranking() rows for every region drawn (code, name, change_pct, change_abs,
    base_incidents, last_incidents, base_year, last_year, reliable, significant); regions not in it are grey."""
    # plain values, read once (pandas per row costs more than the figure)
    rows = plain_rows(table, ["code", "name", "change_pct", "change_abs", "base_incidents", "last_incidents",
                              "base_year", "last_year", "reliable", "significant"])
    classes = [change_class(r["change_pct"]) for r in rows]
    floats = any(c is None for c in classes)  # a column with a gap is a float column in pandas: 3.0, not 3
    for r, c in zip(rows, classes):
        r["cls"] = None if c is None else float(c) if floats else c
        r["uncertain"] = not (bool(r["reliable"]) and bool(r["significant"]))
    have, none = [r for r in rows if r["cls"] is not None], [r for r in rows if r["cls"] is None]

    def words(r: dict[str, Any]) -> str:
        base = (f"{int(r['base_incidents']):,} in {int(r['base_year'])} to {int(r['last_incidents']):,} in "
                f"{int(r['last_year'])}")
        why = ""
        if not r["reliable"]:
            why = f"<br>Fewer than {UNRELIABLE_BELOW} incidents: too few to read as a trend"
        elif not r["significant"]:
            why = "<br>Not significant: a Poisson test cannot tell it from chance (5% level)"
        return f"{fmt_change(r['change_pct'])} ({int(r['change_abs']):+,})<br>{base}{why}"

    scale = []
    for i, (_u, _l, colour) in enumerate(CLASSES):
        scale += [(i / len(CLASSES), colour), ((i + 1) / len(CLASSES), colour)]
    # nested dicts, not magic underscores: the traces reach plotly.js as written
    common = dict(type="choropleth", geojson=geo, featureidkey="properties.code",
                  marker=dict(line=dict(color="#9aa0a6", width=0.6)), showscale=False, showlegend=False)
    traces: list[dict[str, Any]] = []
    for subplot, hawaii in (("geo", False), ("geo2", True)):  # Hawaii gets an inset
        part = [r for r in have if r["code"] == "HI"] if hawaii else have
        grey = [r for r in none if r["code"] == "HI"] if hawaii else none
        traces.append(dict(**common, geo=subplot, locations=[r["code"] for r in part], z=[r["cls"] for r in part],
                           zmin=-0.5, zmax=len(CLASSES) - 0.5, colorscale=scale, name="",
                           customdata=[[r["name"], words(r)] for r in part],
                           hovertemplate="<b>%{customdata[0]}</b><br>" + label + ": %{customdata[1]}<extra></extra>"))
        traces.append(dict(**common, geo=subplot, locations=[r["code"] for r in grey], z=[0] * len(grey),
                           colorscale=[(0, theme.NO_DATA_COLOUR), (1, theme.NO_DATA_COLOUR)], name="No data",
                           customdata=[[r["name"], f"no incidents in {int(r['base_year'])}: no percent change"
                                        if pd.notna(r["base_year"]) else "no data"] for r in grey],
                           hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>"))
    rings = [r for r in have if r["uncertain"]]
    places = [centres().get(r["code"]) for r in rings]
    traces.append(dict(type="scattergeo", geo="geo", mode="markers", name=UNCERTAIN, hoverinfo="skip",
                       lon=[p[0] if p else None for p in places], lat=[p[1] if p else None for p in places],
                       marker=dict(symbol="circle-open", size=11, color=theme.INK, line=dict(width=2)),
                       showlegend=bool(len(rings))))
    for _u, text, colour in CLASSES:
        traces.append(dict(type="scattergeo", lon=[None], lat=[None], geo="geo", mode="markers", name=text,
                           hoverinfo="skip", marker=dict(symbol="square", size=13, color=colour,
                                                         line=dict(color="#adb5bd", width=1))))
    traces.append(dict(type="scattergeo", lon=[None], lat=[None], geo="geo", mode="markers",
                       name="No data or no incidents in the base year", hoverinfo="skip",
                       marker=dict(symbol="square", size=13, color=theme.NO_DATA_COLOUR)))
    return plain_figure(traces, map_layout(label, height))
