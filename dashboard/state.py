"""Filters: parsed from the URL query, checked against allowed values, written back.

Every page keeps its whole state in the URL query string, so a copied link
restores the view and back/forward work. Anything not allowed falls back to
the default; nothing from the URL reaches SQL except through these checks
(and bound parameters after them).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Iterable
from urllib.parse import urlencode

from etl.context import MEASURES as CONTEXT_MEASURES
from etl.linking import CLAIMS, INCIDENTS
from etl.taxonomy import CATEGORIES, CRIME_TYPES

# the industry sources and their sum; any other source in the database (a column mapping's) is listed by its own name
SOURCES = {"combined": "JSA and JM combined", INCIDENTS: "JSA-style incidents", CLAIMS: "JM-style claims"}
COMBINED_SOURCES = (INCIDENTS, CLAIMS)


def source_label(source: str) -> str:
    return SOURCES.get(source, f"{source} (mapped source)")


def source_options(loaded: Iterable[str] = ()) -> dict[str, str]:
    """Every source a filter may name: the industry ones and their sum, then each other source loaded."""
    return {**SOURCES, **{s: source_label(s) for s in sorted(loaded) if s not in SOURCES}}
# the measure risk classes use by default, everywhere (map, risk page, exports): incidents per million residents
# per year, so a class says how likely crime is for a store there, not how many people live there
DEFAULT_METRIC = "per_million"
RATE_METRICS = {
    "per_million": "Incidents per million residents",
    "incidents": "Incidents",
    "per_100_businesses": "Incidents per 100 jewelry businesses",
    "losses": "Dollar losses",
}
# the map can also colour each region by its change (metrics_ranking): a scale centred on zero
CHANGE_METRICS = {
    "change_since_base": "Change since the base year",
    "change_on_prior": "Change on the prior year",
}
METRICS = {**RATE_METRICS, **CHANGE_METRICS}
# the map's layers: jewelry crime (the industry's incidents) or general crime (FBI and Statistics Canada tables)
LAYERS = {"jewelry": "Jewelry crime", "context": "General crime (FBI, StatCan)"}
SUBTYPES = {ct.subtype: ct.label for ct in CRIME_TYPES if ct.subtype}
SUBTYPE_CATEGORY = {ct.subtype: ct.category for ct in CRIME_TYPES if ct.subtype}
ALL = "all"


@dataclass(frozen=True)
class Filters:
    year_from: int | None = None
    year_to: int | None = None
    category: str = ALL
    subtype: str = ALL
    source: str = "combined"
    metric: str = DEFAULT_METRIC
    region: str | None = None
    base_year: int = 2019
    major_only: bool = False
    nibrs_year: int | None = None
    layer: str = "jewelry"  # map layer: LAYERS
    context: str = "robbery"  # general-crime measure: etl.context.MEASURES
    context_line: bool = False  # trends: the national general-crime rate beside the index

    @property
    def region_codes(self) -> tuple[str, ...]:
        """The regions chosen (region holds one code, or several comma-separated, sorted): () for all."""
        return tuple(self.region.split(",")) if self.region else ()

    def jewelry(self) -> "Filters":
        """The same filters without the general-crime choices: the key jewelry queries are cached under."""
        return replace(self, layer="jewelry", context="robbery", context_line=False)

    def query(self, **changes: Any) -> str:
        """The URL query string for these filters (defaults left out)."""
        f = replace(self, **changes) if changes else self
        default = Filters()
        params = {}
        for field in fields(f):
            value = getattr(f, field.name)
            if value != getattr(default, field.name) and value is not None:
                params[field.name] = int(value) if isinstance(value, bool) else value
        return "?" + urlencode(params) if params else ""

    @property
    def years(self) -> tuple[int, int]:
        assert self.year_from is not None and self.year_to is not None
        return self.year_from, self.year_to

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        """Plain words for subtitles and exports: years, crime types, source."""
        parts = []
        if self.year_from is not None:
            parts.append(str(self.year_from) if self.year_from == self.year_to else f"{self.year_from}-{self.year_to}")
        if self.subtype != ALL:
            parts.append(SUBTYPES[self.subtype])
        elif self.category != ALL:
            parts.append(CATEGORIES[self.category])
        else:
            parts.append("all crime types")
        parts.append(source_label(self.source))
        return "; ".join(parts)


def _int(value: Any, allowed: Iterable[int]) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if number in set(allowed) else None


def parse(query: dict[str, Any], years: list[int], regions: Iterable[str] = (), nibrs_years: Iterable[int] = (),
          all_years_by_default: bool = False, sources: Iterable[str] = (), several_regions: bool = False) -> Filters:
    """URL query (or callback values) -> Filters; anything not allowed becomes the default.

    Without years in the query a page shows the latest year, or every year
    when all_years_by_default (trend pages). With several_regions, `region` may
    name several codes, comma-separated (kept sorted, unknown ones dropped).
    """
    query = {k: v for k, v in (query or {}).items() if isinstance(v, (str, int, bool)) or v is None}
    years = sorted(years)
    first, last = (years[0], years[-1]) if years else (None, None)
    year_from = _int(query.get("year_from"), years) or (first if all_years_by_default else last)
    if query.get("year_to") is None and all_years_by_default:  # a trend from a first year runs to the last
        query = {**query, "year_to": last}
    year_to = _int(query.get("year_to"), years) or year_from
    if year_from is not None and year_to is not None and year_from > year_to:
        year_from, year_to = year_to, year_from
    category = query.get("category") if query.get("category") in CATEGORIES else ALL
    subtype = query.get("subtype") if query.get("subtype") in SUBTYPES else ALL
    if subtype != ALL:
        if category == ALL:
            category = SUBTYPE_CATEGORY[subtype]
        elif SUBTYPE_CATEGORY[subtype] != category:
            subtype = ALL
    source = query.get("source") if query.get("source") in source_options(sources) else "combined"
    metric = query.get("metric") if query.get("metric") in METRICS else DEFAULT_METRIC
    region = _regions(query.get("region"), set(regions), several_regions)
    base_year = _int(query.get("base_year"), years) or (2019 if 2019 in years else first) or 2019
    major_only = _flag(query.get("major_only"))
    nibrs = sorted(nibrs_years)
    nibrs_year = _int(query.get("nibrs_year"), nibrs) or (nibrs[-1] if nibrs else None)
    layer = query.get("layer") if query.get("layer") in LAYERS else "jewelry"
    context = query.get("context") if query.get("context") in CONTEXT_MEASURES else "robbery"
    return Filters(year_from, year_to, category, subtype, source, metric, region, base_year, major_only, nibrs_year,
                   layer, context, _flag(query.get("context_line")))


def _regions(value: Any, known: set[str], several: bool) -> str | None:
    """'ca, tx' -> 'CA,TX' (known codes only, sorted, no repeats); one code unless several."""
    if not value:
        return None
    codes = sorted({c.strip().upper() for c in str(value).split(",") if c.strip()} & known) if several else \
        [str(value).strip().upper()] if str(value).strip().upper() in known else []
    return ",".join(codes) or None


def _flag(value: Any) -> bool:
    """A switch in the URL: 1, true, yes or on (True itself from a callback); anything else is off."""
    return value is True or str(value if value is not None else "").lower() in ("1", "true", "yes", "on")
