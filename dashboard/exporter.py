"""Campaign exports from live data: files, alt text and the manifest that traces them to the data.

Used by `jewelcrime export` and the Campaign page. Headline figures come from
etl.figures (the same numbers as `jewelcrime figures --json`); charts come
from the chart registry (dashboard.charts), built with the filters given.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import sqlalchemy as sa

from dashboard import campaign, charts, claims_view, queries, render
from dashboard.charts.map import TITLES as MAP_TITLES
from dashboard.components import ChartResult, safe_filename
from dashboard.figures import geojson
from dashboard.guidance_content import SCENARIOS, tips
from dashboard.state import ALL, Filters, source_label
from etl.taxonomy import BY_KEY

DATA_FORMATS = ("jsa", "jm", "nibrs", *queries.CONTEXT_FORMATS)


@dataclass
class Exported:
    name: str
    data: bytes
    alt_text: str
    manifest: dict[str, Any] = field(default_factory=dict)


def vintage(engine: sa.Engine, formats: tuple[str, ...]) -> list[dict[str, Any]]:
    """The load batches (file, sha256, when) behind an export."""
    status = queries.batches(engine)
    return [b for b in status if b["format"] in formats]


def _frame(title: str, subtitle: str, source: str, date_range: str, sample: bool, note: str = "") -> campaign.Frame:
    return campaign.Frame(title, subtitle, source, date_range, sample, dt.date.today(), note)


COUNTRY_WORDS = {"US": "U.S.", "CA": "Canada", None: "U.S. and Canada"}


def figure_frame(engine: sa.Engine, fig: dict) -> campaign.Frame:
    """Title, subtitle, source and dates of a headline-figure graphic, from what the claim measures."""
    m = fig.get("measure") or {}
    if m.get("metric") == "offenses":
        subtitle = f"FBI NIBRS, {fig['period']}; all offenses reported to NIBRS"
        date_range = f"NIBRS {fig['period']}"
        source = fig["source_line"] + (f" ({fig['extra'].get('nibrs_source')})" if fig.get("extra") else "")
    else:
        f = m.get("filters") or m.get("numerator") or {}
        kind = source_label(f.get("source") or "combined")
        subtitle = f"{fig['period']}; {COUNTRY_WORDS.get(f.get('country'), f.get('country'))}; {kind}"
        date_range = queries.data_status(engine)["range"]
        source = fig["source_line"]
    return _frame(fig["label"], subtitle, source, date_range, bool(fig["sample_data"]), fig.get("sample_note") or "")


def figure_alt(fig: dict, kind: str) -> str:
    what = campaign.figure_statement(fig).rstrip(".")
    verdict = {"supported": "consistent with the campaign's claim", "not supported":
               "a correction of a claim the data does not support", "no data": "no data to check"}[fig["verdict"]]
    if fig.get("stale"):
        verdict += f" for {fig['period']}; {fig['as_of'][0].lower()}{fig['as_of'][1:].rstrip('.')}"
    sample = " (sample data: the verdict shows the product works, not that the claim is true)" \
        if fig["sample_data"] else ""
    return f"{kind} of {fig['label'][0].lower()}{fig['label'][1:]} showing {campaign.figure_value(fig)}: {what}; {verdict}{sample}."


def figure_scenario(engine: sa.Engine, fig: dict) -> str:
    """The guidance that fits the figure: for a NIBRS class its crime, else the most common crime type among
    the claim's incidents in its last year, from the data."""
    nibrs_class, categories = claims_view.scenario_categories(fig)
    if nibrs_class in claims_view.NIBRS_CLASS_SCENARIO:
        return claims_view.NIBRS_CLASS_SCENARIO[nibrs_class]
    m = fig.get("measure") or {}
    year = m.get("last_year")
    f = m.get("filters") or m.get("numerator") or {}
    if year is None:
        return "smash-and-grab"
    source = f.get("source") if f.get("source") in queries.sources(engine) else "JSA"
    mix = queries.mix(engine, Filters(year_from=int(year), year_to=int(year), source=source or "JSA"))
    if categories:
        mix = mix[mix["category"].isin(categories)]
    if mix.empty:
        return "smash-and-grab"
    top = mix.sort_values("incidents", ascending=False).iloc[0]
    ct = BY_KEY.get((top["category"], top["subtype"] or None))
    return ct.guidance if ct and ct.guidance in SCENARIOS else "smash-and-grab"


def _manifest(engine: sa.Engine, name: str, kind: str, preset: str, fmt: str, alt: str, **info: Any) -> dict:
    width, height = campaign.PRESETS[preset]
    return {"file": name, "kind": kind, "size": preset, "width": width, "height": height, "format": fmt,
            "alt_text": alt, "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), **info}


def _figure_info(engine: sa.Engine, fig: dict) -> dict[str, Any]:
    return {"figure_id": fig["id"], "value": fig["value"], "claim_unit": fig["claim_unit"], "unit": fig["unit"],
            "formula": fig["formula"], "inputs": fig["inputs"], "verdict": fig["verdict"],
            "published_claim_shown": fig["verdict"] == "supported", "stale": fig["stale"], "latest": fig["latest"],
            "as_of": campaign.as_of_line(fig) or None, "source": fig["source_line"],
            "published_source": fig["published_source"], "filters": {"period": fig["period"]}, "measure": fig["measure"],
            "sample_data": fig["sample_data"], "sample_note": fig.get("sample_note") or None,
            "batches": vintage(engine, claims_view.data_formats(fig))}


def headline(engine: sa.Engine, figure_id: str) -> dict:
    figs = {f["id"]: f for f in queries.headline_figures(engine)}
    if figure_id not in figs:
        raise KeyError(f"unknown figure '{figure_id}'; choose one of {', '.join(figs)}")
    return figs[figure_id]


def export_figure(engine: sa.Engine, figure_id: str, preset: str = "square", fmt: str = "png",
                  kind: str = "social") -> Exported:
    """One headline-figure graphic: social (any preset), badge (square) or signage (letter/a4, PDF)."""
    fig = headline(engine, figure_id)
    frame = figure_frame(engine, fig)
    if kind == "badge":
        drawing, preset, label = campaign.stat_card(fig, frame), "square", "Stat card"
    elif kind == "signage":
        if preset not in campaign.PRINT:
            preset = "letter"
        slug = figure_scenario(engine, fig)
        drawing = campaign.signage(fig, frame, preset, SCENARIOS[slug].title, tips(slug, 4))
        label = "Store sign"
    else:
        drawing, label = campaign.social_graphic(fig, frame, preset), "Social graphic"
    width, height = campaign.PRESETS[preset]
    name = f"{safe_filename(figure_id)}_{kind}_{preset}.{fmt}"
    alt = figure_alt(fig, label)
    data = render.render(drawing, fmt, width, height)
    return Exported(name, data, alt, _manifest(engine, name, kind, preset, fmt, alt, **_figure_info(engine, fig)))


def exportable() -> dict[str, charts.Chart]:
    """The charts the exporter and the Campaign page offer."""
    return {k: c for k, c in charts.registry().items() if c.export}


def chart_result(engine: sa.Engine, chart_id: str, query: dict[str, Any]) -> ChartResult:
    """A chart built for an export: a campaign claim the data does not support is left out."""
    if chart_id not in exportable():
        raise KeyError(f"unknown chart '{chart_id}'; choose one of {', '.join(exportable())}")
    return charts.build(engine, chart_id, query, export=True)


def export_chart(engine: sa.Engine, chart_id: str, query: dict[str, Any] | str | None = None, preset: str = "landscape",
                 fmt: str = "png") -> Exported:
    """A dashboard chart, with the filters given (URL-query style), at a preset size."""
    if isinstance(query, str):
        query = dict(parse_qsl(query.lstrip("?")))
    query = dict(query or {})
    result = chart_result(engine, chart_id, query)
    entry = charts.get(chart_id)
    kind_words, title = entry.kind, entry.title
    if chart_id == "map":
        title = MAP_TITLES.get(str(query.get("layer", "")), title)
    chart, summary, dropped = result.figure, result.summary, bool(result.left_out)
    # the claims the chart stands behind with the filters given, checked
    behind = [f for f in (queries.checked_figure(engine, h["id"]) for h in result.claims) if f is not None]
    figure_id, number, as_of = (behind[0]["id"] if behind else None), None, ""
    if behind and behind[0]["value"] is not None:  # the headline number this chart stands behind, as computed
        fig = behind[0]
        number = f"headline figure {campaign.figure_value(fig)}: {fig['label']}"
        as_of = campaign.as_of_line(fig)
        if as_of:
            number += f" · {as_of}"
    if chart_id == "map":  # the browser fetches the boundaries by URL; the exporter hands them over
        for trace in chart.data:
            if getattr(trace, "geojson", None) is not None:
                trace.geojson = geojson()
    described = result.date_range or ""
    subtitle = described.split("showing ", 1)[1] if "showing " in described else described
    if dropped:
        subtitle += " · The campaign's published figure is left out: the data does not support it"
    if result.export_source is not None:  # the image draws less than the card (no hover): its own line
        source = result.export_source
    else:
        source = f"{result.source}. {result.caveat}" if result.caveat else result.source
    note = behind[0].get("sample_note", "") if behind and number else ""
    frame = _frame(title, subtitle, source, queries.data_status(engine)["range"], result.sample, note)
    drawing = campaign.chart_graphic(chart, frame, preset, headline=number)
    if chart_id == "map":  # the map's key goes under the map, inside the drawing, clear of the titles
        drawing.update_layout(geo_domain_y=[0.22, 1], geo2_domain_y=[0.22, 0.38],
                              legend=dict(orientation="h", x=0, xanchor="left", y=0, yanchor="bottom"))
    width, height = campaign.PRESETS[preset]
    filters = "_".join(f"{k}-{v}" for k, v in sorted(query.items()) if v not in (None, "", ALL))
    name = f"{safe_filename(chart_id)}_{safe_filename(filters) + '_' if filters else ''}{preset}.{fmt}"
    # page summaries read "<chart> of <data> (<filters>): <takeaway>" (or "; "): keep the takeaway
    takeaway = re.split(r"\)[:;] ", summary, maxsplit=1)[-1]
    alt = f"{kind_words} of “{title}” ({subtitle}) showing {takeaway.rstrip('.')}" \
          + (" (sample data)." if result.sample else ".")
    data = render.render(drawing, fmt, width, height)
    info = {"chart_id": chart_id, "filters": query, "headline_figure": figure_id, "headline_value": number,
            "as_of": as_of or None,
            "rows_drawn": len(result.rows), "source": source, "summary": summary,
            "unsupported_claim_left_out": dropped, "sample_data": result.sample, "caveat": result.caveat or None,
            "batches": vintage(engine, DATA_FORMATS)}
    return Exported(name, data, alt, _manifest(engine, name, "chart", preset, fmt, alt, **info))


def kit(engine: sa.Engine, figure_ids: list[str] | None = None, charts: list[tuple[str, dict]] | None = None) -> bytes:
    """A ZIP: for each headline figure every social size (PNG), the stat card and Letter and A4 signage
    (PDF); any charts asked for; the alt text of each file; and manifest.json."""
    figure_ids = figure_ids if figure_ids is not None else [f["id"] for f in queries.headline_figures(engine)]
    files: list[Exported] = []
    for fid in figure_ids:
        files += [export_figure(engine, fid, preset, "png") for preset in campaign.SOCIAL]
        files.append(export_figure(engine, fid, "square", "png", kind="badge"))
        files += [export_figure(engine, fid, preset, "pdf", kind="signage") for preset in campaign.PRINT]
    for chart_id, query in charts or []:
        files += [export_chart(engine, chart_id, query, preset, "png") for preset in ("landscape", "square")]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for f in files:
            z.writestr(f.name, f.data)
            z.writestr(f"{f.name}.alt.txt", f.alt_text + "\n")
        manifest = {"generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                    "files": [f.manifest for f in files]}
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
