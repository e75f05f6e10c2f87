"""How the dashboard shows a checked claim (a headline figure from etl.figures), decided by what it measures.

Every rule here reads a figure's `claim_unit` and `measure` (metric, periods, filters as plain data), never
its id, so a row added to claims.csv finds its value format, its chart, its link and its guidance without
a code change. Pure functions: figure dicts in, plain values out.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from etl.claim_report import format_claimed
from etl.claims import format_value

# which chart stands behind a claim, by what it measures (the exporter's chart ids)
INDEX, HALF, SHARE = "trends-index", "trends-half", "share-nibrs"
# the guidance a NIBRS class claim points to (the store break-in is the property crime a jeweler fears)
NIBRS_CLASS_SCENARIO = {"property": "after-hours-burglary", "persons": "armed-robbery", "society": "smash-and-grab"}
DATA_FORMATS = {"offenses": ("nibrs", "reference")}  # the load batches behind a claim, by metric
INCIDENT_FORMATS = ("jsa", "jm")


def value_text(fig: dict[str, Any], key: str = "value") -> str:
    """+12.5% for a change, 40.0% for a share, 1,234 for a count, $1,234 for an amount."""
    return format_value(fig.get(key), fig.get("claim_unit", "percent_change"))


def claimed_text(fig: dict[str, Any]) -> str:
    """The published number read by its unit: +50%, 65%, 1,200."""
    value = fig.get("published_value")
    return "no number" if value is None else format_claimed(value, fig.get("claim_unit", "percent_change"))


def chart_of_measure(m: dict[str, Any]) -> str | None:
    """The chart a claim is read from: NIBRS class shares on the share page, first-half changes on the
    January-June chart, year-on-year changes on the index chart; None for others (counts, other shares)."""
    if not m:
        return None
    if m["unit"] == "percent_share" and m["metric"] == "offenses":
        return SHARE
    if m["unit"] != "percent_change" or m["metric"] != "incidents" or (m.get("filters") or {}).get("regions"):
        return None  # the trends charts are national: a claim about some states is checked on its own
    if m["period_kind"] == "half" and m["compared_kind"] == "half":
        return HALF
    return INDEX if m["since"] else None


def chart_of(fig: dict[str, Any]) -> str | None:
    return chart_of_measure(fig.get("measure") or {})


def _filters(m: dict[str, Any]) -> dict[str, Any]:
    """The filters that pick the claim's incidents: a share's numerator (the row's filters with its own on top)."""
    if not m:
        return {}
    return (m.get("numerator") if m.get("unit") == "percent_share" else m.get("filters")) or {}


def trends_query(m: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """The trends page's URL filters that show a claim's incidents (one category or all, its source)."""
    f = _filters(m)
    q: dict[str, Any] = {}
    cats = f.get("categories") or []
    if len(cats) == 1:
        q["category"] = cats[0]
    if f.get("subtype"):
        q["subtype"] = f["subtype"]
    if f.get("source") and f["source"] != "combined":
        q["source"] = f["source"]
    if f.get("major_only"):
        q["major_only"] = 1
    if f.get("country"):
        q["country"] = f["country"]
    return {**q, **extra}


def check_query(fig: dict[str, Any]) -> dict[str, str]:
    """The Overview form's URL parameters that re-run this claim's check."""
    m = fig.get("measure") or {}
    f = _filters(m)
    q = {"check_measure": m.get("metric"), "check_period": m.get("period"),
         "check_compared_with": m.get("compared_with"), "check_source": f.get("source"),
         "check_country": f.get("country"), "check_region": "|".join(f.get("regions") or []) or None,
         "check_category": "|".join(f.get("categories") or []) or None, "check_subtype": f.get("subtype"),
         "check_major": "1" if f.get("major_only") else None, "check_nibrs_class": f.get("nibrs_class"),
         "check_claimed": None if fig.get("published_value") is None else f"{fig['published_value']:g}"}
    if m.get("unit") == "percent_share":  # the denominator's own filters, on top of the row's
        den, base = m.get("denominator") or {}, m.get("filters") or {}
        own = {k: v for k, v in den.items() if v and v != base.get(k)}
        parts = [f"{'category' if k == 'categories' else k}={'|'.join(v) if isinstance(v, list) else str(v).lower()}"
                 for k, v in own.items()]
        q["check_share_of"] = ";".join(parts) or "all"
    return {k: str(v) for k, v in q.items() if v not in (None, "")}


def link_of(fig: dict[str, Any]) -> tuple[str, str]:
    """(href, words) of the chart a claim is read from, or of the check form when no chart shows it."""
    m = fig.get("measure") or {}
    chart = chart_of(fig)
    if chart == SHARE:
        return f"/share?{urlencode({'nibrs_year': m['first_year']})}", "See the NIBRS classes for the year"
    if chart == HALF:
        return (f"/trends?{urlencode(trends_query(m, view='half'))}",
                "See January-June of every year" + (", major cities only" if _filters(m).get("major_only") else ""))
    if chart == INDEX:
        return (f"/trends?{urlencode(trends_query(m, base_year=m['compared_first_year'], view='index'))}",
                "See every year against the base year")
    return f"/?{urlencode(check_query(fig))}#check-form", "Check this number with other filters"


def matches(fig: dict[str, Any], f: Any, country: str = "") -> bool:
    """Does a chart with these filters (dashboard.state.Filters) and country ('' = both) show the claim's
    incidents? The crime type, sub-type, major-city choice and regions must be the claim's (several categories
    match 'all crime types', which the charts split); a claim about one country is not drawn over the other."""
    m = fig.get("measure") or {}
    c = _filters(m)
    cats = c.get("categories") or []
    category_ok = f.category == (cats[0] if len(cats) == 1 else "all")
    subtype_ok = f.subtype == (c.get("subtype") or "all")
    country_ok = not country or c.get("country") in (None, country)
    # a claim about some states or provinces is drawn only over exactly those; a national one over none chosen
    regions_ok = tuple(sorted(c.get("regions") or ())) == tuple(getattr(f, "region_codes", ()) or ())
    return category_ok and subtype_ok and bool(c.get("major_only")) == bool(f.major_only) and country_ok and regions_ok


def scenario_categories(fig: dict[str, Any]) -> tuple[str | None, list[str]]:
    """(NIBRS class, incident categories) the guidance for a claim is chosen by."""
    f = _filters(fig.get("measure") or {})
    return f.get("nibrs_class"), list(f.get("categories") or [])


def data_formats(fig: dict[str, Any]) -> tuple[str, ...]:
    return DATA_FORMATS.get((fig.get("measure") or {}).get("metric", ""), INCIDENT_FORMATS)
