"""Every chart the dashboard draws, in one registry: id, title, the kind of chart, its builder.

The page callbacks, the read-only API, the exporter and the Campaign page all
read this registry, so a new chart is one entry and its builder. A builder
takes the database engine and the filters (a URL-query style dict, checked by
dashboard.state) and returns a ChartResult: the figure and exactly the rows
it draws.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import lru_cache, wraps
from pathlib import Path
from typing import Any, Callable

import sqlalchemy as sa

from dashboard.chart_result import ChartResult
from dashboard.plain_figure import PlainFigure


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


# ---------------------------------------------------------------- the chart cache (dashboard.cache)

_CACHED = "_jewelcrime_cached"


@lru_cache(maxsize=1)
def code_version() -> str:
    """Names, sizes and times of the code's files: a new release never reads results an older one cached."""
    import hashlib

    root = Path(__file__).resolve().parents[2]
    files = sorted(p for folder in ("dashboard", "etl") for p in (root / folder).rglob("*.py"))
    text = "|".join(f"{p.relative_to(root)}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _encode(value: Any) -> Any:
    """A result as it is stored: figures as their plotly JSON (a pickled go.Figure is validated again
    when loaded, a dict is not)."""
    if isinstance(value, ChartResult) and hasattr(value.figure, "to_plotly_json"):
        return replace(value, figure=value.figure.to_plotly_json())
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_encode(v) for v in value)
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, ChartResult) and isinstance(value.figure, dict):
        # stored by this app, checked then: kept as the plain dicts (a plotly figure is made only if asked for)
        return replace(value, figure=PlainFigure.from_json(value.figure))
    if isinstance(value, dict):
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_decode(v) for v in value)
    return value


def cached_chart(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator for a chart builder `fn(engine, filters, export=False)`: its result goes through the app's
    chart cache, keyed by the builder, the database, its data version, the code version and the filters.
    The cache is looked up at call time, so export builds, arguments that are not plain JSON and calls
    outside an app (CLI, plain tests) go straight to `fn` (with the data version pinned for the build)."""
    if getattr(fn, _CACHED, False):
        return fn
    name = f"{fn.__module__}.{fn.__name__}"  # a closure sets its __name__ before it is decorated

    @wraps(fn)
    def wrapper(engine: sa.Engine, *args: Any, **kwargs: Any) -> Any:
        from dashboard import cache, queries

        store = cache.current()
        with queries.pinned_version(engine) as version:  # one version query for the key and every query inside
            if store is None or kwargs.get("export") or (len(args) > 1 and args[1]):
                return fn(engine, *args, **kwargs)
            try:
                plain = json.loads(json.dumps([args, kwargs]))  # filters as Dash's store sends them
            except (TypeError, ValueError):
                return fn(engine, *args, **kwargs)
            key = cache.key(name, engine.url.render_as_string(hide_password=True), [version, code_version()], plain)
            hit = store.get(key)
            if hit is not None:
                return _decode(hit)
            value = fn(engine, *args, **kwargs)
        store.set(key, _encode(value))
        return value

    setattr(wrapper, _CACHED, True)
    return wrapper


def is_cached(fn: Any) -> bool:
    """Whether `fn` is a builder wrapped by `cached_chart`."""
    return bool(getattr(fn, _CACHED, False))
