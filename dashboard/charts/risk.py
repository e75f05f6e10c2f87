"""Regional-risk charts and numbers: one state or province for a jeweler (class, rank, rate, trend, crime
types, patterns, general crime), and the top states and provinces when none is chosen."""
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import sqlalchemy as sa

from dashboard import figures, figures_context, figures_risk, metrics, metrics_context, queries, state
from dashboard.charts import Chart, cached_chart
from dashboard.chart_result import ChartResult
from dashboard.guidance_content import SCENARIOS
from etl.stats import fmt_change

TREND, TYPES, TOP = "risk-trend", "risk-types", "risk-top"
GENERAL, SCATTER = "risk-general", "risk-scatter"
GENERAL_MEASURES = ("robbery", "burglary", "theft")
HOUR, TOD, LOCATION, WEEKDAY = "risk-hour", "risk-tod", "risk-location", "risk-weekday"
PATTERNS = (HOUR, TOD, LOCATION, WEEKDAY)
TOP_TYPES, TOP_REGIONS = 5, 15
COUNTRY = {"US": "United States", "CA": "Canada"}
POPULATION_SOURCE = "population: U.S. Census Bureau and Statistics Canada estimates"


def current(engine: sa.Engine, query: dict[str, Any]) -> state.Filters:
    """Checked filters; a change measure (the map's) is not a risk class, so the page uses the default."""
    f = state.parse(query, queries.years(engine), queries.regions(engine)["code"], sources=queries.sources(engine))
    return replace(f, metric=state.DEFAULT_METRIC) if f.metric in state.CHANGE_METRICS else f


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


def profile(engine: sa.Engine, filters: dict[str, Any]) -> Profile:
    """Risk class, rank, rate against the national rate and the latest change, from the rollups."""
    with queries.pinned_version(engine):  # one data-version query for all the lookups below
        return _profile(engine, filters)


def _profile(engine: sa.Engine, filters: dict[str, Any]) -> Profile:
    f = current(engine, filters)
    regions = queries.regions(engine)
    counts = queries.region_year_counts(engine, f.jewelry())
    if f.year_from is None:
        return Profile(f, {}, pd.DataFrame(), [])
    business = queries.business_counts(engine)
    breaks = metrics.fixed_breaks(counts, regions, f.metric, business)
    table = metrics.region_table(counts, regions, f, breaks, business)
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


# ---------------------------------------------------------------- charts

def _context(engine: sa.Engine, f: state.Filters) -> tuple[Any, dict[str, Any], pd.DataFrame]:
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


@cached_chart
def build_trend(engine: sa.Engine, filters: dict[str, Any], export: bool = False) -> ChartResult:
    """The region's incidents per year by category, every year, the selected years shaded."""
    f = current(engine, filters)
    engine, status, types = _context(engine, f)
    name = _region_name(engine, f)
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


@cached_chart
def build_types(engine: sa.Engine, filters: dict[str, Any], export: bool = False) -> ChartResult:
    """The region's most common crime types over the selected years, each with its guidance."""
    f = current(engine, filters)
    engine, status, types = _context(engine, f)
    name = _region_name(engine, f)
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


@cached_chart
def build_patterns(engine: sa.Engine, filters: dict[str, Any], export: bool = False) -> dict[str, ChartResult]:
    """Hour, time of day, location type and weekday for the region, where the data records them."""
    f = current(engine, filters)
    engine, status, _types = _context(engine, f)
    name = _region_name(engine, f)
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


@cached_chart
def build_top(engine: sa.Engine, filters: dict[str, Any], export: bool = False) -> ChartResult:
    """With no region chosen: the states and provinces with the highest values, coloured by class."""
    f = current(engine, filters)
    engine, status, _types = _context(engine, f)
    p = profile(engine, filters)
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


@cached_chart
def build_general(engine: sa.Engine, filters: dict[str, Any], export: bool = False) -> ChartResult:
    """The region's general robbery, burglary and theft rates: rank, change on the prior year and the
    national rate, for the last selected year (or the latest earlier year with a figure)."""
    f = current(engine, filters)
    name = _region_name(engine, f)
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
    # the caveat names the countries whose tables the ranks come from
    countries = set().union(*(queries.context_countries(engine, m, int(y)) for m, y in zip(have["measure"], have["year"])))
    fig = figures_context.general_bars(have, name)
    return ChartResult(fig, rows.reset_index(drop=True), summary, source,
                       f"General crime {when}{fallback}; showing {name}, {when}", _context_sample(engine),
                       caveat=metrics_context.caveat(countries or {country}))


@cached_chart
def build_scatter(engine: sa.Engine, filters: dict[str, Any], export: bool = False) -> ChartResult:
    """Jewelry incidents per million residents against the general robbery rate per 100,000, one point per
    state or province with both, and the line of proportionality."""
    f = current(engine, filters)
    engine, status, _types = _context(engine, f)
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


def _region_name(engine: sa.Engine, f: state.Filters) -> str:
    if not f.region:
        return "no region"
    regions = queries.regions(engine).set_index("code")
    return str(regions.loc[f.region, "name"])


def _pattern(chart: str) -> Any:
    def build(engine: sa.Engine, filters: dict[str, Any], export: bool = False) -> ChartResult:
        return build_patterns(engine, filters)[chart]
    build.__name__ = f"build_{chart.replace('-', '_')}"  # before decorating: the cache key names it
    return cached_chart(build)


CHARTS = [
    Chart(TREND, "Incidents per year in a state or province", "Stacked bar chart", build_trend, "/risk"),
    Chart(TYPES, "Top crime types in a state or province", "Bar chart", build_types, "/risk"),
    Chart(TOP, "States and provinces with the most crime", "Bar chart", build_top, "/risk"),
    Chart(HOUR, "Incidents by hour of day", "Bar chart", _pattern(HOUR), "/risk"),
    Chart(TOD, "Incidents by time of day", "Bar chart", _pattern(TOD), "/risk"),
    Chart(LOCATION, "Incidents by type of location", "Bar chart", _pattern(LOCATION), "/risk"),
    Chart(WEEKDAY, "Incidents by day of the week", "Bar chart", _pattern(WEEKDAY), "/risk"),
    Chart(GENERAL, "General crime in a state or province against the national rate", "Bar chart", build_general,
          "/risk"),
    Chart(SCATTER, "Jewelry crime against general robbery", "Scatter plot", build_scatter, "/risk"),
]
