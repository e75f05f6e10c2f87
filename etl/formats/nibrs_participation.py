"""FBI NIBRS "Participation by State" for one year (CSV or the FBI's XLSX): per state, and a Total row,
the agencies reporting to NIBRS and the population they cover; where the year's layout has them, also
every agency of the state, the state's population and the percent covered. Rows go to
`context_participation`, one per place.

The same quirks as the other NIBRS tables by state (title rows, header cells broken over lines with
footnote digits, any digit grouping, footnote lines under the table); the year follows the NIBRS rule.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from etl.formats.base import Format, Options, Parsed
from etl.formats.fbi_estimated import finish, repeats
from etl.formats.headers import Column
from etl.formats.nibrs import find_year, parse_number
from etl.formats.nibrs_state import AGENCIES, STATE, footnotes, printed, state_places
from etl.formats.parse import Problems, clean_text
from etl.formats.tabular import RawTable

NAME = "nibrs-participation"
TITLE = "FBI NIBRS participation by state"
SOURCE = "FBI NIBRS, participation by state"
COLUMNS: tuple[Column, ...] = (
    STATE, AGENCIES,
    Column("agencies_total", ("total agencies", "total number of agencies", "number of agencies in state",
                              "all agencies", "total law enforcement agencies"), False, "count",
           "every law enforcement agency of the state, NIBRS or not", "1,560"),
    Column("population_covered", ("population covered", "population covered by nibrs", "nibrs population covered",
                                  "covered population"), True, "count",
           "residents the NIBRS agencies serve; any digit grouping", "29,65,27,998"),
    Column("population_total", ("total population", "state population", "total state population",
                                "population of state"), False, "count", "every resident of the state", "30,029,572"),
    Column("published_percent", ("percent covered", "percent of population covered", "percent population covered",
                                 "population covered percent", "percent of population", "coverage percent"), False,
           "number", "the FBI's percent of residents covered, 0 to 100 (`%` allowed)", "98.7%"),
)
NUMBERS = ("agencies", "agencies_total", "population_covered", "population_total")


def percent(raw: pd.Series, column: str, problems: Problems) -> pd.Series:
    """A percent 0 to 100, `%` and spaces allowed; anything else is unknown with a note."""
    s = clean_text(raw)
    value = pd.to_numeric(s.str.replace(r"[%\s]", "", regex=True).str.replace(",", ".", regex=False),
                          errors="coerce")
    dash = s.isin(["-", "–", "—"]).fillna(False).astype(bool)
    bad = (s.notna() & ~dash & (value.isna() | ~value.between(0, 100))).to_numpy(dtype=bool)
    problems.note(bad, column, s, "is not a percent from 0 to 100 (left unknown)")
    return value.where(value.between(0, 100)).astype("float64")


def transform(raw: RawTable, opts: Options = Options()) -> Parsed:
    data_year, notes = find_year(raw, opts.year, opts.force_year)
    data = raw.data
    label = clean_text(data["state"]).map(lambda t: printed(t) if isinstance(t, str) else t)
    skip, notes_below = footnotes(data, label, [*NUMBERS, "published_percent"])
    rows, label = data[~data.index.isin(skip.index)], label[~data.index.isin(skip.index)]
    problems = Problems(rows.index)
    code, national = state_places(label, problems)
    empty = pd.Series(np.nan, index=rows.index, dtype="str")
    given = {c: clean_text(rows[c]) if c in rows.columns else empty for c in [*NUMBERS, "published_percent"]}
    numbers = {c: parse_number(given[c], raw.columns.get(c, c), problems) for c in NUMBERS}
    share = percent(given["published_percent"], raw.columns.get("published_percent", "published_percent"), problems)
    problems.add(pd.concat(list(given.values()), axis=1).isna().all(axis=1),
                 "has no number in any column (a place with no figures)")
    over = (numbers["population_covered"] > numbers["population_total"]).fillna(False).astype(bool)
    problems.note(over, "population_covered", given["population_covered"],
                  "is more than the total population (both kept as published)")
    repeats(pd.DataFrame({"place": code.where(~national, "US")}, index=rows.index), problems, "the place")
    clean = pd.DataFrame({
        "source": SOURCE, "year": data_year, "country": "US", "region_code": code.where(~national, None),
        **{c: numbers[c] for c in NUMBERS}, "published_percent": share,
        "row_number": rows.index.to_numpy(dtype="int64"),
    }, index=rows.index)
    parsed = finish(raw, data, problems, clean, skip)
    parsed.warnings[:0] = notes
    parsed.meta = {"year": data_year, "footnotes": notes_below}
    return parsed


FORMAT = Format(NAME, TITLE, COLUMNS, transform, target="context_participation", source=SOURCE,
                signature=frozenset({"population_covered", "agencies_total", "population_total", "published_percent"}),
                skip_totals=False, uses_year=True)
