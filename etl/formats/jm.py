"""Jewelers-Mutual-style claims list (CSV or XLSX): one row per insurance claim.

A claim's loss (loss_usd) is what it is expected to cost: paid plus reserve
(the insurer's "incurred"); blank when both are blank.
"""
from __future__ import annotations

import pandas as pd

from etl import taxonomy
from etl.formats.base import Format, Options, Parsed
from etl.formats.headers import Column
from etl.formats.incidents import (DATE_COLUMNS, IncidentSpec, finish, optional, required_text, shared_date_order,
                                   start_hashing, whole_file_date_order)
from etl.formats.parse import Problems, choose, parse_date, parse_money, said
from etl.formats.tabular import RawTable
from etl import regions  # module import: etl.regions imports etl.formats.parse in turn

NAME = "jm"
SOURCE = "JM"
TITLE = "JM-style claims list"

COLUMNS: tuple[Column, ...] = (
    Column("source_record_id", ("claim_number", "claim_no", "claim_id", "claim_num"), True, "text",
           "Claim number; unique within the file", "JM-22-004512", weak=("claim",)),
    Column("date", ("loss_date", "date_of_loss", "loss_dt", "incident_date", "date_of_incident"), True, "date",
           "Day of the loss: 2022-03-05, 3/5/2022, Mar 5, 2022, an Excel date, ... (see Dates)", "3/5/2022"),
    Column("reported_date", ("report_date", "date_reported", "reported", "notice_date", "fnol_date",
                             "reported_on"), False, "date",
           "Day the claim was reported; not before the loss date", "2022-03-07"),
    Column("city", ("store_city", "location_city", "insured_city"), False, "text", "Store city", "Toronto"),
    Column("region", ("store_state", "store_province", "state", "province", "state_province", "store_region",
                      "store_state_province", "state_or_province"), True, "text",
           "Store state or province: postal code or full name, any case", "ON"),
    Column("country", ("country_code", "store_country"), False, "text", "United States or Canada; inferred when blank", "CA"),
    Column("loss_cause", ("cause_of_loss", "peril", "loss_type", "claim_type", "type_of_loss"), True, "text",
           "robbery, smash and grab, burglary, theft, distraction, grab and run, mysterious disappearance, damage, ...",
           "smash and grab", weak=("cause",)),
    Column("paid_usd", ("paid", "paid_amount", "paid_loss", "amount_paid", "indemnity_paid", "total_paid"), False, "money",
           "Amount paid so far, U.S. dollars; blank = unknown", "$18,250.00"),
    Column("reserve_usd", ("reserve", "outstanding_reserve", "case_reserve", "reserve_amount", "open_reserve"), False,
           "money", "Amount still reserved, U.S. dollars; blank = unknown", "0"),
    Column("status", ("claim_status", "state_of_claim"), False, "text",
           "open, closed, reopened, denied, pending, withdrawn", "closed"),
    Column("description", ("narrative", "details", "summary", "loss_description"), False, "text", "Free text", "",
           weak=("notes",)),
    Column("sample", ("is_sample", "synthetic"), False, "yes/no", "true marks a synthetic row (bundled sample data)", "true"),
)

STATUSES = {"open": "open", "closed": "closed", "reopened": "reopened", "re opened": "reopened", "denied": "denied",
            "declined": "denied", "pending": "pending", "withdrawn": "withdrawn", "closed without payment": "denied",
            "cwp": "denied", "subrogation": "closed", "settled": "closed", "paid": "closed"}


SPEC = IncidentSpec(source=SOURCE, allow_other=True)


def transform(raw: RawTable, opts: Options = Options(), book: regions.RegionBook | None = None) -> Parsed:
    book = book or regions.region_book()
    hashing = start_hashing(raw)
    data = raw.data
    problems = Problems(data.index)
    parsed: dict[str, pd.Series] = {}
    when = parse_date(data["date"], "loss_date", problems, opts.day(), required=True, evidence=opts.date_evidence)
    reported = parse_date(optional(data, "reported_date"), "reported_date", problems, opts.day(), required=False,
                          evidence=opts.date_evidence)
    problems.add(reported.notna() & when.notna() & (reported < when), "reported_date: is before the loss date")
    parsed["occurred_on"] = when
    parsed["reported_on"] = reported

    cause = required_text(data, SPEC, "loss_cause", "loss_cause", "a loss cause", problems)
    kinds = taxonomy.resolve_series(cause)
    problems.add(cause.notna() & kinds["category"].isna(), said(cause, "loss_cause", "is not a known loss cause"))
    parsed.update({k: kinds[k] for k in ("category", "subtype", "crimes_against")})

    required_text(data, SPEC, "source_record_id", "claim_number", "a claim number", problems)
    region = required_text(data, SPEC, "region", "store_region", "a state or province", problems)
    parsed["region_code"] = book.resolve(region, "store_region", problems, allow_blank=region.isna())
    paid = parse_money(optional(data, "paid_usd"), "paid_usd", problems)
    reserve = parse_money(optional(data, "reserve_usd"), "reserve_usd", problems)
    parsed["paid_usd"], parsed["reserve_usd"] = paid, reserve
    parsed["loss_usd"] = paid.fillna(0) + reserve.fillna(0)
    parsed["loss_usd"] = parsed["loss_usd"].where(paid.notna() | reserve.notna())
    parsed["claim_status"] = choose(optional(data, "status"), "status", STATUSES, problems, "claim status")
    return finish(raw, data, hashing, parsed, problems, book, SPEC, carry=opts.carry)


FORMAT = Format(NAME, TITLE, COLUMNS, transform, target="incident", source=SOURCE,
                signature=frozenset({"source_record_id", "loss_cause"}), prepare=shared_date_order,
                whole_columns=DATE_COLUMNS, prepare_whole=whole_file_date_order)
