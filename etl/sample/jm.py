"""Synthetic Jewelers-Mutual-style claims that overlap the sample JSA incidents.

Three kinds of claim: a claim about a JSA incident (same region and city,
loss date the same day or one day off, a cause of the same JSA category, so
etl/linking.py pairs them); a crime JSA never heard of (placed where no JSA
incident could be mistaken for it); and losses that are not crimes at all.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from etl.regions import city_key
from etl.sample.data import CAUSE_SPELLINGS, NON_CRIME_CAUSES, NON_CRIME_NOTES, Reference, describe
from etl.sample.jsa import (CATEGORY_WEIGHTS, LOSS_CAP, LOSS_MODEL, MONTH_WEIGHTS, _dates,
                            default_subtype_shares, pick_city, spell, state_weights, stream)
from etl.sample.places import CityBook

FIRST_YEAR, LAST_YEAR = 2018, 2024
LINK_SHARE = 0.25  # share of JSA incidents that an insured jeweler also claims for
JM_ONLY_CRIMES_PER_US_CRIME = 0.07
NON_CRIMES_PER_US_CRIME = 0.05
CANADA_SHARE = 0.10
HEADER = ["Claim Number", "Loss Date", "Reported Date", "Store City", "Store State/Province", "Store Country",
          "Loss Cause", "Paid", "Reserve", "Status", "Notes", "Sample"]
TITLE_ROWS = [
    ["Jewelers Mutual-style claims list: synthetic sample data for jewelcrime (not real claims)"],
    [f"Loss dates {FIRST_YEAR}-{LAST_YEAR}; amounts in U.S. dollars; paid and reserve as of year end"],
    [],
]
STATUS_SPELLINGS = {
    "closed": (("Closed", 6), ("closed", 1), ("CLOSED", 1), ("Settled", 1)),
    "open": (("Open", 5), ("open", 1), ("OPEN", 1)),
    "denied": (("Denied", 4), ("Declined", 1), ("Closed Without Payment", 1)),
}


def _linked(incidents: pd.DataFrame, book: CityBook, seed: int) -> list[dict]:
    rng = stream(seed, "jm-linked")
    lo, hi = dt.date(FIRST_YEAR, 1, 1), dt.date(LAST_YEAR, 12, 31)
    window = incidents[(incidents["year"] >= FIRST_YEAR) & (incidents["year"] <= LAST_YEAR)]
    chosen = window[rng.random(len(window)) < LINK_SHARE]
    out = []
    for r in chosen.itertuples(index=False):
        offset = spell(rng, ((0, 0.7), (1, 0.2), (-1, 0.1)))
        when = r.occurred_on + dt.timedelta(days=offset)
        if not lo <= when <= hi:
            when = r.occurred_on
        city = r.city_text or pick_city(rng, book, r.region, False) or pick_city(rng, book, r.region, True)
        if city and rng.random() < 0.05:
            city = city.upper()
        if np.isnan(r.loss):
            incurred = _draw_loss(rng, r.category, r.subtype)
        else:
            incurred = max(10.0, round(r.loss * rng.uniform(0.5, 1.0), -1))  # deductible, limits, salvage
        out.append(dict(loss_date=when, region=r.region, country=r.country, city=city, category=r.category,
                        subtype=r.subtype, cause=spell(rng, CAUSE_SPELLINGS[(r.category, r.subtype)]),
                        incurred=incurred, kind="linked"))
    return out


def _draw_loss(rng: np.random.Generator, category: str, subtype: str | None) -> float:
    med, sig = LOSS_MODEL[(category, subtype)]
    return float(max(10.0, round(min(med * np.exp(sig * rng.standard_normal()), LOSS_CAP * med) * 0.6, -1)))


def _collision_index(incidents: pd.DataFrame) -> dict[tuple[str, str, int], set]:
    """(region, category, day) -> city keys of JSA incidents there (None = no city, which matches any)."""
    keys = {c: city_key(c) for c in set(incidents["city_text"]) if c}
    index: dict[tuple[str, str, int], set] = {}
    for region, cat, day, city in zip(incidents["region"], incidents["category"], incidents["occurred_on"],
                                      incidents["city_text"]):
        index.setdefault((region, cat, day.toordinal()), set()).add(keys[city] if city else None)
    return index


def _collides(index: dict, region: str, cat: str, day: dt.date, city: str) -> bool:
    key = city_key(city)
    for d in (day.toordinal() - 1, day.toordinal(), day.toordinal() + 1):
        found = index.get((region, cat, d))
        if found and (None in found or key in found):
            return True
    return False


def _place(rng: np.random.Generator, ref: Reference, book: CityBook) -> tuple[str, str, str]:
    country = "CA" if rng.random() < CANADA_SHARE else "US"
    codes, w = state_weights(ref, country)
    region = spell(rng, tuple(zip(codes, w.tolist())))
    major = rng.random() < book.p_major(region, ref.population.get(region, 1.0))
    city = pick_city(rng, book, region, major) or pick_city(rng, book, region, not major)
    return country, region, city


def _jm_only_crimes(incidents: pd.DataFrame, ref: Reference, book: CityBook, seed: int, scale: float) -> list[dict]:
    rng = stream(seed, "jm-crimes")
    index = _collision_index(incidents)
    shares = default_subtype_shares()
    out = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        n = int(round(JM_ONLY_CRIMES_PER_US_CRIME * (ref.metric(year, "total_crimes") or 0) * scale))
        for _ in range(n):
            country, region, city = _place(rng, ref, book)
            cat = spell(rng, tuple(CATEGORY_WEIGHTS.items()))
            sub = spell(rng, shares[cat])
            for _try in range(100):  # a new date until no JSA incident could be taken for this claim
                month = spell(rng, tuple(zip(range(1, 13), MONTH_WEIGHTS.tolist())))
                when = _dates(rng, year, np.array([month]))[0]
                if not _collides(index, region, cat, when, city):
                    break
            else:
                continue
            out.append(dict(loss_date=when, region=region, country=country, city=city, category=cat, subtype=sub,
                            cause=spell(rng, CAUSE_SPELLINGS[(cat, sub)]), incurred=_draw_loss(rng, cat, sub),
                            kind="crime"))
    return out


def _non_crimes(ref: Reference, book: CityBook, seed: int, scale: float) -> list[dict]:
    rng = stream(seed, "jm-other")
    out = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        n = int(round(NON_CRIMES_PER_US_CRIME * (ref.metric(year, "total_crimes") or 0) * scale))
        months = rng.choice(np.arange(1, 13), size=n)
        for when in _dates(rng, year, months):
            country, region, city = _place(rng, ref, book)
            cause = spell(rng, NON_CRIME_CAUSES)
            incurred = float(max(50.0, round(2500 * np.exp(1.2 * rng.standard_normal()), -1)))
            out.append(dict(loss_date=when, region=region, country=country, city=city, category="other",
                            subtype=None, cause=cause, incurred=incurred, kind="other"))
    return out


def build(incidents: pd.DataFrame, ref: Reference, book: CityBook, seed: int, scale: float) -> pd.DataFrame:
    """Every claim as typed values: loss date, place, cause, status, paid, reserve."""
    claims = pd.DataFrame(_linked(incidents, book, seed) + _jm_only_crimes(incidents, ref, book, seed, scale)
                          + _non_crimes(ref, book, seed, scale), dtype=object)
    rng = stream(seed, "jm-money")
    n = len(claims)
    years = np.array([d.year for d in claims["loss_date"]])
    # recent losses are more often still open
    p_open = 0.05 + 0.30 * (years - FIRST_YEAR) / max(LAST_YEAR - FIRST_YEAR, 1)
    p_denied = np.where(claims["kind"] == "other", 0.18, 0.07)
    u = rng.random(n)
    status = np.where(u < p_denied, "denied", np.where(u < p_denied + p_open, "open", "closed"))
    incurred = claims["incurred"].to_numpy(dtype="float64")
    paid_part = np.round(incurred * rng.uniform(0, 0.6, n), -1)
    paid = np.where(status == "closed", incurred, np.where(status == "open", paid_part, 0.0))
    reserve = np.where(status == "open", incurred - paid_part, 0.0)
    slow = (claims["kind"] == "other").to_numpy()
    delay = np.where(slow, rng.geometric(0.06, n), rng.geometric(0.3, n)) - 1
    claims = claims.assign(status=status, paid=paid, reserve=reserve,
                           reported=[d + dt.timedelta(days=int(k)) for d, k in zip(claims["loss_date"], delay)],
                           _tie=rng.permutation(n))
    return claims.sort_values(["loss_date", "_tie"], kind="stable").drop(columns="_tie").reset_index(drop=True)


def _date_cell(rng: np.random.Generator, d: dt.date, blank: float = 0.0) -> object:
    u = rng.random()
    if u < blank:
        return None
    if u < blank + 0.10:
        return f"{d.month}/{d.day}/{d.year}"
    if u < blank + 0.15:
        return d.isoformat()
    return d  # a real Excel date


def to_cells(claims: pd.DataFrame, ref: Reference, seed: int) -> list[list[object]]:
    """Worksheet rows in HEADER order: dates mostly as Excel dates, amounts mostly as numbers."""
    rng = stream(seed, "jm-text")
    rows = []
    seq: dict[int, int] = {}
    for c in claims.itertuples(index=False):
        year = c.loss_date.year
        seq[year] = seq.get(year, 0) + 1
        paid: object = int(c.paid)
        if rng.random() < 0.2:
            paid = f"${c.paid:,.2f}"
        elif rng.random() < 0.03 and c.status == "open":
            paid = None  # not yet known
        reserve: object = int(c.reserve)
        if c.status != "open" and rng.random() < 0.3:
            reserve = None
        if c.category == "other":
            notes = NON_CRIME_NOTES[c.cause][int(rng.random() * len(NON_CRIME_NOTES[c.cause]))]
        else:
            notes = describe(c.category, c.subtype, rng.random(), int(rng.integers(0, 3)), rng.random())
        region = c.region if rng.random() < 0.7 else ref.names[c.region]
        country = spell(rng, (("USA", 4), ("US", 1), (None, 1)) if c.country == "US" else (("Canada", 4), (None, 1)))
        rows.append([
            f"JM-{year % 100:02d}-{seq[year]:06d}", _date_cell(rng, c.loss_date), _date_cell(rng, c.reported, 0.05),
            c.city, region, country, c.cause, paid, reserve, spell(rng, STATUS_SPELLINGS[c.status]),
            notes if rng.random() < 0.7 else None, True,
        ])
    return rows
