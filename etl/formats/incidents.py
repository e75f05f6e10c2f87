"""The one incident transform: any incident layout -> the canonical incident frame.

The JSA format and every column mapping (`--map`) run this transform; what
differs is data in an `IncidentSpec`: the source name, how crime-type and
location values map to the product's, date and time conventions, constants.
The JM claims format parses its own columns and shares `finish`.
"""
from __future__ import annotations

import json
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from etl import geo, taxonomy
from etl.hashing import row_hashes, text_hashes
from etl.formats.base import NOTE_COLUMNS, SKIPPED_COLUMNS, Carry, Options, Parsed
from etl.formats.dates import order_evidence
from etl.formats.parse import (Problems, as_category, choose, clean_text, is_unknown, known_text, parse_bool,
                               parse_coordinate, parse_count, parse_date_time, parse_hour, parse_money, quote, said,
                               time_of_day)
from etl.formats.rawrows import EXTRA, row_json
from etl.formats.tabular import RawTable
from etl.valuemap import ValueMap
from etl import regions  # module import: etl.regions imports etl.formats.parse in turn

INCIDENT_COLUMNS = [
    "source", "source_record_id", "sheet", "row_number", "row_hash", "occurred_on", "year", "half", "month",
    "hour", "time_of_day", "region_code", "country", "city", "city_key", "is_major_city",
    "category", "subtype", "crimes_against", "loss_usd", "paid_usd", "reserve_usd", "reported_on",
    "claim_status", "injured", "killed", "weapon_shown", "location_type", "latitude", "longitude",
    "description", "extra", "is_sample", "counts_in_combined",
]


@dataclass(frozen=True)
class IncidentSpec:
    """What makes one incident layout different from another; data, not code paths."""

    source: str
    kind_map: ValueMap | None = None  # the file's crime types -> the taxonomy's spellings (None: the taxonomy's own)
    location_map: ValueMap | None = None  # the file's location values -> location types (None: LOCATION_TYPES)
    allow_other: bool = False  # insurance causes (water damage, ...) are not JSA crime types
    kind_hint: str = "robbery, burglary, theft, off-premises or a sub-type"
    date_order: str | None = None  # "MD" or "DM"; None: inferred per file
    date_formats: tuple[str, ...] = ()
    time_hhmm: bool = False  # every whole number in the time column is HHMM (police exports)
    constants: dict[str, str] = field(default_factory=dict)  # column -> value for every row (fills blanks)
    industry: bool = True  # counts in the JSA + JM combined figures


DATE_COLUMNS = ("date", "reported_date")


def whole_file_date_order(distinct: dict[str, pd.Series], opts: Options) -> Options:
    """The day/month evidence of a file read in chunks: from the distinct dates of the whole file, so the
    first chunk reads 03/04/2022 as the last one does."""
    dates = [distinct[c] for c in DATE_COLUMNS if c in distinct]
    if not dates:
        return opts
    return replace(opts, date_evidence=order_evidence(pd.concat(dates, ignore_index=True), opts.day()))


def shared_date_order(parts: list[RawTable], opts: Options) -> Options:
    """The day/month evidence of every date column of every part (sheet) of a file, so that all of them read
    03/04/2022 alike."""
    dates = [raw.data[c] for raw in parts for c in DATE_COLUMNS if c in raw.data.columns]
    if len(dates) < 2:  # one date column of one sheet decides for itself
        return opts
    return replace(opts, date_evidence=order_evidence(pd.concat(dates, ignore_index=True), opts.day()))


_hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="row-hash")


def start_hashing(raw: RawTable) -> Future:
    """Row hashes on the second core while the columns are parsed (Arrow and xxhash release the GIL
    for much of it); exact duplicates are dropped at the end, in `finish`."""
    return _hasher.submit(row_hashes, raw.data)


def optional(data: pd.DataFrame, column: str) -> pd.Series:
    if column in data.columns:
        return data[column]
    return pd.Series(np.nan, index=data.index, dtype="str")


def column(data: pd.DataFrame, spec: IncidentSpec, name: str) -> pd.Series:
    """A column of the file, its blanks filled by the spec's constant for it (if any)."""
    values = optional(data, name)
    if name in spec.constants:
        values = values.where(clean_text(values).notna(), spec.constants[name])
    return values


def required_text(data: pd.DataFrame, spec: IncidentSpec, name: str, label: str, what: str,
                  problems: Problems) -> pd.Series:
    """A required text column: blank and unknown markers are row problems; returns the known text."""
    raw = clean_text(column(data, spec, name))
    token = raw.notna() & pd.Series(is_unknown(raw), index=raw.index)
    problems.add(raw.isna(), f"{label}: is blank (required)")
    problems.add(token, said(raw, label, f"means unknown, but {what} is required"))
    return raw.where(~token)


def _sums_above(values: dict[str, pd.Series], no_key: np.ndarray, carry: Carry | None = None) -> np.ndarray:
    """Rows with no date, region or type whose every number is the sum of that column above them (in the
    whole file: a chunk starts from the sums of the chunks before it, which it then adds to)."""
    hit = no_key.copy()
    any_number = np.zeros(len(no_key), dtype=bool)
    for name, s in values.items():
        v = s.astype("float64").to_numpy()
        given = ~np.isnan(v)
        start = carry.sums.get(name, 0.0) if carry is not None else 0.0
        above = start + np.concatenate([[0.0], np.cumsum(np.nan_to_num(v))[:-1]])
        if carry is not None:
            carry.sums[name] = start + float(np.nansum(v))
        equal = np.isclose(v, above, rtol=1e-9, atol=0.005)
        hit &= ~given | equal
        any_number |= given & equal & (above != 0)  # a zero sum agrees but proves nothing (a row of zeros)
    return hit & any_number


def transform(raw: RawTable, spec: IncidentSpec, opts: Options = Options(),
              book: regions.RegionBook | None = None) -> Parsed:
    """Validate one raw table of incidents against the JSA column set, driven by `spec`."""
    book = book or regions.region_book()
    hashing = start_hashing(raw)
    data = raw.data
    problems = Problems(data.index)
    parsed: dict[str, pd.Series] = {}
    when, date_hour = parse_date_time(column(data, spec, "date"), "date", problems, opts.day(), required=True,
                                      order=spec.date_order, formats=list(spec.date_formats) or None,
                                      evidence=opts.date_evidence)
    parsed["occurred_on"] = when

    ctype = required_text(data, spec, "crime_type", "crime_type", "a crime type", problems)
    kinds = taxonomy.resolve_series(spec.kind_map.resolve(ctype) if spec.kind_map else ctype)
    leave: list[pd.Series] = []  # row -> why a mapping leaves it out
    unmapped = (ctype.notna() & kinds["category"].isna()).to_numpy(dtype=bool)
    policy = spec.kind_map.unmapped if spec.kind_map else "quarantine"
    if policy == "skip":
        leave.append(_left_out(ctype, unmapped, "crime type"))
    else:
        problems.add(unmapped, said(ctype, "crime_type", f"is not a known crime type ({spec.kind_hint})"))
    sub_raw = known_text(optional(data, "subtype"))
    if sub_raw.notna().any():
        sub = taxonomy.resolve_series(sub_raw)
        unknown = sub_raw.notna() & sub["subtype"].isna()
        problems.note(unknown, "subtype", sub_raw, "is not a known sub-type (the crime type alone is kept)")
        clash = sub_raw.notna() & sub["category"].notna() & kinds["category"].notna() & (sub["category"] != kinds["category"])
        problems.add(clash, lambda rows: "subtype: " + quote(sub_raw[rows]) + " does not belong to crime type " + quote(ctype[rows]))
        use = sub_raw.notna() & ~unknown & ~clash
        kinds.loc[use, "subtype"] = sub.loc[use, "subtype"]
    if not spec.allow_other:
        not_jsa = (kinds["category"] == "other").fillna(False).to_numpy(dtype=bool)
        problems.add(not_jsa, said(ctype, "crime_type", "is an insurance loss cause, not a JSA crime type "
                                   "(robbery, burglary, theft, off-premises); it belongs in a JM claims list"))
    parsed.update({k: kinds[k] for k in ("category", "subtype", "crimes_against")})

    lat = parse_coordinate(column(data, spec, "latitude"), "latitude", -90, 90, problems)
    lon = parse_coordinate(column(data, spec, "longitude"), "longitude", -180, 180, problems)
    nowhere = ((lat == 0) & (lon == 0)).to_numpy(dtype=bool)
    problems.note(nowhere, "latitude/longitude", column(data, spec, "latitude"), "0, 0 is not a place (read as unknown)")
    half = (lat.isna() ^ lon.isna()).to_numpy(dtype=bool)
    if half.any():
        given = clean_text(column(data, spec, "latitude")).fillna(clean_text(column(data, spec, "longitude")))
        problems.note(half, "latitude/longitude", given, "only one of latitude and longitude is given, so the "
                      "point is unknown")
    lat, lon = lat.where(~(nowhere | half)), lon.where(~(nowhere | half))
    have_point = lat.notna() & lon.notna()
    region_raw = clean_text(column(data, spec, "region"))
    token = region_raw.notna() & pd.Series(is_unknown(region_raw), index=region_raw.index)
    problems.add(token & ~have_point, said(region_raw, "region", "means unknown, but a state or province is required "
                                           "(or latitude and longitude)"))
    no_place = (region_raw.isna() & pd.Series(nowhere, index=region_raw.index)).to_numpy(dtype=bool)
    problems.add(no_place, "region: is blank, and latitude/longitude 0, 0 is not a place (a state or province, or a "
                           "point, is required)")
    parsed["region_code"] = book.resolve(region_raw.where(~token), "region", problems,
                                         allow_blank=have_point | token | no_place)
    parsed["latitude"], parsed["longitude"] = lat, lon

    parsed["loss_usd"] = parse_money(column(data, spec, "loss_usd"), "loss_usd", problems)
    parsed["injured"] = parse_count(column(data, spec, "injured"), "injured", problems)
    parsed["killed"] = parse_count(column(data, spec, "killed"), "killed", problems)
    parsed["weapon_shown"] = parse_bool(column(data, spec, "weapon_shown"), "weapon_shown", problems)
    parsed["location_type"] = _location_types(data, spec, problems, leave)
    hour, tod = parse_hour(column(data, spec, "hour"), "hour", problems, hhmm=spec.time_hhmm)
    fill = (hour.isna() & date_hour.notna()).to_numpy(dtype=bool)
    if fill.any():  # a date-time column gives the hour where no time column does
        hour = hour.where(~fill, date_hour)
        tod = tod.astype("object").where(~fill, time_of_day(hour.astype("float64")))
    parsed["hour"], parsed["time_of_day"] = hour, tod

    no_key = (region_raw.isna() & ctype.isna()).to_numpy(dtype=bool)  # candidates first: checking dates costs more
    if no_key.any():
        no_key = no_key & (clean_text(optional(data, "date")).isna() & clean_text(optional(data, "crime_type")).isna()
                   ).to_numpy(dtype=bool)
    sums = {k: parsed[k] for k in ("loss_usd", "injured", "killed")}
    totals = _sums_above(sums, no_key, opts.carry) if no_key.any() or opts.carry is not None else no_key
    skip_rows = pd.Series(dtype="object")
    if totals.any():
        skip_rows = pd.Series("totals row (its numbers are the sums of the rows above)", index=data.index[totals])
    left_out = pd.concat(leave) if leave else pd.Series(dtype="object")
    return finish(raw, data, hashing, parsed, problems, book, spec, skip_rows=skip_rows,
                  left_out=left_out[~left_out.index.duplicated()], carry=opts.carry)


def _location_types(data: pd.DataFrame, spec: IncidentSpec, problems: Problems, leave: list[pd.Series]) -> pd.Series:
    """The JSA spellings, or a mapping's table; what the table does not map goes as its `unmapped` says."""
    if spec.location_map is None:
        return choose(column(data, spec, "location_type"), "location_type", LOCATION_TYPES, problems, "location type")
    where = known_text(column(data, spec, "location_type"))
    found = spec.location_map.resolve(where)
    missing = (where.notna() & found.isna()).to_numpy(dtype=bool)
    if spec.location_map.unmapped == "skip":
        leave.append(_left_out(where, missing, "location type"))
    elif spec.location_map.unmapped == "quarantine":
        problems.add(missing, said(where, "location_type", "is not a location type the mapping knows"))
    else:
        problems.note(missing, "location_type", where, "is not a location type the mapping knows (read as unknown)")
    return found


def _left_out(values: pd.Series, mask: np.ndarray, what: str) -> pd.Series:
    """Why a mapping leaves out the rows whose value nothing maps."""
    return (f"{what} '" + values[mask].astype("str") + "' is not mapped").astype("object")


# spellings of the JSA location types (the JSA format's docs list them)
LOCATION_TYPES = {
    "mall": "mall", "shopping mall": "mall", "mall kiosk": "kiosk", "kiosk": "kiosk", "cart": "kiosk",
    "strip center": "strip_center", "strip centre": "strip_center", "strip mall": "strip_center",
    "shopping center": "strip_center", "shopping centre": "strip_center", "strip": "strip_center",
    "downtown": "downtown", "street": "downtown", "main street": "downtown", "city center": "downtown",
    "standalone": "standalone", "stand alone": "standalone", "freestanding": "standalone",
    "free standing": "standalone", "stand alone store": "standalone",
    "home": "home", "residence": "home", "vehicle": "vehicle", "car": "vehicle", "in transit": "vehicle",
    "trade show": "trade_show", "tradeshow": "trade_show", "show": "trade_show", "hotel": "hotel",
    "other": "other",
}


def extra_json(raw: RawTable, rows: pd.Index) -> np.ndarray | None:
    """The cells of the columns the format does not use, as JSON per row (None when the file has none)."""
    extras = [c for c in raw.data.columns if c.startswith(EXTRA)]
    if not extras:
        return None
    return row_json(raw.data.loc[rows, extras], raw.columns).replace("{}", None).to_numpy(dtype=object)


def finish(raw: RawTable, data: pd.DataFrame, hashing: Future, parsed: dict[str, pd.Series], problems: Problems,
           book: regions.RegionBook, spec: IncidentSpec, skip_rows: pd.Series | None = None,
           left_out: pd.Series | None = None, carry: Carry | None = None) -> Parsed:
    """Derive the shared columns, check coordinates, drop exact duplicates, split clean from quarantined.

    An exact duplicate (every cell of every column the same as an earlier row's) counts as a duplicate
    only, never as quarantined or skipped, whatever problems it has.
    """
    region = parsed["region_code"]
    if "latitude" in parsed:
        region = geo.check_points(parsed["latitude"], parsed["longitude"], region, book.names, problems)
    country = book.resolve_country(column(data, spec, "country"), region, "country", problems)
    city = as_category(known_text(column(data, spec, "city")))
    keys = regions.city_keys(city)
    when = parsed["occurred_on"]
    skip_rows = skip_rows if skip_rows is not None else pd.Series(dtype="object")
    skip = data.index.isin(skip_rows.index)
    hashes = hashing.result()
    # a row the mapping leaves out is filtered out before duplicates are looked for, as a filtered row is
    leave_out = np.zeros(len(data), dtype=bool)
    filtered: dict[str, int] = {}
    if left_out is not None and len(left_out):
        leave_out = data.index.isin(left_out.index) & ~skip
        filtered = {str(k): int(v) for k, v in left_out.reindex(data.index[leave_out]).value_counts().items()}
    dup = hashes.where(~(skip | leave_out)).duplicated(keep="first").to_numpy() & ~skip & ~leave_out
    duplicates = int(dup.sum())
    gone = dup | skip | leave_out
    rid = known_text(optional(data, "source_record_id"))  # an id of 'N/A' is no id
    ids = rid[~gone].dropna()
    earlier = np.zeros(len(data), dtype=bool)
    if carry is not None and len(ids):  # ids of the chunks before this one (exact copies are dropped later)
        id_hashes = text_hashes(ids)  # once: hashing a chunk's ids costs 0.15 s
        earlier[data.index.get_indexer(ids.index)] = carry.ids.contains(id_hashes)
        carry.ids.add(id_hashes)
    if ids.nunique() < len(ids) or earlier.any():  # the same id on rows that are not exact copies of each other
        repeated = (rid.notna() & rid.where(~gone).duplicated(keep="first") & ~gone).to_numpy() | earlier
        problems.add(repeated, lambda rows: "source_record_id: '" + rid[rows] + "' appears more than once with "
                     "different values")
    sample = parse_bool(optional(data, "sample"), "sample", problems).fillna(False).astype(bool)

    columns: dict[str, object] = {
        "source": pd.Categorical.from_codes(np.zeros(len(data), dtype=np.int8), [spec.source]),
        "source_record_id": rid.array,
        "sheet": np.full(len(data), raw.sheet, dtype=object),
        "row_number": data.index.to_numpy(dtype="int64"),
        "row_hash": hashes.to_numpy(),
        "occurred_on": when.array,
        "year": when.dt.year.astype("Int64").array,
        "month": when.dt.month.astype("Int64").array,
        "region_code": region.array,
        "country": country.array,
        "city": city.array,
        "city_key": keys.array,
        "description": known_text(column(data, spec, "description")).array,
        "is_sample": sample.to_numpy(dtype=bool),
        "is_major_city": book.is_major(region, keys),
        "counts_in_combined": np.full(len(data), spec.industry, dtype=bool),
    }
    columns["half"] = np.where(when.dt.month.fillna(1).to_numpy() <= 6, 1, 2)
    for name, values in parsed.items():
        if name != "region_code":
            columns[name] = values.array  # .array: no index alignment, which costs seconds on a million rows
    frame = pd.DataFrame({name: columns[name] for name in INCIDENT_COLUMNS if name in columns}, index=data.index)

    reasons = problems.reasons()
    reasons = reasons[~reasons.index.isin(data.index[gone])]
    bad = frame.index.isin(reasons.index) | gone
    quarantine = pd.DataFrame({
        "sheet": raw.sheet,
        "row_number": reasons.index.to_numpy(dtype="int64"),
        "raw": row_json(data.loc[reasons.index], raw.columns).to_numpy(),
        "reasons": reasons.to_numpy(),
        "row_hash": hashes.loc[reasons.index].to_numpy(),  # a later sheet may repeat a quarantined row
    })
    if raw.malformed:
        extra = pd.DataFrame({"sheet": raw.sheet, "row_number": [m[0] for m in raw.malformed],
                              "raw": [json.dumps({"_line": m[1]}, ensure_ascii=False) for m in raw.malformed],
                              "reasons": [[m[2]] for m in raw.malformed]})
        quarantine = pd.concat([quarantine, extra], ignore_index=True).sort_values("row_number", ignore_index=True)
    kept = frame.index[~bad]
    clean = frame.loc[kept].reset_index(drop=True)
    extras = extra_json(raw, kept)
    if extras is not None:
        clean["extra"] = extras
    clean["year"] = clean["year"].astype("int64")
    clean["month"] = clean["month"].astype("int64")
    return package(raw, clean, quarantine, duplicates, problems, kept, skip_rows, filtered)


def package(raw: RawTable, clean: pd.DataFrame, quarantine: pd.DataFrame, duplicates: int, problems: Problems,
            kept: pd.Index, skip_rows: pd.Series, filtered: dict[str, int]) -> Parsed:
    """The Parsed of one raw table: notes of the rows that load, skipped rows from the reader and the transform."""
    notes = problems.notes()
    notes = notes[notes["row"].isin(kept)]
    notes = pd.DataFrame({"sheet": raw.sheet, "row_number": notes["row"].to_numpy(dtype="int64"),
                          "column": notes["column"].to_numpy(), "value": notes["value"].to_numpy(),
                          "note": notes["note"].to_numpy()}, columns=NOTE_COLUMNS)
    skipped = pd.DataFrame([(raw.sheet, r, why, js) for r, why, js in raw.skipped], columns=SKIPPED_COLUMNS)
    if len(skip_rows):
        more = pd.DataFrame({"sheet": raw.sheet, "row_number": skip_rows.index.to_numpy(dtype="int64"),
                             "reason": skip_rows.to_numpy(), "raw": row_json(raw.data.loc[skip_rows.index],
                                                                             raw.columns).to_numpy()})
        skipped = pd.concat([skipped, more], ignore_index=True).sort_values("row_number", ignore_index=True)
    all_filtered = dict(raw.filtered)
    for reason, n in filtered.items():
        all_filtered[reason] = all_filtered.get(reason, 0) + n
    warnings = list(problems.warnings) + raw.choices
    if raw.unused:
        listed = ", ".join(f"'{u}'" + (f" (did you mean '{raw.hints[u]}'?)" if u in raw.hints else "") for u in raw.unused)
        warnings.append(f"not used: {listed}")
    parsed = Parsed(clean, quarantine, duplicates, warnings, raw.rows_in, skipped=skipped, notes=notes,
                    filtered=all_filtered, unused=list(raw.unused))
    parsed.parts = [parsed.counts(raw.sheet)]
    expected = len(clean) + duplicates + len(quarantine) + len(skipped) + parsed.filtered_out
    assert expected == raw.rows_in, f"row accounting is broken: {expected} != {raw.rows_in}"
    return parsed
