"""FBI NIBRS national table "Incidents, Offenses, Victims, and Known Offenders by
Offense Category" for one year (CSV or XLSX, as the FBI publishes it).

Quirks handled: title lines above the table and footnote lines below it;
header cells with footnote digits and line breaks ("Number of\\nIncidents1");
numbers with thousands separators; category names with footnote digits.
"""
from __future__ import annotations

import re
import numpy as np
import pandas as pd

from etl.errors import FileRejected, UsageError
from etl.formats.base import Format, Options, Parsed
from etl.formats.headers import Column
from etl.formats.incidents import package
from etl.formats.parse import Problems, clean_text, quote
from etl.formats.rawrows import row_json
from etl.formats.tabular import RawTable

NAME = "nibrs"
SOURCE = "FBI"
TITLE = "FBI NIBRS national summary table"

COLUMNS: tuple[Column, ...] = (
    Column("offense_category", ("offense category", "offense_category", "offense"), True, "text",
           "Total, Crimes Against Persons/Property/Society, or an offense category under the last class row",
           "Crimes Against Property"),
    Column("incidents", ("number of incidents", "incidents", "incident count"), False, "count",
           "Number of incidents; thousands separators allowed", "6,543,210"),
    Column("offenses", ("number of offenses", "offenses", "offences", "offense count"), True, "count",
           "Number of offenses", "7,654,321"),
    Column("victims", ("number of victims", "victims"), False, "count", "Number of victims", "8,765,432"),
    Column("known_offenders", ("number of known offenders", "known offenders", "offenders"), False, "count",
           "Number of known offenders", "7,173,072"),
)
NUMBER_COLUMNS = ("incidents", "offenses", "victims", "known_offenders")
CLASSES = {"crimes against persons": "persons", "crimes against property": "property",
           "crimes against society": "society", "total": "total", "total offenses": "total"}
YEAR = re.compile(r"(?<!\d)(19[89]\d|20\d\d)(?!\d)")


def find_year(raw: RawTable, given: int | None, force: bool = False) -> tuple[int, list[str]]:
    """--year, else the title lines, else the file name.

    A --year the file contradicts (its title or name states another year) is a usage error, unless
    --force-year says to use it anyway.
    """
    notes: list[str] = []
    title_years = {int(y) for line in raw.title_lines for y in YEAR.findall(line)}
    name_years = {int(y) for y in YEAR.findall(raw.path.stem)}
    if given is not None:
        stated = (title_years | name_years)
        others = stated - {given}
        if others and given not in stated:
            said_where = "title" if title_years - {given} else "file name"
            if not force:
                raise UsageError(f"{raw.path.name}: --year {given} contradicts the year the file's {said_where} states "
                                 f"({', '.join(map(str, sorted(others)))}); use --year "
                                 f"{min(others) if len(others) == 1 else 'N'} or leave it out, or add --force-year to "
                                 f"load it as {given} anyway")
            notes.append(f"--year {given} used with --force-year; the file's {said_where} says "
                         f"{', '.join(map(str, sorted(others)))}")
        elif others:
            notes.append(f"--year {given} used; the file also mentions {', '.join(map(str, sorted(others)))}")
        return given, notes
    for found, where in ((title_years, "title"), (name_years, "file name")):
        if len(found) == 1:
            year = found.pop()
            if where == "title" and name_years and name_years != {year}:
                notes.append(f"year {year} taken from the title; the file name says "
                             f"{', '.join(map(str, sorted(name_years)))}")
            return year, notes
        if len(found) > 1:
            raise FileRejected(raw.path, f"the {where} mentions several years ({', '.join(map(str, sorted(found)))}); "
                                         "give the one this table is for with --year")
    raise FileRejected(raw.path, "cannot tell which year this table is for (no year in the title lines or file name); "
                                 "use --year")


def parse_number(raw: pd.Series, column: str, problems: Problems, required: bool = False) -> pd.Series:
    """A count with thousands separators; a dash is no number. An unreadable count quarantines the row when the
    column is required (offenses), else it is unknown with a note."""
    s = clean_text(raw)
    dash = s.isin(["-", "–", "—"]).fillna(False).astype(bool)
    body = s.str.replace(r"[,\s]", "", regex=True)
    value = pd.to_numeric(body.where(~dash), errors="coerce")
    ok = value.isna() | ((value >= 0) & (value == np.floor(value)))
    bad = ((s.notna() & ~dash & value.isna()) | ~ok).to_numpy(dtype=bool)
    if required:
        problems.add(bad, column + ": " + quote(s) + " is not a whole number")
    else:
        problems.note(bad, column, s, "is not a whole number (left unknown)")
    return value.where(ok).astype("Int64")


def transform(raw: RawTable, opts: Options = Options()) -> Parsed:
    data_year, notes = find_year(raw, opts.year, opts.force_year)
    data = raw.data
    label = clean_text(data["offense_category"]).str.replace(r"\s*\d+$", "", regex=True).str.replace(r"\s+", " ", regex=True)
    problems = Problems(data.index)
    numbers = {c: parse_number(data[c], c, problems, required=c == "offenses") if c in data.columns else pd.Series(pd.NA, index=data.index, dtype="Int64")
               for c in NUMBER_COLUMNS}
    no_numbers = pd.concat([clean_text(data[c]) for c in NUMBER_COLUMNS if c in data.columns], axis=1).isna().all(axis=1)
    # rows without any number are footnotes or sub-headings, not data
    is_note = no_numbers & ~label.str.lower().isin(list(CLASSES)).fillna(False).astype(bool)
    footnotes = [str(v) for v in label[is_note].dropna()]
    note_rows = data.index[is_note.to_numpy()]
    keep = ~is_note.to_numpy()
    data, label = data[keep], label[keep]
    numbers = {k: v[keep] for k, v in numbers.items()}
    problems = problems.restrict(data.index)

    cls = label.str.lower().map(CLASSES)
    current = cls.where(cls.isin(["persons", "property", "society"])).ffill()
    crimes_against = cls.fillna(current)
    problems.add(label.isna(), "offense_category: is blank")
    problems.add(label.notna() & crimes_against.isna(),
                 "offense_category: " + quote(label) + " comes before any 'Crimes Against ...' row")
    given = clean_text(data["offenses"])
    unreadable = given.notna() & ~given.isin(["-", "–", "—"])  # already "is not a whole number", not blank
    problems.add(numbers["offenses"].isna() & label.notna() & ~unreadable, "offenses: is blank (required)")
    frame = pd.DataFrame({
        "year": data_year,
        "crimes_against": crimes_against,
        "offense_category": label.where(cls.isna(), ""),
        **numbers,
        "published_percent": np.nan,
        "is_derived": False,
        "is_sample": False,
        "source": f"FBI NIBRS table ({raw.path.name})",
        "url": None,
        "notes": None,
        "row_number": data.index.to_numpy(dtype="int64"),
    }, index=data.index)
    reasons = problems.reasons()
    dup = frame.duplicated(["crimes_against", "offense_category"], keep="first") & ~frame.index.isin(reasons.index)
    if dup.any():
        problems.add(dup, "offense_category: " + quote(label) + " appears twice")
        reasons = problems.reasons()
    quarantine = pd.DataFrame({"sheet": raw.sheet, "row_number": reasons.index.to_numpy(dtype="int64"),
                               "raw": row_json(data.loc[reasons.index], raw.columns).to_numpy(),
                               "reasons": reasons.to_numpy()})
    kept = frame.index[~frame.index.isin(reasons.index)]
    clean = frame.loc[kept].reset_index(drop=True)
    skip = pd.Series("footnote or heading line, not data", index=note_rows)
    parsed = package(raw, clean, quarantine, 0, problems, kept, skip, {})
    parsed.warnings[:0] = notes + _consistency(clean)
    parsed.meta = {"year": data_year, "footnotes": footnotes}
    return parsed


def _consistency(clean: pd.DataFrame) -> list[str]:
    """The FBI's own arithmetic: classes add up to the total offenses."""
    out = []
    total = clean.loc[clean["crimes_against"] == "total", "offenses"]
    classes = clean[(clean["offense_category"] == "") & clean["crimes_against"].isin(["persons", "property", "society"])]
    if len(total) == 1 and len(classes):
        diff = int(total.iloc[0]) - int(classes["offenses"].sum())
        if diff:
            out.append(f"class offenses add up to {int(classes['offenses'].sum()):,}, the Total row says "
                       f"{int(total.iloc[0]):,} (difference {diff:,})")
    if total.empty:
        out.append("no 'Total' row: shares will use the sum of the three classes")
    return out


FORMAT = Format(NAME, TITLE, COLUMNS, transform, target="nibrs_offense", source=SOURCE,
                signature=frozenset({"offense_category"}), skip_totals=False, uses_year=True)
