"""Deterministic, calibrated synthetic sample data: `jewelcrime sample`.

Writes two files under `out_dir`:

* jsa/jsa_incidents_<first>_<last>_sample.csv: one row per crime, calibrated
  to data/raw/reference/jsa_annual.csv (see etl/sample/jsa.py);
* jm/jm_claims_2018_2024_sample.xlsx: insurance claims, about a quarter of
  them about a JSA incident so that the ETL links them (etl/sample/jm.py).

What is calibrated to which published figure: docs/sample-data.md.

The same seed and scale always give byte-identical files: every random draw
comes from a seeded stream, and the XLSX is stripped of the timestamps that
openpyxl and zipfile would otherwise stamp into it.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from etl import taxonomy
from etl.sample import jm as sample_jm
from etl.sample import jsa as sample_jsa
from etl.sample import jsa_text
from etl.sample.data import CAUSE_SPELLINGS, CRIME_SPELLINGS, NON_CRIME_CAUSES, load_reference
from etl.sample.places import city_book

FIXED_TIME = dt.datetime(2024, 12, 31, 0, 0, 0)  # what the XLSX says about when it was made
ZIP_TIME = (2024, 12, 31, 0, 0, 0)


def generate(out_dir: Path, seed: int = 2022, scale: float = 1.0) -> dict[Path, int]:
    """Write the sample files; returns {path: data rows written}."""
    out_dir = Path(out_dir)
    check_spellings()
    ref = load_reference()
    book = city_book(ref)
    incidents = sample_jsa.build(ref, book, seed, scale)
    jsa_rows = jsa_text.to_text(incidents, ref, book, seed)
    claims = sample_jm.build(incidents, ref, book, seed, scale)
    jm_rows = sample_jm.to_cells(claims, ref, seed)

    first, last = min(ref.years), max(ref.years)
    jsa_path = out_dir / "jsa" / f"jsa_incidents_{first}_{last}_sample.csv"
    jm_path = out_dir / "jm" / f"jm_claims_{sample_jm.FIRST_YEAR}_{sample_jm.LAST_YEAR}_sample.xlsx"
    write_csv(jsa_path, jsa_text.HEADER, jsa_rows)
    write_xlsx(jm_path, sample_jm.TITLE_ROWS, sample_jm.HEADER, jm_rows)
    return {jsa_path: len(jsa_rows), jm_path: len(jm_rows)}


def check_spellings() -> None:
    """Every spelling the generator writes must mean what the generator meant, or rows would be quarantined."""
    for (cat, sub), options in CRIME_SPELLINGS.items():
        for text, _ in options:
            ct = taxonomy.ALIASES.get(taxonomy.normalise(text))
            if ct is None or (ct.category, ct.subtype) != (cat, sub):
                raise ValueError(f"sample crime type {text!r} does not resolve to {cat}/{sub}")
    for (cat, _sub), options in CAUSE_SPELLINGS.items():
        for text, _ in options:
            ct = taxonomy.ALIASES.get(taxonomy.normalise(text))
            if ct is None or ct.category != cat:
                raise ValueError(f"sample loss cause {text!r} is not a {cat} cause")
    for text, _ in NON_CRIME_CAUSES:
        ct = taxonomy.ALIASES.get(taxonomy.normalise(text))
        if ct is None or ct.category != "other":
            raise ValueError(f"sample loss cause {text!r} is not a non-JSA cause")


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_xlsx(path: Path, titles: list[list[object]], header: list[str], rows: list[list[object]]) -> None:
    """One sheet: title rows, a header, the data; same input gives the same bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Claims"
    for t in titles:
        ws.append(t)
    if titles and titles[0]:
        ws.cell(row=1, column=1).font = Font(bold=True, size=12)
    ws.append(header)
    for cell in ws[len(titles) + 1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append(r)
    for col, width in zip("ABCDEFGHIJKL", (15, 12, 13, 18, 20, 13, 24, 13, 11, 22, 60, 8)):
        ws.column_dimensions[col].width = width
    wb.properties.creator = "jewelcrime sample"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_fixed_zip(buf.getvalue()))


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite an XLSX archive with fixed entry times (zipfile stamps the current time on each entry)."""
    out = io.BytesIO()
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                # belt and braces: whatever openpyxl put there, the times are fixed
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                              rb"\g<1>" + stamp.encode() + rb"\g<2>", body)
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            zout.writestr(entry, body)
    return out.getvalue()
