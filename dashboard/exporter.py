"""Campaign exports from live data: files, alt text and the manifest that traces them to the data.

Used by `jewelcrime export` and the Campaign page. Headline figures come from
etl.figures (the same numbers as `jewelcrime figures --json`); charts come
from the chart registry (dashboard.charts), built with the filters given.
The words come from dashboard.graphics.words, the layout from the templates
in dashboard/graphics/templates, drawn by Chromium (dashboard.graphics.document).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import parse_qsl

import sqlalchemy as sa

from dashboard import claims_view, queries
from dashboard.chart_result import ChartResult, safe_filename
from dashboard.graphics import document, presets, settings as graphic_settings, words as graphic_words
from dashboard.graphics.document import LayoutError
from dashboard.state import ALL

if TYPE_CHECKING:
    from dashboard import charts

DATA_FORMATS = ("jsa", "jm", "nibrs", *queries.CONTEXT_FORMATS)
FIGURE_KINDS = ("social", "badge", "signage")
HEADLINE_MAX = 90  # characters of an edited headline; the number, source and dates are never editable
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
Progress = Callable[[int, int, str], None]


@dataclass
class Exported:
    name: str
    data: bytes
    alt_text: str
    manifest: dict[str, Any] = field(default_factory=dict)


def check_headline(text: str | None) -> str | None:
    """An edited headline, cleaned (None for none); ValueError saying what is wrong with it."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise ValueError("the headline must be text")
    cleaned = " ".join(_CONTROL.sub(" ", text).split())
    if not cleaned:
        return None
    if len(cleaned) > HEADLINE_MAX:
        raise ValueError(f"the headline is {len(cleaned)} characters; at most {HEADLINE_MAX} fit every size")
    return cleaned


def vintage(engine: sa.Engine, formats: tuple[str, ...]) -> list[dict[str, Any]]:
    """The load batches (file, sha256, when) behind an export."""
    status = queries.batches(engine)
    return [b for b in status if b["format"] in formats]


def _manifest(name: str, kind: str, preset: str, fmt: str, words: graphic_words.Words, **info: Any) -> dict:
    p = presets.get(preset)
    return {"file": name, "kind": kind, "size": preset, "width": p.width, "height": p.height, "format": fmt,
            "alt_text": words.alt, "title": words.title, "date_range": words.date_range, "as_of": words.as_of or None,
            "stale_warning": words.stale or None, "call_to_action": words.call_to_action or None,
            "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), **info}


def _figure_info(engine: sa.Engine, fig: dict, words: graphic_words.Words) -> dict[str, Any]:
    return {"figure_id": fig["id"], "value": fig["value"], "claim_unit": fig["claim_unit"], "unit": fig["unit"],
            "formula": fig["formula"], "inputs": fig["inputs"], "verdict": fig["verdict"],
            "published_claim_shown": fig["verdict"] == "supported" and words.kind != "signage",
            "stale": fig["stale"], "latest": fig["latest"], "source": words.source,
            "published_source": fig["published_source"], "filters": {"period": fig["period"]}, "measure": fig["measure"],
            "sample_data": fig["sample_data"], "sample_note": fig.get("sample_note") or None,
            "guidance": list(words.guidance_scenarios) or None, "guidance_basis": words.guidance_basis or None,
            "batches": vintage(engine, claims_view.data_formats(fig))}


def figure(engine: sa.Engine, figure_id: str) -> dict:
    """A checked headline figure by id (KeyError naming the choices)."""
    found = queries.checked_figure(engine, figure_id) if isinstance(figure_id, str) else None
    if found is None:  # only this one claim is checked: a single export need not wait for every claim
        raise KeyError(f"unknown figure '{figure_id}'; choose one of "
                       f"{', '.join(f['id'] for f in queries.headline_figures(engine))}")
    return found


headline = figure  # the name the Campaign page knows it by


def _check(preset: str, fmt: str) -> presets.Preset:
    if fmt not in presets.FORMATS:
        raise KeyError(f"unknown format '{fmt}'; choose one of {', '.join(presets.FORMATS)}")
    return presets.get(preset)


def _graphic(words: graphic_words.Words, preset: presets.Preset, settings: graphic_settings.Settings,
             chart: Any = None) -> document.Graphic:
    return document.Graphic(words, preset, chart, settings.logo_data_url,
                            "Logo" if settings.own_logo else "Jewelry Crime Analytics mark")


def figure_graphic(engine: sa.Engine, figure_id: str, preset: str = "square", kind: str = "social",
                   headline: str | None = None, settings: graphic_settings.Settings | None = None,
                   ) -> tuple[document.Graphic, dict]:
    """(the graphic, the checked figure) of a headline figure: social (any size), stat card (square) or store
    sign (paper sizes)."""
    if kind not in FIGURE_KINDS:
        raise KeyError(f"unknown kind '{kind}'; choose one of {', '.join(FIGURE_KINDS)}")
    if kind == "badge":
        preset = "square"
    elif kind == "signage" and preset not in presets.PRINT:
        preset = presets.PRINT[0]
    p = presets.get(preset)
    settings = settings or graphic_settings.load()
    fig = figure(engine, figure_id)
    words = graphic_words.figure_words(engine, fig, kind, settings).with_headline(check_headline(headline))
    return _graphic(words, p, settings), fig


def export_figure(engine: sa.Engine, figure_id: str, preset: str = "square", fmt: str = "png",
                  kind: str = "social", headline: str | None = None,
                  settings: graphic_settings.Settings | None = None) -> Exported:
    """One headline-figure graphic as a file (see figure_graphic)."""
    _check(preset, fmt)
    graphic, fig = figure_graphic(engine, figure_id, preset, kind, headline, settings)
    words, preset = graphic.words, graphic.preset.name
    name = f"{safe_filename(figure_id)}_{kind}_{preset}.{fmt}"
    data = document.draw(graphic, fmt)
    return Exported(name, data, words.alt, _manifest(name, kind, preset, fmt, words, headline_edited=bool(headline),
                                                      **_figure_info(engine, fig, words)))


def _registry():  # noqa: ANN202 - the dashboard.charts module
    """The chart registry, imported on first use: it brings plotly and every chart, which a headline-figure
    export does not need (a cold `jewelcrime export` of one figure starts 0.2 s of imports sooner)."""
    from dashboard import charts as registry

    return registry


def exportable() -> dict[str, charts.Chart]:
    """The charts the exporter and the Campaign page offer."""
    return {k: c for k, c in _registry().registry().items() if c.export}


def chart_result(engine: sa.Engine, chart_id: str, query: dict[str, Any]) -> ChartResult:
    """A chart built for an export: a campaign claim the data does not support is left out."""
    if chart_id not in exportable():
        raise KeyError(f"unknown chart '{chart_id}'; choose one of {', '.join(exportable())}")
    return _registry().build(engine, chart_id, query, export=True)


def chart_graphic(engine: sa.Engine, chart_id: str, query: dict[str, Any] | str | None = None,
                  preset: str = "landscape", headline: str | None = None,
                  settings: graphic_settings.Settings | None = None) -> tuple[document.Graphic, dict[str, Any]]:
    """(the graphic, what the manifest records) of a dashboard chart with the filters given (URL-query style)."""
    p = presets.get(preset)
    settings = settings or graphic_settings.load()
    if isinstance(query, str):
        query = dict(parse_qsl(query.lstrip("?")))
    query = dict(query or {})
    result = chart_result(engine, chart_id, query)
    from dashboard.charts.map import TITLES as MAP_TITLES
    from dashboard.figures import geojson

    entry = _registry().get(chart_id)
    title = MAP_TITLES.get(str(query.get("layer", "")), entry.title) if chart_id == "map" else entry.title
    # the claims the chart stands behind with the filters given, checked
    behind = [f for f in (queries.checked_figure(engine, h["id"]) for h in result.claims) if f is not None]
    words = graphic_words.chart_words(engine, title, entry.kind, result, behind, settings, query=query)
    words = words.with_headline(check_headline(headline))
    chart = result.figure
    if chart_id == "map":  # the browser would fetch the boundaries by URL; the exporter hands them over,
        shapes = geojson()  # each trace only the shapes it draws (the Hawaii inset needs one, not 64)
        chart = chart.to_plotly_json()  # as a plain dict: validating 0.6 MB of boundaries costs more than drawing
        for trace in chart["data"]:
            if "geojson" in trace:
                wanted = set(trace.get("locations") or ())
                trace["geojson"] = {**shapes, "features": [f for f in shapes["features"]
                                                           if f["properties"].get("code") in wanted]}
        chart["layout"]["legend"] = {**chart["layout"].get("legend", {}), "orientation": "h", "x": 0,
                                     "xanchor": "left", "y": 0, "yanchor": "top"}
    # page summaries read "<chart> of <data> (<filters>): <takeaway>" (or "; "): keep the takeaway
    takeaway = re.split(r"\)[:;] ", result.summary, maxsplit=1)[-1]
    alt = f"{words.alt} showing {takeaway.rstrip('.')}" + (" (sample data)." if result.sample else ".")
    words = dataclasses.replace(words, alt=alt)
    info = {"chart_id": chart_id, "filters": query, "headline_figure": behind[0]["id"] if behind else None,
            "headline_value": words.statement or None, "headline_edited": bool(headline),
            "rows_drawn": len(result.rows), "source": words.source, "summary": result.summary,
            "unsupported_claim_left_out": bool(result.left_out), "sample_data": result.sample,
            "caveat": result.caveat or None}
    return _graphic(words, p, settings, chart), info


def export_chart(engine: sa.Engine, chart_id: str, query: dict[str, Any] | str | None = None, preset: str = "landscape",
                 fmt: str = "png", headline: str | None = None,
                 settings: graphic_settings.Settings | None = None) -> Exported:
    """A dashboard chart as a file (see chart_graphic)."""
    _check(preset, fmt)
    graphic, info = chart_graphic(engine, chart_id, query, preset, headline, settings)
    filters = "_".join(f"{k}-{v}" for k, v in sorted(info["filters"].items()) if v not in (None, "", ALL))
    name = f"{safe_filename(chart_id)}_{safe_filename(filters) + '_' if filters else ''}{preset}.{fmt}"
    data = document.draw(graphic, fmt)
    return Exported(name, data, graphic.words.alt,
                    _manifest(name, "chart", preset, fmt, graphic.words, **info, batches=vintage(engine, DATA_FORMATS)))


KitItem = tuple[str, tuple, dict]  # (what, args, kwargs) for export_figure or export_chart


def kit_plan(engine: sa.Engine, figure_ids: list[str] | None = None,
             charts: list[tuple[str, dict]] | None = None) -> list[KitItem]:
    """Every file of a kit: per headline figure every social size (PNG), the stat card and a store sign on
    each paper size (PDF); per chart asked for, every social size (PNG)."""
    figure_ids = figure_ids if figure_ids is not None else [f["id"] for f in queries.headline_figures(engine)]
    plan: list[KitItem] = []
    for fid in figure_ids:
        plan += [("figure", (fid, preset, "png"), {}) for preset in presets.SOCIAL]
        plan.append(("figure", (fid, "square", "png"), {"kind": "badge"}))
        plan += [("figure", (fid, preset, "pdf"), {"kind": "signage"}) for preset in presets.PRINT]
    for chart_id, query in charts or []:
        plan += [("chart", (chart_id, query, preset, "png"), {}) for preset in presets.SOCIAL]
    return plan


def kit_size(engine: sa.Engine, figure_ids: list[str] | None = None, charts: list[tuple[str, dict]] | None = None) -> int:
    return len(kit_plan(engine, figure_ids, charts))


def kit(engine: sa.Engine, figure_ids: list[str] | None = None, charts: list[tuple[str, dict]] | None = None,
        progress: Progress | None = None, headline: str | None = None) -> bytes:
    """A ZIP of the kit's files (kit_plan), the alt text of each and manifest.json; progress(done, total, name)
    after each file. A file whose words do not fit its size is left out and listed in the manifest."""
    plan = kit_plan(engine, figure_ids, charts)
    settings = graphic_settings.load()
    files: list[Exported] = []
    left_out: list[dict[str, str]] = []
    for i, (what, args, kwargs) in enumerate(plan, 1):
        make = export_figure if what == "figure" else export_chart
        try:
            made = make(engine, *args, **kwargs, headline=headline, settings=settings)
            files.append(made)
            name = made.name
        except LayoutError as exc:
            name = "_".join(str(a) for a in args[:2])
            left_out.append({"file": name, "reason": str(exc)})
        if progress is not None:
            progress(i, len(plan), name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for f in files:
            z.writestr(f.name, f.data)
            z.writestr(f"{f.name}.alt.txt", f.alt_text + "\n")
        manifest = {"generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                    "files": [f.manifest for f in files], "left_out": left_out}
        z.writestr("manifest.json", json.dumps(manifest, indent=2, default=str))
    return buffer.getvalue()


def write(exported: Exported, out_dir: Path) -> tuple[Path, Path]:
    """The file and its alt text beside it; a folder that cannot be written is a clear error."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / exported.name
        path.write_bytes(exported.data)
        alt = out_dir / f"{exported.name}.alt.txt"
        alt.write_text(exported.alt_text + "\n", encoding="utf-8")
    except OSError as exc:
        raise OSError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
    return path, alt
