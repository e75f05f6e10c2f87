"""docs/sample-data.md says what the sample generator really calibrates to.

The generator is run small with its reference readers watched, so the
documented metrics and files are compared with what the code actually reads,
not with a list kept beside it. The numbers the page quotes are built from the
generator's constants.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from etl.config import REFERENCE_DIR
from etl.sample import data, jm, jsa, jsa_text, places

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "sample-data.md"


def section(doc: str, heading: str) -> str:
    """The text under a markdown heading, up to the next heading of the same or a higher level."""
    m = re.search(rf"^(#+) {re.escape(heading)}\s*$", doc, re.M)
    assert m, f"no section headed {heading!r}"
    end = re.compile(rf"^#{{1,{len(m.group(1))}}} ", re.M).search(doc, m.end())
    return doc[m.end():end.start() if end else len(doc)]


def table_rows(text: str) -> dict[str, list[str]]:
    """Rows of a markdown table whose first cell is `code`: that code -> the other cells."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        m = re.fullmatch(r"`([^`]+)`", cells[0]) if line.startswith("| `") else None
        if m:
            rows[m.group(1)] = cells[1:]
    return rows


def code(text: str) -> str:
    return f"`{text}`"


def year_ranges(years: list[int]) -> str:
    """[2010, 2011, 2012, 2015, 2016] -> '2010-2012, 2015, 2016': a dash for three years or more."""
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)


class Watched(data.Reference):
    """A Reference that notes every jsa_annual.csv metric asked for."""

    seen: set[str]

    def metric(self, year: int, name: str) -> float | None:
        self.seen.add(name)
        return super().metric(year, name)


@pytest.fixture(scope="module")
def doc() -> str:
    assert DOC.exists(), "docs/sample-data.md is missing"
    return DOC.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def read_by_generator() -> tuple[set[str], set[str]]:
    """(reference files opened, jsa_annual.csv metrics asked for) by a small generation."""
    files: set[str] = set()
    with pytest.MonkeyPatch.context() as mp:
        real_read, real_book = data.reference_tables.read, data.region_book
        mp.setattr(data.reference_tables, "read", lambda path: files.add(Path(path).name) or real_read(path))
        mp.setattr(data, "region_book", lambda d=REFERENCE_DIR: files.add("regions.csv") or real_book(d))
        ref = data.load_reference()
    watched = Watched(**vars(ref))
    watched.seen = set()
    book = places.city_book(watched)
    incidents = jsa.build(watched, book, seed=1, scale=0.05)
    jsa_text.to_text(incidents, watched, book, seed=1)
    jm.build(incidents, watched, book, seed=1, scale=0.05)
    return files, watched.seen


def published_years() -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    with (REFERENCE_DIR / data.JSA_ANNUAL).open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["metric"], []).append(int(row["year"]))
    return out


def test_the_readme_links_the_page():
    assert "(docs/sample-data.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_documented_metrics_are_the_ones_the_generator_reads(doc, read_by_generator):
    _, metrics = read_by_generator
    rows = table_rows(section(doc, "JSA yearly figures (`jsa_annual.csv`)"))
    assert set(rows) == metrics
    assert metrics == set(published_years())  # no published metric is left unused or undocumented


def test_documented_years_match_the_reference_file(doc):
    rows = table_rows(section(doc, "JSA yearly figures (`jsa_annual.csv`)"))
    assert {m: cells[0] for m, cells in rows.items()} == {m: year_ranges(y) for m, y in published_years().items()}


def test_documented_files_are_the_ones_the_generator_reads(doc, read_by_generator):
    files, _ = read_by_generator
    others = table_rows(section(doc, "Other reference tables"))
    assert set(others) | {data.JSA_ANNUAL} == files


def test_the_steer_target_is_the_documented_claim(doc):
    flat = " ".join(doc.split())
    hit = [r for r in csv.DictReader((REFERENCE_DIR / data.PUBLISHED_FIGURES).open(newline="", encoding="utf-8"))
           if r["figure_id"] == data.STEER_FIGURE_ID and r["kind"] == data.STEER_KIND]
    assert len(hit) == 1, "the generator steers to a published claim the reference file no longer has"
    value = float(hit[0]["value"])
    assert data.steer_target() == value
    assert f"+{value:g}%" in flat and code(data.STEER_FIGURE_ID) in flat and code(data.STEER_KIND) in flat


def test_numbers_in_the_text_match_the_code(doc):
    flat = " ".join(doc.split())
    mix = ", ".join(f"{w:.0%} {c.replace('_', '-')}" for c, w in jsa.CATEGORY_WEIGHTS.items())
    expected = {
        "category mix": mix,
        "boosted states": "(" + ", ".join(jsa.STATE_BOOST) + ")",
        "Canadian incidents": f"{jsa.CANADA_PER_US_CRIME:.1%} on top of the U.S. total",
        "blank losses": f"about {jsa.BLANK_LOSS:.0%} of losses are left blank",
        "coordinates": f"near the city on {jsa_text.COORD_SHARE:.0%} of the rows that name a city",
        "blank cities": f"no city on {jsa.BLANK_CITY:.0%} of the rows outside major cities",
        "major-city share": f"{places.MAJOR_CITY_FACTOR:g} times the major cities' share of residents, "
                            f"at most {places.MAJOR_CITY_CAP:.0%}",
        "JM years": f"covers {jm.FIRST_YEAR}-{jm.LAST_YEAR}",
        "linked claims": f"about {jm.LINK_SHARE:.0%} of the JSA incidents",
        "JM-only crimes": f"never recorded: {jm.JM_ONLY_CRIMES_PER_US_CRIME:.0%} of the year's U.S. JSA total",
        "non-crime losses": f"like): {jm.NON_CRIMES_PER_US_CRIME:.0%} of the year's U.S. JSA total",
        "Canadian claims": f"{jm.CANADA_SHARE:.0%} of the claims that are not linked are in Canada",
    }
    assert {what: text for what, text in expected.items() if text not in flat} == {}


def test_the_sample_notes_name_what_the_generator_did(doc):
    """etl/sample/calibration.csv (the notes every sample verdict carries) agrees with the generator and the claims."""
    from etl.sample import calibration

    notes = calibration.notes()
    with (REFERENCE_DIR / "claims.csv").open(newline="", encoding="utf-8") as fh:
        claim_ids = {r["id"] for r in csv.DictReader(fh)}
    assert set(notes) <= claim_ids  # every note is about a claim that exists
    assert notes[data.STEER_FIGURE_ID][0] == "steered"  # the claim the generator steers is the one marked steered
    assert [cid for cid, (how, _) in notes.items() if how == "steered"] == [data.STEER_FIGURE_ID]
    assert {how for how, _ in notes.values()} <= {"calibrated", "steered"}
    assert calibration.note_for(data.STEER_FIGURE_ID).startswith(calibration.GENERAL)
    assert calibration.note_for("a claim with no row") == calibration.GENERAL
    assert "etl/sample/calibration.csv" in " ".join(doc.split())
