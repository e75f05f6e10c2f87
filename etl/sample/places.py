"""Where sample incidents happen: the cities of places.csv, checked against the ETL's boundaries.

places.csv lists cities with approximate coordinates and, for cities that
are not on the reference list of major cities (data/raw/reference/
major_cities.csv), a rough relative size used to pick a smaller city inside
its state. A major city has no weight: which cities are major, and how big
they are, comes from the reference list alone. Coordinates are only used
where they fall inside the city's region on the boundary file the ETL checks
points against (etl.geo), so every point the generator writes loads cleanly.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import shapely

from etl import geo
from etl.regions import city_key
from etl.sample.data import Reference

PLACES_FILE = Path(__file__).resolve().with_name("places.csv")
PLACES_COLUMNS = ["region_code", "city", "latitude", "longitude", "weight"]
# Jewelers cluster in big cities: a state's major cities get this many times their share of its residents, capped.
MAJOR_CITY_FACTOR = 1.6
MAJOR_CITY_CAP = 0.8


@dataclass(frozen=True)
class Place:
    region: str
    city: str
    lat: float
    lon: float
    weight: float | None  # None for a city on the major-city list


@lru_cache(maxsize=4)
def read_places(path: Path = PLACES_FILE) -> tuple[Place, ...]:
    """The places table, in file order (the order of a region's cities is part of the seeded draw)."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != PLACES_COLUMNS:
            raise ValueError(f"{path.name}: columns must be {', '.join(PLACES_COLUMNS)}, not {reader.fieldnames}")
        return tuple(Place(r["region_code"], r["city"], float(r["latitude"]), float(r["longitude"]),
                           float(r["weight"]) if r["weight"] else None) for r in reader)


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
        return min(MAJOR_CITY_CAP, MAJOR_CITY_FACTOR * sum(w for _, w in self.major[region]) / max(population, 1.0))


def city_book(ref: Reference, places: tuple[Place, ...] | None = None) -> CityBook:
    """Major cities from the reference list, smaller ones from places.csv, and the points inside their region."""
    places = read_places() if places is None else places
    major = {region: tuple(cities) for region, cities in ref.major.items()}
    major_keys = {(r, city_key(c)) for r, cs in ref.major.items() for c, _ in cs}
    minor: dict[str, list[tuple[str, float]]] = {}
    coords: dict[tuple[str, str], tuple[float, float]] = {}
    for p in places:
        key = (p.region, city_key(p.city))
        if p.region not in ref.names:
            raise ValueError(f"places.csv: {p.city}: {p.region!r} is not a region of regions.csv")
        # a weight on a major city, or none on a smaller one, would mean two lists disagree on which is which
        if (key in major_keys) != (p.weight is None):
            state = "is" if key in major_keys else "is not"
            raise ValueError(f"places.csv: {p.city}, {p.region} {state} on the major-city list, "
                             f"so its weight must be {'blank' if key in major_keys else 'a number'}")
        if inside(p.region, p.lat, p.lon):
            coords[key] = (p.lat, p.lon)
        if p.weight is not None:
            minor.setdefault(p.region, []).append((p.city, p.weight))
    return CityBook(major, {r: tuple(v) for r, v in minor.items()}, coords)


@lru_cache(maxsize=1)
def region_shapes() -> dict[str, shapely.Geometry]:
    """Region code -> prepared polygon, from the ETL's own boundary loader."""
    shapes = geo.boundaries()
    polygons = dict(zip(shapes["code"], shapes.geometry))
    for g in polygons.values():
        shapely.prepare(g)
    return polygons


def inside(region: str, lat: float, lon: float) -> bool:
    """Strictly inside the region (the ETL would also accept a near miss; the sample never needs one)."""
    geom = region_shapes().get(region)
    if geom is None or math.isnan(lat) or math.isnan(lon):
        return False
    return bool(shapely.contains_xy(geom, lon, lat))
