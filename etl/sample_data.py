"""Inputs of the sample generator: hand-written tables and the reference files.

The calibration targets (crime counts, losses, shares, populations, the list
of major cities) are read from data/raw/reference at generation time; only
flavour lives here: smaller cities with approximate coordinates, the ways
people spell crime types and places, and short descriptions.
"""
from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from etl.config import GEO_FILE, REFERENCE_DIR
from etl.regions import city_key

# ------------------------------------------------------------------ places

# region|city|lat|lon|weight. Weight is a rough relative size used to pick a
# non-major city inside its state; "M" marks a city that is on the reference
# list of major cities (its weight comes from that file's population).
_PLACES = """
AL|Birmingham|33.52|-86.80|4
AL|Huntsville|34.73|-86.59|3
AL|Mobile|30.69|-88.10|2
AL|Montgomery|32.37|-86.30|2
AK|Anchorage|61.22|-149.90|4
AK|Fairbanks|64.84|-147.72|1
AZ|Phoenix|33.45|-112.07|M
AZ|Tucson|32.22|-110.97|M
AZ|Mesa|33.42|-111.83|M
AZ|Scottsdale|33.49|-111.93|4
AZ|Chandler|33.31|-111.84|3
AZ|Flagstaff|35.20|-111.65|1
AR|Little Rock|34.75|-92.29|4
AR|Fayetteville|36.06|-94.16|2
AR|Fort Smith|35.39|-94.40|1
CA|Los Angeles|34.05|-118.24|M
CA|San Diego|32.72|-117.16|M
CA|San Jose|37.34|-121.89|M
CA|San Francisco|37.77|-122.42|M
CA|Fresno|36.74|-119.79|M
CA|Sacramento|38.58|-121.49|M
CA|Beverly Hills|34.07|-118.40|3
CA|Glendale|34.14|-118.26|3
CA|Long Beach|33.77|-118.19|4
CA|Oakland|37.80|-122.27|4
CA|Irvine|33.68|-117.79|3
CA|Costa Mesa|33.64|-117.92|3
CA|Torrance|33.84|-118.34|3
CA|Pasadena|34.15|-118.14|2
CA|Santa Clara|37.35|-121.96|2
CA|Riverside|33.95|-117.40|3
CA|Bakersfield|35.37|-119.02|3
CA|Walnut Creek|37.91|-122.06|2
CA|Anaheim|33.84|-117.91|3
CO|Denver|39.74|-104.99|M
CO|Colorado Springs|38.83|-104.82|4
CO|Aurora|39.73|-104.83|3
CO|Boulder|40.01|-105.27|2
CT|Hartford|41.76|-72.68|3
CT|New Haven|41.31|-72.92|3
CT|Stamford|41.05|-73.54|3
CT|Greenwich|41.03|-73.63|2
DE|Wilmington|39.74|-75.55|3
DE|Dover|39.16|-75.52|2
DE|Newark|39.68|-75.75|1
DC|Washington|38.90|-77.03|M
FL|Jacksonville|30.33|-81.66|M
FL|Miami|25.77|-80.21|6
FL|Tampa|27.95|-82.46|5
FL|Orlando|28.54|-81.38|5
FL|Fort Lauderdale|26.12|-80.16|3
FL|Boca Raton|26.37|-80.12|3
FL|Aventura|25.96|-80.15|2
FL|West Palm Beach|26.71|-80.07|2
FL|Naples|26.14|-81.77|2
FL|Sarasota|27.34|-82.52|2
GA|Atlanta|33.75|-84.39|6
GA|Savannah|32.08|-81.10|2
GA|Augusta|33.47|-81.98|2
GA|Duluth|34.00|-84.14|2
HI|Honolulu|21.31|-157.85|4
HI|Hilo|19.71|-155.09|1
ID|Boise|43.62|-116.20|3
ID|Idaho Falls|43.49|-112.03|1
IL|Chicago|41.88|-87.63|M
IL|Schaumburg|42.03|-88.08|3
IL|Naperville|41.75|-88.15|3
IL|Springfield|39.80|-89.64|2
IL|Oak Brook|41.83|-87.93|2
IL|Rockford|42.27|-89.09|2
IN|Indianapolis|39.77|-86.16|M
IN|Fort Wayne|41.08|-85.14|3
IN|Evansville|37.97|-87.56|2
IN|Carmel|39.98|-86.12|2
IA|Des Moines|41.59|-93.62|3
IA|Cedar Rapids|41.98|-91.67|2
IA|Davenport|41.52|-90.58|2
KS|Wichita|37.69|-97.34|3
KS|Overland Park|38.98|-94.67|3
KS|Topeka|39.05|-95.68|1
KY|Louisville|38.25|-85.76|M
KY|Lexington|38.04|-84.50|3
KY|Bowling Green|36.99|-86.44|1
LA|New Orleans|29.95|-90.07|4
LA|Baton Rouge|30.45|-91.15|3
LA|Shreveport|32.51|-93.75|2
LA|Metairie|30.00|-90.18|2
ME|Portland|43.66|-70.26|2
ME|Bangor|44.80|-68.77|1
MD|Baltimore|39.29|-76.61|M
MD|Bethesda|38.98|-77.10|3
MD|Columbia|39.20|-76.86|2
MD|Towson|39.40|-76.60|2
MD|Annapolis|38.97|-76.52|1
MA|Boston|42.36|-71.06|M
MA|Worcester|42.26|-71.80|3
MA|Springfield|42.10|-72.59|2
MA|Braintree|42.21|-71.00|2
MA|Natick|42.28|-71.35|2
MI|Detroit|42.35|-83.07|M
MI|Troy|42.61|-83.15|3
MI|Grand Rapids|42.96|-85.67|3
MI|Lansing|42.73|-84.56|2
MI|Novi|42.48|-83.48|2
MN|Minneapolis|44.98|-93.27|4
MN|St. Paul|44.95|-93.09|3
MN|Bloomington|44.84|-93.30|2
MN|Rochester|44.02|-92.47|1
MS|Jackson|32.30|-90.18|2
MS|Gulfport|30.40|-89.09|1
MS|Tupelo|34.26|-88.70|1
MO|Kansas City|39.10|-94.55|M
MO|St. Louis|38.63|-90.24|4
MO|Springfield|37.21|-93.29|2
MO|Columbia|38.95|-92.33|1
MT|Billings|45.78|-108.50|2
MT|Missoula|46.87|-113.99|1
NE|Omaha|41.26|-95.98|3
NE|Lincoln|40.81|-96.70|2
NV|Las Vegas|36.17|-115.14|M
NV|Reno|39.53|-119.81|3
NV|Henderson|36.04|-114.98|2
NH|Manchester|42.99|-71.46|2
NH|Nashua|42.77|-71.47|2
NH|Salem|42.79|-71.22|1
NJ|Newark|40.74|-74.18|3
NJ|Paramus|40.94|-74.07|3
NJ|Jersey City|40.73|-74.07|3
NJ|Short Hills|40.74|-74.33|2
NJ|Edison|40.52|-74.41|2
NJ|Cherry Hill|39.93|-75.01|2
NM|Albuquerque|35.08|-106.65|M
NM|Santa Fe|35.69|-105.94|2
NM|Las Cruces|32.32|-106.76|1
NY|New York|40.75|-73.98|M
NY|Buffalo|42.89|-78.85|3
NY|Rochester|43.16|-77.61|2
NY|Yonkers|40.93|-73.89|2
NY|Albany|42.65|-73.76|2
NY|Syracuse|43.05|-76.15|2
NY|Garden City|40.73|-73.63|2
NY|White Plains|41.03|-73.76|2
NC|Charlotte|35.23|-80.84|M
NC|Raleigh|35.78|-78.64|4
NC|Greensboro|36.07|-79.79|2
NC|Durham|35.99|-78.90|2
ND|Fargo|46.88|-96.80|2
ND|Bismarck|46.81|-100.78|1
OH|Columbus|39.96|-83.00|M
OH|Cleveland|41.48|-81.69|4
OH|Cincinnati|39.12|-84.51|4
OH|Toledo|41.65|-83.55|2
OH|Akron|41.08|-81.52|2
OH|Dayton|39.76|-84.19|2
OK|Oklahoma City|35.47|-97.52|M
OK|Tulsa|36.15|-95.99|3
OK|Norman|35.22|-97.44|1
OR|Portland|45.52|-122.68|M
OR|Salem|44.94|-123.04|2
OR|Eugene|44.05|-123.09|2
OR|Beaverton|45.49|-122.80|2
PA|Philadelphia|39.95|-75.17|M
PA|Pittsburgh|40.44|-80.00|4
PA|King of Prussia|40.09|-75.38|3
PA|Allentown|40.60|-75.49|2
PA|Harrisburg|40.27|-76.88|2
RI|Providence|41.82|-71.41|3
RI|Warwick|41.70|-71.42|2
RI|Cranston|41.78|-71.44|1
SC|Charleston|32.80|-79.95|3
SC|Columbia|34.00|-81.03|3
SC|Greenville|34.85|-82.40|2
SD|Sioux Falls|43.55|-96.73|2
SD|Rapid City|44.08|-103.23|1
TN|Nashville|36.16|-86.78|M
TN|Memphis|35.15|-90.02|M
TN|Knoxville|35.96|-83.92|3
TN|Chattanooga|35.05|-85.31|2
TN|Franklin|35.93|-86.87|2
TX|Houston|29.76|-95.37|M
TX|San Antonio|29.42|-98.49|M
TX|Dallas|32.78|-96.80|M
TX|Austin|30.27|-97.74|M
TX|Fort Worth|32.76|-97.33|M
TX|El Paso|31.80|-106.42|M
TX|Plano|33.02|-96.70|3
TX|Frisco|33.15|-96.82|2
TX|The Woodlands|30.17|-95.46|2
TX|Sugar Land|29.62|-95.63|2
TX|Lubbock|33.58|-101.86|2
TX|Corpus Christi|27.77|-97.45|2
TX|McAllen|26.22|-98.23|2
TX|Arlington|32.74|-97.11|3
UT|Salt Lake City|40.76|-111.89|3
UT|Provo|40.23|-111.66|2
UT|Ogden|41.22|-111.97|1
VT|Burlington|44.48|-73.20|2
VT|Montpelier|44.26|-72.58|1
VA|Virginia Beach|36.84|-76.05|3
VA|Richmond|37.54|-77.44|3
VA|Tysons|38.92|-77.23|3
VA|Norfolk|36.86|-76.27|2
VA|Arlington|38.88|-77.10|2
WA|Seattle|47.61|-122.33|M
WA|Bellevue|47.61|-122.20|3
WA|Tacoma|47.25|-122.44|3
WA|Spokane|47.66|-117.43|2
WA|Lynnwood|47.82|-122.31|2
WV|Charleston|38.35|-81.63|2
WV|Morgantown|39.63|-79.96|1
WV|Huntington|38.42|-82.44|1
WI|Milwaukee|43.04|-87.92|M
WI|Madison|43.07|-89.40|3
WI|Green Bay|44.51|-88.01|2
WI|Brookfield|43.06|-88.11|2
WY|Cheyenne|41.14|-104.82|1
WY|Casper|42.87|-106.31|1
ON|Toronto|43.65|-79.38|M
ON|Ottawa|45.42|-75.70|M
ON|Mississauga|43.59|-79.64|M
ON|Brampton|43.73|-79.76|M
ON|Hamilton|43.26|-79.87|M
ON|London|42.98|-81.25|3
ON|Markham|43.86|-79.34|3
ON|Windsor|42.29|-83.00|2
ON|Kitchener|43.45|-80.49|2
ON|Vaughan|43.84|-79.50|2
QC|Montréal|45.50|-73.57|M
QC|Québec|46.82|-71.28|M
QC|Laval|45.61|-73.71|3
QC|Gatineau|45.48|-75.70|2
QC|Sherbrooke|45.40|-71.89|2
BC|Vancouver|49.28|-123.12|M
BC|Surrey|49.19|-122.85|M
BC|Burnaby|49.25|-122.98|3
BC|Richmond|49.17|-123.14|3
BC|Victoria|48.43|-123.37|2
BC|Kelowna|49.89|-119.50|2
AB|Calgary|51.05|-114.07|M
AB|Edmonton|53.55|-113.49|M
AB|Red Deer|52.27|-113.81|2
AB|Lethbridge|49.69|-112.84|1
MB|Winnipeg|49.90|-97.14|M
MB|Brandon|49.85|-99.95|1
SK|Saskatoon|52.13|-106.67|2
SK|Regina|50.45|-104.61|2
NS|Halifax|44.66|-63.62|3
NS|Sydney|46.14|-60.19|1
NB|Moncton|46.09|-64.78|2
NB|Saint John|45.29|-66.05|2
NB|Fredericton|45.96|-66.64|1
NL|St. John's|47.56|-52.71|2
PE|Charlottetown|46.26|-63.14|1
YT|Whitehorse|60.72|-135.06|1
NT|Yellowknife|62.45|-114.37|1
NU|Iqaluit|63.75|-68.52|1
"""


@dataclass(frozen=True)
class Place:
    region: str
    city: str
    lat: float
    lon: float
    weight: float
    major: bool


def _parse_places() -> list[Place]:
    out = []
    for line in _PLACES.strip().splitlines():
        region, city, lat, lon, weight = line.split("|")
        out.append(Place(region, city, float(lat), float(lon), 0.0 if weight == "M" else float(weight), weight == "M"))
    return out


PLACES: tuple[Place, ...] = tuple(_parse_places())

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

@dataclass
class Reference:
    """What the reference CSVs say, in the shapes the generator needs."""

    annual: dict[int, dict[str, float]]  # year -> metric -> value (jsa_annual.csv)
    population: dict[str, float]  # region code -> residents
    country: dict[str, str]  # region code -> US / CA
    names: dict[str, str]  # region code -> full name
    aliases: dict[str, list[str]]  # region code -> alternative spellings from regions.csv
    major: dict[str, list[tuple[str, float]]] = field(default_factory=dict)  # region -> [(city, population)]
    h1_change_pct: float = 20.0  # published claim for the major-city figure

    @property
    def years(self) -> list[int]:
        return sorted(y for y, m in self.annual.items() if "total_crimes" in m)

    def metric(self, year: int, name: str) -> float | None:
        return self.annual.get(year, {}).get(name)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_reference(reference_dir: Path = REFERENCE_DIR) -> Reference:
    annual: dict[int, dict[str, float]] = {}
    for r in _rows(reference_dir / "jsa_annual.csv"):
        annual.setdefault(int(r["year"]), {})[r["metric"]] = float(r["value"])
    regions = _rows(reference_dir / "regions.csv")
    population = {r["region_code"]: float(r["population"]) for r in _rows(reference_dir / "region_population.csv")}
    major: dict[str, list[tuple[str, float]]] = {}
    for r in _rows(reference_dir / "major_cities.csv"):
        major.setdefault(r["region_code"], []).append((r["city"], float(r["population"])))
    h1 = 20.0
    figures = reference_dir / "published_figures.csv"
    if figures.exists():
        for r in _rows(figures):
            if r["figure_id"] == "major_cities_theft_robbery_h1" and r["kind"] == "campaign_claim":
                h1 = float(r["value"])
                break
    return Reference(
        annual=annual,
        population=population,
        country={r["code"]: r["country"] for r in regions},
        names={r["code"]: r["name"] for r in regions},
        aliases={r["code"]: [a for a in r["aliases"].split("|") if a] for r in regions},
        major=major,
        h1_change_pct=h1,
    )


@dataclass(frozen=True)
class CityBook:
    """Cities to draw from per region, split into major and smaller ones."""

    major: dict[str, tuple[tuple[str, float], ...]]  # region -> ((city, weight), ...)
    minor: dict[str, tuple[tuple[str, float], ...]]
    coords: dict[tuple[str, str], tuple[float, float]]  # (region, city key) -> centre inside the region

    def p_major(self, region: str, population: float) -> float:
        """Share of a region's jewelry crimes that happen in its major cities."""
        if region not in self.major:
            return 0.0
        if region not in self.minor:
            return 1.0
        return min(0.8, 1.6 * sum(w for _, w in self.major[region]) / max(population, 1.0))


def city_book(ref: Reference) -> CityBook:
    inside = region_shapes()
    major = {region: tuple(cities) for region, cities in ref.major.items()}
    major_keys = {(r, city_key(c)) for r, cs in ref.major.items() for c, _ in cs}
    minor: dict[str, list[tuple[str, float]]] = {}
    coords: dict[tuple[str, str], tuple[float, float]] = {}
    for p in PLACES:
        key = (p.region, city_key(p.city))
        if _contains(inside.get(p.region), p.lat, p.lon):
            coords[key] = (p.lat, p.lon)
        if key in major_keys or p.major:
            continue
        minor.setdefault(p.region, []).append((p.city, p.weight))
    return CityBook(major, {r: tuple(v) for r, v in minor.items()}, coords)


@lru_cache(maxsize=1)
def region_shapes() -> dict:
    """Region code -> shapely geometry, from the boundary file the ETL checks points against."""
    import shapely
    from shapely.geometry import shape

    with GEO_FILE.open(encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    shapes = {f["properties"]["code"]: shape(f["geometry"]) for f in features}
    for g in shapes.values():
        shapely.prepare(g)
    return shapes


def _contains(geom, lat: float, lon: float) -> bool:  # noqa: ANN001
    if geom is None or math.isnan(lat) or math.isnan(lon):
        return False
    import shapely

    return bool(shapely.contains_xy(geom, lon, lat))


def inside(region: str, lat: float, lon: float) -> bool:
    return _contains(region_shapes().get(region), lat, lon)
