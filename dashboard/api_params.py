"""The read-only API's parameters: one table, read by the strict checker, the OpenAPI description and the
docs page alike.

The pages forgive (dashboard.state.parse turns a value it does not know into the default); the API does
not: an unknown parameter, a repeated one, a malformed value or one that is not allowed is a ParamError
(HTTP 400) naming the parameter. The allowed values are the ones state.parse accepts (its tables, and the
years, regions and sources of the database); after the checks, the parser that will read the values (a
chart module's own `current`, else state.parse) reads them back and must keep every one, so the API and the
pages cannot drift apart.
"""
from __future__ import annotations

import inspect
import re
import sys
from dataclasses import dataclass, field, fields, replace
from typing import Any, Callable, Iterable, Mapping

import sqlalchemy as sa

from dashboard import queries, state
from dashboard.guidance_content import SCENARIOS
from dashboard.incidents import NO_SUBTYPE, SORTABLE
from dashboard.metrics_period import PERIODS, as_of_choices
from etl.taxonomy import CATEGORIES

TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")  # TRUE: what state._flag reads as on
MAX_PAGE_SIZE = 1000
MAX_LENGTH = 200  # a longer value is refused before it is looked up anywhere
SHORT = 100  # an error lists the allowed values when there are at most this many
FILTER_FIELDS = {f.name for f in fields(state.Filters)}


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # integer, string, boolean, codes (one code, or several comma-separated where allowed)
    doc: str
    values: str = ""  # the list of allowed values (a key of VALUES); "" = checked by its kind only
    minimum: int | None = None
    maximum: int | None = None
    default: Any = None  # said in the docs when it is not the pages' own default
    length: int = MAX_LENGTH  # the longest text taken


PARAMS: dict[str, Param] = {p.name: p for p in (
    Param("year_from", "integer", "First year of the range. Alone, that one year.", "years"),
    Param("year_to", "integer", "Last year of the range; only together with year_from.", "years"),
    Param("category", "string", "Crime category, or all.", "categories"),
    Param("subtype", "string", "Crime sub-type, or all; it must belong to the category when both are given.",
          "subtypes"),
    Param("source", "string", "Incident source: JSA, JM, both combined, or a source loaded with a column mapping.",
          "sources"),
    Param("metric", "string", "What the map and the regional figures measure.", "metrics"),
    Param("region", "codes", "State or province code (upper or lower case); where the endpoint says so, several, "
          "comma-separated.", "regions"),
    Param("country", "string", "U.S. or Canada only (both when left out).", "countries"),
    Param("base_year", "integer", "The year changes are measured from (the index and the ranking).", "years"),
    Param("major_only", "boolean", "Only cities on the reference list of major cities.", "flags"),
    Param("nibrs_year", "integer", "The FBI NIBRS year (the Share page's class charts).", "nibrs_years"),
    Param("layer", "string", "The map's layer: jewelry crime or general crime.", "layers"),
    Param("context", "string", "The general-crime measure of the map's general layer.", "measures"),
    Param("context_line", "boolean", "Draw the national general-crime line on the index.", "flags"),
    Param("period", "string", "Year to date or the last 12 months.", "periods"),
    Param("as_of", "string", "The month the period ends with, YYYY-MM (it needs the same month a year earlier in "
          "the data).", "as_of"),
    Param("scenario", "string", "The guidance scenario.", "scenarios"),
    Param("measure", "string", "The general-crime measure.", "measures", default="robbery"),
    Param("sort", "string", "The column incidents are sorted by.", "sortable", default="occurred_on"),
    Param("dir", "string", "Sort direction: desc (newest or largest first) or asc.", "directions", default="desc"),
    Param("city", "string", "Only cities whose name contains this text, in any case.", length=100),
    Param("year", "integer", "Incidents of one year only.", "years"),
    Param("month", "integer", "Incidents of one calendar month only (1-12).", "months"),
    Param("half", "integer", "Incidents of one half-year only: 1 January-June, 2 July-December.", "halves"),
    Param("page_size", "integer", "Rows per page.", minimum=1, maximum=MAX_PAGE_SIZE, default=100),
    Param("after", "string", "The cursor of the next page: the `next` of the page before (`next_url` has it)."),
)}


@dataclass(frozen=True)
class Endpoint:
    path: str  # under /api/v1, with {fmt} for the format
    formats: tuple[str, ...]
    summary: str
    params: tuple[str, ...] = ()
    several_regions: bool = False
    values: Mapping[str, str] = field(default_factory=dict)  # this endpoint's own allowed-value lists
    json_only: tuple[str, ...] = ()  # parameters of the JSON form only
    extra: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)  # values this endpoint adds to a list
    all_years: bool = False  # without years, every year (else the pages' own default)


CHARTS = "/charts/{chart_id}.{fmt}"
INCIDENT_FILTERS = ("year_from", "year_to", "category", "subtype", "source", "region", "country", "major_only",
                    "year", "month", "half", "city", "sort", "dir")
ENDPOINTS: dict[str, Endpoint] = {e.path: e for e in (
    Endpoint(CHARTS, ("csv", "json"), "The rows a chart draws, with the filters of its page "
             "(each chart takes its page's parameters: see x-parameters-by-chart)."),
    Endpoint("/ranking.{fmt}", ("csv", "json"), "Every state and province with incidents, ranked by the change "
             "since the base year.", ("year_from", "year_to", "category", "subtype", "source", "base_year")),
    Endpoint("/incidents.{fmt}", ("csv", "json"), "The incident rows under the filters; JSON a page at a time, CSV "
             "all of them.", INCIDENT_FILTERS + ("page_size", "after"), several_regions=True,
             json_only=("page_size", "after"), all_years=True,
             extra={"subtype": (NO_SUBTYPE,)}),  # the incident list's rows without a recorded sub-type
    Endpoint("/claims.{fmt}", ("json",), "Every published claim checked against the data: value, verdict, formula."),
    Endpoint("/context.{fmt}", ("csv", "json"), "General crime (FBI and Statistics Canada tables) by state and "
             "province and year.", ("measure", "year_from", "year_to", "region"), several_regions=True,
             values={"year_from": "context_years", "year_to": "context_years"}, all_years=True),
    Endpoint("/openapi.{fmt}", ("json",), "This description of the API (OpenAPI 3.1)."),
)}
# the guidance chart is on /guidance/<scenario>: the scenario comes from the path there, so it must be given here
PAGE_EXTRA = {"/guidance": ("scenario", "source")}
PAGE_REQUIRED = {"/guidance": ("scenario",)}


class ParamError(ValueError):
    """A parameter the API refuses: HTTP 400 (404 for a missing thing), naming the parameter."""

    def __init__(self, name: str | None, message: str, allowed: list[Any] | None = None, status: int = 400,
                 **extra: Any) -> None:
        super().__init__(message)
        self.name, self.message, self.allowed, self.status, self.extra = name, message, allowed, status, extra

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.message, "parameter": self.name}
        if self.allowed is not None and len(self.allowed) <= SHORT:
            out["allowed"] = list(self.allowed)
        return {**out, **self.extra}


# ---------------------------------------------------------------- the allowed values

def _as_of(engine: sa.Engine, checked: Mapping[str, Any]) -> list[str]:
    """The months a period may end with for the source asked for (the Trends period chart's own rule)."""
    from dashboard.charts.trends_period import source_span  # the chart's module: loaded when asked for

    span = source_span(engine, state.Filters(source=checked.get("source", "combined")))
    return [f"{y:04d}-{m:02d}" for y, m in as_of_choices(span)]


Resolver = Callable[[sa.Engine, Mapping[str, Any]], list[Any]]
VALUES: dict[str, Resolver] = {
    "years": lambda e, _: list(queries.years(e)),
    "regions": lambda e, _: [str(c) for c in queries.regions(e)["code"]],
    "sources": lambda e, _: list(state.source_options(queries.sources(e))),
    "categories": lambda e, _: [state.ALL, *CATEGORIES],
    "subtypes": lambda e, c: [state.ALL, *(s for s, cat in state.SUBTYPE_CATEGORY.items()
                                           if c.get("category", state.ALL) in (state.ALL, cat))],
    "metrics": lambda e, _: list(state.METRICS),
    "layers": lambda e, _: list(state.LAYERS),
    "measures": lambda e, _: list(state.CONTEXT_MEASURES),
    "countries": lambda e, _: list(queries.COUNTRIES),
    "nibrs_years": lambda e, _: list(queries.nibrs_years(e)),
    "context_years": lambda e, _: sorted({y for m in state.CONTEXT_MEASURES for y in queries.context_years(e, m)}),
    "flags": lambda e, _: [*TRUE, *FALSE],
    "periods": lambda e, _: list(PERIODS),
    "as_of": _as_of,
    "scenarios": lambda e, _: list(SCENARIOS),
    "sortable": lambda e, _: list(SORTABLE),
    "directions": lambda e, _: ["desc", "asc"],
    "months": lambda e, _: list(range(1, 13)),
    "halves": lambda e, _: [1, 2],
}


def allowed(engine: sa.Engine, key: str, checked: Mapping[str, Any] | None = None) -> list[Any]:
    return VALUES[key](engine, checked or {}) if key else []


# ---------------------------------------------------------------- the strict checker

def _shown(value: str) -> str:
    return value if len(value) <= 40 else value[:40] + "..."


def _one(p: Param, raw: str, choices: list[Any] | None, several: bool) -> Any:
    """One value, by the parameter's kind, against its allowed values (None: no list)."""
    if raw == "":
        raise ParamError(p.name, f"{p.name} is empty: give a value or leave it out", choices)
    if len(raw) > p.length:
        raise ParamError(p.name, f"{p.name} is too long ({len(raw)} characters, at most {p.length})", choices)
    if p.kind == "integer":
        if not re.fullmatch(r"[0-9]{1,9}", raw):  # ASCII digits only: int() would also take '٢٠٢٢' or ' 1_0'
            raise ParamError(p.name, f"{p.name} must be a whole number, not {_shown(raw)!r}", choices)
        value: Any = int(raw)
        if p.minimum is not None and value < p.minimum or p.maximum is not None and value > p.maximum:
            raise ParamError(p.name, f"{p.name} must be from {p.minimum} to {p.maximum}, not {value}",
                             minimum=p.minimum, maximum=p.maximum)
    elif p.kind == "boolean":
        if raw.lower() not in TRUE + FALSE:
            raise ParamError(p.name, f"{p.name} must be one of {', '.join(TRUE + FALSE)}, not {_shown(raw)!r}",
                             choices)
        return raw.lower() in TRUE
    elif p.kind == "codes":
        codes = [c.strip().upper() for c in raw.split(",")]
        if len(codes) > 1 and not several:
            raise ParamError(p.name, f"{p.name} takes one code here, not several", choices)
        unknown = [c for c in codes if c not in (choices or [])]
        if unknown:
            raise ParamError(p.name, f"{p.name}: {_shown(unknown[0])!r} is not a code this endpoint knows", choices)
        return ",".join(sorted(set(codes)))
    else:
        value = raw
    if choices is not None and value not in choices:
        raise ParamError(p.name, f"{p.name}: {_shown(raw)!r} is not allowed (see 'allowed')", choices)
    return value


def choices_of(engine: sa.Engine, endpoint: Endpoint, name: str, checked: Mapping[str, Any] | None = None
               ) -> list[Any] | None:
    """The values a parameter may take at an endpoint now (None: checked by its kind only)."""
    key = endpoint.values.get(name, PARAMS[name].values)
    return [*allowed(engine, key, checked), *endpoint.extra.get(name, ())] if key else None


Parser = Callable[[sa.Engine, Mapping[str, str]], state.Filters]


def check(engine: sa.Engine, args: Mapping[str, list[str]], endpoint: Endpoint, names: Iterable[str] | None = None,
          required: Iterable[str] = (), parser: Parser | None = None) -> dict[str, Any]:
    """The query string (name -> every value given) -> the checked values (int, str, bool, or sorted 'CA,TX'
    codes), in the table's order; a ParamError for the first problem. `names`: what the endpoint takes
    (default: its own list); `parser`: the filters parser of the builder that will read them (default:
    state.parse as `filters` calls it)."""
    wanted = set(endpoint.params if names is None else names)
    names = [n for n in PARAMS if n in wanted]
    for name in args:
        if name not in names:
            raise ParamError(_shown(name), f"unknown parameter {_shown(name)!r} for this endpoint", names)
    for name in required:
        if not args.get(name):
            raise ParamError(name, f"{name} is required here", choices_of(engine, endpoint, name))
    checked: dict[str, Any] = {}
    for name in names:
        given = args.get(name)
        if not given:
            continue
        choices = choices_of(engine, endpoint, name, checked)  # after the ones it depends on (the table's order)
        if len(given) > 1:
            raise ParamError(name, f"{name} is given {len(given)} times: give it once", choices)
        checked[name] = _one(PARAMS[name], given[0], choices, endpoint.several_regions)
    _together(checked)
    _read_back(engine, checked, endpoint, parser)
    return checked


def _together(checked: Mapping[str, Any]) -> None:
    """What the pages would quietly change: a range the wrong way round, a sub-type of another category."""
    if "year_to" in checked and "year_from" not in checked:
        raise ParamError("year_to", "year_to needs year_from: give the first year of the range too")
    if "year_from" in checked and "year_to" in checked and checked["year_from"] > checked["year_to"]:
        raise ParamError("year_to", f"year_to ({checked['year_to']}) is before year_from ({checked['year_from']})")
    sub = checked.get("subtype", state.ALL)
    if sub in state.SUBTYPE_CATEGORY and checked.get("category") == state.ALL:
        raise ParamError("category", f"category 'all' with a sub-type: give {state.SUBTYPE_CATEGORY[sub]!r} or "
                         "leave category out", [state.ALL, state.SUBTYPE_CATEGORY[sub]])


def query_of(checked: Mapping[str, Any]) -> dict[str, str]:
    """The checked values as a URL query (what the pages' builders read)."""
    return {k: ("1" if v else "0") if isinstance(v, bool) else str(v) for k, v in checked.items()}


def _page_filters(endpoint: Endpoint, checked: Mapping[str, Any]) -> dict[str, Any]:
    """The checked values that are Filters fields, less the values only this endpoint has."""
    return {k: v for k, v in checked.items() if k in FILTER_FIELDS and v not in endpoint.extra.get(k, ())}


def filters(engine: sa.Engine, checked: Mapping[str, Any], endpoint: Endpoint) -> state.Filters:
    """state.parse on checked values: the Filters the pages would make of them."""
    years = allowed(engine, endpoint.values.get("year_from", "years"))
    return state.parse(query_of(_page_filters(endpoint, checked)), years, allowed(engine, "regions"),
                       nibrs_years=allowed(engine, "nibrs_years"), all_years_by_default=endpoint.all_years,
                       sources=queries.sources(engine), several_regions=endpoint.several_regions)


def _read_back(engine: sa.Engine, checked: Mapping[str, Any], endpoint: Endpoint, parser: Parser | None) -> None:
    """The pages' parser must keep every filter checked here: if it would change one, the checks above missed a
    rule of the pages, and the request is refused rather than answered with something else."""
    given = _page_filters(endpoint, checked)

    def kept(values: Mapping[str, Any]) -> state.Filters:
        return parser(engine, query_of(values)) if parser else filters(engine, values, endpoint)

    f = kept(given)
    for name, value in given.items():
        if getattr(f, name) != value:  # what it does keep, with the other values as given
            choices = choices_of(engine, endpoint, name, checked) or []
            ok = [v for v in choices[:SHORT] if getattr(kept({**given, name: v}), name) == v]
            raise ParamError(name, f"{name}: {value!r} is not a value the dashboard's page takes here", ok)


# ---------------------------------------------------------------- which chart takes which parameters

def _page_params(path: str) -> tuple[str, ...]:
    import dash

    for entry in dash.page_registry.values():
        if entry.get("path") == path:
            return tuple(getattr(sys.modules.get(entry.get("module", "")), "PARAMS", ()))
    return ()


def chart_params(chart: Any) -> tuple[str, ...]:
    """The parameters a chart takes: its own list if it has one, else the URL parameters of its page and of its
    builder's module (a chart with parameters of its own, e.g. the period chart). Names this table does not
    know are left out (test_api checks there are none)."""
    names = getattr(chart, "params", None)
    if names is None:
        module = inspect.getmodule(getattr(chart.build, "func", chart.build))
        names = [*_page_params(chart.page), *getattr(module, "PARAMS", ()), *PAGE_EXTRA.get(chart.page, ())]
    return tuple(n for n in PARAMS if n in set(names))


def declared_params(chart: Any) -> set[str]:
    """Every name a chart's page and module declare, known here or not (for the test that none is missed)."""
    module = inspect.getmodule(getattr(chart.build, "func", chart.build))
    return set(getattr(chart, "params", None) or [*_page_params(chart.page), *getattr(module, "PARAMS", ())])


# ---------------------------------------------------------------- the table, described (OpenAPI and the docs page)

PREFIX = "/api/v1"


@dataclass(frozen=True)
class Described:
    """One parameter of one endpoint, with its allowed values as they are now."""
    name: str
    kind: str
    doc: str
    values: list[Any]
    listed: bool  # the value must be one of `values`
    several: bool = False
    minimum: int | None = None
    maximum: int | None = None
    default: Any = None
    json_only: bool = False
    length: int = MAX_LENGTH

    @property
    def allowed_text(self) -> str:
        if self.kind == "boolean":
            return "1, true, yes, on / 0, false, no, off"
        if self.minimum is not None:
            return f"{self.minimum} to {self.maximum}"
        if not self.listed:
            return "any text"
        if not self.values:
            return "none loaded"
        shown = ", ".join(map(str, self.values[:24]))
        return shown + (f" ... ({len(self.values)} in all)" if len(self.values) > 24 else "")


def described(engine: sa.Engine, endpoint: Endpoint) -> list[Described]:
    out = []
    for p in (p for n, p in PARAMS.items() if n in endpoint.params):
        choices = choices_of(engine, endpoint, p.name)
        out.append(Described(p.name, p.kind, p.doc, choices or [], choices is not None,
                             endpoint.several_regions and p.kind == "codes", p.minimum, p.maximum, p.default,
                             p.name in endpoint.json_only, p.length))
    return out


def paths(endpoint: Endpoint) -> list[tuple[str, str]]:
    """(format, full path) of each form of an endpoint."""
    return [(fmt, PREFIX + endpoint.path.replace("{fmt}", fmt)) for fmt in endpoint.formats]


def chart_parser(chart: Any) -> Parser | None:
    """The filters parser of a chart's module (`current(engine, query)`, as its builder calls it), if it has one."""
    current = getattr(inspect.getmodule(getattr(chart.build, "func", chart.build)), "current", None)
    if current is None:
        return None

    def parse(engine: sa.Engine, query: Mapping[str, str]) -> state.Filters:
        got = current(engine, dict(query))
        return got[0] if isinstance(got, tuple) else got  # the Trends parser gives (Filters, country)
    return parse


def chart_endpoint(engine: sa.Engine, chart: Any) -> Endpoint:
    """The chart endpoint as one chart takes it: its parameters, and several regions when its parser keeps two."""
    parse, codes = chart_parser(chart), allowed(engine, "regions")[:2]
    names = chart_params(chart)
    several = bool(parse and "region" in names and len(codes) == 2 and
                   parse(engine, {"region": ",".join(codes)}).region == ",".join(sorted(codes)))
    return replace(ENDPOINTS[CHARTS], params=names, several_regions=several)


def chart_endpoints(engine: sa.Engine, found: Mapping[str, Any]) -> tuple[Endpoint, dict[str, Endpoint]]:
    """The chart endpoint as a whole (every parameter some chart takes) and as each chart takes it."""
    each = {cid: chart_endpoint(engine, c) for cid, c in found.items()}
    names = tuple(n for n in PARAMS if any(n in e.params for e in each.values()))
    return replace(ENDPOINTS[CHARTS], params=names, several_regions=any(e.several_regions for e in each.values())), each

