"""Inputs of the sample generator: hand-written tables and the reference files.

The calibration targets (crime counts, losses, shares, populations, the list
of major cities, the campaign's major-city claim) are read from
data/raw/reference at generation time, through the same loaders the ETL uses
(etl.formats.reference, etl.regions). Only flavour lives here: the ways
people spell crime types and places, and short descriptions. The smaller
cities are in places.csv (etl/sample/places.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from etl.config import REFERENCE_DIR
from etl.formats import reference as reference_tables
from etl.regions import region_book

# ------------------------------------------------------------------ spellings

# How a row's crime type is written, per (category, subtype). Every spelling
# must resolve through etl.taxonomy to the same pair; generate() checks that.
CRIME_SPELLINGS: dict[tuple[str, str | None], tuple[tuple[str, float], ...]] = {
    ("robbery", None): (("Robbery", 6), ("robbery", 2), ("ROBBERY", 1), ("On-Premises Robbery", 1)),
    ("robbery", "smash_and_grab"): (("Smash & Grab", 5), ("smash-and-grab", 3), ("Smash and Grab Robbery", 1),
                                    ("SMASH AND GRAB", 1)),
    ("robbery", "armed_robbery"): (("Armed Robbery", 6), ("armed robbery", 2), ("Robbery - Armed", 1)),
    ("burglary", None): (("Burglary", 6), ("burglary", 2), ("Break-in", 1)),
    ("burglary", "after_hours_burglary"): (("After-Hours Burglary", 5), ("after hours burglary", 2),
                                           ("Overnight Burglary", 1)),
    ("burglary", "safe_attack"): (("Safe Attack", 5), ("safe attack", 1), ("Safe Burglary", 1)),
    ("theft", None): (("Theft", 6), ("theft", 2), ("Larceny", 1)),
    ("theft", "grab_and_run"): (("Grab and Run", 5), ("Grab & Run", 2), ("grab-and-run", 2), ("Grab-and-run theft", 1)),
    ("theft", "distraction_theft"): (("Distraction Theft", 4), ("Distraction", 2), ("distraction theft", 1)),
    ("theft", "sneak_theft"): (("Sneak Theft", 4), ("sneak theft", 1)),
    ("theft", "switch"): (("Switch", 3), ("Diamond Switch", 2), ("switch theft", 1)),
    ("off_premises", None): (("Off-Premises", 5), ("off-premises", 2), ("Off Premises Crime", 1)),
    ("off_premises", "traveling_salesperson"): (("Traveling Salesperson", 5), ("Travelling Salesman", 1),
                                                ("traveling salesperson", 1)),
    ("off_premises", "trade_show"): (("Trade Show", 4), ("Trade-show crime", 1)),
    ("off_premises", "home_invasion"): (("Home Invasion", 4), ("home invasion", 1)),
}

# JM loss causes for a claim about the same kind of event.
CAUSE_SPELLINGS: dict[tuple[str, str | None], tuple[tuple[str, float], ...]] = {
    ("robbery", None): (("Robbery", 1),),
    ("robbery", "smash_and_grab"): (("Smash and Grab", 3), ("Smash & Grab", 1)),
    ("robbery", "armed_robbery"): (("Armed Robbery", 2), ("Robbery", 1)),
    ("burglary", None): (("Burglary", 1),),
    ("burglary", "after_hours_burglary"): (("Burglary", 3), ("After Hours Burglary", 1)),
    ("burglary", "safe_attack"): (("Safe Burglary", 2), ("Burglary", 1)),
    ("theft", None): (("Theft", 1),),
    ("theft", "grab_and_run"): (("Grab and Run", 3), ("Theft", 1)),
    ("theft", "distraction_theft"): (("Distraction", 3), ("Theft", 1)),
    ("theft", "sneak_theft"): (("Theft", 2), ("Sneak Theft", 1)),
    ("theft", "switch"): (("Switch", 1), ("Theft", 1)),
    ("off_premises", None): (("Off Premises", 1), ("Traveling Salesperson", 1)),
    ("off_premises", "traveling_salesperson"): (("Traveling Salesperson", 3), ("Travelling Salesperson", 1)),
    ("off_premises", "trade_show"): (("Trade Show", 1),),
    ("off_premises", "home_invasion"): (("Home Invasion", 1),),
}
NON_CRIME_CAUSES: tuple[tuple[str, float], ...] = (
    ("Mysterious Disappearance", 4), ("Damage", 3), ("Water Damage", 2), ("Fire", 0.5), ("Vandalism", 0.5),
)

# Where it happened: store setting for shop crimes, the place for off-premises ones.
STORE_LOCATIONS: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = (
    ("mall", (("Mall", 6), ("mall", 2), ("Shopping Mall", 1))),
    ("strip_center", (("Strip Center", 5), ("strip mall", 1), ("Shopping Center", 1))),
    ("downtown", (("Downtown", 5), ("downtown", 1), ("Main Street", 1))),
    ("standalone", (("Standalone", 5), ("Free-standing", 1), ("stand alone", 1))),
    ("kiosk", (("Kiosk", 3), ("Mall Kiosk", 1))),
)
STORE_LOCATION_MIX = {
    "robbery": {"mall": 0.34, "strip_center": 0.25, "downtown": 0.16, "standalone": 0.2, "kiosk": 0.05},
    "theft": {"mall": 0.4, "strip_center": 0.22, "downtown": 0.14, "standalone": 0.16, "kiosk": 0.08},
    "burglary": {"mall": 0.15, "strip_center": 0.33, "downtown": 0.17, "standalone": 0.35, "kiosk": 0.0},
}
OFF_PREMISES_LOCATIONS: dict[str | None, tuple[tuple[str, float], ...]] = {
    None: (("Vehicle", 3), ("Home", 2), ("Hotel", 1), ("Trade Show", 1)),
    "traveling_salesperson": (("Vehicle", 5), ("vehicle", 1), ("Hotel", 3), ("Car", 1)),
    "trade_show": (("Trade Show", 4), ("Tradeshow", 1), ("Hotel", 1)),
    "home_invasion": (("Home", 4), ("Residence", 1)),
}

# ------------------------------------------------------------------ descriptions

ITEMS = ("diamond ring", "gold chain", "Rolex watch", "loose diamond", "engagement ring", "tennis bracelet",
         "pair of diamond earrings", "gold bracelet", "luxury watch", "pendant necklace")
_DESCRIPTIONS: dict[tuple[str, str | None], tuple[str, ...]] = {
    ("robbery", None): ("Suspect demanded jewelry from a sales associate and fled on foot.",
                        "{n} suspects robbed the store during business hours.",
                        "Suspect threatened staff and took a tray of {items}."),
    ("robbery", "smash_and_grab"): ("{n} suspects smashed showcases with hammers and fled in a waiting car.",
                                    "Masked group broke display cases and escaped in under a minute.",
                                    "Suspects used sledgehammers on the showcases; no injuries."),
    ("robbery", "armed_robbery"): ("Armed suspect displayed a handgun and took trays of rings.",
                                   "{n} armed suspects ordered employees to the floor and emptied showcases.",
                                   "Gunman followed a customer in and demanded the {item} inventory."),
    ("burglary", None): ("Store entered overnight; showcases emptied.",
                         "Front glass broken after hours; merchandise taken from the window."),
    ("burglary", "after_hours_burglary"): ("Burglars entered through the roof after closing and took merchandise.",
                                           "Rear door forced overnight; suspects gone before police arrived.",
                                           "Alarm line cut; burglars spent minutes inside and took display stock."),
    ("burglary", "safe_attack"): ("Safe cut open with power tools over the weekend.",
                                  "Burglars came through the wall of the next unit and attacked the safe."),
    ("theft", None): ("Merchandise found missing after a customer visit.",
                      "A {item} disappeared from the counter during a busy afternoon."),
    ("theft", "grab_and_run"): ("Customer asked to see a {item}, grabbed it and ran out of the store.",
                                "Suspect snatched a {item} during a showing and fled to a car.",
                                "Man tried on a {item} and ran out the door."),
    ("theft", "distraction_theft"): ("{n} people distracted staff while an accomplice took a tray of {items}.",
                                     "One suspect staged an argument while another reached into a showcase."),
    ("theft", "sneak_theft"): ("Tray of {items} taken from an unattended showcase.",
                               "Suspect reached behind the counter and pocketed a {item}."),
    ("theft", "switch"): ("Suspect switched a {item} for a fake during a viewing.",
                          "Customer swapped a real {item} for a cubic zirconia copy."),
    ("off_premises", None): ("Jeweler's merchandise stolen away from the store.",
                             "Memo goods stolen while out of the store."),
    ("off_premises", "traveling_salesperson"): ("Traveling salesperson followed from a store and robbed at a gas station.",
                                                "Sales rep's car broken into; sample line stolen.",
                                                "Salesperson robbed in a hotel parking lot."),
    ("off_premises", "trade_show"): ("Merchandise case stolen at a jewelry trade show.",
                                     "Bag of loose stones taken from a booth while the exhibitor was distracted."),
    ("off_premises", "home_invasion"): ("Jeweler followed home and forced to hand over store keys.",
                                        "Owner robbed at home of merchandise taken home for the weekend."),
}
NON_CRIME_NOTES: dict[str, tuple[str, ...]] = {
    "Mysterious Disappearance": ("Item missing at inventory count; no sign of theft.",
                                 "Memo item could not be located."),
    "Damage": ("Display case and stock damaged.", "Merchandise damaged during repair."),
    "Water Damage": ("Pipe burst overnight; stock and fixtures damaged.", "Roof leak damaged packaging and displays."),
    "Fire": ("Fire in the adjoining unit; smoke damage.",),
    "Vandalism": ("Windows broken by vandals; nothing taken.",),
}


def describe(category: str, subtype: str | None, pick: float, n: int, item_pick: float) -> str:
    """One short description; `pick` and `item_pick` are uniform draws in [0, 1)."""
    choices = _DESCRIPTIONS[(category, subtype)]
    text = choices[int(pick * len(choices))]
    item = ITEMS[int(item_pick * len(ITEMS))]
    items = item + "s" if not item.startswith("pair") else "earrings"
    return text.format(n=("Two", "Three", "Four")[n % 3], item=item, items=items)


# ------------------------------------------------------------------ reference files

# The reference files the generator calibrates to (regions.csv comes in through etl.regions);
# docs/sample-data.md says what each one steers.
JSA_ANNUAL = "jsa_annual.csv"
POPULATION = "region_population.csv"
MAJOR_CITIES = "major_cities.csv"
PUBLISHED_FIGURES = "published_figures.csv"
# The published claim major-city thefts and robberies are steered to (etl/sample/jsa.py, steer_major_cities).
STEER_FIGURE_ID = "major_cities_theft_robbery_h1"
STEER_KIND = "campaign_claim"
STEER_DEFAULT_PCT = 20.0  # used only when a reference folder has no such row


@dataclass
class Reference:
    """What the reference CSVs say, in the shapes the generator needs."""

    annual: dict[int, dict[str, float]]  # year -> metric -> value (jsa_annual.csv)
    population: dict[str, float]  # region code -> residents
    country: dict[str, str]  # region code -> US / CA
    names: dict[str, str]  # region code -> full name
    aliases: dict[str, tuple[str, ...]]  # region code -> alternative spellings from regions.csv
    major: dict[str, list[tuple[str, float]]] = field(default_factory=dict)  # region -> [(city, population)]
    h1_change_pct: float = STEER_DEFAULT_PCT  # published claim for the major-city figure

    @property
    def years(self) -> list[int]:
        return sorted(y for y, m in self.annual.items() if "total_crimes" in m)

    def metric(self, year: int, name: str) -> float | None:
        return self.annual.get(year, {}).get(name)


def steer_target(reference_dir: Path = REFERENCE_DIR) -> float:
    """The campaign's published change for major-city thefts and robberies, in percent."""
    path = reference_dir / PUBLISHED_FIGURES
    if not path.exists():
        return STEER_DEFAULT_PCT
    figures = reference_tables.read(path)
    hit = figures[(figures["figure_id"] == STEER_FIGURE_ID) & (figures["kind"] == STEER_KIND)]
    return float(hit["value"].iloc[0]) if len(hit) else STEER_DEFAULT_PCT


def load_reference(reference_dir: Path = REFERENCE_DIR) -> Reference:
    """The reference tables, validated as the ETL validates them, in file order (the draw depends on it)."""
    annual: dict[int, dict[str, float]] = {}
    for r in reference_tables.read(reference_dir / JSA_ANNUAL).itertuples(index=False):
        annual.setdefault(int(r.year), {})[r.metric] = float(r.value)
    people = reference_tables.read(reference_dir / POPULATION).sort_values("year", kind="stable")
    population = {code: float(n) for code, n in zip(people["region_code"], people["population"])}  # latest year wins
    major: dict[str, list[tuple[str, float]]] = {}
    for r in reference_tables.read(reference_dir / MAJOR_CITIES).itertuples(index=False):
        major.setdefault(r.region_code, []).append((r.city, float(r.population)))
    regions = region_book(reference_dir)
    return Reference(
        annual=annual,
        population=population,
        country=dict(regions.country),
        names=dict(regions.names),
        aliases=dict(regions.aliases),
        major=major,
        h1_change_pct=steer_target(reference_dir),
    )
