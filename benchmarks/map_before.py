"""The map callback as it was before issue 12 (a verbatim copy of dashboard/charts/map.py's builders and
dashboard/figures*.py's map figures at commit d9609cc), kept callable for two things: the paired benchmark in
dashboard_bench.py (today's code against this, in one run) and tests/test_cache.py, which checks that the
new figures' JSON is the same as this path's. Not used by the app.
"""
from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import sqlalchemy as sa

from dashboard import figures as _figures, metrics, metrics_context, metrics_ranking, queries, state, theme
from dashboard.chart_result import ChartResult
from dashboard.figures import GEOJSON_URL, fmt_value, map_layout
from dashboard.figures_change import CLASSES, UNCERTAIN, centres, change_class
from etl.context import COVERAGE_THRESHOLD_PCT
from etl.stats import UNRELIABLE_BELOW, fmt_change

POPULATION_SOURCE = "population: U.S. Census Bureau and Statistics Canada estimates"


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
    have = table[table["risk_class"].notna()]
    none = table[table["risk_class"].isna()]

    def hover(rows: pd.DataFrame) -> list[list[str]]:
        out = []
        for r in rows.itertuples():
            rank = f"{int(r.rank)} of {int(r.ranked)}" if pd.notna(r.rank) else "not ranked"
            if isinstance(getattr(r, "change_text", None), str):
                change = r.change_text
            elif pd.isna(r.change_pct):
                change = "no prior-year incidents to compare"
            elif not r.reliable:
                change = f"{fmt_change(r.change_pct)} (too few incidents to compare)"
            else:
                change = fmt_change(r.change_pct)
            more = getattr(r, "more", "") or ""
            out.append([r.name, fmt_value(r.value, metric), rank, change, r.risk_label, more])
        return out

    template = ("<b>%{customdata[0]}</b><br>" + metric_label + ": %{customdata[1]}<br>Rank: %{customdata[2]}"
                "<br>Change on prior year: %{customdata[3]}<br>%{customdata[4]}%{customdata[5]}"
                "<br><i>Click for the regional page</i><extra></extra>")
    traces: list[dict[str, Any]] = []  # plain dicts, checked once by plotly when the figure is made
    common = dict(geojson=geo, featureidkey="properties.code", marker_line_color="white", marker_line_width=0.6)
    for subplot, keep in (("geo", lambda t: t), ("geo2", lambda t: t[t["code"] == "HI"])):  # Hawaii gets an inset
        part_have, part_none = keep(have), keep(none)
        traces.append(dict(type="choropleth", 
            **common, geo=subplot, locations=part_have["code"].tolist(), z=part_have["risk_class"].tolist(), zmin=-0.5, zmax=4.5,
            colorscale=scale, customdata=hover(part_have), name="", showscale=False, showlegend=False,
            hovertemplate=template,
        ))
        traces.append(dict(type="choropleth", 
            **common, geo=subplot, locations=part_none["code"].tolist(), z=[0] * len(part_none),
            colorscale=[(0, theme.NO_DATA_COLOUR), (1, theme.NO_DATA_COLOUR)], showscale=False, showlegend=False,
            customdata=[[r.name, getattr(r, "no_value_reason", "") or "No data for this selection"]
                        for r in part_none.itertuples()], name="No data",
            hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>",
        ))
        heavy = keep(have[have["code"].isin(outline or [])])
        if len(heavy):  # a border of its own on top: the fill below stays visible, the hover says why
            traces.append(dict(type="choropleth", 
                geojson=geo, featureidkey="properties.code", geo=subplot, locations=heavy["code"].tolist(),
                z=[0] * len(heavy), colorscale=[(0, "rgba(0,0,0,0)"), (1, "rgba(0,0,0,0)")], showscale=False,
                marker_line_color=theme.INK, marker_line_width=3, customdata=hover(heavy), name=outline_label,
                hovertemplate=template, showlegend=False,
            ))
    # the key is a legend (it wraps on a phone, where a colour bar would squeeze the map): one empty
    # marker trace per class, then 'no data', then the outline when one is drawn
    key = list(zip(break_labels(breaks, metric), theme.CLASS_COLOURS)) + [("No data", theme.NO_DATA_COLOUR)]
    for label, colour in key:
        traces.append(dict(type="scattergeo", lon=[None], lat=[None], geo="geo", mode="markers", name=label, hoverinfo="skip",
                                    marker=dict(symbol="square", size=13, color=colour, line=dict(color="#adb5bd", width=1))))
    if outline and outline_label and len(have[have["code"].isin(outline)]):
        traces.append(dict(type="scattergeo", lon=[None], lat=[None], geo="geo", mode="markers", name=outline_label,
                                    hoverinfo="skip", marker=dict(symbol="square-open", size=13, color=theme.INK,
                                                                  line=dict(width=3))))
    # the traces and layout above are plain values built here: plotly's per-property checks are skipped
    return go.Figure(data=traces, _validate=False, layout=map_layout(metric_label, height))


def change_map_figure(table: pd.DataFrame, label: str, geo: str | dict = GEOJSON_URL, height: int = 560) -> go.Figure:
    """`table`: metrics_ranking.ranking() rows for every region drawn (code, name, change_pct, change_abs,
    base_incidents, last_incidents, base_year, last_year, reliable, significant); regions not in it are grey."""
    t = table.copy()
    t["cls"] = [change_class(p) for p in t["change_pct"]]
    t["uncertain"] = ~(t["reliable"].astype(bool) & t["significant"].astype(bool))
    have, none = t[t["cls"].notna()], t[t["cls"].isna()]

    def words(r: Any) -> str:
        base = f"{int(r.base_incidents):,} in {int(r.base_year)} to {int(r.last_incidents):,} in {int(r.last_year)}"
        why = ""
        if not r.reliable:
            why = f"<br>Fewer than {UNRELIABLE_BELOW} incidents: too few to read as a trend"
        elif not r.significant:
            why = "<br>Not significant: a Poisson test cannot tell it from chance (5% level)"
        return f"{fmt_change(r.change_pct)} ({int(r.change_abs):+,})<br>{base}{why}"

    scale = []
    for i, (_u, _l, colour) in enumerate(CLASSES):
        scale += [(i / len(CLASSES), colour), ((i + 1) / len(CLASSES), colour)]
    common = dict(type="choropleth", geojson=geo, featureidkey="properties.code", marker_line_color="#9aa0a6",
                  marker_line_width=0.6, showscale=False, showlegend=False)
    traces: list[dict[str, Any]] = []
    for subplot, keep in (("geo", lambda x: x), ("geo2", lambda x: x[x["code"] == "HI"])):
        part, grey = keep(have), keep(none)
        traces.append(dict(**common, geo=subplot, locations=part["code"].tolist(), z=part["cls"].tolist(),
                           zmin=-0.5, zmax=len(CLASSES) - 0.5, colorscale=scale, name="",
                           customdata=[[r.name, words(r)] for r in part.itertuples()],
                           hovertemplate="<b>%{customdata[0]}</b><br>" + label + ": %{customdata[1]}<extra></extra>"))
        traces.append(dict(**common, geo=subplot, locations=grey["code"].tolist(), z=[0] * len(grey),
                           colorscale=[(0, theme.NO_DATA_COLOUR), (1, theme.NO_DATA_COLOUR)], name="No data",
                           customdata=[[r.name, f"no incidents in {int(r.base_year)}: no percent change"
                                        if pd.notna(r.base_year) else "no data"] for r in grey.itertuples()],
                           hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>"))
    rings = have[have["uncertain"]]
    places = [centres().get(c) for c in rings["code"]]
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
    return go.Figure(data=traces, _validate=False, layout=map_layout(label, height))


def current(engine: sa.Engine, query: dict[str, Any]) -> state.Filters:
    return state.parse(query, queries.years(engine), queries.regions(engine)["code"], sources=queries.sources(engine))


def _years_text(f: state.Filters) -> str:
    return str(f.year_to) if f.year_from == f.year_to else f"{f.year_from}-{f.year_to}"


def general_table(engine: sa.Engine, f: state.Filters, regions: pd.DataFrame,
                  classes: bool = True) -> tuple[pd.DataFrame, list[float]]:
    """The general-crime measure for every state and province over the selected years, with NIBRS coverage
    of the last selected year, and (with `classes`) the measure's fixed class breaks."""
    # the selected years and the one before (for the change on the prior year)
    region_years = queries.context_region_years(engine, f.context, min(f.year_from, f.year_to - 1), f.year_to)
    breaks = metrics_context.context_breaks(queries.context_rates(engine, f.context)) if classes else []
    table = metrics_context.context_table(region_years, regions, f.year_from, f.year_to, breaks)
    return metrics_context.with_coverage(table, queries.context_coverage(engine, f.year_to)), breaks


def _general_line(r: Any, measure: str) -> str:
    if pd.isna(r.rate):
        return f"<br>General {measure}: no figure loaded"
    kind = metrics_context.DATASETS.get(str(r.dataset), str(r.dataset))
    return (f"<br>General {measure}: {metrics_context.fmt_rate(r.rate)} per 100,000 "
            f"({metrics_context.rank_text(r.rank, r.ranked)}; {kind})")


def _jewelry_line(r: Any, sample: bool = False) -> str:
    if pd.isna(r.value):
        return "<br>Jewelry crime: no data for this selection"
    return (f"<br>Jewelry crime{' (sample data)' if sample else ''}: {figures.fmt_value(r.value, 'per_million')} "
            f"incidents per million residents ({metrics_context.rank_text(r.rank, r.ranked)})")


def _general_is_sample(engine: Any) -> bool:
    """The general-crime layer draws FBI and Statistics Canada tables: sample only if one of those is."""
    batches = queries.context_batches(engine)
    return bool(len(batches) and batches["is_sample"].astype(bool).any())


def build(engine: sa.Engine, filters: dict[str, Any], export: bool = False) -> ChartResult:
    """Filters -> the map and the rows it draws (a plain function: tested without a browser)."""
    f = current(engine, filters)
    regions = queries.regions(engine)
    if f.year_from is None:
        return ChartResult(figures.empty("No incident data loaded"), pd.DataFrame(), "No incident data is loaded.")
    counts = queries.region_year_counts(engine, f.jewelry())
    if f.metric in state.CHANGE_METRICS and f.layer != "context":
        return build_change(engine, f, counts, regions)
    business = queries.business_counts(engine)
    breaks = metrics.fixed_breaks(counts, regions, f.metric, business)
    table = metrics.region_table(counts, regions, f, breaks, business)
    per_million = table if f.metric == "per_million" else metrics.restated(table, "per_million")
    general, general_breaks = general_table(engine, f, regions, classes=f.layer == "context")
    status = queries.data_status(engine, f.source)
    if f.layer == "context":
        return _build_context(engine, f, general, general_breaks, per_million, status)
    measure = metrics_context.short_label(f.context)
    g = general.set_index("code")
    pm = per_million.set_index("code")
    pm_rows = {r.code: r for r in per_million.itertuples()}
    g_rows = {r.code: r for r in general.itertuples()}
    lines = [("" if f.metric == "per_million" else _jewelry_line(pm_rows[code])) + _general_line(g_rows[code], measure)
             for code in table["code"]]
    table = table.assign(more=lines)
    label = state.METRICS[f.metric] + (" per year" if f.year_from != f.year_to and f.metric in ("incidents", "losses") else "")
    fig = figures.map_figure(table, breaks, label, f.metric)
    rows = table[["code", "name", "country", "value", "rank", "risk_label", "incidents_total", "losses_total",
                  "last_year", "prior_year", "change_pct", "population", "businesses", "businesses_year",
                  "businesses_basis", "no_value_reason"]].rename(
        columns={"value": f.metric, "risk_label": "risk_class", "last_year": f"incidents_{f.year_to}",
                 "prior_year": f"incidents_{f.year_to - 1}", "change_pct": "change_pct_on_prior_year"})
    if f.metric != "per_million":
        rows["incidents_per_million"] = rows["code"].map(pm["value"])
    rows[f"general_{f.context}_per_100k"] = rows["code"].map(g["rate"])
    rows["general_rank"] = rows["code"].map(g["rank"])
    rows["general_source"] = rows["code"].map(g["source"])
    rows["general_release"] = rows["code"].map(g["release"])
    ranked = table[table["value"].notna()]
    no_data = int(table["value"].isna().sum())
    if ranked.empty:
        summary = f"No state or province has data for {f.describe()}."
    else:
        top = ranked.iloc[0]
        summary = (f"Map of {len(ranked)} states and provinces by {label.lower()} ({f.describe()}): highest is "
                   f"{top['name']} with {figures.fmt_value(top['value'], f.metric)}; {no_data} have no data.")
    jewelry_source = status["source_line"]
    if f.metric == "per_million":
        jewelry_source += "; " + POPULATION_SOURCE
    elif f.metric == "per_100_businesses":
        jewelry_source += "; " + metrics.business_source_line(table)
    drawn = metrics_context.sources_line(general)
    source = jewelry_source + (f"; general {measure} in the hover: {drawn}" if drawn else "")
    caveat = metrics_context.caveat(metrics_context.countries_drawn(general))
    return ChartResult(fig, rows, summary, source, f"Data {status['range']}; showing {f.describe()}",
                       status["is_sample"], caveat=caveat, export_source=jewelry_source)


def _build_context(engine: sa.Engine, f: state.Filters, general: pd.DataFrame, breaks: list[float],
                   per_million: pd.DataFrame, status: dict[str, Any]) -> ChartResult:
    """The general-crime layer: rates per 100,000 in fixed classes, jewelry crime in the hover."""
    measure = metrics_context.short_label(f.context)
    years = _years_text(f)
    per_year = " (average of the years)" if f.year_from != f.year_to else ""
    label = f"General {measure} per 100,000 residents{per_year}"
    pm = per_million.set_index("code")
    t = general.copy()
    t["value"] = t["rate"]
    t["reliable"] = True
    prior = f.year_to - 1
    t["change_text"] = [f"{fmt_change(c)} ({prior} to {f.year_to})" if pd.notna(c) else f"no {prior} figure to compare"
                        for c in t["change_pct"]]
    pm_rows = {r.code: r for r in per_million.itertuples()}
    more = []
    for r in t.itertuples():
        text = _jewelry_line(pm_rows[r.code], bool(status["is_sample"]))
        cover = metrics_context.coverage_text(r.coverage_pct, r.dataset if isinstance(r.dataset, str) else None)
        if cover:
            text += "<br>" + cover
        if isinstance(r.dataset, str):
            text += "<br>" + metrics_context.DATASETS.get(r.dataset, r.dataset)
        more.append(text)
    t["more"] = more
    low = t[t["low_coverage"] & t["rate"].notna()]
    outline_label = f"NIBRS covers under {COVERAGE_THRESHOLD_PCT:g}% of residents"
    fig = figures.map_figure(t, breaks, label, "rate", outline=list(low["code"]), outline_label=outline_label)
    rows = t[["code", "name", "country", "rate", "rank", "risk_label", "count", "rate_last", "rate_prior",
              "change_pct", "years", "dataset", "source", "release", "comparable", "coverage_pct",
              "low_coverage"]].rename(columns={
                  "rate": f"{f.context}_per_100k", "risk_label": "risk_class", "count": f"{f.context}_count_per_year",
                  "rate_last": f"rate_{f.year_to}", "rate_prior": f"rate_{prior}",
                  "change_pct": "change_pct_on_prior_year", "years": "years_with_figures",
                  "comparable": "cross_border_comparable", "coverage_pct": "nibrs_coverage_pct",
                  "low_coverage": "low_nibrs_coverage"})
    rows["jewelry_per_million"] = rows["code"].map(pm["value"])
    rows["jewelry_rank"] = rows["code"].map(pm["rank"])
    drawn = t[t["rate"].notna()]
    no_data = len(t) - len(drawn)
    if drawn.empty:
        have = queries.context_years(engine, f.context)
        loaded = f"loaded years: {have[0]}-{have[-1]}" if have else "no FBI or Statistics Canada table is loaded"
        summary = f"No state or province has a general {measure} figure for {years} ({loaded})."
    else:
        top = drawn.iloc[0]
        summary = (f"Map of {len(drawn)} states and provinces by general {measure} per 100,000 residents ({years}): "
                   f"highest is {top['name']} with {metrics_context.fmt_rate(top['rate'])}; {no_data} have no data"
                   + (f"; {len(low)} with NIBRS coverage under {COVERAGE_THRESHOLD_PCT:g}% of residents "
                      f"{'is' if len(low) == 1 else 'are'} outlined" if len(low) else "") + ".")
    drawn_sources = metrics_context.sources_line(t)
    general_source = f"General crime: {drawn_sources}" if drawn_sources else "General crime: no table loaded"
    source = f"{general_source}; jewelry crime in the hover: {status['source_line']}; {POPULATION_SOURCE}"
    date_range = (f"General crime {years}; jewelry data {status['range']} ({f.describe()}, in the hover); "
                  f"showing general {measure} per 100,000 residents, {years}")
    caveat = metrics_context.caveat(metrics_context.countries_drawn(t))
    return ChartResult(fig, rows, summary, source, date_range, _general_is_sample(engine), caveat=caveat,
                       export_source=f"{general_source}. {caveat}" if caveat else general_source)


def build_change(engine: sa.Engine, f: state.Filters, counts: pd.DataFrame, regions: pd.DataFrame) -> ChartResult:
    """The map of change since the base year (or on the prior year): percent change on a scale centred on
    zero, with the small-count and Poisson significance marks of the ranking."""
    base = f.year_to - 1 if f.metric == "change_on_prior" else f.base_year
    if base >= f.year_to:
        base = f.year_to - 1
    shown = replace(f, base_year=base)
    ranked = metrics_ranking.ranking(counts, regions, shown)
    everyone = regions[["code", "name", "country"]].merge(ranked.drop(columns=["name", "country"]), on="code", how="left")
    everyone["base_year"], everyone["last_year"] = base, f.year_to
    label = f"Change, {base} to {f.year_to}"
    fig = figures_change.change_map_figure(everyone, label)
    status = queries.data_status(engine, f.source)
    rows = ranked[["code", "name", "country", "base_year", "base_incidents", "last_year", "last_incidents",
                   "change_pct", "change_abs", "p_value", "reliable", "significant"]]
    drawn = ranked[ranked["change_pct"].notna()]
    sure = drawn[drawn["reliable"].astype(bool) & drawn["significant"].astype(bool)]
    if drawn.empty:
        summary = f"No state or province has incidents in {base} to measure a change from ({f.describe()})."
    else:
        top = drawn.sort_values("change_pct", ascending=False).iloc[0]
        summary = (f"Map of the change in incidents from {base} to {f.year_to} for {len(drawn)} states and provinces "
                   f"({f.describe()}): the largest rise is {top['name']} ({top['change_pct']:+.1f}%, "
                   f"{int(top['base_incidents']):,} to {int(top['last_incidents']):,}); {len(sure)} of the changes "
                   f"are significant and rest on {UNRELIABLE_BELOW} or more incidents, the "
                   "others are ringed.")
    return ChartResult(fig, rows.reset_index(drop=True), summary, status["source_line"],
                       f"Data {status['range']}; showing {label}; {replace(f, year_from=None).describe()}",
                       status["is_sample"])


figures = SimpleNamespace(map_figure=map_figure, fmt_value=fmt_value, empty=_figures.empty)
figures_change = SimpleNamespace(change_map_figure=change_map_figure)


def update_map(engine: sa.Engine, filters: dict[str, Any]) -> tuple:
    """The map page's callback as it was: build, then the card's outputs."""
    from dashboard.components import render

    return render(build(engine, filters or {}))
