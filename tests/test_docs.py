"""The user documentation stays in step with the code.

docs/data-formats.md must list every format of the registry, every column
and every accepted header spelling of each input format (with the right type
and required flag, and the generic "weak" spellings marked as generic), every
crime type of the taxonomy with its spellings, the location types, claim
statuses, region aliases, unknown markers and reference files, every key of
the column-mapping schema, every bundled mapping with what it uses, the
`--json` summary fields, and the database tables with the schema version;
docs/figures.md must describe every headline figure and state each verdict
tolerance. Adding an alias, a crime type, a mapping key, a preset value, a
table or a figure to the code without documenting it fails here.

Spellings are looked for in backticks (`st`, `id`), so a short alias is not
"found" by accident inside an ordinary word.
"""
from __future__ import annotations

import csv
import dataclasses
import re
import tomllib
import typing
from pathlib import Path

import pydantic
import pytest
import sqlalchemy as sa

from etl import claim_spec, figures, mapping, schema, taxonomy
from etl.config import REFERENCE_DIR
from etl.formats import DETECTABLE, FORMAT_NAMES, FORMATS, MIN_SCORE, jm, jsa, nibrs, parse, reference
from etl.formats.headers import HEAD_ROWS, Column
from etl.geo import BORDER_TOLERANCE_DEG
from etl.linking import MAX_DAYS_APART
from etl.pipeline import FileResult
from etl.schema import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[1]
DATA_FORMATS = ROOT / "docs" / "data-formats.md"
FIGURES = ROOT / "docs" / "figures.md"
MAPPED_FIXTURES = ROOT / "tests" / "fixtures" / "mapped"

# the heading of each detectable format's section in docs/data-formats.md, by format name
# the heading of each detectable format's section is its title
SECTIONS = {name: fmt.title for name, fmt in DETECTABLE.items()}
MAPPINGS = "Column mappings (`--map`)"
PRESETS = "Bundled mappings"
# a sample export of each portal a preset is for: its header is the portal's full column list
PORTAL_SAMPLES = {"chicago": "chicago_crimes_sample.csv", "lapd": "lapd_crime_data_sample.csv"}
# tables whose every column the document lists
TABLES_IN_FULL = ("load_batch", "quarantine", "skipped_row", "load_note", "incident")


# ---------------------------------------------------------------- helpers

def read(path: Path) -> str:
    assert path.exists(), f"{path.relative_to(ROOT)} is missing"
    return path.read_text(encoding="utf-8")


def code(text: str) -> str:
    return f"`{text}`"


def section(doc: str, heading: str) -> str:
    """The text under a markdown heading, up to the next heading of the same or a higher level."""
    m = re.search(rf"^(#+) {re.escape(heading)}\s*$", doc, re.M)
    assert m, f"no section headed {heading!r}"
    level = len(m.group(1))
    end = re.compile(rf"^#{{1,{level}}} ", re.M).search(doc, m.end())
    return doc[m.end():end.start() if end else len(doc)]


def table_rows(text: str) -> dict[str, list[str]]:
    """Markdown table rows whose first cell is `code`: first-cell text -> all cells (stripped)."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("| `") else []
        if cells:
            m = re.fullmatch(r"`([^`]+)`", cells[0])
            if m:
                rows[m.group(1)] = cells
    return rows


def column_problems(doc: str, heading: str, columns: tuple[Column, ...]) -> list[str]:
    """What the format's column table gets wrong or leaves out, compared with its COLUMNS spec."""
    rows = table_rows(section(doc, heading))
    problems = []
    for col in columns:
        cells = rows.get(col.name)
        if cells is None:
            problems.append(f"{heading}: column {col.name!r} has no table row")
            continue
        if len(cells) < 4:
            problems.append(f"{heading}: the row of {col.name!r} has too few cells")
            continue
        if cells[1] != col.kind:
            problems.append(f"{heading}: {col.name!r} is documented as {cells[1]!r}, the code says {col.kind!r}")
        if cells[2] != ("yes" if col.required else "no"):
            problems.append(f"{heading}: {col.name!r} required is documented as {cells[2]!r}, the code says {col.required}")
        # "`crime`, `offense`; generic: `type`": the weak spellings come after "generic:", the aliases before it
        named, _, generic = cells[3].partition("generic:")
        problems += [f"{heading}: alias {alias!r} of {col.name!r} is not documented"
                     for alias in col.aliases if code(alias) not in named]
        problems += [f"{heading}: generic spelling {weak!r} of {col.name!r} is not documented as generic"
                     for weak in col.weak if code(weak) not in generic]
        problems += [f"{heading}: {spelling!r} of {col.name!r} is documented as generic, the code says it is not"
                     for spelling in re.findall(r"`([^`]+)`", generic) if spelling not in col.weak]
    known = {c.name for c in columns}
    problems += [f"{heading}: documents a column {name!r} the code does not have" for name in rows if name not in known]
    return problems


def spelling_problems(doc: str, groups: dict[str, list[str]], what: str) -> list[str]:
    """Each stored value's table row must list every spelling that maps to it."""
    rows = table_rows(doc)
    problems = []
    for stored, spellings in groups.items():
        cells = rows.get(stored)
        if cells is None:
            problems.append(f"{what} {stored!r} has no table row")
            continue
        line = " | ".join(cells[1:])
        problems += [f"{what} {stored!r}: spelling {s!r} is not documented" for s in spellings if code(s) not in line]
    return problems


def grouped(mapping: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for spelling, stored in mapping.items():
        out.setdefault(stored, []).append(spelling)
    return out


def marker_problems(doc: str, tokens: typing.Iterable[str]) -> list[str]:
    """Every unknown marker is listed, backticked, where the markers are listed (markers are compared in
    lower case, so `N/A` documents `n/a`); the empty marker is the blank cell."""
    text = section(doc, "Unknown markers").lower()
    problems = [f"unknown marker {t!r} is not documented" for t in sorted(tokens) if t and code(t) not in text]
    if "" in tokens and "blank" not in text:
        problems.append("the blank cell is not named among the unknown markers")
    return problems


def _strings(value: object, structural: set[str]) -> list[str]:
    """Every text in a TOML value: strings, and the keys of its tables that are not keys of the schema
    (`"ROBBERY" = "robbery"` gives both; `match = "^THEFT"` gives only '^THEFT')."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in ([] if k in structural else [k]) + _strings(v, structural)]
    if isinstance(value, list):
        return [t for v in value for t in _strings(v, structural)]
    return []


def schema_keys(root: type[pydantic.BaseModel]) -> set[str]:
    """The keys of the models inside a mapping (filter, value tables, patterns, dates, times)."""
    keys: set[str] = set()
    todo = [m for info in root.model_fields.values() for m in models_of(info.annotation)]
    while todo:
        model = todo.pop()
        keys |= set(model.model_fields)
        todo += [m for info in model.model_fields.values() for m in models_of(info.annotation)]
    return keys


def preset_problems(doc: str, name: str, preset: dict, portal_columns: typing.Sequence[str] = ()) -> list[str]:
    """A bundled mapping's subsection names (backticked) everything the preset uses: its source and url,
    each column header and field, constant, filter column and value, value-mapping key, target and
    pattern, date format and order, time format; and the portal's columns."""
    try:
        text = section(section(doc, PRESETS), code(name))
    except AssertionError:
        return [f"preset {name!r} has no subsection under {PRESETS!r}"]
    text = text.replace("\\|", "|")  # a '|' in a regular expression is escaped in a table cell
    structural = schema_keys(mapping.Mapping)
    used = [preset.get("source"), preset.get("url")]
    for key in ("columns", "constants", "filter", "crime_types", "location_types", "dates", "times"):
        used += _strings(preset.get(key, {}), structural)
    problems = [f"preset {name!r}: {u!r} is not documented" for u in dict.fromkeys(used) if u and code(u) not in text]
    problems += [f"preset {name!r}: portal column {c!r} is not listed" for c in portal_columns if code(c) not in text]
    return problems


def models_of(annotation: object) -> list[type[pydantic.BaseModel]]:
    """The pydantic models inside a type annotation (list[Condition] -> [Condition])."""
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in models_of(arg)]


def choices_of(annotation: object) -> list[str]:
    """The values a Literal annotation allows (Optional[Literal['MD', 'DM']] -> ['MD', 'DM'])."""
    if typing.get_origin(annotation) is typing.Literal:
        return [str(a) for a in typing.get_args(annotation)]
    return [c for arg in typing.get_args(annotation) for c in choices_of(arg)]


def mapping_key_problems(doc: str, root: type[pydantic.BaseModel], fields: set[str],
                         aliases: dict[str, str]) -> list[str]:
    """Every key of the mapping schema (the model and the models inside it), every value a Literal key
    allows, every reserved source name, every field a mapping can fill (a row of the [columns] table) and
    every friendly field name (in its field's row) is documented in the Column mappings section."""
    text = section(doc, MAPPINGS)
    problems = []
    todo, seen = [root], set()
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for key, info in model.model_fields.items():
            if not any(code(form) in text for form in (key, f"[{key}]", f"[[{key}]]")):
                problems.append(f"mapping key {model.__name__}.{key} is not documented")
            problems += [f"mapping key {model.__name__}.{key}: value {c!r} is not documented"
                         for c in choices_of(info.annotation) if code(c) not in text]
            todo += models_of(info.annotation)
    lower = text.lower()
    problems += [f"reserved source name {r!r} is not documented" for r in sorted(mapping.RESERVED_SOURCES)
                 if code(r) not in lower]
    rows = table_rows(section(text, "`[columns]`: the fields a mapping can fill"))
    problems += [f"mapping field {f!r} has no row in the [columns] table" for f in sorted(fields) if f not in rows]
    problems += [f"the [columns] table documents a field {f!r} the code does not have" for f in rows if f not in fields]
    problems += [f"friendly name {a!r} of {f!r} is not in its row" for a, f in sorted(aliases.items())
                 if f in rows and code(a) not in " | ".join(rows[f][1:])]
    return problems


def table_problems(doc: str, tables: typing.Iterable[sa.Table], in_full: typing.Iterable[str],
                   batch_tables: typing.Iterable[sa.Table]) -> list[str]:
    """Every table of the schema is named in the database section, the tables in `in_full` with every column;
    every table that belongs to a load batch is named where replacing a file is described."""
    text = section(doc, "Database tables and rollups")
    full = set(in_full)
    problems = []
    for table in tables:
        if code(table.name) not in text:
            problems.append(f"table {table.name!r} is not documented")
        if table.name in full:
            problems += [f"column {table.name}.{c.name} is not documented" for c in table.c if code(c.name) not in text]
    again = section(doc, "Loading the same file again")
    problems += [f"replacing a file: table {t.name!r} is not named" for t in batch_tables if code(t.name) not in again]
    return problems


def json_field_problems(doc: str, keys: typing.Iterable[str]) -> list[str]:
    rows = table_rows(section(doc, "The load summary and `--json`"))
    keys = list(keys)
    return ([f"--json field {k!r} is not documented" for k in keys if k not in rows]
            + [f"documents a --json field {k!r} the code does not have" for k in rows if k not in keys])


CLAIMS_SECTION = "`claims.csv` → table `claim`"
# what a row of claims.csv may say, by kind; each must be in the claims.csv section, backticked
CLAIM_WORDS = {"filter key": claim_spec.FILTER_KEYS, "unit": claim_spec.UNITS, "metric": claim_spec.METRICS,
               "NIBRS class": claim_spec.NIBRS_CLASSES, "source": tuple(claim_spec.NAMED_SOURCES.values()),
               "period form": ("2022", "2022H1", "2022-01..2022-06", "2019..2022")}


def claim_vocabulary_problems(doc: str, words: dict[str, typing.Iterable[str]]) -> list[str]:
    text = section(doc, CLAIMS_SECTION).replace("\\|", "|")
    return [f"claims.csv: {kind} {w!r} is not documented" for kind, ws in words.items() for w in ws
            if code(w) not in text]


def registry_problems(doc: str, names: typing.Iterable[str], detectable: typing.Iterable[str]) -> list[str]:
    """Every format name of the registry is in the table of kinds (what --format accepts), and every
    detectable format has a column section."""
    kinds = doc.split("Contents:", 1)[0]
    problems = [f"format {n!r} of the registry is not in the table of kinds" for n in names if code(n) not in kinds]
    problems += [f"format {n!r} has no section in SECTIONS" for n in detectable if n not in SECTIONS]
    return problems


@pytest.fixture(scope="module")
def formats_doc() -> str:
    return read(DATA_FORMATS)


@pytest.fixture(scope="module")
def figures_doc() -> str:
    return read(FIGURES)


# ---------------------------------------------------------------- docs/data-formats.md

def test_every_format_of_the_registry_is_documented(formats_doc):
    assert registry_problems(formats_doc, FORMAT_NAMES, DETECTABLE) == []


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_every_column_alias_and_generic_spelling_is_documented(formats_doc, name):
    assert column_problems(formats_doc, SECTIONS[name], FORMATS[name].columns) == []


def test_every_crime_type_is_documented(formats_doc):
    rows = table_rows(section(formats_doc, "Crime types and loss causes"))
    problems = []
    for ct in taxonomy.CRIME_TYPES:
        cells = rows.get(ct.label)
        if cells is None or len(cells) < 5:
            problems.append(f"crime type {ct.label!r} has no (complete) table row")
            continue
        if (cells[1], cells[2]) != (ct.category, ct.subtype or ""):
            problems.append(f"{ct.label!r}: documented as {cells[1]}/{cells[2]}, the code says {ct.category}/{ct.subtype}")
        if not cells[3].startswith(ct.crimes_against or "(none"):
            problems.append(f"{ct.label!r}: NIBRS class documented as {cells[3]!r}, the code says {ct.crimes_against}")
        problems += [f"{ct.label!r}: spelling {a!r} is not documented" for a in ct.aliases if code(a) not in cells[4]]
    documented = set(rows) - {ct.label for ct in taxonomy.CRIME_TYPES}
    problems += [f"documents a crime type {label!r} the code does not have" for label in documented]
    assert problems == []


def test_every_label_is_mentioned(formats_doc):
    """The plain requirement: every crime-type label appears in the document."""
    assert [ct.label for ct in taxonomy.CRIME_TYPES if ct.label not in formats_doc] == []


def test_location_types_and_claim_statuses_are_documented(formats_doc):
    problems = spelling_problems(section(formats_doc, "Location types (JSA)"), grouped(jsa.LOCATION_TYPES),
                                 "location type")
    problems += spelling_problems(section(formats_doc, "Claim statuses (JM)"), grouped(jm.STATUSES), "claim status")
    assert problems == []


def test_region_aliases_are_documented(formats_doc):
    with (REFERENCE_DIR / "regions.csv").open(encoding="utf-8-sig", newline="") as fh:
        regions = {r["code"]: [a for a in r["aliases"].split("|") if a] for r in csv.DictReader(fh)}
    assert spelling_problems(section(formats_doc, "States and provinces (regions)"), regions, "region") == []


def test_every_reference_file_and_its_columns_are_documented(formats_doc):
    on_disk = sorted(p.name for p in REFERENCE_DIR.glob("*.csv"))
    assert on_disk, "no reference files found"
    assert [name for name in sorted({*reference.FILES, *on_disk}) if code(name) not in formats_doc] == []
    problems = []
    for name, (table, table_schema) in reference.SCHEMAS.items():
        heading = f"{code(name)} → table {code(table)}"
        try:
            text = section(formats_doc, heading)
        except AssertionError:
            problems.append(f"no section headed {heading!r}")
            continue
        problems += [f"{name}: column {c!r} is not documented" for c in table_schema.columns if code(c) not in text]
    assert problems == []


def expected_numbers(schema_version: int = SCHEMA_VERSION) -> dict[str, str]:
    """Phrases of the text that state a number the code defines."""
    build = (ROOT / "scripts" / "build_boundaries.py").read_text(encoding="utf-8")
    simplify = re.search(r"^TOLERANCE_DEG\s*=\s*([\d.]+)", build, re.M).group(1)
    return {
        "header search depth": f"first {HEAD_ROWS} rows",
        "border tolerance": f"{BORDER_TOLERANCE_DEG} degrees",
        "boundary simplification": f"tolerance of {simplify} degrees",
        "linking window": f"at most **{MAX_DAYS_APART} day",
        "schema version": f"uses **schema version {schema_version}**",
        "detection score": f"it must be at least {MIN_SCORE}",
    }


def number_problems(doc: str, expected: dict[str, str]) -> dict[str, str]:
    flat = " ".join(doc.split())  # a phrase may be wrapped onto two lines
    return {what: text for what, text in expected.items() if text not in flat}


def test_numbers_in_the_text_match_the_code(formats_doc):
    assert number_problems(formats_doc, expected_numbers()) == {}


def test_every_unknown_marker_is_documented(formats_doc):
    assert marker_problems(formats_doc, parse.UNKNOWN_TOKENS) == []


def _preset(name: str) -> dict:
    return tomllib.loads(mapping.presets()[name].read_text(encoding="utf-8"))


def _portal_columns(name: str) -> list[str]:
    sample = MAPPED_FIXTURES / PORTAL_SAMPLES.get(name, "-")
    if not sample.is_file():
        return []
    with sample.open(encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh))


def test_there_are_bundled_mappings():
    assert set(PORTAL_SAMPLES) <= set(mapping.presets())


@pytest.mark.parametrize("name", sorted(mapping.presets()))
def test_every_bundled_mapping_and_what_it_uses_is_documented(formats_doc, name):
    assert preset_problems(formats_doc, name, _preset(name), _portal_columns(name)) == []


def test_every_mapping_key_is_documented(formats_doc):
    assert mapping_key_problems(formats_doc, mapping.Mapping, mapping.FIELDS | {"city_state"},
                                mapping.FIELD_ALIASES) == []


def test_every_table_and_the_new_columns_are_documented(formats_doc):
    assert table_problems(formats_doc, schema.metadata.sorted_tables, TABLES_IN_FULL, schema.batch_tables()) == []


def test_every_claim_filter_key_unit_metric_and_period_form_is_documented(formats_doc):
    assert claim_vocabulary_problems(formats_doc, CLAIM_WORDS) == []


def test_every_json_summary_field_is_documented(formats_doc):
    assert json_field_problems(formats_doc, FileResult(Path("x.csv"), None, "loaded").as_dict()) == []


# ---------------------------------------------------------------- docs/figures.md

def test_every_figure_is_documented(figures_doc):
    assert [f for f in figures.FIGURE_IDS if f"## {code(f)}" not in figures_doc] == []
    documented = set(re.findall(r"^## `([a-z0-9_]+)`\s*$", figures_doc, re.M))
    assert documented - set(figures.FIGURE_IDS) == set(), "figures.md describes figures the code does not compute"


def test_every_tolerance_is_documented(figures_doc):
    rows = table_rows(section(figures_doc, "Verdicts and tolerances"))
    problems = [f"TOLERANCE[{key!r}] = {value!r} is not in the table"
                for key, value in figures.TOLERANCE.items() if rows.get(key, [None, None])[1] != code(repr(value))]
    problems += [f"the table has a tolerance {key!r} the code does not" for key in rows if key not in figures.TOLERANCE]
    assert problems == []


def test_every_json_field_is_documented(figures_doc):
    rows = table_rows(section(figures_doc, "JSON fields"))
    fields = [f.name for f in dataclasses.fields(figures.Figure)]
    assert [f for f in fields if f not in rows] == []
    assert [f for f in rows if f not in fields] == []


def test_the_charts_behind_claims_are_the_documented_ones(figures_doc):
    from dashboard import claims_view, exporter

    text = section(figures_doc, "How the dashboard shows a claim")
    table = [line for line in text.splitlines() if line.strip().startswith("| ") and "---" not in line][1:]
    documented = [re.search(r"`([a-z-]+)`", line.split("|")[2]).group(1) for line in table]
    assert sorted(documented) == sorted({claims_view.INDEX, claims_view.HALF, claims_view.SHARE})
    assert set(documented) <= set(exporter.exportable())
    assert "after-hours burglary" in text and claims_view.NIBRS_CLASS_SCENARIO["property"] == "after-hours-burglary"


# ---------------------------------------------------------------- the checks can fail

def test_an_undocumented_alias_is_caught(formats_doc):
    columns = tuple(dataclasses.replace(c, aliases=(*c.aliases, "not_a_documented_alias")) if c.name == "region" else c
                    for c in jsa.COLUMNS)
    assert column_problems(formats_doc, SECTIONS[jsa.NAME], columns) == [
        "JSA-style incident list: alias 'not_a_documented_alias' of 'region' is not documented"]


def test_a_wrong_required_flag_and_an_unknown_column_are_caught(formats_doc):
    flipped = tuple(dataclasses.replace(c, required=not c.required) if c.name == "city" else c for c in jm.COLUMNS)
    problems = column_problems(formats_doc, SECTIONS[jm.NAME], flipped)
    assert any("'city' required" in p for p in problems)
    missing = tuple(c for c in nibrs.COLUMNS if c.name != "victims")
    assert column_problems(formats_doc, SECTIONS[nibrs.NAME], missing) == [
        "FBI NIBRS national summary table: documents a column 'victims' the code does not have"]


def test_an_undocumented_or_unmarked_generic_spelling_is_caught(formats_doc):
    heading = SECTIONS[jsa.NAME]
    added = tuple(dataclasses.replace(c, weak=(*c.weak, "not_a_documented_weak")) if c.name == "hour" else c
                  for c in jsa.COLUMNS)
    assert column_problems(formats_doc, heading, added) == [
        f"{heading}: generic spelling 'not_a_documented_weak' of 'hour' is not documented as generic"]
    # a generic spelling that became a full alias, and an alias that became generic
    promoted = tuple(dataclasses.replace(c, aliases=(*c.aliases, "type"), weak=()) if c.name == "crime_type" else
                     dataclasses.replace(c, aliases=c.aliases[1:], weak=(*c.weak, c.aliases[0])) if c.name == "city"
                     else c for c in jsa.COLUMNS)
    assert column_problems(formats_doc, heading, promoted) == [
        f"{heading}: generic spelling 'town' of 'city' is not documented as generic",
        f"{heading}: alias 'type' of 'crime_type' is not documented",
        f"{heading}: 'type' of 'crime_type' is documented as generic, the code says it is not"]


def test_a_format_missing_from_the_table_of_kinds_is_caught(formats_doc):
    assert registry_problems(formats_doc, (*FORMAT_NAMES, "xml"), (*DETECTABLE, "xml")) == [
        "format 'xml' of the registry is not in the table of kinds", "format 'xml' has no section in SECTIONS"]


def test_an_undocumented_unknown_marker_is_caught(formats_doc):
    assert marker_problems(formats_doc, parse.UNKNOWN_TOKENS | {"not a marker yet"}) == [
        "unknown marker 'not a marker yet' is not documented"]


def test_an_undocumented_preset_value_is_caught(formats_doc):
    preset = _preset("chicago")
    preset["crime_types"]["values"]["NOT A DOCUMENTED TYPE"] = "robbery"
    preset["filter"][0]["one_of"].append("NOT A DOCUMENTED PLACE")
    preset["constants"]["city"] = "Not A Documented City"
    assert preset_problems(formats_doc, "chicago", preset, ["Not A Portal Column"]) == [
        "preset 'chicago': 'Not A Documented City' is not documented",
        "preset 'chicago': 'NOT A DOCUMENTED PLACE' is not documented",
        "preset 'chicago': 'NOT A DOCUMENTED TYPE' is not documented",
        "preset 'chicago': portal column 'Not A Portal Column' is not listed"]
    assert preset_problems(formats_doc, "not-a-preset", {}) == [
        "preset 'not-a-preset' has no subsection under 'Bundled mappings'"]


def test_an_undocumented_mapping_key_is_caught(formats_doc):
    class Extra(mapping.Values):
        not_a_documented_key: typing.Literal["quarantine", "not_a_documented_choice"] = "quarantine"

    class Wider(mapping.Mapping):
        location_types: Extra = Extra()

    problems = mapping_key_problems(formats_doc, Wider, mapping.FIELDS | {"city_state", "not_a_field"},
                                    {**mapping.FIELD_ALIASES, "not_a_friendly_name": "hour"})
    assert problems == ["mapping key Extra.not_a_documented_key is not documented",
                        "mapping key Extra.not_a_documented_key: value 'not_a_documented_choice' is not documented",
                        "mapping field 'not_a_field' has no row in the [columns] table",
                        "friendly name 'not_a_friendly_name' of 'hour' is not in its row"]


def test_an_undocumented_table_or_column_is_caught(formats_doc):
    extra = sa.MetaData()
    new = sa.Table("not_a_documented_table", extra, sa.Column("batch_id", sa.Integer))
    wider = sa.Table("load_note", extra, *[c._copy() for c in schema.load_note.c],
                     sa.Column("not_a_documented_column", sa.Text))
    assert table_problems(formats_doc, [new, wider], TABLES_IN_FULL, [new]) == [
        "table 'not_a_documented_table' is not documented",
        "column load_note.not_a_documented_column is not documented",
        "replacing a file: table 'not_a_documented_table' is not named"]


def test_a_stale_number_is_caught(formats_doc):
    assert number_problems(formats_doc, expected_numbers(SCHEMA_VERSION - 1)) == {
        "schema version": f"uses **schema version {SCHEMA_VERSION - 1}**"}


def test_an_undocumented_claim_unit_or_filter_key_is_caught(formats_doc):
    wider = {"unit": (*claim_spec.UNITS, "per_capita"), "filter key": (*claim_spec.FILTER_KEYS, "hour")}
    assert claim_vocabulary_problems(formats_doc, wider) == ["claims.csv: unit 'per_capita' is not documented",
                                                             "claims.csv: filter key 'hour' is not documented"]


def test_an_undocumented_json_field_is_caught(formats_doc):
    keys = [k for k in FileResult(Path("x.csv"), None, "loaded").as_dict() if k != "linked"]
    assert json_field_problems(formats_doc, [*keys, "not_a_documented_field"]) == [
        "--json field 'not_a_documented_field' is not documented",
        "documents a --json field 'linked' the code does not have"]


def test_the_readme_names_the_context_switches_as_the_code_has_them():
    from dashboard.state import LAYERS, Filters, parse
    from etl.context import COVERAGE_THRESHOLD_PCT, MEASURES

    readme = (ROOT / "README.md").read_text()
    section = readme.split("General crime (the FBI and Statistics Canada tables", 1)[1].split("\n\n", 1)[0]
    assert f"under {COVERAGE_THRESHOLD_PCT:g}% of residents" in section
    assert all(f"`{m}`" in section for m in MEASURES)
    # the URLs the README gives restore what it says they do
    assert parse({"layer": "context", "context": "burglary"}, [2024]).layer == "context" and "context" in LAYERS
    assert "layer=context&context=robbery" in section and "/trends?context_line=1" in section
    assert parse({"context_line": "1"}, [2024]).context_line and not Filters().context_line


def test_the_significance_rule_is_the_documented_one(figures_doc):
    from etl import stats

    text = " ".join(section(figures_doc, "Is a change real?").split())
    assert f"`UNRELIABLE_BELOW` = {stats.UNRELIABLE_BELOW}" in text and f"p < {stats.SIGNIFICANCE_LEVEL:g}" in text
    assert f"sum of {stats.EXACT_UP_TO:,}" in text
    assert "10 incidents against 30 gives p = 0.002" in text and round(stats.change_p_value(10, 30), 3) == 0.002
    assert "20 against 25 gives p = 0.55" in text and round(stats.change_p_value(20, 25), 2) == 0.55
