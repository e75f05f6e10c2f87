"""JSA-style incident list (CSV or XLSX): one row per crime reported against a jeweler.

Its columns are also the field names a column mapping (`--map`) assigns
a file's columns to; both run the one incident transform.
"""
from __future__ import annotations

from etl.formats import incidents
from etl.formats.base import Format, Options, Parsed
from etl.formats.headers import Column
from etl.formats.tabular import RawTable

NAME = "jsa"
SOURCE = "JSA"
TITLE = "JSA-style incident list"

COLUMNS: tuple[Column, ...] = (
    Column("date", ("incident_date", "date_of_incident", "occurred", "occurred_on", "crime_date", "event_date",
                    "date_occurred", "incident date"), True, "date",
           "Day the crime happened: 2022-03-05, 3/5/2022, Mar 5, 2022, an Excel date, ... (see Dates)", "2022-03-05"),
    Column("city", ("town", "store_city", "incident_city", "location_city"), False, "text",
           "City of the store or event", "Houston"),
    Column("region", ("state", "province", "state_province", "state_or_province", "state/province", "prov",
                      "st", "state_code", "province_code", "region_code", "state_prov"), True, "text",
           "State or province: postal code or full name, any case (50 states, DC, 13 provinces and territories). "
           "May be blank, or the column missing, when latitude and longitude are given", "TX",
           required_unless=("latitude", "longitude")),
    Column("country", ("country_code", "nation"), False, "text",
           "United States or Canada (US, USA, CA, CAN, ...); inferred from the region when blank", "US"),
    Column("crime_type", ("crime", "offense", "offence", "crime_category", "category", "incident_type",
                          "type_of_crime", "crime type"), True, "text",
           "JSA category (robbery, burglary, theft, off-premises) or a sub-type such as smash-and-grab", "smash-and-grab",
           weak=("type",)),
    Column("subtype", ("sub_type", "crime_subtype", "subcategory", "sub_category", "method"), False, "text",
           "Optional sub-type refining crime_type; must belong to the same category", "grab-and-run"),
    Column("loss_usd", ("loss", "loss_amount", "dollar_loss", "losses", "loss_value", "value_lost", "amount_lost",
                        "estimated_loss", "loss_in_usd", "usd_loss", "loss_us"), False, "money",
           "Loss in U.S. dollars: 12500, $12,500.00, $1.2M, ...; blank or N/A means unknown (never zero)", "$12,500.00"),
    Column("injured", ("injuries", "num_injured", "persons_injured", "injured_count", "number_injured"), False, "count",
           "People injured: a whole number, 0 or more", "0"),
    Column("killed", ("deaths", "fatalities", "killed_count", "num_killed", "number_killed", "homicides"), False, "count",
           "People killed: a whole number, 0 or more", "0"),
    Column("weapon_shown", ("weapon", "weapon_displayed", "gun_shown", "weapon_used", "armed_with_weapon"), False, "yes/no",
           "Whether a weapon was shown: yes/no, y/n, true/false, 1/0, x", "no"),
    Column("location_type", ("premises", "premises_type", "store_location", "setting", "venue", "store_type"), False,
           "text", "mall, strip center, downtown, standalone, kiosk (also home, vehicle, trade show, hotel, other)",
           "mall", weak=("location",)),
    Column("hour", ("time_of_day", "hour_of_day", "incident_time", "time_occurred"), False, "time",
           "Hour (14, 14:30, 2:30 PM, 1430) or a time of day (morning, afternoon, evening, night)", "14:30",
           weak=("time",)),
    Column("latitude", ("lat",), False, "number", "Decimal degrees, -90 to 90", "29.7604"),
    Column("longitude", ("lon", "lng", "long"), False, "number", "Decimal degrees, -180 to 180", "-95.3698"),
    Column("source_record_id", ("record_id", "incident_id", "jsa_id", "case_number", "case_id", "report_id"), False,
           "text", "The source's own id for the row; must be unique", "JSA-2022-000123", weak=("id", "reference")),
    Column("description", ("narrative", "details", "summary", "comments"), False, "text",
           "Free text", "Three suspects broke two showcases", weak=("notes",)),
    Column("sample", ("is_sample", "synthetic"), False, "yes/no",
           "true marks a synthetic row (the bundled sample data); blank means real data", "true"),
)
LOCATION_TYPES = incidents.LOCATION_TYPES
SPEC = incidents.IncidentSpec(source=SOURCE)


def transform(raw: RawTable, opts: Options = Options()) -> Parsed:
    return incidents.transform(raw, SPEC, opts)


FORMAT = Format(NAME, TITLE, COLUMNS, transform, target="incident", source=SOURCE, signature=frozenset({"crime_type"}),
                prepare=incidents.shared_date_order, whole_columns=incidents.DATE_COLUMNS,
                prepare_whole=incidents.whole_file_date_order)
