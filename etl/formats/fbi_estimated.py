"""FBI Crime Data Explorer "estimated crimes" (Summary Reporting System estimates): one line per year and
state, plus a national line per year, with one column per offense; stored long, one `context_crime` row
per year, place and offense column.

Quirks of the CDE download handled here: the national line has a blank `state_abbr` (and a blank name
in older releases, `United States Total` in newer ones); numbers from 2022 on are quoted with thousands
separators and sometimes padded with spaces (`" 21,352 "`); state names padded on the left; a line
whose code and name disagree (2022: `NC`, North Dakota), where the name is trusted and a note names
both; releases whose names are all blank (the code is all there is); offense cells left blank (a
definition not in use that year) stored as NULL, never 0; free text in `caveats`, kept as the rows'
notes, and a bare number there, which is noted and not kept. A file of another span of years is
another release (`1979-2024`, `1979-2023`), kept beside the earlier one.

`finish` (the Parsed of a wide table stored long) is shared with the NIBRS by-state format.
"""
from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from etl import regions
from etl.errors import FileRejected
from etl.formats.base import Format, Options, Parsed
from etl.formats.headers import Column
from etl.formats.incidents import package
from etl.formats.nibrs import parse_number
from etl.formats.parse import Problems, clean_text
from etl.formats.rawrows import row_json
from etl.formats.tabular import RawTable

NAME = "fbi-estimated"
TITLE = "FBI estimated crimes by state"
SOURCE = "FBI Crime Data Explorer, estimated crimes"
# the file's offense columns, in its order, with what each counts
OFFENSES = {
    "violent_crime": "Violent crime", "homicide": "Murder and nonnegligent manslaughter",
    "rape_legacy": "Rape (legacy definition)", "rape_revised": "Rape (revised definition)", "robbery": "Robbery",
    "aggravated_assault": "Aggravated assault", "property_crime": "Property crime", "burglary": "Burglary",
    "larceny": "Larceny-theft", "motor_vehicle_theft": "Motor vehicle theft",
}
ALIASES = {"violent_crime": ("violent crime total",), "homicide": ("murder", "murder and nonnegligent manslaughter"),
           "rape_legacy": ("rape legacy definition",), "rape_revised": ("rape revised definition",),
           "larceny": ("larceny theft",), "motor_vehicle_theft": ("vehicle theft",)}
COLUMNS: tuple[Column, ...] = (
    Column("year", ("data_year",), True, "year", "the year the row counts", "2022"),
    Column("state_abbr", ("state_abbreviation",), True, "text",
           "postal code of the state or DC; blank on the national row", "ND", required_unless=("state_name",)),
    Column("state_name", (), False, "text",
           "the state's name (spaces around it ignored); blank or `United States Total` on the national row; "
           "trusted over the code when the two disagree", "North Dakota"),
    Column("population", (), False, "count", "estimated residents; thousands separators allowed", "779,261"),
    *(Column(c, ALIASES.get(c, ()), False, "count", f"{label}: estimated offenses; blank = not published",
             "1,518") for c, label in OFFENSES.items()),
    Column("caveats", ("caveat",), False, "text", "the FBI's remark on the row, kept as its notes", ""),
)
NATIONAL = {"", "united states", "united states total", "us total", "total", "national", "nation",
            "nationwide", "united states of america"}
BARE_NUMBER = re.compile(r"^[\d\s,.]+$")
BLANK = "not published (blank in the file)"  # or a dash
UNREADABLE = "not a whole number in the file (see the load notes)"


def _us(book: regions.RegionBook, text: str | None) -> str | None:
    code = book.codes.get(regions.fold(text)) if text else None
    return code if code is not None and book.country.get(code) == "US" else None


def _place(abbr: str | None, name: str | None, book: regions.RegionBook) -> tuple:
    """(region code, national, quarantine reason, note column, note) for one code and name pair."""
    said = " and ".join(f"{col} '{text}'" for col, text in (("state_abbr", abbr), ("state_name", name)) if text) \
        or "state_abbr and state_name"
    neither = f"{said}: {'name' if ' and ' in said else 'names'} neither a U.S. state (or DC) nor the nation"
    by_code, by_name = _us(book, abbr), _us(book, name)
    national_name = name is None or regions.fold(name) in NATIONAL
    if abbr is None or regions.fold(abbr) in ("us", "usa"):
        if national_name:
            return None, True, None, None, None
        if by_name is not None:
            return by_name, False, None, None, None
        return None, False, neither, None, None
    if by_name is not None and by_code is not None and by_name != by_code:
        return by_name, False, None, "state_abbr", (f"state_abbr '{abbr}' is {book.names[by_code]} but state_name "
                                                     f"says {book.names[by_name]}: stored as {by_name}, as the name "
                                                     "says")
    if by_name is not None:
        note = None if by_code else (f"state_abbr '{abbr}' is not a U.S. state code; stored as {by_name}, as the "
                                     "name says")
        return by_name, False, None, "state_abbr" if note else None, note
    if by_code is not None:
        if name is not None and regions.fold(name) in NATIONAL - {""}:
            return None, False, f"{said}: a state code with the nation's name", None, None
        if name is not None:
            return by_code, False, None, "state_name", (f"state_name '{name}' is not a U.S. state; stored as "
                                                        f"{by_code}, as the code says")
        return by_code, False, None, None, None
    return None, False, neither, None, None


def places(abbr: pd.Series, name: pd.Series, problems: Problems) -> tuple[pd.Series, pd.Series]:
    """Region code (None for the nation) and national flag per row; once per distinct pair of cells."""
    book = regions.region_book()
    a = clean_text(abbr)
    n = clean_text(name).str.replace(r"\s+", " ", regex=True)
    pairs = pd.DataFrame({"a": a, "n": n}).astype(object).where(lambda f: f.notna(), None)
    found = {key: _place(*key, book) for key in set(map(tuple, pairs.to_numpy()))}
    result = [found[tuple(p)] for p in pairs.to_numpy()]
    code = pd.Series([r[0] for r in result], index=abbr.index, dtype=object)
    national = pd.Series([r[1] for r in result], index=abbr.index, dtype=bool)
    reason = pd.Series([r[2] for r in result], index=abbr.index, dtype=object)
    problems.add(reason.notna(), reason)
    for column in ("state_abbr", "state_name"):
        why = pd.Series([r[4] if r[3] == column else None for r in result], index=abbr.index, dtype=object)
        problems.note(why.notna(), column, abbr if column == "state_abbr" else name, why)
    return code, national


def read_year(text: pd.Series, problems: Problems, latest: int) -> pd.Series:
    """A four-digit year (an XLSX cell may read 2022.0); blank or anything else quarantines the row."""
    s = clean_text(text).str.replace(r"\.0+$", "", regex=True)
    year = pd.to_numeric(s.where(s.str.fullmatch(r"\d{4}").fillna(False).astype(bool)), errors="coerce")
    problems.add(s.isna(), "year: is blank (required)")
    problems.add(s.notna() & year.isna(), lambda r: "year: '" + s[r] + "' is not a year (such as 2022)")
    problems.add(year.notna() & ~year.between(1900, latest),
                 lambda r: "year: " + s[r] + f" is outside 1900 to {latest}")
    return year.where(year.between(1900, latest)).astype("Int64")


def repeats(key: pd.DataFrame, problems: Problems, what: str) -> None:
    """A second row for the same key quarantines (the first one stays)."""
    ok = ~key.index.isin(problems.reasons().index) & key.notna().all(axis=1).to_numpy()
    sub = key[ok].assign(_row=key.index[ok])
    first = sub.groupby(list(key.columns), sort=False)["_row"].transform("first")
    again = first[first != sub["_row"]]
    problems.add(key.index.isin(again.index), lambda r: f"repeats {what} of row " + again[r].astype(str))


def missing_why(count: pd.Series, cell: pd.Series, blank: str, unreadable: str) -> pd.Series:
    """Why a count is NULL: the cell is blank (or a dash), or it holds something that is not a count."""
    empty = cell.isna() | cell.isin(["-", "–", "—"])
    return pd.Series(np.where(empty, blank, unreadable), index=count.index, dtype=object).where(count.isna(), None)


def finish(raw: RawTable, data: pd.DataFrame, problems: Problems, long: pd.DataFrame, skip: pd.Series) -> Parsed:
    """The Parsed of a table whose rows are stored as several records: the rows are accounted for once each
    (loaded, quarantined or skipped); `long` holds the records of the rows that load."""
    reasons = problems.reasons()
    quarantine = pd.DataFrame({"sheet": raw.sheet, "row_number": reasons.index.to_numpy(dtype="int64"),
                               "raw": row_json(data.loc[reasons.index], raw.columns).to_numpy(),
                               "reasons": reasons.to_numpy()})
    if raw.malformed:  # a line with more fields than the header
        wide = pd.DataFrame({"sheet": raw.sheet, "row_number": [m[0] for m in raw.malformed],
                             "raw": [json.dumps({"_line": m[1]}, ensure_ascii=False) for m in raw.malformed],
                             "reasons": [[m[2]] for m in raw.malformed]})
        quarantine = pd.concat([quarantine, wide], ignore_index=True).sort_values("row_number", ignore_index=True)
    kept = data.index[~data.index.isin(reasons.index) & ~data.index.isin(skip.index)]
    rows = pd.DataFrame({"row_number": kept.to_numpy(dtype="int64")})
    parsed = package(raw, rows, quarantine, 0, problems, kept, skip, {})
    long = long[long["row_number"].isin(kept)].reset_index(drop=True)
    parsed.clean = long
    if len(long) != len(kept):
        parsed.warnings.append(f"{len(kept):,} row(s) loaded as {len(long):,} records (one per place, year and "
                               "offense)")
    return parsed


def transform(raw: RawTable, opts: Options = Options()) -> Parsed:
    data = raw.data
    offenses = [c for c in OFFENSES if c in data.columns]
    if not offenses:
        raise FileRejected(raw.path, "has none of the offense columns of the FBI estimated crimes table ("
                                     + ", ".join(OFFENSES) + ")")
    empty = pd.Series(np.nan, index=data.index, dtype="str")
    given = {c: clean_text(data[c]) if c in data.columns else empty for c in ["population", *offenses]}
    no_numbers = pd.concat(list(given.values()), axis=1).isna().all(axis=1)
    year_text = clean_text(data["year"])
    # a line with no year-like cell and no number (a source line under the table) is not data
    is_note = no_numbers & ~year_text.str.fullmatch(r"\d{4}(\.0+)?").fillna(False).astype(bool)
    skip = pd.Series("footnote or heading line, not data", index=data.index[is_note.to_numpy()])
    rows = data[~is_note.to_numpy()]
    problems = Problems(rows.index)
    year = read_year(rows["year"], problems, opts.day().year)
    code, national = places(rows["state_abbr"] if "state_abbr" in rows.columns else empty[rows.index],
                            rows["state_name"] if "state_name" in rows.columns else empty[rows.index], problems)
    numbers = {c: parse_number(given[c][rows.index], c, problems) for c in given}
    repeats(pd.DataFrame({"year": year, "place": code.where(~national, "US")}, index=rows.index), problems,
            "its year and place")
    caveat = clean_text(rows["caveats"]) if "caveats" in rows.columns else empty[rows.index]
    caveat = caveat.str.replace(r"\s+", " ", regex=True)
    stray = caveat.str.fullmatch(BARE_NUMBER.pattern).fillna(False).astype(bool)
    problems.note(stray, "caveats", caveat, "is a number, not a caveat: not kept")
    caveat = caveat.where(~stray)

    valid = year.dropna()
    release = f"{int(valid.min())}-{int(valid.max())}" if len(valid) else "unknown"
    frames = []
    for c in offenses:
        count = numbers[c].astype("float64")
        frames.append(pd.DataFrame({
            "dataset": NAME, "source": SOURCE, "release": release, "year": year, "country": "US",
            "region_code": code.where(~national, None), "offense": c, "offense_label": OFFENSES[c],
            "nibrs_class": None, "count": count, "rate_per_100k": np.nan, "population": numbers["population"],
            "agencies": pd.array([pd.NA] * len(rows), dtype="Int64"),
            "status": missing_why(count, given[c][rows.index], BLANK, UNREADABLE),
            "notes": caveat, "row_number": rows.index.to_numpy(dtype="int64"), "order": offenses.index(c),
        }, index=rows.index))
    long = pd.concat(frames).sort_values(["row_number", "order"], kind="stable").drop(columns="order")
    long["year"] = long["year"].astype("Int64")
    parsed = finish(raw, data, problems, long, skip)
    parsed.meta = {"release": release}
    return parsed


FORMAT = Format(NAME, TITLE, COLUMNS, transform, target="context_crime", source=SOURCE,
                signature=frozenset({"state_abbr", "violent_crime", "property_crime"}), skip_totals=False,
                keeps_vintages=True)
