"""One crime taxonomy for every source: JSA category, sub-type, NIBRS class.

JSA's four categories (robbery, burglary, theft, off-premises) are all crimes
against property in NIBRS terms (NIBRS counts robbery as a property crime).
Jewelers Mutual claims add causes JSA does not count ("other").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

CATEGORIES: dict[str, str] = {
    "robbery": "Robbery",
    "burglary": "Burglary",
    "theft": "Theft",
    "off_premises": "Off-premises",
    "other": "Other loss",
}
JSA_CATEGORIES = ("robbery", "burglary", "theft", "off_premises")

GUIDANCE_SCENARIOS: dict[str, str] = {
    "smash-and-grab": "Smash-and-grab robbery",
    "armed-robbery": "Armed robbery",
    "after-hours-burglary": "After-hours burglary",
    "grab-and-run": "Grab-and-run theft",
    "distraction-theft": "Distraction theft",
    "sneak-theft-and-switch": "Sneak theft and switch",
    "off-premises": "Off-premises and traveling-salesperson crime",
}


@dataclass(frozen=True)
class CrimeType:
    category: str
    subtype: str | None
    label: str
    crimes_against: str | None  # NIBRS class: property / person / society; None = not a crime
    guidance: str | None
    aliases: tuple[str, ...] = ()


CRIME_TYPES: tuple[CrimeType, ...] = (
    CrimeType("robbery", None, "Robbery", "property", "armed-robbery", ("robbery", "robberies", "rob", "on premises robbery")),
    CrimeType("robbery", "smash_and_grab", "Smash-and-grab robbery", "property", "smash-and-grab",
              ("smash and grab", "smash grab", "smash n grab", "smash and grab robbery", "s g", "s and g", "sng")),
    CrimeType("robbery", "armed_robbery", "Armed robbery", "property", "armed-robbery",
              ("armed robbery", "gunpoint robbery", "robbery armed", "armed")),
    CrimeType("burglary", None, "Burglary", "property", "after-hours-burglary", ("burglary", "burglaries", "break in", "breaking and entering", "b e", "b and e")),
    CrimeType("burglary", "after_hours_burglary", "After-hours burglary", "property", "after-hours-burglary",
              ("after hours burglary", "after hours", "night burglary", "three minute burglary", "3 minute burglary", "overnight burglary")),
    CrimeType("burglary", "safe_attack", "Safe attack", "property", "after-hours-burglary",
              ("safe attack", "safe burglary", "safe cracking", "safecracking")),
    CrimeType("theft", None, "Theft", "property", "grab-and-run", ("theft", "thefts", "larceny", "shoplifting")),
    CrimeType("theft", "grab_and_run", "Grab-and-run theft", "property", "grab-and-run",
              ("grab and run", "grab run", "grab n run", "snatch and run", "grab and run theft", "grab and dash")),
    CrimeType("theft", "distraction_theft", "Distraction theft", "property", "distraction-theft",
              ("distraction", "distraction theft", "distraction crime")),
    CrimeType("theft", "sneak_theft", "Sneak theft", "property", "sneak-theft-and-switch", ("sneak theft", "sneak")),
    CrimeType("theft", "switch", "Switch (substitution) theft", "property", "sneak-theft-and-switch",
              ("switch", "diamond switch", "switch theft", "substitution", "ring switch")),
    CrimeType("off_premises", None, "Off-premises crime", "property", "off-premises",
              ("off premises", "offpremises", "off premise", "off premises crime", "away from store")),
    CrimeType("off_premises", "traveling_salesperson", "Traveling-salesperson crime", "property", "off-premises",
              ("traveling salesperson", "travelling salesperson", "traveling salesman", "travelling salesman",
               "traveling sales", "salesperson robbery", "in transit")),
    CrimeType("off_premises", "trade_show", "Trade-show crime", "property", "off-premises",
              ("trade show", "tradeshow", "jewelry show", "show theft")),
    CrimeType("off_premises", "home_invasion", "Home invasion (jeweler at home)", "property", "off-premises",
              ("home invasion",)),
    CrimeType("other", "vandalism", "Damage or vandalism", "property", "after-hours-burglary",
              ("damage", "vandalism", "malicious damage", "glass breakage", "broken glass")),
    CrimeType("other", "mysterious_disappearance", "Mysterious disappearance", None, "sneak-theft-and-switch",
              ("mysterious disappearance", "unexplained loss", "inventory shortage", "lost")),
    CrimeType("other", "non_crime", "Non-crime loss (water, fire, weather, injury)", None, None,
              ("water damage", "water", "fire", "wind", "storm", "weather", "flood", "slip and fall", "injury",
               "accident", "equipment breakdown")),
)


def normalise(text: str) -> str:
    """Lower case; '&' as 'and'; any other punctuation as a space."""
    t = text.strip().lower().replace("&", " and ")
    t = re.sub(r"[^a-z0-9]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def _alias_table() -> dict[str, CrimeType]:
    table: dict[str, CrimeType] = {}
    for ct in CRIME_TYPES:
        keys = {normalise(ct.label), *(normalise(a) for a in ct.aliases)}
        if ct.subtype:
            keys.add(normalise(ct.subtype))
        else:
            keys.add(normalise(ct.category))
        for k in keys:
            if k in table and table[k] != ct:
                raise ValueError(f"alias {k!r} is ambiguous")
            table[k] = ct
    return table


ALIASES: dict[str, CrimeType] = _alias_table()
BY_KEY: dict[tuple[str, str | None], CrimeType] = {(c.category, c.subtype): c for c in CRIME_TYPES}


def resolve_series(values: pd.Series) -> pd.DataFrame:
    """Map free-text crime types to (category, subtype, crimes_against).

    Unknown or blank values give NaN category. Work is done once per
    distinct value, so a million rows cost what a few dozen do.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    found = [ALIASES.get(normalise(str(u))) for u in uniques] + [None]
    take = np.where(codes < 0, len(uniques), codes)
    vocab = {"category": list(CATEGORIES), "subtype": sorted({c.subtype for c in CRIME_TYPES if c.subtype}),
             "crimes_against": ["property", "person", "society"]}
    out = {}
    for field, cats in vocab.items():
        index = {c: i for i, c in enumerate(cats)}
        per_value = np.array([index.get(getattr(ct, field), -1) if ct else -1 for ct in found], dtype=np.int32)
        out[field] = pd.Categorical.from_codes(per_value[take], cats)
    return pd.DataFrame(out, index=values.index)


def crime_type_rows() -> list[dict]:
    """Rows of the crime_type table, written into every new database."""
    return [
        {"category": c.category, "subtype": c.subtype or "", "label": c.label,
         "category_label": CATEGORIES[c.category], "crimes_against": c.crimes_against,
         "guidance": c.guidance, "is_jsa_category": c.category in JSA_CATEGORIES}
        for c in CRIME_TYPES
    ]
