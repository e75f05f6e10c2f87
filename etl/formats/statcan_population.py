"""Statistics Canada Table 17-10-0005-01, "Population estimates on July 1, by age and sex", as downloaded
with "CSV for database loading".

Only the total of every age and both sexes of Canada, the provinces and the territories is kept: one
row per year and place, the population the crime rates of the other Statistics Canada table rest on.
The rows of one sex or one age group are counted as filtered out. The columns shared with the crime
table are read by the helpers of `statcan_crime`.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from etl.formats.base import Format, Options, Parsed
from etl.formats.headers import Column
from etl.formats.parse import clean_text
from etl.formats.statcan_crime import Rows, filtered_by_geo, per_value, statcan_columns
from etl.formats.tabular import RawTable

NAME = "statcan-population"
TITLE = "Statistics Canada population estimates on July 1 (Table 17-10-0005-01)"
SOURCE = "Statistics Canada, Table 17-10-0005-01"

COLUMNS = statcan_columns(
    Column("sex", ("gender",), True, "text", "the total of both sexes is stored; Men+, Women+, Males and Females "
           "are filtered out", "Both sexes"),
    Column("age_group", (), True, "text", "All ages is stored; every other age group is filtered out", "All ages"))
# the spellings of "everyone" in the sex or gender dimension, over the table's releases (compared as folded)
BOTH_SEXES = frozenset({"both sexes", "total gender", "total sex", "total genders", "total sexes", "all sexes"})
ALL_AGES = frozenset({"all ages", "total age", "total all ages"})


def _fold(text: str) -> str:
    return re.sub(r"[^a-z0-9+]+", " ", text.lower()).strip()


def _dimensions(raw: RawTable) -> pd.Series:
    """The filter reason of each row for its sex and age group (NaN: the all-ages, both-sexes total)."""
    sex_header, age_header = raw.columns.get("sex", "Sex"), raw.columns.get("age_group", "Age group")

    def sex(text: str | None) -> tuple:
        if text is None or _fold(text) in BOTH_SEXES:
            return (None,)
        return (f"{sex_header} '{text[:60]}' is not stored (only the total of both sexes)",)

    (by_sex,) = per_value(raw.data["sex"], sex)
    (other_age,) = per_value(raw.data["age_group"], lambda t: (t is not None and _fold(t) not in ALL_AGES,))
    other = clean_text(raw.data["age_group"])[other_age.astype(bool) & by_sex.isna()]  # sex decides first
    reason = by_sex.copy()
    if len(other):
        n = other.nunique()
        reason[other.index] = (f"{age_header} is not 'All ages' ({n} age group{'s' if n > 1 else ''}, e.g. "
                               f"'{str(other.iloc[0])[:60]}')")
    return reason


def transform(raw: RawTable, opts: Options = Options()) -> Parsed:
    region, national, geo_drop, geo_problem = filtered_by_geo(raw.data)
    rows = Rows(raw, opts, geo_drop.fillna(_dimensions(raw)), (region, national, geo_problem))
    p, value, written = rows.problems, rows.value, rows.column("value")
    for name, header in (("sex", "Sex"), ("age_group", "Age group")):
        p.add(clean_text(rows.data[name]).isna(), f"{raw.columns.get(name, header)}: is blank (required)")
    p.add(rows.blank, lambda r: "VALUE: " + rows.blank_why[r] + "; a population is required")
    p.add(value < 0, lambda r: "VALUE: '" + written[r] + "' is negative")
    p.add(value.notna() & (value != np.floor(value)), lambda r: "VALUE: '" + written[r] + "' is not a whole number")
    place = rows.region.fillna("").where(~rows.national, "CA").astype(str)
    key = pd.DataFrame({"year": rows.year, "place": place}, index=rows.index)
    ok = rows.settle(key, "the REF_DATE and GEO").to_numpy()
    kept = rows.index[ok]
    clean = pd.DataFrame({
        "source": SOURCE, "release": rows.release, "year": rows.year[ok].astype("int64").to_numpy(),
        "country": "CA", "region_code": rows.region[ok].where(~rows.national[ok].to_numpy(), None).to_numpy(),
        "population": value[ok].astype("int64").to_numpy(), "row_number": kept.to_numpy(dtype="int64"),
    })
    return rows.finish(clean, kept, {})


FORMAT = Format(NAME, TITLE, COLUMNS, transform, target="context_population", source=SOURCE,
                signature=frozenset({"ref_date", "geo", "vector", "coordinate", "sex", "age_group"}),
                skip_totals=False, keeps_vintages=True)
