"""Column mappings (`jewelcrime etl FILE --map MAPPING`): any incident layout, described as data.

A mapping is a TOML file (or the name of a bundled preset in etl/mappings/)
that says which of a file's columns give the date, the crime type, the place
and so on, how the file's own values map to the product's crime types and
location types, which rows to keep, and the name of its source. It becomes a
`Format` that runs the one incident transform (`etl.formats.incidents`) with
an `IncidentSpec` built from it: a mapping is data, not a second code path.
A mapped source never mixes into the JSA or JM figures.
"""
from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path
from typing import Callable, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from etl import taxonomy
from etl.errors import UsageError
from etl.formats import jsa
from etl.formats.base import Format, Options, Parsed
from etl.formats.headers import Column, norm_header
from etl.formats.incidents import LOCATION_TYPES, IncidentSpec, shared_date_order, transform as incident_transform
from etl.formats.parse import clean_text
from etl.formats.tabular import RawTable, read_parts
from etl.regions import fold, region_book
from etl.valuemap import ValueMap, fold_value

PRESET_DIR = Path(__file__).resolve().parent / "mappings"
RESERVED_SOURCES = {"jsa", "jm", "combined", "fbi", "reference"}
# friendlier field names a mapping may use -> the incident field
FIELD_ALIASES = {"time": "hour", "loss": "loss_usd", "record_id": "source_record_id", "id": "source_record_id"}
FIELDS = {c.name for c in jsa.COLUMNS} - {"sample"}
REQUIRED = ("date", "crime_type")


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"'{pattern}' is not a regular expression ({exc})") from None
    return pattern


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Strict):
    """Keep a row only when its `column` equals, is one of, or matches (a regular expression)."""

    column: str
    equals: str | None = None
    one_of: list[str] | None = None
    matches: str | None = None
    ignore_case: bool = True

    @model_validator(mode="after")
    def _one_test(self) -> "Condition":
        given = [t for t in (self.equals, self.one_of, self.matches) if t is not None]
        if len(given) != 1:
            raise ValueError("a filter needs exactly one of equals, one_of or matches")
        if self.matches is not None:
            _compiles(self.matches)
        return self

    def describe(self) -> str:
        if self.equals is not None:
            return f"'{self.column}' is not '{self.equals}'"
        if self.one_of is not None:
            return f"'{self.column}' is not one of " + ", ".join(f"'{v}'" for v in self.one_of)
        return f"'{self.column}' does not match /{self.matches}/"

    def keep(self, cells: pd.Series) -> pd.Series:
        text = clean_text(cells).fillna("")
        if self.matches is not None:
            flags = re.I if self.ignore_case else 0
            return text.str.contains(self.matches, flags=flags, regex=True).fillna(False).astype(bool)
        wanted = [self.equals] if self.equals is not None else list(self.one_of or [])
        if self.ignore_case:
            return text.map(fold_value).isin({fold_value(w) for w in wanted})
        return text.isin(wanted)


class Pattern(_Strict):
    match: str
    to: str

    @field_validator("match")
    @classmethod
    def _valid(cls, value: str) -> str:
        return _compiles(value)


class Values(_Strict):
    """A file's values -> the product's: exact values (any case) first, then patterns in order, then (for crime
    types) the product's own spellings."""

    unmapped: Literal["quarantine", "skip", "unknown"] = "quarantine"
    values: dict[str, str] = Field(default_factory=dict)
    patterns: list[Pattern] = Field(default_factory=list)

    def value_map(self, what: str, fallback: Callable[[str], str | None] | None = None) -> ValueMap:
        return ValueMap({fold_value(k): v for k, v in self.values.items()},
                        tuple((re.compile(p.match, re.I), p.to) for p in self.patterns), self.unmapped, what, fallback)

    def targets(self) -> list[str]:
        return [*self.values.values(), *(p.to for p in self.patterns)]


class CrimeTypes(Values):
    """A crime type is required: what nothing maps is quarantined or skipped, never unknown."""

    unmapped: Literal["quarantine", "skip"] = "quarantine"


class LocationTypes(Values):
    """A location type is optional: what nothing maps is unknown (with a note) unless the mapping says otherwise."""

    unmapped: Literal["quarantine", "skip", "unknown"] = "unknown"


class Dates(_Strict):
    formats: list[str] = Field(default_factory=list)  # strptime formats, tried before the automatic rules
    order: Literal["MD", "DM"] | None = None


class Times(_Strict):
    format: Literal["auto", "HHMM"] = "auto"


class Mapping(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,30}$")
    source: str = Field(min_length=2, max_length=60)
    description: str = ""
    url: str = ""
    columns: dict[str, str]
    constants: dict[str, str] = Field(default_factory=dict)
    filter: list[Condition] = Field(default_factory=list)
    crime_types: CrimeTypes = CrimeTypes()
    location_types: LocationTypes = LocationTypes()
    dates: Dates = Dates()
    times: Times = Times()

    @field_validator("source")
    @classmethod
    def _own_source(cls, value: str) -> str:
        if value.strip().lower() in RESERVED_SOURCES:
            raise ValueError(f"'{value}' is reserved; a mapped source needs a name of its own, e.g. 'LAPD open data'")
        return value.strip()

    @field_validator("columns", "constants")
    @classmethod
    def _known_fields(cls, value: dict[str, str], info) -> dict[str, str]:  # noqa: ANN001 - pydantic's ValidationInfo
        out = {}
        allowed = FIELDS | {"city_state"} if info.field_name == "columns" else FIELDS
        for key, header in value.items():
            field = FIELD_ALIASES.get(key, key)
            if field not in allowed:
                names = sorted(allowed | (set(FIELD_ALIASES) if info.field_name == "columns" else set()))
                raise ValueError(f"'{key}' is not a field a mapping's {info.field_name} can fill (fields: "
                                 f"{', '.join(names)})")
            out[field] = header
        return out

    @model_validator(mode="after")
    def _complete(self) -> "Mapping":
        for field in REQUIRED:
            if field not in self.columns and field not in self.constants:
                raise ValueError(f"columns.{field} is required (the file's column that gives the {field})")
        place = {"region", "city_state"} & (set(self.columns) | set(self.constants))
        if not place and not {"latitude", "longitude"} <= set(self.columns):
            raise ValueError("the mapping needs a region (a column or a constant), a city_state column, or both "
                             "latitude and longitude")
        headers = [norm_header(h) for h in self.columns.values()]
        if len(set(headers)) < len(headers):
            raise ValueError("two fields name the same column of the file")
        for target in self.crime_types.targets():
            if taxonomy.ALIASES.get(taxonomy.normalise(target)) is None:
                raise ValueError(f"crime_types maps to '{target}', which is not a crime type of the taxonomy "
                                 "(use a category such as 'robbery' or a sub-type such as 'smash and grab'; "
                                 "see docs/data-formats.md, Crime types)")
        allowed = set(LOCATION_TYPES.values())
        for target in self.location_types.targets():
            if target not in allowed:
                raise ValueError(f"location_types maps to '{target}', which is not a location type "
                                 f"({', '.join(sorted(allowed))})")
        return self

    # ------------------------------------------------------------ as a format

    def spec(self) -> IncidentSpec:
        return IncidentSpec(
            source=self.source, kind_map=self.crime_types.value_map("crime type", _taxonomy_spelling),
            location_map=self.location_types.value_map("location type", _location_spelling), allow_other=True,
            kind_hint="nothing in the mapping's crime_types matches it, nor a spelling of the product's own",
            date_order=self.dates.order,
            date_formats=tuple(self.dates.formats), time_hhmm=self.times.format == "HHMM",
            constants=dict(self.constants), industry=False)

    def columns_spec(self) -> tuple[Column, ...]:
        have_point = {"latitude", "longitude"} <= set(self.columns)
        cols = []
        for field, header in self.columns.items():
            required = field in REQUIRED and field not in self.constants
            if field == "region":
                required = not have_point and "region" not in self.constants and "city_state" not in self.columns
            cols.append(Column(field, (header,), required, name_matches=False))
        return tuple(cols)

    def as_format(self) -> Format:
        spec, columns = self.spec(), self.columns_spec()

        def read(path: Path, opts: Options) -> list[RawTable]:
            parts = read_parts(path, columns, opts.sheet, skip_totals=True)
            for raw in parts:
                self._apply_filter(raw)
                self._split_city_state(raw)
            return parts

        def transform(raw: RawTable, opts: Options) -> Parsed:
            return incident_transform(raw, spec, opts)

        digest = hashlib.sha256(self.model_dump_json().encode()).hexdigest()
        return Format(f"map:{self.name}", f"column mapping '{self.name}' ({self.source})", columns, transform,
                      target="incident", source=self.source, reader=read, prepare=shared_date_order, version=digest)

    def _apply_filter(self, raw: RawTable) -> None:
        """Drop the rows the filter leaves out, counting them by the first condition each fails."""
        by_header = {norm_header(h): name for name, h in raw.columns.items()}
        for cond in self.filter:
            name = by_header.get(norm_header(cond.column))
            if name is None:
                from etl.errors import FileRejected
                raise FileRejected(raw.path, f"the mapping's filter names column '{cond.column}', which "
                                             f"{raw.where} does not have (its columns: "
                                             f"{', '.join(repr(h) for h in raw.columns.values())})")
            if raw.columns[name] in raw.unused:  # the filter uses it
                raw.unused.remove(raw.columns[name])
            keep = cond.keep(raw.data[name]).to_numpy(dtype=bool)
            if (~keep).any():
                raw.filtered[cond.describe()] = raw.filtered.get(cond.describe(), 0) + int((~keep).sum())
                raw.data = raw.data[keep]

    def _split_city_state(self, raw: RawTable) -> None:
        """A 'City, State' text fills city and region where the mapping gives no column for them."""
        if "city_state" not in raw.data.columns:
            return
        parts = raw.data["city_state"].map(_city_state, na_action="ignore")
        for i, field in enumerate(("city", "region")):
            value = parts.map(lambda p, i=i: p[i], na_action="ignore")
            raw.data[field] = raw.data[field].fillna(value) if field in raw.data.columns else value


def _taxonomy_spelling(value: str) -> str | None:
    """A value the mapping does not list, spelt the product's own way ('robbery', 'Smash & grab')."""
    return value if taxonomy.ALIASES.get(taxonomy.normalise(value)) is not None else None


def _location_spelling(value: str) -> str | None:
    """A location the mapping does not list, spelt as a JSA-style list may spell it ('Strip mall', 'kiosk')."""
    return LOCATION_TYPES.get(re.sub(r"[^a-z0-9]+", " ", value.lower()).strip())


def _city_state(text: str) -> tuple[str | None, str | None]:
    """'Westfield Mall, Houston, TX 77002' -> ('Houston', 'TX'); the last part that names a region wins."""
    book = region_book()
    pieces = [p.strip() for p in str(text).split(",") if p.strip()]
    for i in range(len(pieces) - 1, -1, -1):
        candidate = re.sub(r"\s*\d{5}(-\d{4})?$|\s+[A-Z]\d[A-Z]\s?\d[A-Z]\d$", "", pieces[i])  # ZIP or postal code
        for words in (candidate, candidate.split(" ")[-1] if " " in candidate else None):
            if words and fold(words) in book.codes:
                return (pieces[i - 1] if i > 0 else None), words
    return None, pieces[-1] if pieces else None


def presets() -> dict[str, Path]:
    return {p.stem: p for p in sorted(PRESET_DIR.glob("*.toml"))}


def load_mapping(ref: str) -> Mapping:
    """A mapping from a TOML file or a bundled preset's name; a bad mapping is a usage error that says why."""
    path = Path(ref)
    if not path.exists():
        known = presets()
        if ref not in known:
            raise UsageError(f"--map {ref}: no such file, and not a bundled preset ({', '.join(known) or 'none'})")
        path = known[ref]
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--map {ref}: cannot read the mapping ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"--map {ref}: not valid TOML ({exc})") from None
    data.setdefault("name", re.sub(r"[^a-z0-9_-]+", "-", path.stem.lower()).strip("-")[:31] or "mapping")
    try:
        return Mapping.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(x) for x in e['loc']) or 'mapping'}: {e['msg']}" for e in exc.errors())
        raise UsageError(f"--map {ref}: {problems}") from None
