"""What the JSA and JM formats share: the canonical incident frame they both produce.

A format module parses its own columns, then calls `finish` with the parsed
pieces; `finish` adds the derived columns (year, half, region checks, city
flags, row hash) and splits the rows into clean and quarantined.
"""
from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from etl import geo
from etl.hashing import row_hashes
from etl.formats.parse import Problems, as_category, clean_text, parse_bool
from etl.formats.tabular import RawTable
from etl import regions  # module import: etl.regions imports etl.formats.parse in turn

INCIDENT_COLUMNS = [
    "source", "source_record_id", "row_number", "row_hash", "occurred_on", "year", "half", "month",
    "hour", "time_of_day", "region_code", "country", "city", "city_key", "is_major_city",
    "category", "subtype", "crimes_against", "loss_usd", "paid_usd", "reserve_usd", "reported_on",
    "claim_status", "injured", "killed", "weapon_shown", "location_type", "latitude", "longitude",
    "description", "is_sample",
]


@dataclass
class Parsed:
    """The result of one file: clean rows, quarantined rows and what was dropped."""

    clean: pd.DataFrame
    quarantine: pd.DataFrame  # row_number, raw (JSON), reasons (list of str)
    duplicates: int = 0
    warnings: list[str] = field(default_factory=list)
    rows_in: int = 0
    meta: dict = field(default_factory=dict)  # format-specific facts, e.g. the NIBRS year


def raw_json(raw: RawTable, rows: pd.Index) -> pd.Series:
    """The row as it was in the file: header as written -> cell text."""
    sub = raw.data.loc[rows]
    headers = {canon: raw.columns.get(canon, canon) for canon in sub.columns}
    sub = sub.rename(columns=headers)
    records = sub.astype("object").where(sub.notna(), None).to_dict(orient="records")
    return pd.Series([json.dumps(r, ensure_ascii=False) for r in records], index=rows, dtype="object")


_hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="row-hash")


def start_hashing(raw: RawTable) -> Future:
    """Row hashes on the second core while the columns are parsed (Arrow and xxhash release the GIL
    for much of it); exact duplicates are dropped at the end, in `finish`."""
    return _hasher.submit(row_hashes, raw.data)


def optional(data: pd.DataFrame, column: str) -> pd.Series:
    if column in data.columns:
        return data[column]
    return pd.Series(np.nan, index=data.index, dtype="str")


def finish(raw: RawTable, data: pd.DataFrame, hashing: Future, parsed: dict[str, pd.Series],
           problems: Problems, book: regions.RegionBook, source: str) -> Parsed:
    """Derive the shared columns, check coordinates, drop exact duplicates, split clean from quarantined.

    An exact duplicate (every cell the same as an earlier row) counts as a duplicate only, never as
    quarantined, whatever problems it has.
    """
    region = parsed["region_code"]
    if "latitude" in parsed:
        region = geo.check_points(parsed["latitude"], parsed["longitude"], region, book.names, problems)
    country = book.resolve_country(optional(data, "country"), region, "country", problems)
    city = as_category(clean_text(optional(data, "city")))
    keys = regions.city_keys(city)
    when = parsed["occurred_on"]
    hashes = hashing.result()
    dup = hashes.duplicated(keep="first").to_numpy()
    duplicates = int(dup.sum())
    rid = clean_text(optional(data, "source_record_id"))
    ids = rid[~dup].dropna()
    repeated = np.zeros(len(rid), bool)
    if ids.nunique() < len(ids):  # the same id on rows that are not exact copies of each other
        repeated = (rid.notna() & rid.where(~dup).duplicated(keep="first") & ~dup).to_numpy()
    problems.add(repeated, lambda rows: "source_record_id: '" + rid[rows] + "' appears more than once with different values")
    sample = parse_bool(optional(data, "sample"), "sample", problems).fillna(False).astype(bool)

    columns: dict[str, object] = {
        "source": pd.Categorical.from_codes(np.zeros(len(data), dtype=np.int8), [source]),
        "source_record_id": rid.array,
        "row_number": data.index.to_numpy(dtype="int64"),
        "row_hash": hashes.to_numpy(),
        "occurred_on": when.array,
        "year": when.dt.year.astype("Int64").array,
        "month": when.dt.month.astype("Int64").array,
        "region_code": region.array,
        "country": country.array,
        "city": city.array,
        "city_key": keys.array,
        "description": clean_text(optional(data, "description")).array,
        "is_sample": sample.to_numpy(dtype=bool),
        "is_major_city": book.is_major(region, keys),
    }
    columns["half"] = np.where(when.dt.month.fillna(1).to_numpy() <= 6, 1, 2)
    for name, values in parsed.items():
        if name != "region_code":
            columns[name] = values.array  # .array: no index alignment, which costs seconds on a million rows
    frame = pd.DataFrame({name: columns[name] for name in INCIDENT_COLUMNS if name in columns}, index=data.index)

    reasons = problems.reasons()
    if duplicates:
        reasons = reasons[~reasons.index.isin(data.index[dup])]
    bad = frame.index.isin(reasons.index) | dup
    quarantine = pd.DataFrame({
        "row_number": reasons.index.to_numpy(dtype="int64"),
        "raw": raw_json(raw, reasons.index).to_numpy(),
        "reasons": reasons.to_numpy(),
    })
    if raw.malformed:
        extra = pd.DataFrame({
            "row_number": [m[0] for m in raw.malformed],
            "raw": [json.dumps({"_line": m[1]}, ensure_ascii=False) for m in raw.malformed],
            "reasons": [[m[2]] for m in raw.malformed],
        })
        quarantine = pd.concat([quarantine, extra], ignore_index=True).sort_values("row_number", ignore_index=True)
    clean = frame[~bad].reset_index(drop=True)
    clean["year"] = clean["year"].astype("int64")
    clean["month"] = clean["month"].astype("int64")
    warnings = []
    if raw.ignored_columns:
        warnings.append("ignored columns: " + ", ".join(f"'{c}'" for c in raw.ignored_columns))
    if raw.blank_rows:
        warnings.append(f"{raw.blank_rows} blank row(s) skipped")
    return Parsed(clean, quarantine, duplicates, warnings, raw.rows_in)


def today() -> dt.date:
    return dt.date.today()
