"""States, provinces and major cities: resolve spellings to codes.

Built from the reference CSVs (the same files every database gets), so the
ETL cleans region and city names once and the dashboard never has to.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from etl.config import REFERENCE_DIR
from etl.formats.parse import Problems, as_category, by_value, clean_text, known_text, map_distinct, quote, said


def fold(text: str) -> str:
    """Lower case, accents and punctuation removed: 'Québec' -> 'quebec', 'D.C.' -> 'dc'."""
    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    t = re.sub(r"[.'’]", "", t)
    t = re.sub(r"[^a-z0-9]+", " ", t)
    return t.strip()


COUNTRY_SPELLINGS = {
    "us": "US", "usa": "US", "united states": "US", "united states of america": "US", "america": "US", "u s": "US",
    "ca": "CA", "can": "CA", "canada": "CA",
}


@dataclass(frozen=True)
class RegionBook:
    codes: dict[str, str]  # folded spelling -> code
    names: dict[str, str]  # code -> name
    country: dict[str, str]  # code -> US / CA
    major: frozenset[tuple[str, str]]  # (region code, folded city)
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)  # code -> other spellings, as written

    @classmethod
    def from_files(cls, reference_dir: Path = REFERENCE_DIR) -> "RegionBook":
        regions = pd.read_csv(reference_dir / "regions.csv", dtype="str", keep_default_na=False)
        codes: dict[str, str] = {}
        aliases: dict[str, tuple[str, ...]] = {}
        for row in regions.itertuples(index=False):
            aliases[row.code] = tuple(a for a in row.aliases.split("|") if a)
            for sp in (row.code, row.name, row.iso_3166_2, *aliases[row.code]):
                codes[fold(sp)] = row.code
        cities = pd.read_csv(reference_dir / "major_cities.csv", dtype="str", keep_default_na=False)
        major = frozenset((r.region_code, city_key(r.city)) for r in cities.itertuples(index=False))
        return cls(codes, dict(zip(regions.code, regions.name)), dict(zip(regions.code, regions.country)), major,
                   aliases)

    def suggest(self, text: str) -> str | None:
        if len(text) > 60:  # no state or province name is this long; difflib on a huge cell would take seconds
            return None
        names = list(self.names.values())
        hit = difflib.get_close_matches(text.strip().title(), names, n=1, cutoff=0.75)
        return hit[0] if hit else None

    def resolve(self, raw: pd.Series, column: str, problems: Problems, allow_blank: pd.Series | None = None) -> pd.Series:
        """Spelling -> region code; unknown spellings are problems (with a suggestion)."""
        s = clean_text(raw)
        code = map_distinct(s, lambda u: self.codes.get(fold(u)), categories=sorted(self.names))
        unknown = s.notna() & code.isna()
        if unknown.any():
            hints = {u: self.suggest(u) for u in pd.unique(s[unknown])}
            msg = s[unknown].map(lambda u: f"{column}: '{u[:60]}' is not a U.S. state or Canadian province"
                                 + (f"; did you mean '{hints[u]}'?" if hints.get(u) else ""))
            problems.add(unknown, msg.reindex(s.index))
        blank = s.isna()
        if allow_blank is not None:
            blank = blank & ~allow_blank
        problems.add(blank, f"{column}: is blank (required)")
        return code

    def resolve_country(self, raw: pd.Series, region: pd.Series, column: str, problems: Problems) -> pd.Series:
        def parse(u: pd.Series, sub: Problems) -> pd.Series:
            value = u.map(lambda v: COUNTRY_SPELLINGS.get(fold(v)))
            sub.add((value.isna() & (u.str.strip() != "")).to_numpy(), said(u, column, "is not United States or Canada"))
            return value.astype("str")

        raw = known_text(raw)  # 'N/A' or 'unknown': inferred from the region like a blank
        given = by_value(raw, parse, problems).astype("category").cat.set_categories(["US", "CA"])
        inferred = map_distinct(region, self.country, categories=["US", "CA"])
        clash = (given.notna() & inferred.notna() & (given != inferred)).to_numpy()
        problems.add(clash, lambda rows: column + ": " + quote(raw[rows]) + " does not match the state or province "
                     + region[rows].map(self.names).fillna("").astype("str"))
        fill = (inferred.isna() & given.notna()).to_numpy()
        if fill.any():
            inferred = inferred.copy()
            inferred[fill] = given[fill].to_numpy()
        return inferred

    def is_major(self, region: pd.Series, city_keys: pd.Series) -> np.ndarray:
        """True where (region, city) is on the major-city list; evaluated once per distinct pair."""
        r_codes, r_uniques = pd.factorize(region)
        c_codes, c_uniques = pd.factorize(city_keys)
        pair = r_codes.astype("int64") * (len(c_uniques) + 1) + c_codes
        pair_codes, pair_uniques = pd.factorize(pair)
        hits = np.zeros(len(pair_uniques), dtype=bool)
        for i, p in enumerate(pair_uniques):
            r, c = divmod(int(p), len(c_uniques) + 1)
            if r < 0 or c < 0 or c >= len(c_uniques):
                continue
            key = str(c_uniques[c])
            hits[i] = (r_uniques[r], key) in self.major or (r_uniques[r], re.sub(r" city$", "", key)) in self.major
        return hits[pair_codes]


def city_key(name: str) -> str:
    key = fold(name)
    return re.sub(r"^(st|ste)\b", "saint", key)


def city_keys(raw: pd.Series) -> pd.Series:
    return as_category(map_distinct(clean_text(raw), city_key))


@lru_cache(maxsize=4)
def region_book(reference_dir: Path = REFERENCE_DIR) -> RegionBook:
    return RegionBook.from_files(reference_dir)
