"""Every chart the dashboard draws, in one registry: id, title, the kind of chart, its builder.

The page callbacks, the read-only API, the exporter and the Campaign page all
read this registry, so a new chart is one entry and its builder. A builder
takes the database engine and the filters (a URL-query style dict, checked by
dashboard.state) and returns a ChartResult: the figure and exactly the rows
it draws.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import sqlalchemy as sa

from dashboard.chart_result import ChartResult


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    kind: str  # what kind of chart, in words, for alt text: "Bar chart"
    build: Callable[..., ChartResult]  # build(engine, query, export=False)
    page: str  # the page that shows it: "/trends"
    export: bool = True  # offered as an image by the exporter and the Campaign page


def registry() -> dict[str, Chart]:
    """Chart id -> Chart, in page order."""
    from dashboard.charts import _all

    return _all.REGISTRY


def get(chart_id: str) -> Chart:
    charts = registry()
    if chart_id not in charts:
        raise KeyError(f"unknown chart '{chart_id}'; choose one of {', '.join(charts)}")
    return charts[chart_id]


def build(engine: sa.Engine, chart_id: str, query: dict[str, Any] | None = None, export: bool = False) -> ChartResult:
    return get(chart_id).build(engine, dict(query or {}), export=export)
