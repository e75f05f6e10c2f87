"""Trends charts: incidents per year, an index against a base year, January-June comparisons, seasonality.

Builders take the engine and the filters (URL-query style) and return a ChartResult.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, NamedTuple

import pandas as pd
import sqlalchemy as sa

from dashboard import claims_view, figures, figures_trends, metrics_context, metrics_trends, queries, series_breaks, state
from dashboard.charts import Chart, cached_chart
from dashboard.chart_result import ChartResult, claim_shown
from dashboard.claims_view import HALF as HALF_CLAIMS, INDEX as INDEX_CLAIMS, claimed_text, value_text
from etl.context import MEASURE_FOR_CATEGORY

PAGE = "trends"
YEARLY, INDEX, HALF, MONTHLY = "trends-yearly", "trends-index", "trends-half", "trends-monthly"
PARAMS = ["year_from", "year_to", "category", "subtype", "source", "base_year", "major_only", "country", "context_line"]
COUNTRY = {"": "U.S. and Canada", "US": "United States", "CA": "Canada"}
VIEWS = {"yearly": YEARLY, "index": INDEX, "half": HALF, "monthly": MONTHLY}  # ?view=... puts that chart first
THEFT_ROBBERY = ("theft", "robbery")


def current(engine: sa.Engine, query: dict[str, Any]) -> tuple[state.Filters, str]:
    """Checked filters and country ('' = both) from the URL query or the page's store.

    Like for like by default: without a first year in the query, a combined series starts in the first
    year every one of its sources covers (series_breaks); asked for earlier years, it shows them and marks
    the break."""
    f = state.parse(query, queries.years(engine), queries.regions(engine)["code"], all_years_by_default=True,
                    sources=queries.sources(engine), several_regions=True)
    if query.get("year_from") in (None, "") and f.year_from is not None:
        common = series_breaks.common_years(queries.source_years(engine), f.source)
        if common and f.year_from < common[0] <= f.year_to:
            f = replace(f, year_from=common[0])
    country = query.get("country")
    return f, country if isinstance(country, str) and country in COUNTRY else ""


class Ctx(NamedTuple):
    engine: sa.Engine
    export: bool  # building an exported image: a claim the data does not support is left out
    left_out: list[str]  # ids of the claims left out
    f: state.Filters
    country: str
    years: list[int]
    labels: dict[str, str]
    slugs: dict[tuple[str, str], str]
    status: dict[str, Any]
    names: dict[str, str]  # region code -> name
    spans: dict[str, tuple[int, int]]  # source -> first and last year with rows

    @property
    def regions_text(self) -> str:
        """'Texas and California' (or '5 states and provinces: ...'): the regions shown, '' for all of them."""
        named = [self.names.get(c, c) for c in self.f.region_codes]
        if not named:
            return ""
        if len(named) > 3:
            return f"{len(named)} states and provinces ({', '.join(self.f.region_codes)})"
        return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]

    @property
    def describe(self) -> str:
        parts = [self.f.describe(), self.regions_text or COUNTRY[self.country]]
        return "; ".join(parts + (["major cities only"] if self.f.major_only else []))

    @property
    def breaks(self) -> list[series_breaks.Break]:
        return series_breaks.breaks(self.spans, self.f.source, *self.f.years)

    @property
    def break_sentence(self) -> str:
        return series_breaks.sentence(self.breaks, self.f.source, self.spans)

    @property
    def date_range(self) -> str:
        return f"Data {self.status['range']}; showing {self.describe}"

    @property
    def selected_tag(self) -> str:
        """Guidance tag when one crime type is selected (a total of several types names none)."""
        if self.f.category == state.ALL:
            return ""
        sub = self.f.subtype if self.f.subtype != state.ALL else ""
        return metrics_trends.tag_for(self.slugs, self.f.category, sub)

    def guidance(self, cats: list[str]) -> list[tuple[str, str]]:
        sub = self.f.subtype if self.f.subtype != state.ALL else ""
        return metrics_trends.guidance_list(metrics_trends.slug_for(self.slugs, c, sub) for c in cats)

    def result(self, fig: Any, rows: pd.DataFrame, summary: str, cats: list[str], year_axis: bool = True) -> ChartResult:
        if self.f.region_codes and len(rows):  # the CSV says which regions it counts
            rows = rows.assign(regions=",".join(self.f.region_codes))
        if year_axis:
            figures_trends.mark_breaks(fig, self.breaks)
        return ChartResult(fig, rows, summary + self.break_sentence, self.status["source_line"], self.date_range,
                           self.status["is_sample"], self.guidance(cats), left_out=self.left_out)

    def shown(self, claim: dict[str, Any]) -> bool:
        return claim_shown(self.engine, claim, self.export, self.left_out)


def _ctx(engine: sa.Engine, filters: dict[str, Any], export: bool = False) -> Ctx:
    f, country = current(engine, filters)
    types = queries.crime_types(engine)
    labels = dict(zip(types["category"], types["category_label"]))
    names = dict(zip(queries.regions(engine)["code"], queries.regions(engine)["name"]))
    return Ctx(engine, export, [], f, country, queries.years(engine), labels, metrics_trends.guidance_slugs(types),
               queries.data_status(engine, f.source), names, queries.source_years(engine))


def _no_data(c: Ctx) -> ChartResult:
    return ChartResult(figures.empty("No incident data loaded"), pd.DataFrame(), "No incident data is loaded.",
                       c.status["source_line"], c.date_range, c.status["is_sample"])


def _yearly_frame(c: Ctx, f: state.Filters | None = None, country: str | None = None) -> pd.DataFrame:
    df = queries.trend_halves(c.engine, (f or c.f).jewelry(), c.country if country is None else country)
    return metrics_trends.by_year_and_category(df)


def _whole_country(c: Ctx) -> tuple[state.Filters, str, str]:
    """The comparison for chosen regions: the same filters over their whole country (both countries when the
    regions lie in both), and its name."""
    countries = {queries.regions(c.engine).set_index("code").loc[code, "country"] for code in c.f.region_codes}
    country = next(iter(countries)) if len(countries) == 1 else c.country
    return replace(c.f, region=None), country, COUNTRY[country]


def country_index(c: Ctx, base: int) -> tuple[pd.DataFrame, str]:
    """The whole country's index with the same base year and filters: the line chosen regions are compared with."""
    f, country, name = _whole_country(c)
    table = metrics_trends.in_range(metrics_trends.index_table(metrics_trends.by_year(_yearly_frame(c, f, country),
                                                                                      c.years), base), *c.f.years)
    return table, name


def _change_rows(table: pd.DataFrame, cats: list[str], total: str = "total") -> pd.DataFrame:
    return table[["year", *cats, "total", "change", "change_pct", "reliable"]].rename(columns={
        "total": total, "change": "change_on_prior", "change_pct": "change_pct_on_prior",
        "reliable": "change_reliable"})


@cached_chart
def build_yearly(engine: sa.Engine, filters: dict[str, Any], export: bool = False) -> ChartResult:
    """Stacked bars per year by category, with the year-over-year change (rows = the bars and the changes)."""
    c = _ctx(engine, filters, export)
    if not c.years:
        return _no_data(c)
    yearly = _yearly_frame(c)
    cats = metrics_trends.categories_in(yearly)
    table = metrics_trends.in_range(metrics_trends.by_year(yearly, c.years), *c.f.years)
    tags = {cat: metrics_trends.tag_for(c.slugs, cat) for cat in cats}
    fig = figures_trends.stacked_by_category(table, cats, c.labels, tags)
    last = table.iloc[-1]
    peak = table.loc[table["total"].idxmax()]
    unreliable = int((~table["reliable"] & table["change_pct"].notna()).sum())
    summary = (f"Stacked bars of incidents per year by crime category ({c.describe}): {int(last['year'])} had "
               f"{int(last['total']):,} incidents, {metrics_trends.change_text(last['change_pct'], last['reliable'])} "
               f"on the year before; the highest year shown is {int(peak['year'])} with {int(peak['total']):,}."
               + (f" {unreliable} of the year-on-year changes rest on fewer than "
                  f"{figures_trends.UNRELIABLE_BELOW} incidents and are marked unreliable." if unreliable else ""))
    rows = _change_rows(table, cats)
    if c.f.region_codes:
        f, country, name = _whole_country(c)
        whole = metrics_trends.in_range(metrics_trends.by_year(_yearly_frame(c, f, country), c.years), *c.f.years)
        rows = rows.assign(country_total=rows["year"].map(dict(zip(whole["year"], whole["total"]))))
        rows["share_of_country_pct"] = rows["total"] / rows["country_total"].where(rows["country_total"] > 0) * 100
        at = rows.iloc[-1]
        if at["country_total"]:
            summary += (f" {c.regions_text} had {at['share_of_country_pct']:.1f}% of {name}'s "
                        f"{int(at['country_total']):,} incidents in {int(at['year'])}.")
    return c.result(fig, rows, summary, cats)


def chart_claims(chart: str, c: Ctx) -> list[dict[str, Any]]:
    """The checked claims this chart stands behind with the filters shown (claims_view.chart_of and
    claims_view.matches), each with a published number."""
    return [h for h in queries.chart_claims(c.engine, chart)
            if h["published_value"] is not None and claims_view.matches(h, c.f, c.country)]


@cached_chart
def build_index(engine: sa.Engine, filters: dict[str, Any], export: bool = False) -> ChartResult:
    """Each year as an index, base year = 100; the 'since 2019' claim as a reference line when the base is 2019."""
    c = _ctx(engine, filters, export)
    if not c.years:
        return _no_data(c)
    yearly = _yearly_frame(c)
    cats = metrics_trends.categories_in(yearly)
    base = c.f.base_year
    table = metrics_trends.in_range(metrics_trends.index_table(metrics_trends.by_year(yearly, c.years), base),
                                    *c.f.years)
    claims = chart_claims(INDEX_CLAIMS, c)
    at_base = [h for h in claims if h["measure"]["compared_first_year"] == base]
    drawn = [h for h in at_base if c.shown(h)]
    claim = None
    if drawn:  # the first claim measured from this base year is drawn as the reference line
        h = drawn[0]
        year, level = h["measure"]["last_year"], 100 + float(h["published_value"])
        claim = {"index": level, "year": year, "figure": h,
                 "label": f"Campaign claim: {claimed_text(h)} since {base} (index {level:g} in {year})"}
    line = context_line(c, base, list(table["year"])) if c.f.context_line else None
    whole, whole_name = country_index(c, base) if c.f.region_codes else (None, "")
    fig = figures_trends.index_figure(table, base, claim, c.selected_tag,
                                      context=line["table"] if line else None, context_label=line["label"] if line else "",
                                      country=whole, country_label=f"{whole_name}, all of it (same filters)")
    rows = table.assign(series="data")[["series", "year", "incidents", "base_incidents", "index",
                                        "change_since_base_pct", "reliable"]]
    if line is not None and len(line["table"]) and line["table"]["index"].notna().any():
        t = line["table"]
        rows = pd.concat([rows, pd.DataFrame({"series": line["series"], "year": t["year"], "index": t["index"],
                                              "change_since_base_pct": t["index"] - 100, "general_rate_per_100k": t["rate"],
                                              "general_base_rate_per_100k": t["base_rate"],
                                              "general_summed_from_places": t["from_places"]})], ignore_index=True)
    if whole is not None and len(whole):
        rows = pd.concat([rows, whole.assign(series=f"whole country: {whole_name}")[
            ["series", "year", "incidents", "base_incidents", "index", "change_since_base_pct", "reliable"]]],
            ignore_index=True)
    if claim is not None:
        rows = pd.concat([rows, pd.DataFrame([{"series": "campaign claim (published)", "year": claim["year"],
                                               "index": claim["index"], "change_since_base_pct": claim["index"] - 100}])],
                         ignore_index=True)
    if not table["base_incidents"].iloc[0]:
        summary = f"No index: there are no incidents in the base year {base} ({c.describe})."
    else:
        last = table.iloc[-1]
        summary = (f"Line of each year's incidents as an index with {base} = 100 ({c.describe}): {int(last['year'])} "
                   f"stands at {last['index']:.1f}, {metrics_trends.change_text(last['change_since_base_pct'], last['reliable'])}"
                   f" since {base}.")
        if whole is not None and len(whole) and whole["base_incidents"].iloc[0]:
            w = whole.iloc[-1]
            summary += (f" {whole_name} as a whole stands at {w['index']:.1f} "
                        f"({metrics_trends.change_text(w['change_since_base_pct'], w['reliable'])}).")
        at = table[table["year"] == claim["year"]] if claim is not None else table.iloc[0:0]
        if claim is not None and len(at):
            summary += (f" {claim['year']} stands at {at.iloc[0]['index']:.1f} against the campaign's reference line "
                        f"at {claim['index']:g}.")
        elif claims:
            bases = sorted({h["measure"]["compared_first_year"] for h in claims})
            summary += (f" The campaign's claim is measured from {' and '.join(map(str, bases))}; choose base year "
                        f"{' or '.join(map(str, bases))} to see it.")
    checked = queries.checked_figure(c.engine, at_base[0]["id"]) if at_base else None
    if checked and checked["value"] is not None:
        h = checked
        summary += f" The headline figure is {value_text(h)} ({h['statement'].rstrip('.')})."
        if h["freshness"]:
            summary += " " + h["freshness"]
    changes = series_breaks.context_breaks(line["table"]) if line is not None else []
    figures_trends.mark_breaks(fig, changes)
    result = c.result(fig, rows, summary, cats)
    result.claims = at_base
    if line is not None:
        result.summary += " " + line["sentence"]
        if changes:
            result.summary += " The dotted line changes table or coverage: " + "; ".join(
                b.text.removeprefix("General-crime line: ") for b in changes) + "."
        if line["source"]:
            result.source += f"; dotted line: {line['source']}"
        result.caveat = metrics_context.NOT_JEWELRY
    return result


def context_line(c: Ctx, base: int, years: list[int]) -> dict[str, Any]:
    """The national general-crime rate of the category shown (robbery with robbery, all types with property
    crime), indexed to the same base year: the FBI's for the U.S. (and both countries), Statistics Canada's
    for Canada."""
    measure = MEASURE_FOR_CATEGORY.get(c.f.category)
    country = "CA" if c.country == "CA" else "US"
    who = "Statistics Canada" if country == "CA" else "FBI"
    empty = pd.DataFrame(columns=["year", "rate", "base_rate", "index"])
    if measure is None:
        return {"table": empty, "label": "", "series": "", "source": "",
                "sentence": f"No general-crime measure matches {state.CATEGORIES[c.f.category].lower()}, so no "
                            "general-crime line is drawn."}
    words = metrics_context.short_label(measure)
    national = queries.context_national(c.engine, measure, country)
    table = metrics_context.index_line(national, base, years)
    label = f"{who} {words} rate, {'Canada' if country == 'CA' else 'U.S.'} (general crime)"
    series = f"general crime: national {words} rate per 100,000 ({who})"
    source = metrics_context.sources_line(national) if len(national) else ""
    if table.empty or not table["index"].notna().any():
        have = [int(y) for y in national["year"]] if len(national) else []
        why = (f"no national {words} rate is loaded for the base year {base}" if have else
               f"no national {words} rate is loaded")
        return {"table": empty, "label": label, "series": series, "source": source,
                "sentence": f"General-crime line: {why}."}
    last = table.iloc[-1]
    sentence = (f"The dotted line is the national {who} {words} rate indexed the same way: {int(last['year'])} "
                f"stands at {last['index']:.1f} ({last['rate']:,.1f} per 100,000 against {last['base_rate']:,.1f} "
                f"in {base}).")
    summed = [int(y) for y in table.loc[table["from_places"], "year"]]
    if summed:
        sentence += (f" For {metrics_context.years_text(summed)} the table has no national row: those rates add up "
                     f"its {'provinces and territories' if country == 'CA' else 'states and DC'}.")
    return {"table": table, "label": label, "series": series, "source": source, "sentence": sentence}


@cached_chart
def build_half(engine: sa.Engine, filters: dict[str, Any], export: bool = False) -> ChartResult:
    """January-June of each year by category; the first half of a claim's year against the one it is compared
    with (else the latest two years shown) as an annotation."""
    c = _ctx(engine, filters, export)
    if not c.years:
        return _no_data(c)
    df = queries.trend_halves(c.engine, c.f.jewelry(), c.country)
    cats = metrics_trends.categories_in(df[df["half"] == 1])
    tags = {cat: metrics_trends.tag_for(c.slugs, cat) for cat in cats}
    table = metrics_trends.in_range(metrics_trends.first_halves(df, c.years), *c.f.years)
    fig = figures_trends.stacked_by_category(table, cats, c.labels, tags, x_title="January-June of each year",
                                             y_title="Incidents, January-June",
                                             prior_word="January-June of the year before")
    halves = queries.chart_claims(c.engine, HALF_CLAIMS)
    if halves:  # the half-years of the first such claim, else the latest two years shown
        old, new = int(halves[0]["measure"]["compared_first_year"]), int(halves[0]["measure"]["last_year"])
    else:
        new = int(table["year"].max()) if len(table) else c.f.year_to
        old = new - 1
    lines, sentences = [], []
    for name, subset in (("All shown", None), ("Thefts and robberies", THEFT_ROBBERY)):
        if subset is not None and (c.f.category != state.ALL or not set(subset) & set(cats)):
            continue  # a category filter already says which crimes count
        cmp = metrics_trends.h1_comparison(df, old, new, subset)
        text = metrics_trends.change_text(cmp["change_pct"], cmp["reliable"])
        lines.append(f"{name}: {text} ({cmp['old']:,} to {cmp['new']:,})")
        sentences.append(f"{name.lower()} went from {cmp['old']:,} to {cmp['new']:,} ({text})")
    behind = [h for h in chart_claims(HALF_CLAIMS, c)
              if (h["measure"]["compared_first_year"], h["measure"]["last_year"]) == (old, new)]
    for h in behind:
        if c.shown(h):
            what = h["label"].split(",")[0]
            lines.append(f"Campaign claim ({what[0].lower()}{what[1:]}): {claimed_text(h)}")
    at = table[table["year"] == new]
    if len(at):
        figures_trends.annotate_comparison(fig, [f"<b>Jan-Jun {new} vs Jan-Jun {old}</b>", *lines], new,
                                           float(at["total"].iloc[0]))
    summary = (f"Stacked bars of January-June incidents per year by crime category ({c.describe}); "
               f"January-June {new} against January-June {old}: " + "; ".join(sentences) + ".")
    rows = _change_rows(table, cats, total="total_jan_jun")
    result = c.result(fig, rows, summary, cats)
    result.claims = behind
    return result


@cached_chart
def build_monthly(engine: sa.Engine, filters: dict[str, Any], export: bool = False) -> ChartResult:
    """Average incidents per calendar month over the selected years, with a line per year."""
    c = _ctx(engine, filters, export)
    if not c.years:
        return _no_data(c)
    engine = c.engine
    monthly = queries.trend_months(engine, c.f.jewelry(), c.country)
    table = metrics_trends.seasonality(monthly, *c.f.years, queries.month_span(engine))
    years = list(range(c.f.year_from, c.f.year_to + 1))
    covered = [y for y in years if table[f"incidents_{y}"].notna().any()]
    fig = figures_trends.seasonality_figure(table, years, covered[-2:], c.selected_tag)
    avg = table.dropna(subset=["average"])
    if avg.empty:
        summary = f"No months with data for {c.describe}."
    else:
        hi, lo = avg.loc[avg["average"].idxmax()], avg.loc[avg["average"].idxmin()]
        summary = (f"Bars of average incidents per calendar month ({c.describe}), with a line for each year: the "
                   f"busiest month is {hi['month_name']} ({hi['average']:.1f} on average) and the quietest "
                   f"{lo['month_name']} ({lo['average']:.1f}).")
    cats = metrics_trends.categories_in(_yearly_frame(c))
    return c.result(fig, table, summary, cats, year_axis=False)


CHARTS = [
    Chart(YEARLY, "Incidents per year by crime category", "Stacked bar chart", build_yearly, "/trends"),
    Chart(INDEX, "Index: each year against a base year", "Line chart", build_index, "/trends"),
    Chart(HALF, "January to June, year against year", "Stacked bar chart", build_half, "/trends"),
    Chart(MONTHLY, "Seasonality: incidents by calendar month", "Bar and line chart", build_monthly, "/trends"),
]
