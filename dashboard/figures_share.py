"""Share charts as pure functions: DataFrame in, plotly Figure out (dashboard.theme).

NIBRS classes and offense categories, and the jewelry-crime mix by crime
type (count or dollar losses). Mix bars carry customdata [guidance tag, ...].
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import theme


def fmt_big(n: float) -> str:
    """8,900,000 -> '8.9 million'; smaller counts with thousands separators."""
    if n >= 1e6:
        return f"{n / 1e6:,.1f} million"
    return f"{n:,.0f}"


def fmt_money(x: float) -> str:
    if x >= 1e6:
        return f"${x / 1e6:,.1f}M"
    if x >= 1e3:
        return f"${x / 1e3:,.0f}K"
    return f"${x:,.0f}"


def nibrs_classes_figure(classes: pd.DataFrame, total: int, claim: dict[str, Any] | None,
                         height: int = 380, axis_labels: bool = False) -> go.Figure:
    """Horizontal bars: each NIBRS class's share of all offenses; derived counts hatched and labelled.

    `classes`: crimes_against, label, offenses, share_pct, derived. `claim`:
    {"share": 65.0, "row": <property label>, "label": "..."} drawn as a marker on the property bar.
    The numbers sit in the axis labels so the claim marker never covers them.
    """
    order = classes.iloc[::-1]  # first row at the top
    derived = order["derived"].tolist()
    data: list[dict[str, Any]] = [dict(
        type="bar", y=order["label"].to_numpy(dtype=object), x=order["share_pct"].to_numpy(), orientation="h", width=0.36,
        marker=dict(color=[theme.NIBRS_COLOURS.get(c, "#777") for c in order["crimes_against"]],
                    pattern=dict(shape=["/" if d else "" for d in derived], fgcolor="white", size=8)),
        customdata=np.column_stack([order["offenses"], ["derived from the published percentage" if d else
                                                        "counted in the table" for d in derived]]),
        hovertemplate="<b>%{y}</b>: %{x:.1f}% of all offenses<br>%{customdata[0]:,.0f} offenses, "
                      "%{customdata[1]}<extra></extra>", name="Share of offenses", showlegend=False)]
    texts = [(r.label, f"<b>{r.label}</b><br>{r.share_pct:.1f}% · {r.offenses:,.0f} offenses"
              + (" (derived)" if r.derived else "")) for r in order.itertuples()]
    labels = dict(texts)
    # the numbers above each bar, so narrow screens keep the full plot width; exports put them beside the bars,
    # where the axis makes room for them at any height
    notes = [] if axis_labels else [dict(text=text, x=0, y=label, yshift=34, xanchor="left", showarrow=False,
                                         align="left", font=dict(size=12)) for label, text in texts]
    if claim is not None:
        data.append(dict(type="scatter", y=[claim["row"]], x=[claim["share"]], mode="markers", name=claim["label"],
                         marker=dict(symbol="diamond", size=15, color=theme.INK, line=dict(color="white", width=1.5)),
                         hovertemplate=claim["label"] + "<extra></extra>"))
    top = float(max([*classes["share_pct"], claim["share"] if claim else 0, 1]))
    return theme.figure(data, height=height,
                        xaxis=dict(title=dict(text=f"Share of all {total:,} offenses (%)"),
                                   range=[0, min(100.0, top * 1.15)], ticksuffix="%"),
                        yaxis=dict(tickvals=list(labels), ticktext=list(labels.values()), automargin=True)
                        if axis_labels else dict(showticklabels=False), margin=dict(l=20, r=20, t=30, b=50),
                        showlegend=claim is not None, legend=dict(orientation="h", y=1.02, x=0),
                        **({"annotations": notes} if notes else {}))


def offense_categories_figure(df: pd.DataFrame, height: int = 360) -> go.Figure:
    """Horizontal bars: offenses per offense category, coloured by class, biggest on top within a class."""
    data = []
    for cls, part in df.groupby("crimes_against", sort=False):
        part = part.iloc[::-1]
        data.append(dict(
            type="bar", y=part["offense_category"].to_numpy(dtype=object), x=part["offenses"].to_numpy(), orientation="h",
            name=part["class_label"].iloc[0], marker=dict(color=theme.NIBRS_COLOURS.get(cls, "#777")),
            text=[f"{s:.1f}% of its class" for s in part["share_of_class_pct"]], textposition="auto",
            customdata=np.column_stack([part["share_of_class_pct"], part["share_of_total_pct"]]),
            hovertemplate="<b>%{y}</b>: %{x:,.0f} offenses<br>%{customdata[0]:.1f}% of its class, "
                          "%{customdata[1]:.1f}% of all offenses<extra></extra>"))
    return theme.figure(data, height=max(height, 60 + 34 * len(df)), xaxis=dict(title=dict(text="Offenses")),
                        yaxis=dict(categoryorder="array", categoryarray=list(df["offense_category"][::-1]),
                                   automargin=True), margin=dict(l=20, r=20, t=40, b=50))


def mix_figure(table: pd.DataFrame, value: str, height: int = 460) -> go.Figure:
    """Horizontal bars, one per crime type, coloured by category; value 'incidents' or 'losses'.

    `table`: category, category_label, label, tag, incidents, losses, share_<value>_pct, in drawing order.
    """
    share = f"share_{value}_pct"
    money = value == "losses"
    data = []
    for cat, part in table.groupby("category", sort=False):
        part = part.iloc[::-1]
        shown = [fmt_money(v) if money else f"{v:,.0f}" for v in part[value]]
        custom = np.column_stack([part["tag"], part["label"], shown, part[share]])
        data.append(dict(
            type="bar", y=part["label"].to_numpy(dtype=object), x=part[value].to_numpy(), orientation="h",
            name=part["category_label"].iloc[0], marker=dict(color=theme.CATEGORY_COLOURS.get(cat, "#777")),
            customdata=custom, text=[f"{s} ({p:.1f}%)" for s, p in zip(shown, part[share])], textposition="outside",
            cliponaxis=False,
            hovertemplate=("<b>%{customdata[1]}</b>: %{customdata[2]}" + (" in known losses" if money else " incidents")
                           + " (%{customdata[3]:.1f}%)<br><i>Click for guidance</i><extra></extra>")))
    top = float(table[value].max()) if len(table) else 1.0
    return theme.figure(data, height=max(height, 80 + 26 * len(table)), barmode="relative",
                        xaxis=dict(title=dict(text="Dollar losses (known)" if money else "Incidents"),
                                   range=[0, top * 1.3], tickprefix="$" if money else ""),
                        yaxis=dict(categoryorder="array", categoryarray=list(table["label"][::-1]), automargin=True),
                        margin=dict(l=20, r=30, t=40, b=50))
