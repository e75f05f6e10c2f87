"""Map charts: U.S. states and Canadian provinces from low to high crime (jewelry or general crime), and the
ranking of states and provinces by their change since a base year."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
import sqlalchemy as sa

from dashboard import figures, figures_change, metrics, metrics_context, metrics_ranking, queries, state
from dashboard.charts import Chart, cached_chart
from dashboard.chart_result import ChartResult
from etl.context import COVERAGE_THRESHOLD_PCT
from etl.stats import UNRELIABLE_BELOW, fmt_change

CHART = "map"
POPULATION_SOURCE = "population: U.S. Census Bureau and Statistics Canada estimates"
TITLES = {"jewelry": "Crime by state and province", "context": "General crime by state and province"}


def current(engine: sa.Engine, query: dict[str, Any]) -> state.Filters:
    return state.parse(query, queries.years(engine), queries.regions(engine)["code"], sources=queries.sources(engine))


def _years_text(f: state.Filters) -> str:
    return str(f.year_to) if f.year_from == f.year_to else f"{f.year_from}-{f.year_to}"


def general_table(engine: sa.Engine, f: state.Filters, classes: bool = True) -> tuple[pd.DataFrame, list[float]]:
    """The general-crime measure for every state and province over the selected years, with NIBRS coverage
    of the last selected year, and (with `classes`) the measure's fixed class breaks."""
    breaks = metrics_context.context_breaks(queries.context_rates(engine, f.context)) if classes else []
    return general_rows(engine, f, tuple(breaks)), breaks


@queries.cached(uses=("context", "year_from", "year_to"))
def general_rows(engine: sa.Engine, f: state.Filters, breaks: tuple[float, ...]) -> pd.DataFrame:
    """The table of general_table. It is the same for every jewelry filter (crime type, source, measure), so
    it is held in the query memo: visitors who differ only in those share it."""
    # the selected years and the one before (for the change on the prior year)
    region_years = queries.context_region_years(engine, f.context, min(f.year_from, f.year_to - 1), f.year_to)
    table = metrics_context.context_table(region_years, queries.regions(engine), f.year_from, f.year_to, list(breaks))
    return metrics_context.with_coverage(table, queries.context_coverage(engine, f.year_to))


def _general_line(r: dict[str, Any], measure: str) -> str:
    if pd.isna(r["rate"]):
        return f"<br>General {measure}: no figure loaded"
    kind = metrics_context.DATASETS.get(str(r["dataset"]), str(r["dataset"]))
    return (f"<br>General {measure}: {metrics_context.fmt_rate(r['rate'])} per 100,000 "
            f"({metrics_context.rank_text(r['rank'], r['ranked'])}; {kind})")


def _jewelry_line(r: dict[str, Any], sample: bool = False) -> str:
    if pd.isna(r["value"]):
        return "<br>Jewelry crime: no data for this selection"
    return (f"<br>Jewelry crime{' (sample data)' if sample else ''}: {figures.fmt_value(r['value'], 'per_million')} "
            f"incidents per million residents ({metrics_context.rank_text(r['rank'], r['ranked'])})")


def _by_code(table: pd.DataFrame, columns: list[str]) -> dict[str, dict[str, Any]]:
    """Rows as plain dicts by region code (pandas per row, itertuples, costs more than the rest of a hover)."""
    return {r["code"]: r for r in figures.plain_rows(table, ["code", *columns])}


def _general_is_sample(engine: Any) -> bool:
    """The general-crime layer draws FBI and Statistics Canada tables: sample only if one of those is."""
    batches = queries.context_batches(engine)
    return bool(len(batches) and batches["is_sample"].astype(bool).any())


@cached_chart
def build(engine: sa.Engine, filters: dict[str, Any], export: bool = False) -> ChartResult:
    """Filters -> the map and the rows it draws (a plain function: tested without a browser)."""
    f = current(engine, filters)
    regions = queries.regions(engine)
    if f.year_from is None:
        return ChartResult(figures.empty("No incident data loaded"), pd.DataFrame(), "No incident data is loaded.")
    counts = queries.region_year_counts(engine, f.jewelry())
    if f.metric in state.CHANGE_METRICS:
        if f.layer != "context":
            return build_change(engine, f, counts, regions)
        # the general-crime layer colours by its own rate; its hover's jewelry figure is per million
        f = replace(f, metric="per_million")
    business = queries.business_counts(engine)
    breaks = metrics.fixed_breaks(counts, regions, f.metric, business)
    table = metrics.region_table(counts, regions, f, breaks, business)
    per_million = table if f.metric == "per_million" else metrics.restated(table, "per_million")
    general, general_breaks = general_table(engine, f, classes=f.layer == "context")
    status = queries.data_status(engine, f.source)
    if f.layer == "context":
        return _build_context(engine, f, general, general_breaks, per_million, status)
    measure = metrics_context.short_label(f.context)
    g = general.set_index("code")
    pm = per_million.set_index("code")
    pm_rows = _by_code(per_million, ["value", "rank", "ranked"])
    g_rows = _by_code(general, ["rate", "dataset", "rank", "ranked"])
    lines = [("" if f.metric == "per_million" else _jewelry_line(pm_rows[code])) + _general_line(g_rows[code], measure)
             for code in table["code"].tolist()]
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
    pm_rows = _by_code(per_million, ["value", "rank", "ranked"])
    more = []
    for r in figures.plain_rows(t, ["code", "coverage_pct", "dataset"]):
        text = _jewelry_line(pm_rows[r["code"]], bool(status["is_sample"]))
        dataset = r["dataset"] if isinstance(r["dataset"], str) else None
        cover = metrics_context.coverage_text(r["coverage_pct"], dataset)
        if cover:
            text += "<br>" + cover
        if dataset is not None:
            text += "<br>" + metrics_context.DATASETS.get(dataset, dataset)
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


@cached_chart
def build_ranking(engine: sa.Engine, filters: dict[str, Any]) -> tuple[pd.DataFrame, str]:
    """Filters -> the ranking rows (metrics_ranking) and a sentence saying what they show."""
    f = current(engine, filters)
    if f.year_from is None:
        return pd.DataFrame(columns=metrics_ranking.COLUMNS), "No incident data is loaded."
    rows = metrics_ranking.ranking(queries.region_year_counts(engine, f.jewelry()), queries.regions(engine), f)
    if rows.empty:
        return rows, f"No state or province has incidents for {f.describe()}."
    rose, more = rows[rows["change_pct"] > 0], rows[rows["change_abs"] > 0].sort_values("change_abs", ascending=False)
    if len(rose):
        top = rose.iloc[0]
        lead = (f"fastest rise: {top['name']} ({top['change_pct']:+.1f}%, {int(top['base_incidents']):,} to "
                f"{int(top['last_incidents']):,})")
    elif len(more):  # rises only from zero: no percentage, the count says it
        top = more.iloc[0]
        lead = (f"none rose by a percentage; the largest increase: {top['name']} ({int(top['base_incidents']):,} to "
                f"{int(top['last_incidents']):,})")
    else:
        lead = "none rose"
    summary = (f"{len(rows)} states and provinces with incidents ({f.describe()}), ranked by the change from "
               f"{f.base_year} to {f.year_to}: {lead}; {int(rows['significant'].sum())} significant.")
    return rows, summary


CHARTS = [Chart(CHART, TITLES["jewelry"], "Choropleth map", build, "/map")]
