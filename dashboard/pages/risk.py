"""Regional risk: one state or province for a jeweler (class, rank, rate, trend, crime types, patterns).

No `from __future__ import annotations`: should Dash's own folder scan load this
file (before it is in sys.modules), a dataclass with string annotations fails.
"""
from dataclasses import dataclass, replace
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, html, no_update

from dashboard import context, controls, figures, figures_context, figures_risk, metrics, metrics_context, queries, state
from dashboard.components import PAGE_LOCATION, ChartResult, chart_card, chart_outputs, part, render
from dashboard.guidance_content import SCENARIOS, guidance_card, resource_links
from dashboard.theme import CLASS_COLOURS
from etl.stats import fmt_change

PAGE = "risk"
FILTERS = controls.cid(PAGE, "filters")
HEADLINE = "risk-headline"
GUIDE_CARDS = "risk-guidance-cards"
TREND, TYPES, TOP = "risk-trend", "risk-types", "risk-top"
GENERAL, SCATTER = "risk-general", "risk-scatter"
GENERAL_MEASURES = ("robbery", "burglary", "theft")
HOUR, TOD, LOCATION, WEEKDAY = "risk-hour", "risk-tod", "risk-location", "risk-weekday"
PATTERNS = (HOUR, TOD, LOCATION, WEEKDAY)
PARAMS = ["region", "year_from", "year_to", "category", "subtype", "source", "metric"]
TOP_TYPES, TOP_REGIONS = 5, 15
COUNTRY = {"US": "United States", "CA": "Canada"}
POPULATION_SOURCE = "population: U.S. Census Bureau and Statistics Canada estimates"

dash.register_page(__name__, path="/risk", name="Regional risk", title="Regional risk · Jewelry Crime Analytics",
                   order=4)


def current(query: dict[str, Any]) -> state.Filters:
    engine = context.engine()
    return state.parse(query, queries.years(engine), queries.regions(engine)["code"], sources=queries.sources(engine))


def layout(**query: Any) -> html.Div:
    f = current(query)
    engine = context.engine()
    # a region without a single incident under these filters gets its 'no data' notice and the top regions instead
    if f.region and f.region in set(queries.region_year_counts(engine, f.jewelry())["code"]):
        top = dbc.Row([
            dbc.Col(html.Div(id=HEADLINE, className="mb-4", role="status"), lg=6),
            dbc.Col(chart_card(GENERAL, "General crime there: robbery, burglary and theft", height=320, note=(
                "All crime reported in the state or province (FBI estimates, Statistics Canada police-reported "
                "incidents), not crime against jewelers: each bar is its rate against the national rate, "
                "with the rate, its rank among states and provinces and the change on the prior year.")), lg=6),
        ])
        body = [
            chart_card(TREND, "Incidents per year", height=380),
            chart_card(TYPES, "Top crime types in the selected years", height=340),
            html.Div(id=GUIDE_CARDS, className="mb-4"),
            html.H2("When and where", className="h4 mt-2"),
            dbc.Row([dbc.Col(chart_card(HOUR, "Hour of day", height=300), lg=6),
                     dbc.Col(chart_card(TOD, "Time of day", height=300), lg=6),
                     dbc.Col(chart_card(LOCATION, "Type of location", height=300), lg=6),
                     dbc.Col(chart_card(WEEKDAY, "Day of the week", height=300), lg=6)]),
        ]
    else:
        top = html.Div(id=HEADLINE, className="mb-4", role="status")
        body = [chart_card(TOP, "States and provinces with the most crime", height=480,
                           note="Click a bar to open that state or province."),
                chart_card(SCATTER, "Jewelry crime against general robbery", height=480, note=(
                    "One point per state or province: incidents against jewelers per million residents (up) "
                    "against all robberies reported per 100,000 residents (across). Places above the dashed line "
                    "have more jewelry crime than their general robbery rate would suggest. Click a point to "
                    "open that state or province."))]
    return html.Div([
        html.H1("Regional risk for jewelers", className="h3"),
        html.P("How much jewelry crime a state or province sees, how it compares with its country, which crimes "
               "are most common there and when they happen, with what to do about each.", className="text-muted"),
        controls.filter_row(controls.region(PAGE, queries.regions(engine), f, width=4),
                            controls.year_range(PAGE, queries.years(engine), f), controls.source(PAGE, f, queries.sources(engine))),
        controls.filter_row(controls.crime_type(PAGE, f), controls.metric(PAGE, f)),
        controls.store(PAGE, f),
        top,
        *body,
        resource_links(),
    ])


# ---------------------------------------------------------------- headline numbers

@dataclass
class Profile:
    """The headline numbers for the selected region and years (None where there is nothing to say)."""
    filters: state.Filters
    national: dict[str, float | None]  # incidents per million residents per year, by country
    table: pd.DataFrame  # metrics.region_table for the selection
    breaks: list[float]
    code: str | None = None
    name: str = ""
    country: str = ""
    has_data: bool = False
    risk_label: str = "No data"
    risk_class: int | None = None
    rank: int | None = None
    ranked: int = 0
    value: float | None = None
    incidents_total: float = 0.0
    per_million: float | None = None
    ratio: float | None = None
    last_year: float = 0.0
    prior_year: float = 0.0
    change_pct: float | None = None
    reliable: bool = False


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def profile(filters: dict[str, Any]) -> Profile:
    """Risk class, rank, rate against the national rate and the latest change, from the rollups."""
    f = current(filters)
    engine = context.engine()
    regions = queries.regions(engine)
    counts = queries.region_year_counts(engine, f.jewelry())
    if f.year_from is None:
        return Profile(f, {}, pd.DataFrame(), [])
    breaks = metrics.fixed_breaks(counts, regions, f.metric)
    table = metrics.region_table(counts, regions, f, breaks)
    national = {c: metrics.national_rate(counts, regions, f, c) for c in COUNTRY}
    p = Profile(f, national, table, breaks)
    if not f.region:
        return p
    row = table.set_index("code").loc[f.region]
    p.code, p.name, p.country, p.has_data = f.region, str(row["name"]), str(row["country"]), bool(row["has_rows"])
    if not p.has_data:
        return p
    n_years = f.year_to - f.year_from + 1
    p.risk_label, p.risk_class = str(row["risk_label"]), None if pd.isna(row["risk_class"]) else int(row["risk_class"])
    p.rank = None if pd.isna(row["rank"]) else int(row["rank"])
    p.ranked, p.value = int(row["ranked"]), _num(row["value"])
    p.incidents_total = float(row["incidents_total"])
    population = _num(row["population"])
    p.per_million = p.incidents_total / n_years / population * 1e6 if population else None
    nat = national.get(p.country)
    p.ratio = p.per_million / nat if p.per_million is not None and nat else None
    p.last_year, p.prior_year = float(row["last_year"]), float(row["prior_year"])
    p.change_pct, p.reliable = _num(row["change_pct"]), bool(row["reliable"])
    return p


def fmt_rate(rate: float) -> str:
    """Per-million rates: two decimals, or three significant figures when tiny (never '0.00')."""
    return f"{rate:,.2f}" if rate >= 0.1 or rate == 0 else f"{rate:.3g}"


def _national_line(p: Profile) -> str:
    parts = [f"{COUNTRY[c]}: {fmt_rate(rate)}" for c, rate in p.national.items() if rate is not None]
    return "National rates, incidents per million residents per year: " + "; ".join(parts) + "." if parts else ""


def headline(p: Profile) -> Any:
    f = p.filters
    if f.year_from is None:
        return dbc.Alert("No incident data is loaded yet.", color="secondary")
    if not f.region:
        return dbc.Alert([html.I(className="bi bi-geo-alt me-2"), html.Strong("Choose a state or province "),
                          "in the search box above, or click one on the map or in the chart below, to see its risk "
                          f"profile. {_national_line(p)}"], color="info", id="risk-prompt")
    if not p.has_data:
        what = replace(f, year_from=None).describe()  # crime types and source, without the years
        return dbc.Alert([html.Strong(f"No data for {p.name}. "), f"No incidents are recorded there in any year "
                          f"({what}). Try all crime types or another source. {_national_line(p)}"],
                         color="secondary", id="risk-no-data")
    metric = state.METRICS[f.metric].lower() + (" per year" if f.year_from != f.year_to and
                                                f.metric in ("incidents", "losses") else "")
    badge_text = "#212529" if (p.risk_class or 0) < 3 else "white"
    badge = html.Span(p.risk_label, className="badge fs-6 me-2 risk-class",
                      style={"backgroundColor": CLASS_COLOURS[p.risk_class] if p.risk_class is not None else "#d0d0d0",
                             "color": badge_text})
    rank = (f"Rank {p.rank} of {p.ranked} states and provinces with data, by {metric}."
            if p.rank else f"Not ranked by {metric}: the denominator is not known for {p.name}.")
    nat = p.national.get(p.country)
    if p.ratio is not None:
        rate = (f"{fmt_rate(p.per_million)} incidents per million residents per year: {p.ratio:,.1f} times the "
                f"{COUNTRY[p.country]} national rate ({fmt_rate(nat)}).")
    elif p.per_million is not None:
        rate = f"{fmt_rate(p.per_million)} incidents per million residents per year; no national rate to compare with."
    else:
        rate = "No population figure, so no rate per million residents."
    return dbc.Card(dbc.CardBody([
        html.H2(p.name, className="h4 mb-2", id="risk-region-name"),
        html.P([badge, html.Span(rank, id="risk-rank")], className="mb-2"),
        html.P(f"{p.incidents_total:,.0f} incidents ({f.describe()}). {rate}", className="mb-1",
               id="risk-rate"),
        html.P(f"{f.year_to}: {p.last_year:,.0f} incidents, "
               f"{figures_risk.change_text(p.last_year, p.prior_year, f.year_to)}.",
               className="mb-1", id="risk-change"),
        html.P("Classes use fixed breaks from every state-year in the data, as on the map: "
               + "; ".join(metrics.break_labels(p.breaks, f.metric)) + f". Rates: {POPULATION_SOURCE}.",
               className="small text-muted mb-0"),
    ]), className="risk-headline-card")


# ---------------------------------------------------------------- charts

def _context(f: state.Filters) -> tuple[Any, dict[str, Any], pd.DataFrame]:
    engine = context.engine()
    return engine, queries.data_status(engine, f.source), queries.crime_types(engine)


def _range_text(f: state.Filters, name: str, status: dict[str, Any]) -> str:
    return f"Data {status['range']}; showing {name}, {f.describe()}"


def _labels(types: pd.DataFrame) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
    """(category, subtype) -> label and -> guidance slug; a bare category is 'not recorded' sub-type."""
    labels, slugs = {}, {}
    for r in types.itertuples():
        key = (r.category, r.subtype or "")
        labels[key] = r.label if r.subtype else f"{r.category_label}, sub-type not recorded"
        slugs[key] = r.guidance or ""
    return labels, slugs


def _empty(message: str, f: state.Filters, status: dict, name: str, height: int = 300) -> ChartResult:
    return ChartResult(figures.empty(message, height), pd.DataFrame(), message + ".", status["source_line"],
                       _range_text(f, name, status), status["is_sample"])


def build_trend(filters: dict[str, Any]) -> ChartResult:
    """The region's incidents per year by category, every year, the selected years shaded."""
    f = current(filters)
    engine, status, types = _context(f)
    name = _region_name(f)
    df = queries.yearly_by_category(engine, f) if f.region else pd.DataFrame()
    if df.empty or not df["incidents"].sum():
        return _empty(f"No incidents recorded for {name}", f, status, name, 380)
    cats = types.drop_duplicates("category").set_index("category")["category_label"]
    bare = types[types["subtype"] == ""].set_index("category")["guidance"]  # 'other' has no bare row: no guidance
    df["label"] = df["category"].map(cats).fillna(df["category"])
    df["slug"] = df["category"].map(bare).fillna("")
    rows = df[["year", "category", "label", "slug", "incidents"]].sort_values(["year", "category"])
    by_year = rows.groupby("year")["incidents"].sum()
    y1 = f.year_to
    last, prior = float(by_year.get(y1, 0)), float(by_year.get(y1 - 1, 0))
    summary = (f"{name}: {figures_risk.incidents_text(last)} in {y1}, {figures_risk.change_text(last, prior, y1)}; "
               f"{by_year.sum():,.0f} {figures_risk.span_text(by_year.index.min(), by_year.index.max())}, "
               f"most in {by_year.idxmax()} ({by_year.max():,.0f}).")
    drawn = rows.drop_duplicates("category")
    guidance = [(SCENARIOS[s].title, s) for s in dict.fromkeys(drawn["slug"]) if s in SCENARIOS]
    return ChartResult(figures_risk.trend_bars(rows, f.years), rows.drop(columns=["label"]).reset_index(drop=True),
                       summary, status["source_line"], _range_text(f, name, status) + " (trend: every year)",
                       status["is_sample"], guidance)


def build_types(filters: dict[str, Any]) -> ChartResult:
    """The region's most common crime types over the selected years, each with its guidance."""
    f = current(filters)
    engine, status, types = _context(f)
    name = _region_name(f)
    df = queries.mix(engine, f) if f.region else pd.DataFrame()
    df = df[df["incidents"] > 0] if len(df) else df
    if df.empty:
        return _empty(f"No incidents recorded for {name} in the selected years", f, status, name, 340)
    labels, slugs = _labels(types)
    keys = list(zip(df["category"], df["subtype"]))
    df["label"] = [labels.get(k, k[1] or k[0]) for k in keys]
    df["slug"] = [slugs.get(k, "") for k in keys]
    df["share_pct"] = df["incidents"] / df["incidents"].sum() * 100
    rows = (df.sort_values(["incidents", "label"], ascending=[False, True]).head(TOP_TYPES)
            [["label", "category", "subtype", "incidents", "share_pct", "slug"]].reset_index(drop=True))
    listed = ", ".join(f"{r.label} ({r.incidents:,.0f}, {r.share_pct:.0f}%)" for r in rows.itertuples())
    summary = f"Most common crime types in {name}, {f.describe()}: {listed}."
    guidance = [(SCENARIOS[s].title, s) for s in dict.fromkeys(rows["slug"]) if s in SCENARIOS]
    return ChartResult(figures_risk.type_bars(rows), rows, summary, status["source_line"],
                       _range_text(f, name, status), status["is_sample"], guidance)


def guidance_cards(result: ChartResult) -> Any:
    """One card per scenario behind the top crime types, in the order of the types."""
    rows = result.rows
    if rows.empty:
        return None
    cards = []
    for slug in dict.fromkeys(rows["slug"]):
        named = rows.loc[rows["slug"] == slug, "label"].tolist()
        card = guidance_card(slug, "For: " + ", ".join(named))
        if card is not None:
            cards.append(dbc.Col(card, md=6, xl=4, className="mb-3"))
    if not cards:
        return None
    return html.Section([html.H2("What to do about these crimes", className="h5"), dbc.Row(cards)],
                        id="risk-guidance")


def build_patterns(filters: dict[str, Any]) -> dict[str, ChartResult]:
    """Hour, time of day, location type and weekday for the region, where the data records them."""
    f = current(filters)
    engine, status, _types = _context(f)
    name = _region_name(f)
    df = queries.risk_patterns(engine, f) if f.region else pd.DataFrame(columns=["dimension", "value", "incidents"])
    scope = ("" if f.subtype == state.ALL else
             f"Patterns are kept by category: counting all {state.CATEGORIES[f.category]}. ")
    total = float(df.loc[df["dimension"] == "weekday", "incidents"].sum())  # every incident has a weekday
    source, where = status["source_line"], _range_text(f, name, status)
    out: dict[str, ChartResult] = {}
    specs = {HOUR: ("hour", "hour of day", ("busiest hour is", "busiest hours are"), None),
             TOD: ("time_of_day", "time of day", ("busiest time of day is", "busiest times are"),
                   figures_risk.TIME_OF_DAY),
             LOCATION: ("location_type", "location type", ("most common type of location is",
                                                           "most common types of location are"),
                        figures_risk.LOCATION_TYPES),
             WEEKDAY: ("weekday", "weekday", ("busiest day is", "busiest days are"), figures_risk.WEEKDAYS)}
    for chart, (dim, words, (one, many), names) in specs.items():
        part_df = df[df["dimension"] == dim]
        if part_df.empty or not part_df["incidents"].sum():
            out[chart] = _empty(f"No {words.replace(' ', '-')} data for {name} in the selected years", f, status, name)
            out[chart].summary = scope + out[chart].summary
            continue
        counts = part_df.groupby("value")["incidents"].sum()
        if dim == "hour":
            counts.index = counts.index.astype(int)
            rows = pd.DataFrame({"hour": range(24)})
            rows["label"] = [f"{h:02d}:00-{h:02d}:59" for h in rows["hour"]]
        else:
            order = list(names) if dim != "location_type" else counts.sort_values(ascending=False).index.tolist()
            rows = pd.DataFrame({"value": order})
            rows["label"] = rows["value"].map(lambda v: names.get(v, str(v).replace("_", " ").capitalize()))
        rows["incidents"] = rows.iloc[:, 0].map(counts).fillna(0)
        if dim == "location_type":
            rows = rows[rows["incidents"] > 0]
        fig = (figures_risk.hour_bars(rows) if dim == "hour" else
               figures_risk.pattern_bars(rows, words.capitalize(), horizontal=dim == "location_type"))
        top, have = rows["incidents"].max(), float(rows["incidents"].sum())
        peaks = rows.loc[rows["incidents"] == top, "label"].tolist()
        peak = (f"the {one} {peaks[0]} with {top:,.0f}" if len(peaks) == 1 else
                f"the {many} {', '.join(peaks[:-1])} and {peaks[-1]} with {top:,.0f} each")
        coverage = "" if have == total else f"; {total:,.0f} incidents in all"
        summary = f"{scope}{name}: {peak} of the {have:,.0f} incidents with a recorded {words}{coverage}."
        out[chart] = ChartResult(fig, rows.reset_index(drop=True), summary, source, where, status["is_sample"])
    return out


def build_top(filters: dict[str, Any]) -> ChartResult:
    """With no region chosen: the states and provinces with the highest values, coloured by class."""
    f = current(filters)
    engine, status, _types = _context(f)
    p = profile(filters)
    if f.year_from is None or p.table.empty or p.table["value"].notna().sum() == 0:
        return _empty("No state or province has data for this selection", f, status, "all states and provinces", 480)
    label = state.METRICS[f.metric] + (" per year" if f.year_from != f.year_to and f.metric in ("incidents", "losses")
                                       else "")
    rows = (p.table[p.table["value"].notna()].head(TOP_REGIONS)
            [["code", "name", "country", "value", "rank", "risk_class", "risk_label", "incidents_total"]]
            .rename(columns={"risk_label": "risk_class_label"}).reset_index(drop=True))
    fig = figures_risk.top_regions(rows.rename(columns={"risk_class_label": "risk_label"}), label, f.metric)
    top = rows.iloc[0]
    summary = (f"The top {len(rows)} states and provinces by {label.lower()} ({f.describe()}): first is "
               f"{top['name']} with {figures.fmt_value(top['value'], f.metric)}, of {p.table['value'].notna().sum()} "
               f"with data. {_national_line(p)}")
    source = status["source_line"] + ("; " + POPULATION_SOURCE if f.metric == "per_million" else "")
    return ChartResult(fig, rows, summary, source, _range_text(f, "all states and provinces", status),
                       status["is_sample"])


# ---------------------------------------------------------------- general crime beside jewelry crime

def _context_sample(engine: Any) -> bool:
    batches = queries.context_batches(engine)
    return bool(len(batches) and batches["is_sample"].any())


def build_general(filters: dict[str, Any]) -> ChartResult:
    """The region's general robbery, burglary and theft rates: rank, change on the prior year and the
    national rate, for the last selected year (or the latest earlier year with a figure)."""
    f = current(filters)
    engine = context.engine()
    name = _region_name(f)
    source_none = "General crime: no FBI or Statistics Canada table loaded"
    if not f.region or f.year_to is None:
        return ChartResult(figures.empty("Choose a state or province", 300), pd.DataFrame(),
                           "No state or province is chosen.", source_none)
    by = {m: queries.context_region_years(engine, m, None, f.year_to, f.region) for m in GENERAL_MEASURES}
    rows = metrics_context.region_general(by, f.region, f.year_to)
    country = str(queries.regions(engine).set_index("code").loc[f.region, "country"])
    national, times = [], []
    for r in rows.itertuples():
        nat = queries.context_national(engine, r.measure, country) if pd.notna(r.year) else pd.DataFrame()
        at = nat[nat["year"] == r.year]["rate"] if len(nat) else pd.Series(dtype="float64")
        value = float(at.iloc[0]) if len(at) and pd.notna(at.iloc[0]) else float("nan")
        national.append(value)
        times.append(r.rate / value if value and value == value and r.rate == r.rate else float("nan"))
    rows["national_rate"], rows["times_national"] = national, times
    have = rows[rows["rate"].notna()]
    if have.empty:
        return ChartResult(figures.empty(f"No general-crime figures loaded for {name}", 300), rows,
                           f"No FBI or Statistics Canada figures for {name} up to {f.year_to} are loaded.",
                           source_none, f"General crime up to {f.year_to}; showing {name}",
                           caveat=metrics_context.NOT_JEWELRY)
    parts = []
    for r in have.itertuples():
        change = (f", {fmt_change(r.change_pct)} on {int(r.year) - 1}" if pd.notna(r.change_pct) else
                  f", no {int(r.year) - 1} figure to compare")
        nat = f", {r.times_national:.2f} times the national rate" if pd.notna(r.times_national) else ""
        parts.append(f"{metrics_context.short_label(r.measure)} {metrics_context.fmt_rate(r.rate)} per 100,000 "
                     f"(rank {int(r.rank)} of {int(r.ranked)} states and provinces{change}{nat})")
    years = sorted({int(y) for y in have["year"]})
    when = str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
    fallback = f" (the latest year loaded up to {f.year_to})" if years[-1] != f.year_to else ""
    summary = f"General crime in {name}, {when}{fallback}: " + "; ".join(parts) + "."
    source = "General crime: " + metrics_context.sources_line(have) + "; national rates from the same tables"
    ranked_years = {m: queries.context_region_years(engine, m, int(y), int(y)) for m, y in zip(have["measure"], have["year"])}
    countries = set().union(*(metrics_context.countries_drawn(t) for t in ranked_years.values()))
    fig = figures_context.general_bars(have, name)
    return ChartResult(fig, rows.reset_index(drop=True), summary, source,
                       f"General crime {when}{fallback}; showing {name}, {when}", _context_sample(engine),
                       caveat=metrics_context.caveat(countries or {country}))


def build_scatter(filters: dict[str, Any]) -> ChartResult:
    """Jewelry incidents per million residents against the general robbery rate per 100,000, one point per
    state or province with both, and the line of proportionality."""
    f = current(filters)
    engine, status, _types = _context(f)
    x_label, y_label = "General robbery per 100,000", "Jewelry incidents per million"  # short: a phone's width
    if f.year_from is None:
        return _empty("No incident data loaded", f, status, "all states and provinces", 480)
    regions = queries.regions(engine)
    counts = queries.region_year_counts(engine, f.jewelry())
    jewelry = metrics.region_table(counts, regions, replace(f, metric="per_million"), [])
    robbery = queries.context_region_years(engine, "robbery", min(f.year_from, f.year_to - 1), f.year_to)
    general = metrics_context.context_table(robbery, regions, f.year_from, f.year_to, [])
    points, slope = metrics_context.scatter_table(jewelry, general)
    years = str(f.year_to) if f.year_from == f.year_to else f"{f.year_from}-{f.year_to}"
    general_source = metrics_context.sources_line(general)
    source = (f"{status['source_line']}; general robbery: {general_source or 'no table loaded'}; "
              f"{POPULATION_SOURCE}")
    date_range = _range_text(f, "all states and provinces", status) + f"; general robbery {years}"
    if points.empty:
        msg = f"No state or province has both jewelry incidents and a general robbery figure for {years}"
        return ChartResult(figures.empty(msg, 480), points, msg + ".", source, date_range, status["is_sample"],
                           caveat=metrics_context.NOT_JEWELRY)
    fig = figures_context.scatter_figure(points, slope, x_label, y_label)
    above = points[points["excess_per_million"] > 0].head(3)
    names = [f"{r.name} ({r.jewelry_per_million:,.2f} per million against {r.expected_per_million:,.2f} "
             f"expected)" for r in above.itertuples()]
    listed = (", ".join(names[:-1]) + " and " + names[-1]) if len(names) > 1 else (names[0] if names else "")
    per_year = " per year" if f.year_from != f.year_to else ""
    summary = (f"Scatter of jewelry incidents per million residents{per_year} against general robbery per 100,000 "
               f"for {len(points)} states and provinces ({f.describe()}): "
               + (f"furthest above the line of proportionality {'is' if len(names) == 1 else 'are'} {listed}."
                  if names else "none sits above the line of proportionality."))
    rows = points[["code", "name", "country", "jewelry_per_million", "jewelry_incidents_per_year", "population",
                   "general_rate", "general_rank", "expected_per_million", "excess_per_million", "ratio", "dataset",
                   "source", "release"]].rename(columns={"general_rate": "general_robbery_per_100k",
                                                         "general_rank": "general_robbery_rank",
                                                         "ratio": "times_expected"})
    rows = rows.assign(line_slope=slope)
    return ChartResult(fig, rows, summary, source, date_range, status["is_sample"] or _context_sample(engine),
                       caveat=metrics_context.caveat(set(points["country"])))


def _region_name(f: state.Filters) -> str:
    if not f.region:
        return "no region"
    regions = queries.regions(context.engine()).set_index("code")
    return str(regions.loc[f.region, "name"])


# ---------------------------------------------------------------- callbacks (thin)

@callback(Output(HEADLINE, "children"), Input(FILTERS, "data"))
def update_headline(filters: dict[str, Any]) -> Any:
    return headline(profile(filters or {}))


@callback(*chart_outputs(TREND), Input(FILTERS, "data"))
def update_trend(filters: dict[str, Any]) -> tuple:
    return render(build_trend(filters or {}))


@callback(*chart_outputs(TYPES), Output(GUIDE_CARDS, "children"), Input(FILTERS, "data"))
def update_types(filters: dict[str, Any]) -> tuple:
    result = build_types(filters or {})
    return (*render(result), guidance_cards(result))


@callback(*[o for chart in PATTERNS for o in chart_outputs(chart)], Input(FILTERS, "data"))
def update_patterns(filters: dict[str, Any]) -> tuple:
    results = build_patterns(filters or {})
    return tuple(v for chart in PATTERNS for v in render(results[chart]))


@callback(*chart_outputs(TOP), Input(FILTERS, "data"))
def update_top(filters: dict[str, Any]) -> tuple:
    return render(build_top(filters or {}))


@callback(*chart_outputs(GENERAL), Input(FILTERS, "data"))
def update_general(filters: dict[str, Any]) -> tuple:
    return render(build_general(filters or {}))


@callback(*chart_outputs(SCATTER), Input(FILTERS, "data"))
def update_scatter(filters: dict[str, Any]) -> tuple:
    return render(build_scatter(filters or {}))


@callback(Output(PAGE_LOCATION, "search", allow_duplicate=True), Input(part(SCATTER, "graph"), "clickData"),
          State(FILTERS, "data"), prevent_initial_call=True)
def open_scatter_region(click: dict | None, filters: dict[str, Any]) -> Any:
    """A click on a point of the scatter selects that state or province."""
    return open_region(click, filters)


@callback(Output(PAGE_LOCATION, "search", allow_duplicate=True), Input(part(TOP, "graph"), "clickData"),
          State(FILTERS, "data"), prevent_initial_call=True)
def open_region(click: dict | None, filters: dict[str, Any]) -> Any:
    """A click on a bar of the top-regions chart selects that region (same years and filters)."""
    if not click or not click.get("points"):
        return no_update
    data = click["points"][0].get("customdata")
    code = str(data[0] if isinstance(data, list) and data else "")
    f = current(filters or {})
    if code not in set(queries.regions(context.engine())["code"]):
        return no_update
    return f.query(region=code)


controls.sync_url(PAGE, PARAMS)
