"""Guidance chart: how often the crime types of one guidance scenario are recorded, year by year."""
from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa

from dashboard import figures, figures_risk, queries, state
from dashboard.charts import Chart, cached_chart
from dashboard.chart_result import ChartResult
from dashboard.guidance_content import SCENARIOS, Scenario

CHART = "guidance-frequency"


def scenario_of(value: Any) -> Scenario | None:
    """The scenario for a URL segment, or None: only the known slugs are accepted."""
    return SCENARIOS.get(str(value).strip().lower()) if value else None


@cached_chart
def build(engine: sa.Engine, filters: dict[str, Any], export: bool = False) -> ChartResult:
    """Incidents per year of the scenario's crime types, nationwide (a plain function: tested without a browser)."""
    s = scenario_of((filters or {}).get("scenario"))
    f = state.parse({"source": (filters or {}).get("source")}, queries.years(engine), all_years_by_default=True,
                    sources=queries.sources(engine))
    status = queries.data_status(engine, f.source)
    where = f"Data {status['range']}; {state.source_label(f.source)}; all states and provinces"
    if s is None or f.year_from is None:
        message = "No incident data is loaded" if s else "Unknown guidance scenario"
        return ChartResult(figures.empty(message), pd.DataFrame(), message + ".", status["source_line"], where,
                           status["is_sample"])
    types = queries.crime_types(engine)
    mine = types[types["guidance"] == s.slug]
    counts = queries.type_year_counts(engine, f)
    totals = counts.groupby("year")["incidents"].sum()
    keyed = counts.merge(mine[["category", "subtype", "label", "category_label"]], on=["category", "subtype"])
    keyed["label"] = keyed["label"].where(keyed["subtype"] != "", keyed["category_label"] + ", sub-type not recorded")
    keyed["slug"] = s.slug
    rows = (keyed[keyed["incidents"] > 0][["year", "label", "category", "subtype", "slug", "incidents"]]
            .sort_values(["year", "category", "subtype"]).reset_index(drop=True))
    latest = int(max(queries.years(engine)))
    per_year = rows.groupby("year")["incidents"].sum()
    last, prior = float(per_year.get(latest, 0)), float(per_year.get(latest - 1, 0))
    if rows.empty:
        summary = f"No incidents of these crime types are recorded ({state.source_label(f.source)})."
        return ChartResult(figures.empty("No incidents of these types recorded"), rows, summary, status["source_line"],
                           where, status["is_sample"])
    share = last / float(totals.get(latest, 0)) * 100 if totals.get(latest, 0) else 0.0
    summary = (f"{s.title}: {figures_risk.incidents_text(last)} of these types in {latest} ({share:.0f}% of all "
               f"recorded jewelry crimes that year), {figures_risk.change_text(last, prior, latest)}; "
               f"{per_year.sum():,.0f} {figures_risk.span_text(per_year.index.min(), per_year.index.max())}, "
               f"most in {per_year.idxmax()} ({per_year.max():,.0f}).")
    return ChartResult(figures_risk.scenario_bars(rows), rows, summary, status["source_line"], where,
                       status["is_sample"], [])


CHARTS = [Chart(CHART, "How often a crime type is recorded", "Line chart", build, "/guidance")]
