"""FBI NIBRS tables "Crimes Against Persons (Property, Society) Offenses, Offense Category by State, YEAR"
(CSV or the FBI's XLSX): per participating state, and a Total row for all of them, the agencies, the
population they cover, the class's total offenses and one column per offense category. Stored long,
one `context_crime` row per place and category (and one for the class total, under the class's name).

Quirks handled: title rows above the header (they name the class and the year); header cells broken
over lines and ending in footnote digits (`Burglary/\\nBreaking &\\nEntering`, `Population Covered1`);
numbers with any digit grouping, Indian-style re-exports included (`82,37,977` is 8,237,977: the
separators are dropped, their positions never read); footnote lines under the table (skipped rows).
The year follows the NIBRS rule (`nibrs.find_year`); the class comes from the title, else the file name.

The helpers for a NIBRS table by state (place names, footnote lines) are shared with
`nibrs_participation`.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from etl import regions
from etl.errors import FileRejected
from etl.formats.base import Format, Options, Parsed
from etl.formats.fbi_estimated import finish, missing_why, repeats
from etl.formats.headers import Column
from etl.formats.nibrs import find_year, parse_number
from etl.formats.parse import Problems, clean_text
from etl.formats.rawrows import EXTRA
from etl.formats.tabular import RawTable

NAME = "nibrs-state"
TITLE = "FBI NIBRS offenses by state"
SOURCE = "FBI NIBRS"
STATE = Column("state", ("state name", "state/territory"), True, "text",
               "`Total` (every participating agency) or a state's name; footnote digits dropped", "Texas")
AGENCIES = Column("agencies", ("number of participating agencies", "participating agencies",
                               "number of agencies submitting nibrs data", "nibrs agencies"), False, "count",
                  "agencies whose reports the row counts; any digit grouping", "1,234")
COLUMNS: tuple[Column, ...] = (
    STATE, AGENCIES,
    Column("population", ("population covered", "covered population"), False, "count",
           "residents those agencies serve; any digit grouping (`82,37,977`)", "8,237,977"),
    Column("total_offenses", ("total offenses", "offenses total"), True, "count",
           "the class's offenses, stored under the class's name; the columns after it are offense categories",
           "296,527"),
)
CLASSES = {"persons": "Crimes Against Persons", "person": "Crimes Against Persons",
           "property": "Crimes Against Property", "society": "Crimes Against Society"}
CLASS_IN_TITLE = re.compile(r"crimes?\s+against\s+(persons?|property|society)", re.I)
CLASS_IN_NAME = re.compile(r"(?<![a-z])(persons?|property|society)(?![a-z])")
NATIONAL = {"total", "totals", "united states", "united states total", "nationwide", "national total",
            "all states", "total all states"}
FOOTNOTE = "footnote or heading line, not data"


def printed(label: str) -> str:
    """A header or name as printed, on one line: footnote digits dropped, no space after a slash."""
    text = re.sub(r"\s*/\s*", "/", " ".join(str(label).split()))
    return re.sub(r"(?<=[^\d\s])\s*\d+$", "", text).strip()


def state_places(label: pd.Series, problems: Problems, column: str = "State") -> tuple[pd.Series, pd.Series]:
    """Region code and national flag of each row's place; a place that is neither quarantines the row."""
    book = regions.region_book()

    def one(text: str) -> tuple:
        key = regions.fold(text)
        if key in NATIONAL:
            return None, True
        code = book.codes.get(key)
        return (code, False) if code is not None and book.country.get(code) == "US" else (None, False)

    found = {t: one(t) for t in label.dropna().unique()}
    code = label.map(lambda t: found[t][0] if t in found else None).astype(object)
    national = label.map(lambda t: found[t][1] if t in found else False).astype(bool)
    problems.add(label.isna(), f"{column}: is blank (required)")
    problems.add(label.notna() & code.isna() & ~national,
                 lambda r: column + ": '" + label[r].str.slice(0, 60) + "' is not a U.S. state, DC or the Total row")
    return code, national


def footnotes(data: pd.DataFrame, label: pd.Series, numbers: list[str]) -> tuple[pd.Series, list[str]]:
    """Rows with no number at all that name no place: footnotes or sub-headings (skipped rows)."""
    cells = pd.concat([clean_text(data[c]) for c in numbers if c in data.columns], axis=1)
    empty = cells.isna().all(axis=1)
    book = regions.region_book()
    names_place = label.map(lambda t: isinstance(t, str) and (regions.fold(t) in NATIONAL
                                                              or regions.fold(t) in book.codes)).astype(bool)
    is_note = empty & ~names_place
    skip = pd.Series(FOOTNOTE, index=data.index[is_note.to_numpy()])
    return skip, [str(v) for v in label[is_note].dropna()]


def find_class(raw: RawTable) -> tuple[str, list[str]]:
    """The crime class of the table: from its title rows, else its file name."""
    title = {CLASSES[m.lower()] for line in raw.title_lines for m in CLASS_IN_TITLE.findall(line)}
    name = {CLASSES[m] for m in CLASS_IN_NAME.findall(raw.path.stem.lower().replace("_", " "))}
    if len(title) == 1:
        found = title.pop()
        note = [f"class '{found}' taken from the title; the file name says {', '.join(sorted(name))}"] \
            if name and name != {found} else []
        return found, note
    if len(name) == 1 and not title:
        return name.pop(), []
    said = (f"the title rows name several: {', '.join(sorted(title))}" if title else
            f"the file name names several: {', '.join(sorted(name))}" if name else
            "neither the title rows nor the file name says Crimes Against Persons, Property or Society")
    raise FileRejected(raw.path, f"cannot tell which crime class this table is for ({said}); keep the FBI's title "
                                 "row ('Crimes Against Property Offenses') or name the file after its class, such as "
                                 "crimes_against_property_by_state_2022.csv (persons, property or society)")


def categories(raw: RawTable) -> dict[str, str]:
    """Columns after Total Offenses: data name -> the offense category as printed."""
    names = list(raw.columns)
    after = names[names.index("total_offenses") + 1:] if "total_offenses" in names else []
    return {n: printed(raw.columns[n]) for n in after
            if n.startswith(EXTRA) and not raw.columns[n].startswith("(column ") and printed(raw.columns[n])}


def transform(raw: RawTable, opts: Options = Options()) -> Parsed:
    data_year, notes = find_year(raw, opts.year, opts.force_year)
    klass, more = find_class(raw)
    short = klass.rsplit(" ", 1)[-1].lower()
    cats = categories(raw)
    data = raw.data
    label = clean_text(data["state"]).map(lambda t: printed(t) if isinstance(t, str) else t)
    counted = ["agencies", "population", "total_offenses", *cats]
    skip, notes_below = footnotes(data, label, counted)
    rows, label = data[~data.index.isin(skip.index)], label[~data.index.isin(skip.index)]
    problems = Problems(rows.index)
    code, national = state_places(label, problems)
    empty = pd.Series(np.nan, index=rows.index, dtype="str")
    given = {c: clean_text(rows[c]) if c in rows.columns else empty for c in counted}
    numbers = {c: parse_number(given[c], raw.columns.get(c, c), problems) for c in counted}
    problems.add(pd.concat(list(given.values()), axis=1).isna().all(axis=1),
                 "has no number in any column (a place with no figures)")
    repeats(pd.DataFrame({"place": code.where(~national, "US")}, index=rows.index), problems, "the place")
    offenses = {"total_offenses": (klass, f"{klass} (all offense categories)"), **{c: (n, n) for c, n in cats.items()}}
    frames = []
    for i, (c, (offense, offense_label)) in enumerate(offenses.items()):
        count = numbers[c].astype("float64")
        frames.append(pd.DataFrame({
            "dataset": NAME, "source": SOURCE, "release": str(data_year), "year": data_year, "country": "US",
            "region_code": code.where(~national, None), "offense": offense, "offense_label": offense_label,
            "nibrs_class": short, "count": count, "rate_per_100k": np.nan, "population": numbers["population"],
            "agencies": numbers["agencies"], "notes": None, "row_number": rows.index.to_numpy(dtype="int64"),
            "status": missing_why(count, given[c], "not published (blank in the table)",
                                  "not a whole number in the table (see the load notes)"), "order": i,
        }, index=rows.index))
    long = pd.concat(frames).sort_values(["row_number", "order"], kind="stable").drop(columns="order")
    raw.unused = [u for u in raw.unused if u not in {raw.columns[c] for c in cats}]
    parsed = finish(raw, data, problems, long, skip)
    parsed.warnings[:0] = notes + more + _arithmetic(parsed.clean, klass)
    if not cats:
        parsed.warnings.append("no offense category columns after 'Total Offenses': only the class total stored")
    parsed.meta = {"year": data_year, "release": str(data_year), "footnotes": notes_below}
    return parsed


def _arithmetic(clean: pd.DataFrame, klass: str) -> list[str]:
    """The FBI's own sums, as remarks: categories add up to the class total, states to the Total row."""
    out = []
    total = clean[clean["offense"] == klass].set_index("row_number")["count"]
    by_row = clean[clean["offense"] != klass].groupby("row_number")["count"]
    parts = by_row.sum().where(by_row.count() == by_row.size())  # rows with every category known
    off = (parts.reindex(total.index) - total).dropna()
    off = off[off != 0]
    if len(off):
        out.append(f"in {len(off)} row(s) the categories do not add up to Total Offenses (row {off.index[0]}: "
                   f"off by {off.iloc[0]:,.0f})")
    whole = clean[(clean["offense"] == klass) & clean["region_code"].isna()]["count"]
    states = clean[(clean["offense"] == klass) & clean["region_code"].notna()]["count"]
    known = len(whole) == 1 and len(states) and whole.notna().all() and states.notna().all()
    if known and states.sum() != whole.iloc[0]:
        out.append(f"the states' Total Offenses add up to {states.sum():,.0f}, the Total row says "
                   f"{whole.iloc[0]:,.0f}")
    return out


FORMAT = Format(NAME, TITLE, COLUMNS, transform, target="context_crime", source=SOURCE,
                signature=frozenset({"total_offenses"}), skip_totals=False, uses_year=True)
