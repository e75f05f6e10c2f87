"""The sample JSA incidents as CSV text, spelled the many ways people type them.

etl/sample/jsa.py decides what happened; this module only decides how it is
written: region and city spellings, date, money and time formats, blanks,
and a point near the city for some rows. Every spelling must still load
cleanly (etl/sample/generator.py checks the crime types).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from etl.regions import city_key
from etl.sample.data import (CRIME_SPELLINGS, OFF_PREMISES_LOCATIONS, STORE_LOCATION_MIX, STORE_LOCATIONS, Reference,
                             describe)
from etl.sample.jsa import spell, stream
from etl.sample.places import CityBook, inside

COORD_SHARE = 0.21
SHOP_HOURS = tuple(zip(range(10, 21), (3, 4, 5, 6, 6, 6, 6, 6, 5, 4, 3)))  # store hours, busiest mid-afternoon


def spell_region(rng: np.random.Generator, ref: Reference, code: str) -> str:
    name = ref.names[code]
    aliases = ref.aliases.get(code, [])
    u = rng.random()
    if u < 0.60:
        return code
    if u < 0.82:
        return name
    if u < 0.86:
        return name.lower()
    if u < 0.90:
        return name.upper()
    if u < 0.94:
        return code.lower() if rng.random() < 0.5 else code.title()
    return aliases[int(rng.random() * len(aliases))] if aliases else name


def spell_city(rng: np.random.Generator, city: str | None) -> str:
    if city is None:
        return ""
    u = rng.random()
    if u < 0.03:
        return city.upper()
    if u < 0.05:
        return city.lower()
    if u < 0.08:
        if city == "New York":
            return "New York City"
        if city.startswith("St. "):
            return "Saint " + city[4:]
        if city == "Montréal":
            return "Montreal"
    return city


def spell_country(rng: np.random.Generator, country: str) -> str:
    options = (("US", 5), ("USA", 2), ("United States", 1.5), ("", 1.5)) if country == "US" else \
        (("Canada", 5), ("CA", 3), ("CAN", 1), ("", 1))
    return spell(rng, options)


def fmt_date(d: dt.date, us_style: bool) -> str:
    return f"{d.month}/{d.day}/{d.year}" if us_style else d.isoformat()


def fmt_money(value: float, fancy: bool) -> str:
    return f"${value:,.2f}" if fancy else f"{value:.0f}"


def fmt_hour(rng: np.random.Generator, category: str) -> str:
    u = rng.random()
    if u < 0.3:
        return ""
    if category == "burglary":
        hour = (0, 1, 2, 3, 4, 5, 22, 23)[int(rng.integers(0, 8))]
    elif category == "off_premises":
        hour = int(rng.integers(7, 23))
    else:
        hour = spell(rng, SHOP_HOURS)
    if u < 0.72:
        return f"{hour:02d}:{(0, 5, 10, 15, 20, 30, 40, 45, 50)[int(rng.integers(0, 9))]:02d}"
    return f"{hour % 12 or 12} {'am' if hour < 12 else 'pm'}"


def fmt_location(rng: np.random.Generator, category: str, subtype: str | None) -> str:
    if rng.random() < 0.08:
        return ""
    if category == "off_premises":
        return spell(rng, OFF_PREMISES_LOCATIONS[subtype])
    kind = spell(rng, tuple(STORE_LOCATION_MIX[category].items()))
    return spell(rng, dict(STORE_LOCATIONS)[kind])


def fmt_weapon(rng: np.random.Generator, category: str, subtype: str | None) -> str:
    if category != "robbery" or rng.random() < 0.05:
        return ""
    shown = subtype == "armed_robbery" or rng.random() < (0.35 if subtype == "smash_and_grab" else 0.6)
    return spell(rng, (("Yes", 4), ("yes", 1), ("Y", 1)) if shown else (("No", 4), ("no", 1), ("N", 1)))


def coordinates(rng: np.random.Generator, book: CityBook, region: str, city: str | None) -> tuple[str, str]:
    """About a fifth of rows carry a point near their city, always inside the stated region."""
    if city is None or rng.random() >= COORD_SHARE:
        return "", ""
    centre = book.coords.get((region, city_key(city)))
    if centre is None:
        return "", ""
    lat, lon = centre[0] + rng.uniform(-0.02, 0.02), centre[1] + rng.uniform(-0.02, 0.02)
    if not inside(region, lat, lon):
        lat, lon = centre
    return f"{lat:.4f}", f"{lon:.4f}"


HEADER = ["Date", "City", "State", "Country", "Crime Type", "Loss (USD)", "Injured", "Killed", "Weapon Shown",
          "Location Type", "Time", "Latitude", "Longitude", "Record ID", "Description", "Sample"]


def to_text(df: pd.DataFrame, ref: Reference, book: CityBook, seed: int) -> list[list[str]]:
    """The CSV body: one list of cell strings per incident, in HEADER order; also sets df['city_text']."""
    rng = stream(seed, "jsa-text")
    rows: list[list[str]] = []
    seq: dict[int, int] = {}
    city_text = []
    for r in df.itertuples(index=False):
        seq[r.year] = seq.get(r.year, 0) + 1
        city = spell_city(rng, r.city)
        city_text.append(city)
        loss = "" if np.isnan(r.loss) else fmt_money(r.loss, rng.random() < 0.35)
        killed = "" if r.killed == 0 and rng.random() < 0.08 else str(r.killed)
        injured = "" if r.injured == 0 and rng.random() < 0.1 else str(r.injured)
        lat, lon = coordinates(rng, book, r.region, r.city)
        desc = describe(r.category, r.subtype, rng.random(), int(rng.integers(0, 3)), rng.random()) \
            if rng.random() < 0.9 else ""
        rows.append([
            fmt_date(r.occurred_on, rng.random() < 0.15), city, spell_region(rng, ref, r.region),
            spell_country(rng, r.country), spell(rng, CRIME_SPELLINGS[(r.category, r.subtype)]), loss, injured, killed,
            fmt_weapon(rng, r.category, r.subtype), fmt_location(rng, r.category, r.subtype),
            fmt_hour(rng, r.category), lat, lon, f"JSA-S-{r.year}-{seq[r.year]:06d}", desc, "true",
        ])
    df["city_text"] = city_text
    return rows
