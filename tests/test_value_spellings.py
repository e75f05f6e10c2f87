"""The value spellings analysts really write, parser by parser (etl/formats/parse.py).

Each test calls a parser directly on a small Series whose index is the
spreadsheet row numbers (2, 3, ... as the ETL uses them) and checks the exact
values, the exact quarantine reasons (Problems.reasons), the exact per-cell
notes (Problems.notes) and the file warnings (Problems.warnings).

The rule being tested: an unreadable value in an optional column becomes
unknown with a note and the row still loads; only a missing required value or
a present but impossible one (negative amount, future date, other currency,
...) is a quarantine reason.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from etl.formats import parse as P

TODAY = dt.date(2024, 6, 1)
NOT_A_DATE = "is not a date (e.g. 2022-03-05, 3/5/2022, Mar 5, 2022 or an Excel date)"
NOT_A_COUNT = "is not a count (a whole number, 0 or more)"
OTHER_CURRENCY = "is not in U.S. dollars; convert it (the column holds USD)"
A_RANGE = "is a range, not one amount (left unknown; give a single figure)"


# ---------------------------------------------------------------- helpers

def cells(*values: object, start: int = 2) -> pd.Series:
    """Raw cells as the readers give them: text (None = empty cell), indexed by spreadsheet row."""
    return pd.Series(list(values), index=pd.Index(range(start, start + len(values)), dtype="int64"), dtype="str")


def problems_for(raw: pd.Series) -> P.Problems:
    return P.Problems(raw.index)


def reasons(problems: P.Problems) -> dict[int, list[str]]:
    return problems.reasons().to_dict()


def notes(problems: P.Problems) -> list[tuple[int, str, str, str]]:
    return [tuple(r) for r in problems.notes()[["row", "column", "value", "note"]].itertuples(index=False)]


def day(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def date_one(text: str, required: bool = False, **kw):  # noqa: ANN201
    raw = cells(text)
    pr = problems_for(raw)
    d, h = P.parse_date_time(raw, "date", pr, kw.pop("today", TODAY), required, **kw)
    return d.iloc[0], h.iloc[0], pr


def money_one(text: str):  # noqa: ANN201
    raw = cells(text)
    pr = problems_for(raw)
    return P.parse_money(raw, "loss_usd", pr).iloc[0], pr


def same_value(got: object, expected: object) -> bool:
    if expected is None:
        return bool(pd.isna(got))
    return (not pd.isna(got)) and got == expected


# ---------------------------------------------------------------- Problems

def test_notes_are_ordered_by_row_then_as_recorded():
    raw = cells("a", "b", "c")
    pr = problems_for(raw)
    pr.note(np.array([False, False, True]), "x", raw, "first note")
    pr.note(np.array([True, False, True]), "y", raw, lambda rows: "about " + raw.loc[rows])
    got = pr.notes()
    assert list(got.columns) == ["row", "column", "value", "note"]
    assert notes(pr) == [(2, "y", "a", "about a"), (4, "x", "c", "first note"), (4, "y", "c", "about c")]
    assert reasons(pr) == {}  # a note is not a quarantine reason


def test_no_notes_is_an_empty_frame_with_the_columns():
    pr = problems_for(cells("a"))
    got = pr.notes()
    assert got.empty and list(got.columns) == ["row", "column", "value", "note"]


def test_warnings_are_kept_once_each():
    pr = problems_for(cells("a"))
    pr.warn("date: something")
    pr.warn("date: something")
    pr.warn("other")
    assert pr.warnings == ["date: something", "other"]


def test_restrict_keeps_reasons_notes_and_warnings_of_the_rows():
    raw = cells("a", "b", "c")
    pr = problems_for(raw)
    pr.add(np.array([True, True, False]), "bad")
    pr.note(np.array([True, False, True]), "x", raw, "odd")
    pr.warn("file remark")
    kept = pr.restrict(pd.Index([3, 4]))
    assert reasons(kept) == {3: ["bad"]}
    assert notes(kept) == [(4, "x", "c", "odd")]
    assert kept.warnings == ["file remark"]


def test_by_value_spreads_notes_and_warnings_to_every_row_with_the_value():
    raw = cells("odd", "fine", "odd", None)

    def parse(u: pd.Series, sub: P.Problems) -> pd.Series:
        sub.note((u == "odd").to_numpy(), "col", u, "is odd")
        sub.add((u == "fine").to_numpy(), "col: fine is bad")
        sub.warn("col: a remark")
        return pd.Series(np.arange(len(u), dtype="float64"), index=u.index)

    pr = problems_for(raw)
    out = P.by_value(raw, parse, pr)
    assert out.tolist()[:3] == [0.0, 1.0, 0.0] and np.isnan(out.iloc[3])
    assert notes(pr) == [(2, "col", "odd", "is odd"), (4, "col", "odd", "is odd")]
    assert reasons(pr) == {3: ["col: fine is bad"]}
    assert pr.warnings == ["col: a remark"]


# ---------------------------------------------------------------- unknown markers

MARKERS = ["", "   ", "N/A", "NA", "n/a", "N/a", "n.a.", "-", "--", "\u2014", "\u2013", "?", "??", "unknown", "UNKNOWN",
           "Unknown", "unk", "UNK", "not known", "Not Mentioned", "  Not   Mentioned ", "none given", "not given",
           "Not Available", "not reported", "undisclosed", "not disclosed", "NULL", "null", "TBD", "tbd"]


@pytest.mark.parametrize("text", MARKERS)
def test_is_unknown_recognises_every_marker(text):
    assert P.is_unknown(cells(text)).tolist() == [True]


@pytest.mark.parametrize("text", ["none", "nil", "0", "x", "no", "mall", "12"])
def test_is_unknown_leaves_real_values_alone(text):
    assert P.is_unknown(cells(text)).tolist() == [False]


def test_is_unknown_counts_a_missing_cell_and_returns_a_bool_array():
    got = P.is_unknown(cells(None, "Houston", "n/a"))
    assert isinstance(got, np.ndarray) and got.dtype == bool
    assert got.tolist() == [True, False, True]


def test_unknown_tokens_are_normalised_spellings():
    assert "" in P.UNKNOWN_TOKENS and "n/a" in P.UNKNOWN_TOKENS and "not mentioned" in P.UNKNOWN_TOKENS
    assert "none" not in P.UNKNOWN_TOKENS and "nil" not in P.UNKNOWN_TOKENS
    assert isinstance(P.UNKNOWN_TOKENS, frozenset)


def test_known_text_blanks_markers_but_clean_text_keeps_them():
    raw = cells("  Houston ", "N/A", "", None, "Not given")
    assert P.known_text(raw).tolist()[0] == "Houston"
    assert P.known_text(raw).isna().tolist() == [False, True, True, True, True]
    assert P.clean_text(raw).tolist()[:2] == ["Houston", "N/A"]
    assert P.clean_text(raw).isna().tolist() == [False, False, True, True, False]


def _run(parser: str, raw: pd.Series, pr: P.Problems) -> pd.Series:
    if parser == "date":
        return P.parse_date(raw, "c", pr, TODAY, required=False)
    if parser == "date_time":
        d, h = P.parse_date_time(raw, "c", pr, TODAY, required=False)
        assert h.isna().all()
        return d
    if parser == "money":
        return P.parse_money(raw, "c", pr)
    if parser == "count":
        return P.parse_count(raw, "c", pr)
    if parser == "bool":
        return P.parse_bool(raw, "c", pr)
    if parser == "hour":
        h, tod = P.parse_hour(raw, "c", pr)
        assert tod.isna().all()
        return h
    if parser == "hhmm":
        return P.parse_hour(raw, "c", pr, hhmm=True)[0]
    if parser == "choose":
        return P.choose(raw, "c", {"mall": "mall"}, pr, "location type")
    if parser == "coordinate":
        return P.parse_coordinate(raw, "c", -90, 90, pr)
    raise AssertionError(parser)


@pytest.mark.parametrize("parser", ["date", "date_time", "money", "count", "bool", "hour", "hhmm", "choose",
                                    "coordinate"])
@pytest.mark.parametrize("text", MARKERS)
def test_every_parser_reads_an_unknown_marker_as_a_blank_cell(parser, text):
    raw = cells(text, "N/A")
    pr = problems_for(raw)
    out = _run(parser, raw, pr)
    assert out.isna().all()
    assert reasons(pr) == {} and notes(pr) == [] and pr.warnings == []


def test_a_required_date_that_means_unknown_is_a_reason():
    raw = cells("N/A", "  unknown ", "2022-01-05")
    pr = problems_for(raw)
    got = P.parse_date(raw, "date", pr, TODAY, required=True)
    assert got.isna().tolist() == [True, True, False]
    assert reasons(pr) == {2: ["date: 'N/A' means unknown, but a date is required"],
                           3: ["date: '  unknown ' means unknown, but a date is required"]}
    assert notes(pr) == []


def test_a_required_blank_date_is_a_reason():
    raw = cells(None, "  ", "2022-01-05")
    pr = problems_for(raw)
    P.parse_date(raw, "date", pr, TODAY, required=True)
    assert reasons(pr) == {2: ["date: is blank (required)"], 3: ["date: is blank (required)"]}


# ---------------------------------------------------------------- dates

DATES = [
    # Excel serial day numbers (the fraction is the time of day)
    ("44562", "2022-01-01", None),
    ("44562.5", "2022-01-01", 12),
    ("44562.75", "2022-01-01", 18),
    # ISO dates and date-times: the day as written, whatever the offset
    ("2022-01-05", "2022-01-05", None),
    ("2022-1-5", "2022-01-05", None),
    ("2022-01-05 13:40", "2022-01-05", 13),
    ("2022-01-05T13:40:00", "2022-01-05", 13),
    ("2022-01-05T13:40:00.123456", "2022-01-05", 13),
    ("2022-01-05T13:40:00Z", "2022-01-05", 13),
    ("2022-01-05T10:00:00+05:00", "2022-01-05", 10),
    ("2022-01-05T23:30:00-0600", "2022-01-05", 23),
    ("2022-01-06T00:15:00Z", "2022-01-06", 0),
    ("2022/01/05", "2022-01-05", None),
    # compact
    ("20220105", "2022-01-05", None),
    # numeric, no evidence of order: month first (U.S.)
    ("3/5/2022", "2022-03-05", None),
    ("03/05/2022", "2022-03-05", None),
    ("3/5/22", "2022-03-05", None),
    ("03/05/2022 01:40:00 PM", "2022-03-05", 13),
    ("03/05/2022 13:40", "2022-03-05", 13),
    ("03/05/2022 1:40 PM", "2022-03-05", 13),
    ("3/5/2022 1 pm", "2022-03-05", 13),
    ("03.05.2022", "2022-03-05", None),
    ("03-05-2022", "2022-03-05", None),
    # numeric, only one reading possible
    ("25/12/2022", "2022-12-25", None),
    ("12/25/2022", "2022-12-25", None),
    # month names
    ("Jan 5, 2022", "2022-01-05", None),
    ("Jan. 5 2022", "2022-01-05", None),
    ("January 5 2022", "2022-01-05", None),
    ("January 5th, 2022", "2022-01-05", None),
    ("JANUARY 1st, 2022", "2022-01-01", None),
    ("March 2nd 2022", "2022-03-02", None),
    ("May 3rd, 2022", "2022-05-03", None),
    ("5 January 2022", "2022-01-05", None),
    ("5-Jan-2022", "2022-01-05", None),
    ("05-JAN-22", "2022-01-05", None),
    ("18-JAN-18", "2018-01-18", None),
    ("Sept 5, 2022", "2022-09-05", None),
    ("Sep. 5, 2022", "2022-09-05", None),
    ("5th of June, 2022", "2022-06-05", None),
    ("Wed, Jan 5, 2022", "2022-01-05", None),
    ("Wednesday, January 5, 2022 3:30 PM", "2022-01-05", 15),
    ("Jan 5, 2022 14:05", "2022-01-05", 14),
    ("5 Jan 2022 at 9:15 am", "2022-01-05", 9),
]


@pytest.mark.parametrize(("text", "expected", "hour"), DATES)
def test_date_spellings(text, expected, hour):
    got_day, got_hour, pr = date_one(text, required=True)
    assert got_day == day(expected)
    assert same_value(got_hour, hour)
    assert reasons(pr) == {} and notes(pr) == [] and pr.warnings == []


def test_date_results_have_day_precision_and_nullable_hours():
    raw = cells("2022-01-05 13:40", "N/A", None)
    d, h = P.parse_date_time(raw, "date", problems_for(raw), TODAY, required=False)
    assert str(d.dtype) == "datetime64[us]" and str(h.dtype) == "Int64"
    assert d.iloc[0] == day("2022-01-05") and h.iloc[0] == 13 and d.index.tolist() == [2, 3, 4]
    assert pd.isna(h.iloc[1]) and pd.isna(h.iloc[2])


def test_parse_date_is_the_day_of_parse_date_time():
    raw = cells("2022-01-05 13:40", "3/5/22", "lots", "44562.5", None)
    a = P.parse_date(raw, "date", problems_for(raw), TODAY, required=False)
    b = P.parse_date_time(raw, "date", problems_for(raw), TODAY, required=False)[0]
    pd.testing.assert_series_equal(a, b, check_names=False)


@pytest.mark.parametrize("text", ["2022-01-05 00:00:00", "2022-01-05T00:00", "01/05/2022 12:00:00 AM",
                                  "01/05/2022 12:00 AM", "2022-01-05 00:00:00.000", "44566.0", "Jan 5, 2022 00:00"])
def test_a_midnight_date_time_gives_no_hour(text):
    got_day, got_hour, pr = date_one(text)
    assert got_day.hour == 0 and got_day.date() in (dt.date(2022, 1, 5), dt.date(2022, 1, 4))
    assert pd.isna(got_hour)
    assert notes(pr) == [] and reasons(pr) == {}


def test_just_after_midnight_is_hour_zero():
    assert date_one("2022-01-05 00:30")[1] == 0
    assert date_one("01/05/2022 12:30 AM")[1] == 0


@pytest.mark.parametrize(("text", "today", "expected"), [
    ("3/5/24", dt.date(2024, 6, 1), "2024-03-05"),
    ("3/5/25", dt.date(2024, 6, 1), "1925-03-05"),
    ("3/5/25", dt.date(2030, 6, 1), "2025-03-05"),
    ("3/5/00", dt.date(2024, 6, 1), "2000-03-05"),
    ("3/5/99", dt.date(2024, 6, 1), "1999-03-05"),
    ("05-JAN-24", dt.date(2024, 6, 1), "2024-01-05"),
    ("05-JAN-25", dt.date(2024, 6, 1), "1925-01-05"),
    ("Jan 5, 30", dt.date(2024, 6, 1), "1930-01-05"),
])
def test_two_digit_year_pivot(text, today, expected):
    got_day, _, pr = date_one(text, today=today)
    assert got_day == day(expected)
    assert notes(pr) == []


def test_a_year_alone_keeps_the_year_message():
    _, _, pr = date_one("2022", required=True)
    assert reasons(pr) == {2: ["date: '2022' looks like a year, not a date (give the day, e.g. 2022-03-05)"]}
    got, _, pr = date_one("2022", required=False)
    assert pd.isna(got) and reasons(pr) == {}
    assert notes(pr) == [(2, "date", "2022", "looks like a year, not a date (give the day, e.g. 2022-03-05)")]


@pytest.mark.parametrize("text", ["2/30/2022", "13/25/2022", "2022-02-30", "20221305", "lots", "500",
                                  "2022-01-05 25:00", "03/05/2022 13:40 PM", "3/5-2022", "Jan 32, 2022",
                                  "Smarch 5, 2022"])
def test_an_unreadable_date_is_a_reason_when_required(text):
    got, _, pr = date_one(text, required=True)
    assert pd.isna(got)
    assert reasons(pr) == {2: [f"date: '{text}' {NOT_A_DATE}"]}
    assert notes(pr) == []


@pytest.mark.parametrize("text", ["2/30/2022", "13/25/2022", "lots"])
def test_an_unreadable_optional_date_is_unknown_with_a_note(text):
    got, _, pr = date_one(text, required=False)
    assert pd.isna(got)
    assert reasons(pr) == {}
    assert notes(pr) == [(2, "date", text, NOT_A_DATE)]


@pytest.mark.parametrize("required", [True, False])
def test_future_and_pre_1900_dates_are_reasons_even_when_optional(required):
    raw = cells("2099-12-31", "1899-12-31", "12/31/2099 10:00 PM", "2024-06-01", "2024-06-02")
    pr = problems_for(raw)
    P.parse_date(raw, "date", pr, TODAY, required)
    assert reasons(pr) == {2: ["date: 2099-12-31 is in the future"], 3: ["date: 1899-12-31 is before 1900"],
                           4: ["date: 2099-12-31 is in the future"], 6: ["date: 2024-06-02 is in the future"]}
    assert notes(pr) == []


def test_formats_mix_freely_in_one_column():
    raw = cells("2022-01-05", "44562", "Jan 5, 2022", "1/5/2022", "20220105", "5-Jan-22", "2022-01-05T08:00:00Z")
    pr = problems_for(raw)
    d, h = P.parse_date_time(raw, "date", pr, TODAY, required=True)
    assert d.tolist() == [day("2022-01-05"), day("2022-01-01")] + [day("2022-01-05")] * 5
    assert h.isna().tolist() == [True] * 6 + [False] and h.iloc[6] == 8
    assert reasons(pr) == {} and pr.warnings == []


# -- day/month order

def _dates(*texts: str, **kw):  # noqa: ANN202
    raw = cells(*texts)
    pr = problems_for(raw)
    got = P.parse_date(raw, "date", pr, TODAY, required=True, **kw)
    return got, pr


def test_only_day_first_evidence_reads_ambiguous_dates_day_first_and_warns():
    got, pr = _dates("25/12/2022", "03/04/2022", "14/02/2022", "14/02/2022 10:00")
    assert got.tolist() == [day("2022-12-25"), day("2022-04-03"), day("2022-02-14"), day("2022-02-14")]
    # the same day with and without a time is one date of evidence
    assert pr.warnings == ["date: dates such as 03/04/2022 read as day/month (D/M/YYYY): "
                           "2 dates can only be day-first, none only month-first"]
    assert reasons(pr) == {} and notes(pr) == []


def test_one_day_first_date_is_counted_in_the_singular():
    got, pr = _dates("03/04/2022", "25/12/2022")
    assert got.tolist() == [day("2022-04-03"), day("2022-12-25")]
    assert pr.warnings == ["date: dates such as 03/04/2022 read as day/month (D/M/YYYY): "
                           "1 date can only be day-first, none only month-first"]


def test_conflicting_evidence_follows_the_majority_day_first_and_warns():
    got, pr = _dates("25/12/2022", "13/01/2022", "12/25/2022", "03/04/2022")
    assert got.tolist() == [day("2022-12-25"), day("2022-01-13"), day("2022-12-25"), day("2022-04-03")]
    assert pr.warnings == ["date: dates such as 03/04/2022 read as day/month (D/M/YYYY): "
                           "2 dates can only be day-first, 1 only month-first"]


def test_conflicting_evidence_follows_the_majority_month_first_and_warns():
    got, pr = _dates("25/12/2022", "12/25/2022", "01/13/2022", "03/04/2022")
    assert got.tolist() == [day("2022-12-25"), day("2022-12-25"), day("2022-01-13"), day("2022-03-04")]
    assert pr.warnings == ["date: dates such as 03/04/2022 read as month/day (M/D/YYYY): "
                           "1 date can only be day-first, 2 only month-first"]


def test_a_tie_reads_month_first_and_warns():
    got, pr = _dates("25/12/2022", "12/25/2022", "03/04/2022")
    assert got.iloc[2] == day("2022-03-04")
    assert pr.warnings == ["date: dates such as 03/04/2022 read as month/day (M/D/YYYY): "
                           "1 date can only be day-first, 1 only month-first"]


def test_no_evidence_reads_month_first_without_a_warning():
    got, pr = _dates("03/04/2022", "01/02/2022", "2/3/22")
    assert got.tolist() == [day("2022-03-04"), day("2022-01-02"), day("2022-02-03")]
    assert pr.warnings == []


def test_only_month_first_evidence_reads_month_first_without_a_warning():
    got, pr = _dates("12/25/2022", "03/04/2022")
    assert got.tolist() == [day("2022-12-25"), day("2022-03-04")]
    assert pr.warnings == []


def test_dates_written_both_ways_without_ambiguous_ones_warn():
    got, pr = _dates("25/12/2022", "12/25/2022", "03/03/2022")  # 03/03 reads the same either way
    assert got.tolist() == [day("2022-12-25"), day("2022-12-25"), day("2022-03-03")]
    assert pr.warnings == ["date: dates are written both day-first and month-first (1 date can only be day-first, "
                           "1 only month-first); each was read the only way it can be"]


def test_the_order_is_inferred_per_call():
    first, pr1 = _dates("25/12/2022", "03/04/2022")
    second, pr2 = _dates("03/04/2022")
    assert first.iloc[1] == day("2022-04-03") and second.iloc[0] == day("2022-03-04")
    assert pr1.warnings and pr2.warnings == []


def test_iso_and_month_names_are_no_evidence():
    got, pr = _dates("2022-12-25", "25 Dec 2022", "03/04/2022")
    assert got.iloc[2] == day("2022-03-04") and pr.warnings == []


def test_forced_day_first_order():
    got, pr = _dates("03/04/2022", "12/25/2022", "25/12/2022", order="DM")
    assert got.iloc[0] == day("2022-04-03") and pd.isna(got.iloc[1]) and got.iloc[2] == day("2022-12-25")
    assert reasons(pr) == {3: [f"date: '12/25/2022' {NOT_A_DATE}"]}
    assert pr.warnings == []


def test_forced_month_first_order():
    got, pr = _dates("03/04/2022", "25/12/2022", "25/12/2022", "14/01/2022", order="MD")
    assert got.iloc[0] == day("2022-03-04") and got.iloc[1:].isna().all()
    assert reasons(pr) == {3: [f"date: '25/12/2022' {NOT_A_DATE}"], 4: [f"date: '25/12/2022' {NOT_A_DATE}"],
                           5: [f"date: '14/01/2022' {NOT_A_DATE}"]}
    assert pr.warnings == []


def test_an_unknown_order_is_refused():
    with pytest.raises(ValueError, match="order must be"):
        _dates("03/04/2022", order="YMD")


# -- formats from a column mapping

def test_mapping_formats_are_tried_first_in_order():
    raw = cells("05|01|2022", "2022.005", "03/04/2022", "2022-01-05")
    pr = problems_for(raw)
    got = P.parse_date(raw, "date", pr, TODAY, required=True, formats=["%d|%m|%Y", "%Y.%j", "%d/%m/%Y"])
    assert got.tolist() == [day("2022-01-05"), day("2022-01-05"), day("2022-04-03"), day("2022-01-05")]
    assert reasons(pr) == {} and pr.warnings == []  # 03/04 came from the mapping, not from inference


def test_mapping_format_with_a_time_gives_the_hour():
    raw = cells("05/01/2022 13h40", "05/01/2022 00h00", "2022-01-05 09:00")
    d, h = P.parse_date_time(raw, "date", problems_for(raw), TODAY, required=True, formats=["%d/%m/%Y %Hh%M"])
    assert d.tolist() == [day("2022-01-05")] * 3
    assert h.iloc[0] == 13 and pd.isna(h.iloc[1]) and h.iloc[2] == 9


def test_a_value_the_mapping_format_misses_is_still_checked():
    raw = cells("5th of Never", "2099-01-01")
    pr = problems_for(raw)
    P.parse_date(raw, "date", pr, TODAY, required=False, formats=["%d|%m|%Y"])
    assert notes(pr) == [(2, "date", "5th of Never", NOT_A_DATE)]
    assert reasons(pr) == {3: ["date: 2099-01-01 is in the future"]}


# -- many distinct date-times (the vectorised path)

@pytest.mark.parametrize("fmt", ["%m/%d/%Y %I:%M:%S %p", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M",
                                 "%Y-%m-%dT%H:%M:%S+05:00", "%b %d, %Y %I:%M %p", "%d-%b-%y"])
def test_many_distinct_date_times_match_the_calendar(fmt):
    rng = np.random.default_rng(7)
    stamps = pd.Series(pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 9 * 365 * 86400, 3000), unit="s"))
    text = stamps.dt.strftime(fmt)
    # unpadded variants go through the regex path rather than the fixed-width one
    text.iloc[::3] = text.iloc[::3].str.replace(r"^0", "", regex=True).str.replace(r"/0", "/", regex=True)
    raw = pd.Series(text.to_numpy(), index=range(2, 2 + len(text)), dtype="str")
    pr = problems_for(raw)
    d, h = P.parse_date_time(raw, "date", pr, TODAY, required=True, order="MD")
    assert reasons(pr) == {} and notes(pr) == []
    assert (d.to_numpy() == stamps.dt.floor("D").to_numpy()).all()
    if "%H" in fmt or "%I" in fmt:
        midnight = (stamps.dt.hour == 0) & (stamps.dt.minute == 0) & (("%S" not in fmt) | (stamps.dt.second == 0))
        expected = stamps.dt.hour.astype("Int64").where(~midnight.to_numpy())
        assert h.reset_index(drop=True).equals(expected.reset_index(drop=True))
    else:
        assert h.isna().all()


# ---------------------------------------------------------------- hours

HOURS = [
    ("14", 14, "afternoon"), ("0", 0, "night"), ("23", 23, "night"), ("14:30", 14, "afternoon"),
    ("13:40:00", 13, "afternoon"), ("2 pm", 14, "afternoon"), ("2:30 PM", 14, "afternoon"),
    ("2:30 p.m.", 14, "afternoon"), ("12 am", 0, "night"), ("12 pm", 12, "afternoon"), ("1:40:00 PM", 13, "afternoon"),
    ("9 AM", 9, "morning"), ("0330", 3, "night"), ("1540", 15, "afternoon"), ("330", 3, "night"),
    ("0000", 0, "night"), ("2359", 23, "night"), ("1540h", 15, "afternoon"), ("15h40", 15, "afternoon"),
    ("1540 hrs", 15, "afternoon"), ("15h", 15, "afternoon"),
    ("morning", None, "morning"), ("Afternoon", None, "afternoon"), ("evening", None, "evening"),
    ("night", None, "night"), ("overnight", None, "night"), ("after hours", None, "night"),
    ("After  Hours", None, "night"), ("noon", None, "afternoon"), ("business hours", None, None),
]


@pytest.mark.parametrize(("text", "hour", "tod"), HOURS)
def test_hour_spellings(text, hour, tod):
    raw = cells(text)
    pr = problems_for(raw)
    h, t = P.parse_hour(raw, "hour", pr)
    assert same_value(h.iloc[0], hour) and same_value(t.iloc[0], tod)
    assert reasons(pr) == {} and notes(pr) == []


@pytest.mark.parametrize(("text", "hour"), [("5", 0), ("45", 0), ("130", 1), ("0330", 3), ("1540", 15),
                                            ("0", 0), ("14:30", 14), ("2 pm", 14)])
def test_hhmm_column_reads_every_whole_number_as_hhmm(text, hour):
    raw = cells(text)
    pr = problems_for(raw)
    assert P.parse_hour(raw, "TIME OCC", pr, hhmm=True)[0].iloc[0] == hour
    assert notes(pr) == []


@pytest.mark.parametrize(("text", "hhmm"), [("2400", False), ("1260", False), ("25", False), ("45", False),
                                            ("13 pm", False), ("0 am", False), ("14:75", False), ("soon", False),
                                            ("2400", True), ("99", True), ("12345", True)])
def test_an_unreadable_hour_is_unknown_with_a_note_never_a_reason(text, hhmm):
    raw = cells("14", text)
    pr = problems_for(raw)
    h, t = P.parse_hour(raw, "hour", pr, hhmm=hhmm)
    assert pd.isna(h.iloc[1]) and pd.isna(t.iloc[1])
    assert reasons(pr) == {}
    assert notes(pr) == [(3, "hour", text, "is not an hour or time of day")]


# ---------------------------------------------------------------- money

MONEY = [
    ("12500", 12500.0), ("$12,500.00", 12500.0), ("12,500", 12500.0), ("$ 12 500", 12500.0),
    ("USD 12,500", 12500.0), ("US$12,500", 12500.0), ("12500 usd", 12500.0), ("1.25e4", 12500.0), ("0", 0.0),
    ("$0.00", 0.0), ("1,250.50 USD", 1250.5), ("USD 1,250", 1250.0), ("  $7.25 ", 7.25),
    # multipliers
    ("$1.2M", 1_200_000.0), ("$1.5 million", 1_500_000.0), ("$1.5 mil", 1_500_000.0), ("$2 MM", 2_000_000.0),
    ("$250K", 250_000.0), ("$250k", 250_000.0), ("250 thousand", 250_000.0), ("$1.1B", 1_100_000_000.0),
    ("$1 billion", 1_000_000_000.0), ("$1bn", 1_000_000_000.0), ("1.5 Million dollars", 1_500_000.0),
]


@pytest.mark.parametrize(("text", "expected"), MONEY)
def test_money_spellings(text, expected):
    value, pr = money_one(text)
    assert value == expected
    assert reasons(pr) == {} and notes(pr) == []


@pytest.mark.parametrize(("text", "expected", "why"), [
    ("$100,000 in jewelry", 100000.0, "read as 100000; the words after the number were left out"),
    ("$5,000 worth of watches", 5000.0, "read as 5000; the words after the number were left out"),
    ("$2.5M, mostly Rolex watches", 2500000.0, "read as 2500000; the words after the number were left out"),
    ("5000 (insured)", 5000.0, "read as 5000; the words after the number were left out"),
    ("approx. $5,000", 5000.0, "read as 5000; 'approx.' before the number was left out"),
    ("approximately 5000", 5000.0, "read as 5000; 'approximately' before the number was left out"),
    ("About $5k", 5000.0, "read as 5000; 'About' before the number was left out"),
    ("around 5000", 5000.0, "read as 5000; 'around' before the number was left out"),
    ("~5000", 5000.0, "read as 5000; '~' before the number was left out"),
    ("est. 5000", 5000.0, "read as 5000; 'est.' before the number was left out"),
    ("estimated $5,000", 5000.0, "read as 5000; 'estimated' before the number was left out"),
    ("over $100,000", 100000.0, "read as 100000; 'over' before the number was left out"),
    ("more than 5000", 5000.0, "read as 5000; 'more than' before the number was left out"),
    ("nearly 5000", 5000.0, "read as 5000; 'nearly' before the number was left out"),
    ("up to $5,000", 5000.0, "read as 5000; 'up to' before the number was left out"),
    ("at least $5,000", 5000.0, "read as 5000; 'at least' before the number was left out"),
    ("about $1.5 million in jewelry", 1500000.0,
     "read as 1500000; 'about' before the number and the words after the number were left out"),
    ("$1,250.50 in cash", 1250.5, "read as 1250.5; the words after the number were left out"),
])
def test_money_with_words_is_read_with_a_note(text, expected, why):
    value, pr = money_one(text)
    assert value == expected
    assert reasons(pr) == {}
    assert notes(pr) == [(2, "loss_usd", text, why)]


@pytest.mark.parametrize("text", ["$5,000-$10,000", "5k to 10k", "$5,000 - $10,000", "5000-10000",
                                  "between $1M and $2M", "$5,000 \u2013 $10,000"])
def test_a_range_is_unknown_with_a_note(text):
    value, pr = money_one(text)
    assert np.isnan(value)
    assert reasons(pr) == {}
    assert notes(pr) == [(2, "loss_usd", text, A_RANGE)]


@pytest.mark.parametrize("text", ["CAD 500", "500 CAD", "C$500", "CAN$500", "EUR 500", "500 eur", "€500", "£500",
                                  "GBP 500", "¥500", "JPY 50000", "MXN 500", "5000EUR"])
def test_another_currency_is_a_reason(text):
    value, pr = money_one(text)
    assert np.isnan(value)
    assert reasons(pr) == {2: [f"loss_usd: '{text}' {OTHER_CURRENCY}"]}
    assert notes(pr) == []


@pytest.mark.parametrize(("text", "expected"), [("(1,234)", -1234.0), ("-5", -5.0), ("$-5", -5.0), ("(5)", -5.0),
                                                ("-$1.2M", -1_200_000.0), ("($250K)", -250_000.0)])
def test_a_negative_amount_is_a_reason(text, expected):
    value, pr = money_one(text)
    assert value == expected
    assert reasons(pr) == {2: [f"loss_usd: '{text}' is negative"]}


@pytest.mark.parametrize("text", ["$20,000,000,000", "$20B", "2e11"])
def test_an_implausibly_large_amount_is_a_reason(text):
    _, pr = money_one(text)
    assert reasons(pr) == {2: [f"loss_usd: '{text}' is implausibly large"]}


@pytest.mark.parametrize("text", ["lots", "12.500,00", "1,2,3", "12,50", "$", "USD", "none", "1.2.3", "$5 and $10"])
def test_an_unreadable_amount_is_unknown_with_a_note(text):
    value, pr = money_one(text)
    assert np.isnan(value)
    assert reasons(pr) == {}
    assert notes(pr) == [(2, "loss_usd", text, "is not an amount")]


def test_money_column_mixes_fast_and_unusual_values():
    raw = cells("12500", None, "$1.2M", "", "lots", "$12,500.00", "lots", "N/A", "(1,234)")
    pr = problems_for(raw)
    got = P.parse_money(raw, "loss_usd", pr)
    assert got.index.tolist() == list(range(2, 11))
    assert got.tolist()[:1] + got.tolist()[2:3] + got.tolist()[5:6] + got.tolist()[8:] == \
        [12500.0, 1_200_000.0, 12500.0, -1234.0]
    assert got.isna().tolist() == [False, True, False, True, True, False, True, True, False]
    assert notes(pr) == [(6, "loss_usd", "lots", "is not an amount"), (8, "loss_usd", "lots", "is not an amount")]
    assert reasons(pr) == {10: ["loss_usd: '(1,234)' is negative"]}


# ---------------------------------------------------------------- counts

@pytest.mark.parametrize(("text", "expected"), [
    ("3", 3), ("3.0", 3), ("0", 0), (" 4 ", 4), ("9999", 9999), ("zero", 0), ("one", 1), ("Two", 2), ("THREE", 3),
    ("ten", 10), ("twelve", 12), ("twenty", 20), ("none", 0), ("None", 0), ("no one", 0), ("No One", 0),
    ("nobody", 0), ("Nobody", 0),
])
def test_count_spellings(text, expected):
    raw = cells(text)
    pr = problems_for(raw)
    got = P.parse_count(raw, "injured", pr)
    assert str(got.dtype) == "Int64" and got.iloc[0] == expected
    assert reasons(pr) == {} and notes(pr) == []


@pytest.mark.parametrize("text", ["-1", "1.5", "10000", "-0.5", "2.25"])
def test_an_impossible_count_is_a_reason(text):
    raw = cells(text)
    pr = problems_for(raw)
    assert P.parse_count(raw, "injured", pr).isna().all()
    assert reasons(pr) == {2: [f"injured: '{text}' {NOT_A_COUNT}"]}
    assert notes(pr) == []


@pytest.mark.parametrize("text", ["several", "a few", "many", "twenty-one", "2 people"])
def test_other_count_text_is_unknown_with_a_note(text):
    raw = cells("1", text, text)
    pr = problems_for(raw)
    got = P.parse_count(raw, "killed", pr)
    assert got.iloc[0] == 1 and got.iloc[1:].isna().all()
    assert reasons(pr) == {}
    assert notes(pr) == [(3, "killed", text, NOT_A_COUNT), (4, "killed", text, NOT_A_COUNT)]


# ---------------------------------------------------------------- yes/no

@pytest.mark.parametrize(("text", "expected"), [
    ("yes", True), ("Yes", True), ("YES", True), ("y", True), ("Y", True), ("true", True), ("TRUE", True),
    ("t", True), ("1", True), ("x", True), ("X", True), ("shown", True), ("Displayed", True),
    ("no", False), ("No", False), ("n", False), ("N", False), ("false", False), ("False", False), ("f", False),
    ("0", False), ("none", False), ("None", False), ("not shown", False), ("Not  Shown", False),
])
def test_yes_no_spellings(text, expected):
    raw = cells(text)
    pr = problems_for(raw)
    got = P.parse_bool(raw, "weapon_shown", pr)
    assert str(got.dtype) == "boolean" and bool(got.iloc[0]) is expected
    assert reasons(pr) == {} and notes(pr) == []


@pytest.mark.parametrize("text", ["maybe", "probably", "2", "yes?"])
def test_other_yes_no_text_is_unknown_with_a_note(text):
    raw = cells(text)
    pr = problems_for(raw)
    assert P.parse_bool(raw, "weapon_shown", pr).isna().all()
    assert reasons(pr) == {}
    assert notes(pr) == [(2, "weapon_shown", text, "is not yes/no")]


# ---------------------------------------------------------------- choices and coordinates

LOCATIONS = {"mall": "mall", "shopping mall": "mall", "strip center": "strip_center"}


def test_choose_maps_spellings_and_notes_the_rest():
    raw = cells("Mall", "strip-center", "Shopping  Mall", "moon base", "N/A", "Unknown", "!!!")
    pr = problems_for(raw)
    got = P.choose(raw, "location_type", LOCATIONS, pr, "location type")
    assert got.iloc[:3].tolist() == ["mall", "strip_center", "mall"] and got.iloc[3:].isna().all()
    assert reasons(pr) == {}
    why = "is not a known location type (mall, strip_center)"
    assert notes(pr) == [(5, "location_type", "moon base", why), (8, "location_type", "!!!", why)]


def test_coordinates():
    raw = cells("29.7604", "abc", "N/A", "95", "-", "-90")
    pr = problems_for(raw)
    got = P.parse_coordinate(raw, "latitude", -90, 90, pr)
    assert got.iloc[0] == 29.7604 and got.iloc[5] == -90 and got.iloc[1:5].isna().all()
    assert reasons(pr) == {5: ["latitude: '95' is outside -90 to 90"]}
    assert notes(pr) == [(3, "latitude", "abc", "is not a number")]
