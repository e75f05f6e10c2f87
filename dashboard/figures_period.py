"""The period comparison as a pure figure: a table from dashboard.metrics_period in, a plotly Figure out.

Paired horizontal bars per crime category (and all shown): the earlier period above, this period below,
with this period's bar labelled by its count, the change in incidents and percent, and in words whether
the change is significant, not significant or unreliable, so nothing rests on colour alone.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import theme
from dashboard.metrics_period import TOTAL, change_words, verdict
from etl.stats import SIGNIFICANCE_LEVEL, UNRELIABLE_BELOW
from etl.taxonomy import CATEGORIES

TOTAL_LABEL = "All shown"
PRIOR_COLOUR = "#9ecae1"  # light blue: the earlier period
NOW_COLOUR = "#0072B2"  # Okabe-Ito blue: this period
NOTE = (f"Significant: unlikely by chance (Poisson test, {SIGNIFICANCE_LEVEL:.0%} level).<br>"
        f"Unreliable: fewer than {UNRELIABLE_BELOW} incidents in a period.")


def names(table: pd.DataFrame, labels: dict[str, str]) -> list[str]:
    """The bar labels of the table's rows: the category's label, 'All shown' for the total."""
    return [TOTAL_LABEL if c == TOTAL else labels.get(c, CATEGORIES.get(c, str(c))) for c in table["category"]]


def change_text(row: pd.Series) -> str:
    """The words above a pair of bars: '+32 (+8.4%), not significant'."""
    return f"{change_words(row)}, {verdict(row)}"


def period_figure(table: pd.DataFrame, labels: dict[str, str], tags: dict[str, str] | None = None,
                  height: int | None = None) -> go.Figure:
    """Horizontal bars, two per row of `table` (metrics_period.compare: category, period, incidents,
    prior_period, prior_incidents, change, change_pct, reliable, significant), the total first, each pair
    with its change written above it across the plot (room for the words on a phone too).

    `labels`: category -> label; `tags`: category -> guidance tag (customdata[0], so a click opens the
    guidance page of that crime type)."""
    if table.empty:
        raise ValueError("nothing to draw: the comparison table is empty")
    tags = tags or {}
    ordered = pd.concat([table[table["category"] == TOTAL], table[table["category"] != TOTAL]], ignore_index=True)
    y = [f"<b>{n}</b>" if c == TOTAL else n for n, c in zip(names(ordered, labels), ordered["category"])]
    now, before = str(ordered["period"].iloc[0]), str(ordered["prior_period"].iloc[0])
    changes = [change_text(r) for _, r in ordered.iterrows()]
    custom_tags = [tags.get(c, "") for c in ordered["category"]]
    top = float(max(ordered["incidents"].max(), ordered["prior_incidents"].max(), 1))
    rows = len(ordered)
    # plain dicts, as plotly writes them (its checks were most of the chart's time); tests check it validates
    annotations = [dict(text=text, x=0, y=i - 0.52, xref="x", yref="y", xanchor="left", yanchor="middle",
                        showarrow=False, font=dict(size=12, color=theme.INK), name=f"change {i}")
                   for i, text in enumerate(changes)]
    annotations.append(dict(text=NOTE, showarrow=False, x=0, y=0, yshift=-66, xref="paper", yref="paper",
                            xanchor="left", yanchor="top", align="left", font=dict(size=12, color=theme.MUTED),
                            name="note"))
    layout = dict(
        barmode="group", bargap=0.4, bargroupgap=0.05, height=height or 160 + 80 * rows,
        xaxis=dict(title=dict(text="Incidents"), range=[0, top * 1.15], tickformat=",",
                   **({"dtick": 1} if top < 6 else {})),  # no half incidents on a short axis
        # reversed: the first row on top; the extra room above it holds the first row's change
        yaxis=dict(autorange=False, range=[rows - 0.5, -0.95], ticks="", automargin=True),
        legend=dict(traceorder="normal"), margin=dict(l=20, r=20, t=40, b=110), annotations=annotations)
    data = [
        dict(type="bar", constraintext="none", y=y, x=ordered["prior_incidents"].to_numpy(), orientation="h",
             name=before, marker=dict(color=PRIOR_COLOUR), text=[f"{int(v):,}" for v in ordered["prior_incidents"]],
             textposition="outside", cliponaxis=False, customdata=np.column_stack([custom_tags, [before] * rows]),
             hovertemplate="%{y}, %{customdata[1]}: %{x:,} incidents<extra></extra>"),
        dict(type="bar", constraintext="none", y=y, x=ordered["incidents"].to_numpy(), orientation="h", name=now,
             marker=dict(color=NOW_COLOUR), text=[f"{int(v):,}" for v in ordered["incidents"]], textposition="outside",
             cliponaxis=False, customdata=np.column_stack([custom_tags, [now] * rows, changes]),
             hovertemplate=(f"%{{y}}, %{{customdata[1]}}: %{{x:,}} incidents<br>%{{customdata[2]}} on {before}"
                            "<extra></extra>")),
    ]
    fig = theme.figure(data, **layout)
    return fig
