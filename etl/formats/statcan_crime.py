"""Statistics Canada Table 35-10-0177-01, "Incident-based crime statistics, by detailed violations", as
downloaded with "CSV for database loading" (the whole table or a customised selection).

The layout is long: one line per year, place, violation and statistic. Only Canada, the provinces and
the territories are kept (the table also has Census Metropolitan Areas and the Canadian Forces Military
Police), and only two statistics: `Actual incidents` becomes `count` and `Rate per 100,000 population`
becomes `rate_per_100k`, both on one stored row per year, place and violation. Everything else is
counted as filtered out, by reason. The helpers that read the columns every Statistics Canada table
shares (REF_DATE, GEO, VALUE, STATUS, SCALAR_FACTOR) live here too; `statcan_population` uses them.
"""
from __future__ import annotations

import json
import re
from typing import Callable

import numpy as np
import pandas as pd

from etl import regions
from etl.formats.base import Format, Options, Parsed
from etl.formats.headers import Column
from etl.formats.incidents import package
from etl.formats.parse import Problems, clean_text
from etl.formats.rawrows import row_json
from etl.formats.tabular import RawTable
from etl.hashing import row_hashes

NAME = "statcan-crime"
TITLE = "Statistics Canada crime statistics by violation (Table 35-10-0177-01)"
SOURCE = "Statistics Canada, Table 35-10-0177-01"
COUNT, RATE = "Actual incidents", "Rate per 100,000 population"
STORED = {"actual incidents": COUNT, "rate per 100,000 population": RATE}

# Standard Geographical Classification codes of the provinces and territories, as GEO brackets them
SGC = {"10": "NL", "11": "PE", "12": "NS", "13": "NB", "24": "QC", "35": "ON", "46": "MB", "47": "SK",
       "48": "AB", "59": "BC", "60": "YT", "61": "NT", "62": "NU"}
SCALES = {"units": 1, "tens": 10, "hundreds": 100, "thousands": 1_000, "tens of thousands": 10_000,
          "hundreds of thousands": 100_000, "millions": 1_000_000, "billions": 1_000_000_000}
# why a VALUE is blank, by its STATUS symbol (Statistics Canada's symbol legend)
MISSING = {"..": "not available", "...": "not applicable", "x": "suppressed (confidentiality)",
           "f": "too unreliable to be published"}
QUALITY = {"a": "excellent", "b": "very good", "c": "good", "d": "acceptable", "e": "use with caution",
           "f": "too unreliable to be published"}
SYMBOLS = {"p": "preliminary", "r": "revised"}
BRACKETS = re.compile(r"^(?P<name>.*?)\s*\[(?P<code>[^\[\]]*)\]\s*$")
COPY = "an exact copy of an earlier row of the file (every cell the same): counted once"
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)$")


def statcan_columns(*dimensions: Column) -> tuple[Column, ...]:
    """The columns of a "CSV for database loading" file, with the table's own dimensions after DGUID."""
    def plain(name: str, what: str) -> Column:
        return Column(name, (), False, "text", what)
    return (Column("ref_date", (), True, "year", "reference year", "2024"),
            Column("geo", (), True, "text", "Canada, a province or territory (other places are filtered out)",
                   "Ontario [35]"),
            plain("dguid", "the place's geographic identifier (not used)"), *dimensions,
            plain("uom", "unit of measure (not used)"), plain("uom_id", "its code (not used)"),
            plain("scalar_factor", "units; tens to billions are multiplied out"), plain("scalar_id", "not used"),
            plain("vector", "series id (not used)"), plain("coordinate", "cell id (not used)"),
            Column("value", (), True, "number", "the figure; blank when STATUS says why", "62.00"),
            plain("status", "why VALUE is blank, or its quality"), plain("symbol", "p preliminary, r revised"),
            plain("terminated", "not used"), plain("decimals", "not used"))


COLUMNS = statcan_columns(
    Column("violations", (), True, "text", "violation name with its code in brackets", "Total robbery [1610]"),
    Column("statistics", (), True, "text", "Actual incidents or Rate per 100,000 population are stored",
           "Actual incidents"))


def per_value(s: pd.Series, read: Callable[[str | None], tuple]) -> list[pd.Series]:
    """`read` once per distinct cell text (None for a blank cell); one Series per item of its result."""
    codes, uniques = pd.factorize(clean_text(s), use_na_sentinel=True)
    results = [read(u) for u in uniques] + [read(None)]
    take = np.where(codes < 0, len(uniques), codes)
    return [pd.Series(np.array([r[i] for r in results], dtype=object)[take], index=s.index, dtype=object)
            for i in range(len(results[0]))]


def _text(v: str) -> str:
    return f"'{v[:60]}'"


def _geo(text: str | None) -> tuple:
    """(region code, national, filter reason, problem) of one GEO cell."""
    if text is None:
        return None, False, None, "GEO: is blank (required)"
    book = regions.region_book()
    m = BRACKETS.match(text)
    name, code = (m["name"], m["code"].strip()) if m else (text, None)
    key = regions.fold(name)
    named = book.codes.get(key) if book.country.get(book.codes.get(key, "")) == "CA" else None
    if key == "canada":
        return None, True, None, None
    if "military police" in key:
        return None, False, f"GEO {_text(text)} is a police service, not Canada, a province or a territory", None
    if code in SGC:
        if named is not None and named != SGC[code]:
            return None, False, None, f"GEO: {_text(text)} names {book.names[named]} but [{code}] is " \
                                      f"{book.names[SGC[code]]}"
        return SGC[code], False, None, None
    if "," in name or (code is not None and code.isdigit() and len(code) >= 3):
        return None, False, "GEO is a Census Metropolitan Area or part of one, not Canada, a province or " \
                            "a territory", None
    if code is None and named is not None:
        return named, False, None, None
    return None, False, None, f"GEO: {_text(text)} is not Canada, a Canadian province or territory"


def _number(text: str | None) -> tuple:
    """(value, problem) of a VALUE cell; blank is (None, None)."""
    if text is None:
        return None, None
    body = text.replace(",", "").replace(" ", "")
    return (float(body), None) if NUMBER.match(body) else (None, f"VALUE: {_text(text)} is not a number")


def _scale(text: str | None) -> tuple:
    if text is None:
        return 1, None
    factor = SCALES.get(" ".join(text.lower().split()))
    return (factor, None) if factor else (None, f"SCALAR_FACTOR: {_text(text)} is not one of " + ", ".join(SCALES))


def _status(text: str | None) -> tuple:
    """(why a blank VALUE is blank, quality remark on a VALUE given) for a STATUS cell."""
    if text is None:
        return "not available", None
    low = text.lower()
    why = MISSING.get(low, f"not available (STATUS {_text(text)})")
    return why, (f"STATUS '{text}': {QUALITY[low]}" if low in QUALITY else None)


def filtered_by_geo(data: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Per row: region code, national flag, filter reason (NaN = kept), problem (NaN = none)."""
    region, national, drop, problem = per_value(data["geo"], _geo)
    examples = {r: f"{r} (e.g. {_text(str(data['geo'][drop == r].iloc[0]))})"
                for r in drop.dropna().unique() if r.startswith("GEO is a")}
    return region, national.astype(bool), drop.replace(examples) if examples else drop, problem


def _combine(a: pd.Series, b: pd.Series) -> pd.Series:
    """'a; b' where both are text, else whichever is."""
    both = (a.notna() & b.notna()).to_numpy()
    out = a.fillna(b).astype(object)
    out[both] = a[both] + "; " + b[both]
    return out


class Rows:
    """The rows of a Statistics Canada file that are not filtered out, read into values (shared by the
    Statistics Canada formats): year, place, VALUE times SCALAR_FACTOR, why a blank VALUE is blank."""

    def __init__(self, raw: RawTable, opts: Options, drop: pd.Series, geo: tuple):
        data, today = raw.data, opts.day()
        (years,) = per_value(data["ref_date"], lambda t: (int(t) if t and re.fullmatch(r"\d{4}", t) else None,))
        seen = pd.to_numeric(years, errors="coerce")
        seen = seen[(seen >= 1900) & (seen <= today.year)]
        lo, hi = (int(seen.min()), int(seen.max())) if len(seen) else (None, None)
        self.release = "unknown" if lo is None else str(lo) if lo == hi else f"{lo}-{hi}"
        self.filtered = {str(k): int(v) for k, v in drop.value_counts().items()}
        keep = drop.isna().to_numpy()
        self.raw, self.data = raw, data[keep]
        self.index = self.data.index
        self.problems = p = Problems(self.index)
        self.region, self.national = geo[0][keep], geo[1][keep]
        p.add(geo[2][keep].notna(), geo[2][keep])
        text = clean_text(self.data["ref_date"])
        self.year = pd.to_numeric(years[keep], errors="coerce")
        p.add(text.isna(), "REF_DATE: is blank (required)")
        p.add(text.notna() & self.year.isna(), lambda r: "REF_DATE: '" + text[r] + "' is not a year (such as 2024)")
        p.add(self.year > today.year, lambda r: "REF_DATE: " + text[r] + f" is after {today.year}")
        p.add(self.year < 1900, lambda r: "REF_DATE: " + text[r] + " is before 1900")
        value, bad = per_value(self.column("value"), _number)
        scale, bad_scale = per_value(self.column("scalar_factor"), _scale)
        p.add(bad.notna(), bad)
        p.add(bad_scale.notna(), bad_scale)
        self.value = pd.to_numeric(value, errors="coerce") * pd.to_numeric(scale, errors="coerce")
        self.blank = clean_text(self.column("value")).isna()
        why, quality = per_value(self.column("status"), _status)
        self.why = why.where(self.blank)
        given = clean_text(self.column("status"))
        self.blank_why = ("is blank (STATUS '" + given + "': " + why + ")").where(
            given.notna(), "is blank, and so is STATUS (" + why + ")").where(self.blank)
        (symbol,) = per_value(self.column("symbol"), lambda t: (
            None if t is None else f"SYMBOL '{t}': {SYMBOLS.get(t.lower(), 'as published')}",))
        self.remark = _combine(quality.where(~self.blank), symbol)
        scaled = self.column("scalar_factor")[(scale != 1) & scale.notna()]
        for name, n in scaled.value_counts().items():
            p.warn(f"SCALAR_FACTOR '{name}' on {n:,} row(s): VALUE multiplied by "
                   f"{SCALES[' '.join(name.lower().split())]:,}")

    def column(self, name: str) -> pd.Series:
        return self.data[name] if name in self.data.columns else pd.Series(np.nan, index=self.index, dtype="str")

    def settle(self, key: pd.DataFrame, what: str) -> pd.Series:
        """An exact copy of an earlier row is counted once (filtered out: the loader of these tables counts no
        duplicates); a later row with the same key and another VALUE is quarantined. Returns the rows left."""
        self.dup = row_hashes(self.data).duplicated(keep="first").to_numpy()
        ok = ~self.dup & ~self.index.isin(self.problems.reasons().index)
        sub = key[ok].assign(_row=self.index[ok])
        first = sub.groupby(list(key.columns), dropna=False, sort=False)["_row"].transform("first")
        again = first != sub["_row"]
        self.problems.add(self.index.isin(sub.index[again.to_numpy()]),
                          lambda r: f"repeats {what} of row " + first[r].astype(str) + " with another VALUE")
        return pd.Series(ok, index=self.index) & ~pd.Series(self.index.isin(sub.index[again.to_numpy()]), self.index)

    def finish(self, clean: pd.DataFrame, kept: pd.Index, more_filtered: dict[str, int]) -> Parsed:
        reasons = self.problems.reasons()
        reasons = reasons[~reasons.index.isin(self.index[self.dup])]
        quarantine = pd.DataFrame({"sheet": self.raw.sheet, "row_number": reasons.index.to_numpy(dtype="int64"),
                                   "raw": row_json(self.data.loc[reasons.index], self.raw.columns).to_numpy(),
                                   "reasons": reasons.to_numpy()})
        if self.raw.malformed:  # a line with more fields than the header
            wide = pd.DataFrame({"sheet": self.raw.sheet, "row_number": [m[0] for m in self.raw.malformed],
                                 "raw": [json.dumps({"_line": m[1]}, ensure_ascii=False) for m in self.raw.malformed],
                                 "reasons": [[m[2]] for m in self.raw.malformed]})
            quarantine = pd.concat([quarantine, wide], ignore_index=True).sort_values("row_number", ignore_index=True)
        filtered = dict(self.filtered)
        if self.dup.any():
            more_filtered = {COPY: int(self.dup.sum()), **more_filtered}
        for reason, n in more_filtered.items():
            filtered[reason] = filtered.get(reason, 0) + n
        parsed = package(self.raw, clean.reset_index(drop=True), quarantine, 0, self.problems,
                         kept, pd.Series(dtype="object"), filtered)
        parsed.meta = {"release": self.release}
        return parsed


def _statistic(text: str | None) -> tuple:
    """(the stored statistic, or None; the filter reason of a statistic that is not stored)."""
    if text is None:
        return None, None
    stat = STORED.get(" ".join(text.lower().split()))
    return stat, None if stat else f"Statistics {_text(text)} is not stored (only '{COUNT}' and '{RATE}')"


def _violation(text: str | None) -> tuple:
    if text is None:
        return None, None, "Violations: is blank (required)"
    m = BRACKETS.match(text)
    if m is None or not m["code"].strip() or not m["name"].strip():
        return None, None, f"Violations: {_text(text)} has no violation code in brackets (such as " \
                           "'Total robbery [1610]')"
    return m["code"].strip(), m["name"].strip(), None


def _status_of(count: object, rate: object, has_count: bool, has_rate: bool) -> str | None:
    """The stored row's status: why its count and/or rate is missing (named when the other is in the file)."""
    if not isinstance(count, str) and not isinstance(rate, str):
        return None
    if count == rate or not (has_count and has_rate):
        return count if isinstance(count, str) else rate
    return "; ".join(f"{name} {why}" for name, why in (("count", count), ("rate_per_100k", rate))
                     if isinstance(why, str))


def transform(raw: RawTable, opts: Options = Options()) -> Parsed:
    region, national, geo_drop, geo_problem = filtered_by_geo(raw.data)
    stat, stat_drop = per_value(raw.data["statistics"], _statistic)
    rows = Rows(raw, opts, geo_drop.fillna(stat_drop), (region, national, geo_problem))
    stat, p, value = stat[rows.index], rows.problems, rows.value
    code, label, bad = per_value(rows.data["violations"], _violation)
    p.add(bad.notna(), bad)
    p.add(stat.isna(), "Statistics: is blank (required)")
    written = rows.column("value")
    p.add(value < 0, lambda r: "VALUE: '" + written[r] + "' is negative: a count or rate cannot be")
    p.add((stat == COUNT) & (value != np.floor(value)) & value.notna(),
          lambda r: "VALUE: '" + written[r] + "' is not a whole number of incidents")
    place = rows.region.fillna("").where(~rows.national, "CA").astype(str)
    key = pd.DataFrame({"year": rows.year, "place": place, "offense": code}, index=rows.index)
    ok = rows.settle(key.assign(stat=stat), "the REF_DATE, GEO, Violations and Statistics").to_numpy()
    v = key[ok].assign(stat=stat[ok], value=value[ok], why=rows.why[ok], said=rows.blank_why[ok],
                       remark=rows.remark[ok], status=rows.column("status")[ok].fillna(""), row=rows.index[ok])
    v["gid"] = v.groupby(["year", "place", "offense"], sort=False).ngroup().to_numpy()
    lead = v.groupby("gid")["row"].first()  # the stored row of each group: its first row in the file
    v["lead"] = lead.reindex(v["gid"]).to_numpy()
    out = pd.DataFrame(index=lead.index)
    for name, col in ((COUNT, "count"), (RATE, "rate_per_100k")):
        part = v[v["stat"] == name].set_index("gid")
        out[col], out[col + "_why"], out[col + "_remark"] = part["value"], part["why"], part["remark"]
        out[col + "_has"] = out.index.isin(part.index)
        noted = part[part["why"].notna()]
        if len(noted):
            at = pd.Index(noted["lead"].to_numpy())
            text = [f"{name}: VALUE {w}; {col} stored as NULL, not 0" + (f" (row {r})" if r != a else "")
                    for w, r, a in zip(noted["said"], noted["row"], noted["lead"])]
            p.note(rows.index.isin(at), "status", pd.Series(noted["status"].to_numpy(), index=at),
                   pd.Series(text, index=at, dtype=object))
    first = lead.to_numpy()
    clean = pd.DataFrame({
        "dataset": NAME, "source": SOURCE, "release": rows.release,
        "year": key.loc[first, "year"].astype("int64").to_numpy(), "country": "CA",
        "region_code": rows.region[first].where(~rows.national[first].to_numpy(), None).to_numpy(),
        "offense": key.loc[first, "offense"].to_numpy(), "offense_label": label[first].to_numpy(),
        "nibrs_class": None, "count": out["count"].astype("float64").to_numpy(),
        "rate_per_100k": out["rate_per_100k"].astype("float64").to_numpy(), "population": None, "agencies": None,
        "status": [_status_of(*x) for x in zip(out["count_why"], out["rate_per_100k_why"], out["count_has"],
                                                out["rate_per_100k_has"])],
        "notes": _combine(("Actual incidents: " + out["count_remark"]), ("Rate: " + out["rate_per_100k_remark"])
                          ).to_numpy(),
        "row_number": first.astype("int64"),
    }).sort_values("row_number")
    merged = len(v) - len(lead)
    more = {f"merged: a second statistic of the same REF_DATE, GEO and Violations, stored on one row with the "
            f"first ('{COUNT}' as count, '{RATE}' as rate_per_100k)": merged} if merged else {}
    return rows.finish(clean, pd.Index(first), more)


FORMAT = Format(NAME, TITLE, COLUMNS, transform, target="context_crime", source=SOURCE,
                signature=frozenset({"ref_date", "geo", "violations", "vector", "coordinate"}), skip_totals=False,
                keeps_vintages=True)
