"""JSA-style incident list (CSV or XLSX): one row per crime reported."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from etl import taxonomy
from etl.formats.incidents import Parsed, finish, optional, start_hashing, today
from etl.formats.parse import (Problems, choose, clean_text, parse_bool, parse_coordinate, parse_count, parse_date,
                               parse_hour, parse_money, quote, said)
from etl.formats.tabular import Column, RawTable, read_table
from etl import regions  # module import: etl.regions imports etl.formats.parse in turn

NAME = "jsa"
SOURCE = "JSA"
TITLE = "JSA-style incident list"

COLUMNS: tuple[Column, ...] = (
    Column("date", ("incident_date", "date_of_incident", "occurred", "occurred_on", "crime_date", "event_date",
                    "date_occurred", "incident date"), True, "date",
           "Day the crime happened: ISO 2022-03-05, US 3/5/2022, or an Excel date", "2022-03-05"),
    Column("city", ("town", "store_city", "incident_city", "location_city"), False, "text",
           "City of the store or event", "Houston"),
    Column("region", ("state", "province", "state_province", "state_or_province", "state/province", "prov",
                      "st", "state_code", "province_code", "region_code", "state_prov"), True, "text",
           "State or province: postal code or full name, any case (50 states, DC, 13 provinces and territories). "
           "May be blank when latitude and longitude are given", "TX"),
    Column("country", ("country_code", "nation"), False, "text",
           "United States or Canada (US, USA, CA, CAN, ...); inferred from the region when blank", "US"),
    Column("crime_type", ("type", "crime", "offense", "offence", "crime_category", "category", "incident_type",
                          "type_of_crime", "crime type"), True, "text",
           "JSA category (robbery, burglary, theft, off-premises) or a sub-type such as smash-and-grab", "smash-and-grab"),
    Column("subtype", ("sub_type", "crime_subtype", "subcategory", "sub_category", "method"), False, "text",
           "Optional sub-type refining crime_type; must belong to the same category", "grab-and-run"),
    Column("loss_usd", ("loss", "loss_amount", "dollar_loss", "losses", "loss_value", "value_lost", "amount_lost",
                        "estimated_loss", "loss_in_usd", "usd_loss", "loss_us"), False, "money",
           "Loss in U.S. dollars: 12500 or $12,500.00; blank means unknown (never zero); (1,234) is negative", "$12,500.00"),
    Column("injured", ("injuries", "num_injured", "persons_injured", "injured_count", "number_injured"), False, "count",
           "People injured: a whole number, 0 or more", "0"),
    Column("killed", ("deaths", "fatalities", "killed_count", "num_killed", "number_killed", "homicides"), False, "count",
           "People killed: a whole number, 0 or more", "0"),
    Column("weapon_shown", ("weapon", "weapon_displayed", "gun_shown", "weapon_used", "armed_with_weapon"), False, "yes/no",
           "Whether a weapon was shown: yes/no, y/n, true/false, 1/0", "no"),
    Column("location_type", ("location", "premises", "premises_type", "store_location", "setting", "venue",
                             "store_type"), False, "text",
           "mall, strip center, downtown, standalone, kiosk (also home, vehicle, trade show, hotel, other)", "mall"),
    Column("hour", ("time", "time_of_day", "hour_of_day", "incident_time", "time_occurred"), False, "time",
           "Hour (14, 14:30, 2:30 PM) or a time of day (morning, afternoon, evening, night)", "14:30"),
    Column("latitude", ("lat",), False, "number", "Decimal degrees, -90 to 90", "29.7604"),
    Column("longitude", ("lon", "lng", "long"), False, "number", "Decimal degrees, -180 to 180", "-95.3698"),
    Column("source_record_id", ("record_id", "id", "incident_id", "jsa_id", "case_number", "case_id", "report_id",
                                "reference"), False, "text", "The source's own id for the row; must be unique", "JSA-2022-000123"),
    Column("description", ("narrative", "details", "notes", "summary", "comments"), False, "text",
           "Free text", "Three suspects broke two showcases"),
    Column("sample", ("is_sample", "synthetic"), False, "yes/no",
           "true marks a synthetic row (the bundled sample data); blank means real data", "true"),
)

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


def read(path: Path) -> RawTable:
    return read_table(path, COLUMNS)


def transform(raw: RawTable, book: regions.RegionBook | None = None, on: dt.date | None = None) -> Parsed:
    book = book or regions.region_book()
    hashing = start_hashing(raw)
    data = raw.data
    problems = Problems(data.index)
    parsed: dict[str, pd.Series] = {}
    parsed["occurred_on"] = parse_date(data["date"], "date", problems, on or today(), required=True)

    ctype = clean_text(data["crime_type"])
    kinds = taxonomy.resolve_series(ctype)
    problems.add(ctype.isna(), "crime_type: is blank (required)")
    problems.add(ctype.notna() & kinds["category"].isna(),
                 said(ctype, "crime_type", "is not a known crime type (robbery, burglary, theft, off-premises or a sub-type)"))
    sub_raw = clean_text(optional(data, "subtype"))
    if sub_raw.notna().any():
        sub = taxonomy.resolve_series(sub_raw)
        unknown = sub_raw.notna() & sub["subtype"].isna()
        problems.add(unknown, said(sub_raw, "subtype", "is not a known sub-type"))
        clash = sub_raw.notna() & sub["category"].notna() & kinds["category"].notna() & (sub["category"] != kinds["category"])
        problems.add(clash, lambda rows: "subtype: " + quote(sub_raw[rows]) + " does not belong to crime type " + quote(ctype[rows]))
        use = sub_raw.notna() & ~unknown & ~clash
        kinds.loc[use, "subtype"] = sub.loc[use, "subtype"]
    not_jsa = (kinds["category"] == "other").fillna(False).to_numpy(dtype=bool)
    problems.add(not_jsa, said(ctype, "crime_type", "is an insurance loss cause, not a JSA crime type "
                               "(robbery, burglary, theft, off-premises); it belongs in a JM claims list"))
    parsed.update({k: kinds[k] for k in ("category", "subtype", "crimes_against")})

    have_coords = clean_text(optional(data, "latitude")).notna() & clean_text(optional(data, "longitude")).notna()
    parsed["region_code"] = book.resolve(data["region"], "region", problems, allow_blank=have_coords)
    parsed["loss_usd"] = parse_money(optional(data, "loss_usd"), "loss_usd", problems)
    parsed["injured"] = parse_count(optional(data, "injured"), "injured", problems)
    parsed["killed"] = parse_count(optional(data, "killed"), "killed", problems)
    parsed["weapon_shown"] = parse_bool(optional(data, "weapon_shown"), "weapon_shown", problems)
    parsed["location_type"] = choose(optional(data, "location_type"), "location_type", LOCATION_TYPES, problems,
                                     "location type")
    parsed["hour"], parsed["time_of_day"] = parse_hour(optional(data, "hour"), "hour", problems)
    lat = parse_coordinate(optional(data, "latitude"), "latitude", -90, 90, problems)
    lon = parse_coordinate(optional(data, "longitude"), "longitude", -180, 180, problems)
    half = lat.isna() ^ lon.isna()
    problems.add(half & clean_text(optional(data, "latitude")).isna(), "latitude: is blank but longitude is given")
    problems.add(half & clean_text(optional(data, "longitude")).isna(), "longitude: is blank but latitude is given")
    parsed["latitude"], parsed["longitude"] = lat, lon
    return finish(raw, data, hashing, parsed, problems, book, SOURCE)
