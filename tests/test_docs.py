"""The user documentation stays in step with the code.

docs/data-formats.md must list every column and every accepted header
spelling of each input format (with the right type and required flag), every
crime type of the taxonomy with its spellings, the location types, claim
statuses, region aliases and reference files; docs/figures.md must describe
every headline figure and state each verdict tolerance. Adding an alias, a
crime type or a figure to the code without documenting it fails here.

Spellings are looked for in backticks (`st`, `id`), so a short alias is not
"found" by accident inside an ordinary word.
"""
from __future__ import annotations

import csv
import dataclasses
import re
from pathlib import Path

import pytest

from etl import figures, taxonomy
from etl.config import REFERENCE_DIR
from etl.formats import jm, jsa, nibrs, reference
from etl.formats.tabular import HEAD_ROWS, Column
from etl.geo import BORDER_TOLERANCE_DEG
from etl.linking import MAX_DAYS_APART
from etl.schema import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[1]
DATA_FORMATS = ROOT / "docs" / "data-formats.md"
FIGURES = ROOT / "docs" / "figures.md"

# the heading of each format's section in docs/data-formats.md
SECTIONS = {jsa: "JSA-style incident list", jm: "JM-style claims list", nibrs: "FBI NIBRS national summary table"}


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
        problems += [f"{heading}: alias {alias!r} of {col.name!r} is not documented"
                     for alias in col.aliases if code(alias) not in cells[3]]
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


@pytest.fixture(scope="module")
def formats_doc() -> str:
    return read(DATA_FORMATS)


@pytest.fixture(scope="module")
def figures_doc() -> str:
    return read(FIGURES)


# ---------------------------------------------------------------- docs/data-formats.md

@pytest.mark.parametrize("module", list(SECTIONS), ids=lambda m: m.NAME)
def test_every_column_and_alias_is_documented(formats_doc, module):
    assert column_problems(formats_doc, SECTIONS[module], module.COLUMNS) == []


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
    for name, (table, schema) in reference.SCHEMAS.items():
        heading = f"{code(name)} → table {code(table)}"
        try:
            text = section(formats_doc, heading)
        except AssertionError:
            problems.append(f"no section headed {heading!r}")
            continue
        problems += [f"{name}: column {c!r} is not documented" for c in schema.columns if code(c) not in text]
    assert problems == []


def test_numbers_in_the_text_match_the_code(formats_doc):
    build = (ROOT / "scripts" / "build_boundaries.py").read_text(encoding="utf-8")
    simplify = re.search(r"^TOLERANCE_DEG\s*=\s*([\d.]+)", build, re.M).group(1)
    expected = {
        "header search depth": f"first {HEAD_ROWS} rows",
        "border tolerance": f"{BORDER_TOLERANCE_DEG} degrees",
        "boundary simplification": f"tolerance of {simplify} degrees",
        "linking window": f"at most **{MAX_DAYS_APART} day",
        "schema version": f"schema version {SCHEMA_VERSION}",
    }
    assert {what: text for what, text in expected.items() if text not in formats_doc} == {}


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


# ---------------------------------------------------------------- the checks can fail

def test_an_undocumented_alias_is_caught(formats_doc):
    columns = tuple(dataclasses.replace(c, aliases=(*c.aliases, "not_a_documented_alias")) if c.name == "region" else c
                    for c in jsa.COLUMNS)
    assert column_problems(formats_doc, SECTIONS[jsa], columns) == [
        "JSA-style incident list: alias 'not_a_documented_alias' of 'region' is not documented"]


def test_a_wrong_required_flag_and_an_unknown_column_are_caught(formats_doc):
    flipped = tuple(dataclasses.replace(c, required=not c.required) if c.name == "city" else c for c in jm.COLUMNS)
    problems = column_problems(formats_doc, SECTIONS[jm], flipped)
    assert any("'city' required" in p for p in problems)
    missing = tuple(c for c in nibrs.COLUMNS if c.name != "victims")
    assert column_problems(formats_doc, SECTIONS[nibrs], missing) == [
        "FBI NIBRS national summary table: documents a column 'victims' the code does not have"]
