"""Trends: this year so far and the last 12 months, against the same months a year earlier.

The builder takes the engine and the filters (URL-query style: the Trends page's filters plus `period`,
"ytd" or "r12", and `as_of`, "YYYY-MM") and returns a ChartResult whose rows are exactly the bars drawn.
The sums and the tests are dashboard.metrics_period's; the figure is dashboard.figures_period's.
"""
from __future__ import annotations

import textwrap
from typing import Any

import pandas as pd
import sqlalchemy as sa

from dashboard import figures, figures_period, metrics_period, metrics_trends, queries, state
from dashboard.charts import Chart, cached_chart
from dashboard.charts.trends import COUNTRY, current
from dashboard.chart_result import ChartResult
from etl.stats import SIGNIFICANCE_LEVEL, UNRELIABLE_BELOW
from etl.taxonomy import CATEGORIES

PERIOD = "trends-period"
PARAMS = ["period", "as_of"]  # the chart's own URL parameters, beside the Trends page's
DEFAULT_PERIOD = "ytd"
ROW_COLUMNS = ["category", "label", *metrics_period.COLUMNS[1:]]


def coverage(engine: sa.Engine, f: state.Filters) -> dict[str, tuple[int, int]]:
    """Each source the filter counts (JSA and JM for combined) that has data: its first and last month
    with any incident, of any crime type, in either country (year*100+month)."""
    found = {}
    for name in state.COMBINED_SOURCES if f.source == "combined" else (f.source,):
        span = queries.source_months(engine, name)
        if span is not None:
            found[name] = span
    return found


def source_span(engine: sa.Engine, f: state.Filters) -> metrics_period.Span:
    """The months the chosen source covers (coverage), within queries.month_span. A month in it with none
    under the other filters is a real zero; a month outside it is unknown (another source's data may run
    longer). JSA and JM combined cover the months both cover, so no period counts one source against both."""
    lo, hi = queries.month_span(engine)
    spans = coverage(engine, f).values()
    if lo is None or hi is None or not spans:
        return None, None
    return max(lo, *(s[0] for s in spans)), min(hi, *(s[1] for s in spans))


def choice(query: dict[str, Any], span: metrics_period.Span, monthly: pd.DataFrame) -> tuple[str, metrics_period.Month]:
    """The period ('ytd' unless 'r12') and the as-of month (the one asked for when it is one of
    metrics_period.as_of_choices, else the span's last month)."""
    asked = query.get("period")
    period = asked if isinstance(asked, str) and asked in metrics_period.PERIODS else DEFAULT_PERIOD
    as_of = metrics_period.parse_as_of(query.get("as_of"), span) or metrics_period.as_of_month(monthly, span)
    return period, as_of


def period_options() -> list[dict[str, str]]:
    """The `period` choices for a control on the page: value and label."""
    return [{"value": k, "label": v} for k, v in metrics_period.PERIODS.items()]


def as_of_options(engine: sa.Engine, query: dict[str, Any]) -> list[dict[str, str]]:
    """The `as_of` choices for the filters of `query` (they depend on the source), newest first:
    [{"value": "2024-05", "label": "May 2024"}, ...]."""
    f, _country = current(engine, query)
    return [{"value": metrics_period.fmt_month(m), "label": metrics_period.label(m, m)}
            for m in reversed(metrics_period.as_of_choices(source_span(engine, f)))]


def describe(f: state.Filters, country: str) -> str:
    """The filters in words (the year range is not among them: the as-of month decides the months)."""
    what = (state.SUBTYPES[f.subtype] if f.subtype != state.ALL else
            CATEGORIES[f.category] if f.category != state.ALL else "all crime types")
    parts = [what, state.source_label(f.source), COUNTRY[country]]
    return "; ".join(parts + (["major cities only"] if f.major_only else []))


def significance_words(row: pd.Series) -> str:
    """'significant at the 5% level', 'not significant at the 5% level', or why it cannot be judged."""
    level = f"{SIGNIFICANCE_LEVEL:.0%}"
    if not row["reliable"]:
        return f"too few incidents to judge: fewer than {UNRELIABLE_BELOW} in one of the two periods"
    return f"{'' if row['significant'] else 'not '}significant at the {level} level"


def summary_sentence(table: pd.DataFrame, period: str, as_of: metrics_period.Month, words: str) -> str:
    """'January-September 2024: 412 incidents against 380 in January-September 2023, +32 (+8.4%), not
    significant at the 5% level (...filters...).', then which categories changed significantly."""
    now = metrics_period.window(period, as_of)
    before = metrics_period.prior(now)
    total = table[table["category"] == metrics_period.TOTAL].iloc[0]
    text = (f"{metrics_period.label(*now, long=True)}: {int(total['incidents']):,} incidents against "
            f"{int(total['prior_incidents']):,} in {metrics_period.label(*before, long=True)}, "
            f"{metrics_period.change_words(total)}, {significance_words(total)} ({words}).")
    cats = table[table["category"] != metrics_period.TOTAL]
    if len(cats) > 1:
        moved = [CATEGORIES.get(c, c).lower() for c in cats.loc[cats["significant"], "category"]]
        text += (f" Significant changes by category: {', '.join(moved)}." if moved else
                 " No category changed significantly.")
    return text


@cached_chart
def build_period(engine: sa.Engine, query: dict[str, Any], export: bool = False) -> ChartResult:
    """Paired bars per category and in total: this period against the same months a year earlier."""
    if not isinstance(query, dict):
        raise TypeError(f"query must be a dict, not {type(query).__name__}")
    if not isinstance(export, bool):
        raise TypeError("export must be True or False")
    f, country = current(engine, query)
    status = queries.data_status(engine, f.source)
    words = describe(f, country)
    span = source_span(engine, f)
    monthly = queries.trend_months_by_category(engine, f.jewelry(), country)
    if not queries.years(engine) or span[1] is None:
        return _cannot("No incident data is loaded." if not queries.years(engine) else
                       f"No data from {state.source_label(f.source)} is loaded.", status, words)
    period, as_of = choice(query, span, monthly)
    now = metrics_period.window(period, as_of)
    before = metrics_period.prior(now)
    showing = f"{metrics_period.label(*now)} against {metrics_period.label(*before)}"
    try:
        table = metrics_period.compare(monthly, period, as_of, span)
    except metrics_period.PeriodError as why:
        both = (" Combined figures count only the months both JSA and JM cover."
                if len(coverage(engine, f)) > 1 else "")
        return _cannot(f"{why}{both}", status, f"{showing}; {words}")
    types = queries.crime_types(engine)
    labels = dict(zip(types["category"], types["category_label"]))
    slugs = metrics_trends.guidance_slugs(types)
    sub = f.subtype if f.subtype != state.ALL else ""
    cats = [c for c in table["category"] if c != metrics_period.TOTAL]
    tags = {c: metrics_trends.tag_for(slugs, c, sub) for c in cats}
    # the total first; with one category only, its row is the total, drawn once
    ordered = table[table["category"] != metrics_period.TOTAL].reset_index(drop=True) if len(cats) == 1 else pd.concat(
        [table[table["category"] == metrics_period.TOTAL], table[table["category"] != metrics_period.TOTAL]],
        ignore_index=True)
    fig = figures_period.period_figure(ordered, labels, tags)
    rows = ordered.assign(label=figures_period.names(ordered, labels))[ROW_COLUMNS]  # in the order drawn
    guidance = metrics_trends.guidance_list(metrics_trends.slug_for(slugs, c, sub) for c in cats)
    return ChartResult(fig, rows, summary_sentence(table, period, as_of, words), status["source_line"],
                       _range(status, f"{showing}; {words}"), status["is_sample"], guidance)


def _range(status: dict[str, Any], showing: str) -> str:
    return f"Data {status['range']}; showing {showing}"


def _cannot(message: str, status: dict[str, Any], showing: str) -> ChartResult:
    """No bars: the reason in words, in the figure and the summary."""
    fig = figures.empty("<br>".join(textwrap.wrap(message, 70)))  # an annotation does not wrap by itself
    return ChartResult(fig, pd.DataFrame(columns=ROW_COLUMNS), message, status["source_line"],
                       _range(status, showing), status["is_sample"])


CHARTS = [Chart(id=PERIOD, title="This year so far and the last 12 months, against a year earlier",
                kind="Bar chart", build=build_period, page="/trends")]
