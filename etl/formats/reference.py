"""The project's own tidy reference CSVs under data/raw/reference/.

Each file has a pandera schema; a file that breaks it is rejected whole
(these are curated files, a bad row means a bad edit). The one exception is
claims.csv: its schema checks the columns, and each row is then read as a
claim (etl/claim_spec.py); a row that is not a valid claim is quarantined,
naming its row and field, and the other claims load. Every new database gets
all of them.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from etl import claim_spec
from etl.errors import FileRejected
from etl.formats.base import Format, Options, Parsed
from etl.formats.tabular import RawTable

NAME = "reference"
TITLE = "Reference tables"

_str = pa.Column(str, nullable=False)
_opt = pa.Column(str, nullable=True, required=False)

SCHEMAS: dict[str, tuple[str, pa.DataFrameSchema]] = {
    "regions.csv": ("region", pa.DataFrameSchema({
        "code": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{2}$"), unique=True),
        "name": _str, "country": pa.Column(str, pa.Check.isin(["US", "CA"])),
        "iso_3166_2": pa.Column(str, pa.Check.str_matches(r"^(US|CA)-[A-Z]{2}$")), "aliases": _opt,
    }, strict=True)),
    "region_population.csv": ("region_population", pa.DataFrameSchema({
        "region_code": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{2}$")),
        "year": pa.Column(int, pa.Check.in_range(1900, 2100)), "as_of": _opt,
        "population": pa.Column(int, pa.Check.gt(0)), "source": _str, "url": _opt,
    }, strict=True, unique=["region_code", "year"])),
    "jewelry_businesses.csv": ("jewelry_business", pa.DataFrameSchema({
        "level": pa.Column(str, pa.Check.isin(["country", "region"])), "code": _str,
        "year": pa.Column(int, pa.Check.in_range(1900, 2100)), "businesses": pa.Column(int, pa.Check.gt(0)),
        "measure": _str, "source": _str, "url": _opt, "confidence": _opt, "notes": _opt,
    }, strict=True, unique=["level", "code", "year", "measure"])),
    "major_cities.csv": ("major_city", pa.DataFrameSchema({
        "city": _str, "region_code": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{2}$")),
        "country": pa.Column(str, pa.Check.isin(["US", "CA"])), "population": pa.Column(int, pa.Check.gt(0)),
        "population_year": pa.Column(int), "source": _str,
    }, strict=True, unique=["city", "region_code"])),
    "published_figures.csv": ("published_figure", pa.DataFrameSchema({
        "id": pa.Column(str, unique=True), "figure_id": _opt, "compares": _opt,
        "kind": pa.Column(str, pa.Check.isin(["campaign_claim", "official"])), "claim": _str,
        "value": pa.Column(float), "unit": pa.Column(str, pa.Check.isin(["percent_change", "percent_share", "count", "usd"])),
        "period": _opt, "source": _str, "url": _opt, "published_date": _opt, "confidence": _opt,
    }, strict=True)),
    "jsa_annual.csv": ("jsa_annual", pa.DataFrameSchema({
        "year": pa.Column(int, pa.Check.in_range(1980, 2100)), "metric": _str, "value": pa.Column(float),
        "unit": _str, "source": _opt, "url": _opt, "confidence": _opt, "notes": _opt,
    }, strict=True, unique=["year", "metric"])),
    "crime_crosswalk.csv": ("crime_crosswalk", pa.DataFrameSchema({
        "dataset": pa.Column(str, pa.Check.isin(["fbi-estimated", "nibrs-state", "statcan-crime"])),
        "offense": _str,
        "measure": pa.Column(str, pa.Check.isin(["robbery", "burglary", "theft", "property", "violent"])),
        "measure_label": _str, "cross_border_comparable": pa.Column(bool), "alternative_to": _opt, "note": _opt,
    }, strict=True, unique=["dataset", "offense"])),
    "nibrs_national.csv": ("nibrs_offense", pa.DataFrameSchema({
        "year": pa.Column(int, pa.Check.in_range(1990, 2100)),
        "crimes_against": pa.Column(str, pa.Check.isin(["total", "persons", "property", "society"])),
        "offenses": pa.Column(int, pa.Check.ge(0)), "incidents": pa.Column(float, nullable=True),
        "published_percent": pa.Column(float, nullable=True), "derived": pa.Column(bool),
        "source": _str, "url": _opt, "notes": _opt,
    }, strict=True, unique=["year", "crimes_against"])),
    # every cell as text: each row is checked as a claim (ROW_CHECKED), so that one bad claim is quarantined alone
    "claims.csv": ("claim", pa.DataFrameSchema({
        name: pa.Column(str, nullable=True, required=name in claim_spec.REQUIRED_COLUMNS)
        for name in claim_spec.COLUMNS}, strict=True)),
}

FILES = tuple(SCHEMAS)
ROW_CHECKED = ("claims.csv",)


def table_for(path: Path) -> str:
    if path.name not in SCHEMAS:
        raise FileRejected(path, f"is not a known reference file (expected one of: {', '.join(FILES)})")
    return SCHEMAS[path.name][0]


def read(path: Path) -> pd.DataFrame:
    """Read and validate one reference CSV; the frame's columns match its table (claims.csv: its valid rows)."""
    if path.name in ROW_CHECKED:
        return split(_validated(path))[0]
    return _validated(path)


def split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """A row-checked file's rows: those that load, those quarantined (with reasons) and warnings."""
    return claim_spec.split_rows(frame)


def _validated(path: Path) -> pd.DataFrame:
    table = table_for(path)
    schema = SCHEMAS[path.name][1]
    try:
        df = pd.read_csv(path, dtype="str", keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise FileRejected(path, f"cannot be read as CSV ({exc})") from None
    df = df.replace({"": None})
    for name, col in schema.columns.items():
        if name in df.columns and col.dtype is not None and str(col.dtype) in ("int64", "float64", "bool"):
            if str(col.dtype) == "bool":
                df[name] = df[name].str.lower().map({"true": True, "false": False})
            else:
                df[name] = pd.to_numeric(df[name], errors="coerce")
                if str(col.dtype) == "int64" and not df[name].isna().any():
                    df[name] = df[name].astype("int64")
    try:
        df = schema.validate(df, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases.head(5)
        detail = "; ".join(f"column '{r.column}' row {int(r.index) + 2 if pd.notna(r.index) else '?'}: "
                           f"{r.check} (value {r.failure_case!r})" for r in cases.itertuples())
        raise FileRejected(path, f"does not match its reference schema: {detail}") from None
    if table == "nibrs_offense":
        df = df.rename(columns={"derived": "is_derived"}).assign(offense_category="", is_sample=False)
    return df


def _read(path: Path, _opts: Options) -> list[RawTable]:
    """A reference table is checked whole by its schema; its validated frame stands in for the raw rows."""
    frame = _validated(path)
    return [RawTable(path, "csv", "utf-8-sig", None, 1, {c: c for c in frame.columns}, frame)]


def _transform(raw: RawTable, _opts: Options) -> Parsed:
    quarantine, warnings = pd.DataFrame(columns=["sheet", "row_number", "raw", "reasons"]), []
    clean = raw.data
    if raw.path.name in ROW_CHECKED:
        clean, quarantine, warnings = split(raw.data)
    return Parsed(clean, quarantine, rows_in=len(raw.data), warnings=warnings, target=table_for(raw.path),
                  meta={"replace_table": table_for(raw.path) != "nibrs_offense"})


def _claims(path: Path) -> bool:
    return path.parent.name == "reference" and path.name in SCHEMAS


FORMAT = Format(NAME, TITLE, (), _transform, target="reference", detectable=False, reader=_read, claims_path=_claims)
